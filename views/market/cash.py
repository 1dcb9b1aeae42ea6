"""The cash ledger of donated money: its page, purchases of goods, and other spending."""

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, FormField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from db import market
from db.market import queries
from db.market.ledger import MarketError, cash_balance
from db.market.models import Purchase
from views.access import staff_required
from views.forms import MoneyField, refused
from views.market import bp
from views.market.common import MESSAGES, acting_user
from views.market.donations import (
    MAX_LINES,
    MIN_LINES,
    GoodsLineForm,
    add_line_requested,
    fill_item_choices,
    goods_lines,
)
from views.pages import render_page
from views.params import page_number


class PurchaseForm(FlaskForm):
    """Goods bought with donated money."""

    supplier = StringField(
        _l("Supplier"), [DataRequired(message=_l("Enter the supplier.")), Length(max=100)]
    )
    lines = FieldList(FormField(GoodsLineForm), min_entries=MIN_LINES, max_entries=MAX_LINES)
    note = TextAreaField(_l("Note (optional)"), [Optional(), Length(max=300)])


class SpendingForm(FlaskForm):
    """Money spent on something other than goods."""

    amount = MoneyField(_l("Amount (yuan)"), [InputRequired(message=_l("Enter the amount."))])
    purpose = StringField(
        _l("What it was spent on"),
        [DataRequired(message=_l("Say what the money was spent on.")), Length(max=300)],
    )


@bp.route("/cash")
@staff_required
def cash():
    """The cash ledger, newest first, with the running balance after each entry."""
    listing, reversed_ids, balance = queries.cash_page(page_number(request.args))
    return render_page(
        "market/cash.html",
        block="rows",
        listing=listing,
        balance=balance,
        reversed_ids=reversed_ids,
    )


@bp.route("/purchases/new", methods=["GET", "POST"])
@staff_required
def create_purchase():
    """Buy goods with donated money: the goods come into stock, the money leaves the ledger."""
    form = PurchaseForm()
    references = fill_item_choices(form.lines, active_only=False)
    if request.method == "POST" and add_line_requested(form):
        fill_item_choices(form.lines, active_only=False)
        return render_page("market/purchase_form.html", form=form, balance=cash_balance())
    if form.validate_on_submit():
        lines = goods_lines(form.lines, references)
        try:
            if not lines:
                raise MarketError("no_lines")
            purchase = market.record_purchase(
                form.supplier.data, lines, form.note.data or "", actor=acting_user()
            )
        except MarketError as exc:
            MESSAGES.add(form, exc)
        else:
            flash(_("Purchase recorded; the goods are in stock."), "success")
            return redirect(url_for("market.purchase", purchase_id=purchase.id))
    if form.is_submitted():
        return refused("market/purchase_form.html", form=form, balance=cash_balance())
    return render_page("market/purchase_form.html", form=form, balance=cash_balance())


@bp.route("/purchases/<int:purchase_id>")
@staff_required
def purchase(purchase_id):
    """One purchase: supplier, goods, total, and its reversal if any."""
    purchase = queries.document(Purchase, purchase_id) or abort(404)
    return render_page(
        "market/purchase.html",
        purchase=purchase,
        lines=queries.purchase_lines(purchase),
        reversal=queries.reversal_of(purchase=purchase.id),
    )


@bp.route("/spending/new", methods=["GET", "POST"])
@staff_required
def create_spending():
    """Record money spent on something other than goods."""
    form = SpendingForm()
    if form.validate_on_submit():
        try:
            market.record_spending(form.amount.data, form.purpose.data, actor=acting_user())
        except MarketError as exc:
            MESSAGES.add(form, exc)
        else:
            flash(_("Spending recorded."), "success")
            return redirect(url_for("market.cash"))
    if form.is_submitted():
        return refused("market/spending_form.html", form=form, balance=cash_balance())
    return render_page("market/spending_form.html", form=form, balance=cash_balance())
