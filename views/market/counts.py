"""The stock count: counted quantities against the books, and one recorded count."""

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from db import market
from db.market import queries
from db.market.ledger import MarketError, stock_levels
from db.market.models import StockCount
from views.access import staff_required
from views.forms import refused
from views.market import bp
from views.market.common import MESSAGES, acting_user
from views.pages import render_page
from views.params import parse_int


def countable_items():
    """[(item, stock)] a count lists: every active item, and inactive items still in stock
    (taken off the counter, but their goods are on the shelf until written off)."""
    return [(item, stock) for item, stock in stock_levels() if item.active or stock != 0]


@bp.route("/stock/count", methods=["GET", "POST"])
@staff_required
def count():
    """Enter counted quantities; each difference from the books becomes a movement.

    The form carries the book figure it showed for each item (`expected-<id>`): if the books
    moved before the save, the count is refused and the page shows the new figures."""
    rows = countable_items()
    errors = {}
    values = {}
    note = ""
    form = FlaskForm()
    if form.validate_on_submit():
        note = request.form.get("note", "").strip()[:300]
        counted, shown = {}, {}
        for item, _stock in rows:
            text = request.form.get(f"counted-{item.id}", "").strip()
            values[item.id] = text
            if text == "":
                continue
            if parse_int(text, maximum=9_999_999) is None:
                errors[item.id] = _("Enter a whole number of 0 or more.")
            else:
                counted[item.id] = int(text)
                books = parse_int(request.form.get(f"expected-{item.id}", ""), maximum=9_999_999)
                if books is not None:  # missing: refused below as a changed figure
                    shown[item.id] = books
        if not errors and not counted:
            MESSAGES.add(form, market.MarketError("nothing_counted"))
        if not errors and counted:
            try:
                stock_count = market.record_count(counted, note, actor=acting_user(), shown=shown)
            except MarketError as exc:
                MESSAGES.add(form, exc)
                for item_id in exc.params.get("item_ids", ()):
                    values.pop(item_id, None)  # to be counted again against the new figure
            else:
                flash(_("Stock count recorded."), "success")
                return redirect(url_for("market.stock_count", count_id=stock_count.id))
    context = dict(rows=rows, errors=errors, values=values, note=note, form=form)
    if form.is_submitted():
        return refused("market/count.html", **context)
    return render_page("market/count.html", **context)


@bp.route("/stock/counts/<int:count_id>")
@staff_required
def stock_count(count_id):
    """One stock count: books, counted and difference per item."""
    stock_count = queries.document(StockCount, count_id) or abort(404)
    return render_page(
        "market/stock_count.html",
        stock_count=stock_count,
        lines=queries.stock_count_lines(stock_count),
    )
