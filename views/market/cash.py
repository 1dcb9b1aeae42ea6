"""The cash ledger of donated money: its page, purchases of goods, and other spending."""

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from peewee import JOIN, fn
from wtforms import FieldList, FormField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from db import market
from db.accounts import User
from db.market.ledger import MarketError, cash_balance
from db.market.models import CashEntry, Item, Purchase, Reversal, StockMovement
from views.access import staff_required
from views.market import bp
from views.market.common import (
    PAGE_SIZE,
    MoneyField,
    acting_user,
    page_number,
    pages_for,
    refusal_text,
)
from views.market.donations import (
    MAX_LINES,
    MIN_LINES,
    GoodsLineForm,
    add_line_requested,
    fill_item_choices,
    goods_lines,
)
from views.pages import render_page


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
    page = page_number()
    query = (
        CashEntry.select(CashEntry, User)
        .join(User, JOIN.LEFT_OUTER, on=(CashEntry.actor == User.id))
        .order_by(CashEntry.id.desc())
    )
    total = query.count()
    entries = list(query.paginate(page, PAGE_SIZE))
    balance = cash_balance()
    if entries:
        newer = (
            CashEntry.select(fn.COALESCE(fn.SUM(CashEntry.amount), 0))
            .where(CashEntry.id > entries[0].id)
            .scalar()
        )
        running = balance - int(newer or 0)
        for entry in entries:
            entry.balance_after = running
            running -= entry.amount
    reversed_ids = {
        row.reverses_id
        for row in CashEntry.select(CashEntry.reverses).where(
            CashEntry.reverses.in_([e.id for e in entries])
        )
    }
    return render_page(
        "market/cash.html",
        block="rows",
        entries=entries,
        balance=balance,
        reversed_ids=reversed_ids,
        page=page,
        pages=pages_for(total),
        total=total,
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
        if not lines:
            form.form_errors.append(_("Add at least one line of goods."))
        else:
            try:
                purchase = market.record_purchase(
                    form.supplier.data, lines, form.note.data or "", actor=acting_user()
                )
            except MarketError as exc:
                target = form.supplier.errors if exc.field == "supplier" else form.form_errors
                target.append(refusal_text(exc))
            else:
                flash(_("Purchase recorded; the goods are in stock."), "success")
                return redirect(url_for("market.purchase", purchase_id=purchase.id))
    status = 422 if form.is_submitted() else 200
    return render_page(
        "market/purchase_form.html", form=form, balance=cash_balance(), status=status
    )


@bp.route("/purchases/<int:purchase_id>")
@staff_required
def purchase(purchase_id):
    """One purchase: supplier, goods, total, and its reversal if any."""
    purchase = Purchase.get_or_none(Purchase.id == purchase_id) or abort(404)
    lines = list(
        StockMovement.select(StockMovement, Item)
        .join(Item)
        .where((StockMovement.purchase == purchase.id) & (StockMovement.kind == "purchase"))
        .order_by(StockMovement.id)
    )
    reversal = Reversal.get_or_none(Reversal.purchase == purchase.id)
    return render_page("market/purchase.html", purchase=purchase, lines=lines, reversal=reversal)


@bp.route("/spending/new", methods=["GET", "POST"])
@staff_required
def create_spending():
    """Record money spent on something other than goods."""
    form = SpendingForm()
    if form.validate_on_submit():
        try:
            market.record_spending(form.amount.data, form.purpose.data, actor=acting_user())
        except MarketError as exc:
            getattr(form, exc.field or "amount").errors.append(refusal_text(exc))
        else:
            flash(_("Spending recorded."), "success")
            return redirect(url_for("market.cash"))
    status = 422 if form.is_submitted() else 200
    return render_page(
        "market/spending_form.html", form=form, balance=cash_balance(), status=status
    )
