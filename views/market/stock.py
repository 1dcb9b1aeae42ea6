"""The staff home, the catalogue and stock pages, write-offs, stock counts, and reversals."""

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from peewee import JOIN, fn
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from db import market
from db.accounts import User
from db.market.cash import reverse_purchase, reverse_spending
from db.market.households import due_for_review
from db.market.ledger import MarketError, cash_balance, stock_levels, stock_of
from db.market.models import (
    ITEM_CATEGORIES,
    CashEntry,
    Donation,
    Item,
    PointsEntry,
    Purchase,
    Redemption,
    StockCount,
    StockCountLine,
    StockMovement,
)
from db.market.periods import current_period, local_today
from db.market.reports import low_stock, todays_counter
from db.market.stock import movement_reversed
from views.access import staff_required
from views.market import bp
from views.market.common import (
    ITEM_CATEGORY_NAMES,
    PAGE_SIZE,
    MoneyField,
    acting_user,
    item_label,
    page_number,
    pages_for,
    refusal_text,
    unit_choices,
)
from views.pages import render_page
from views.params import parse_int

REQUIRED = _l("This field is required.")


class ItemForm(FlaskForm):
    """A catalogue item."""

    name = StringField(_l("Item"), [DataRequired(message=REQUIRED), Length(max=60)])
    category = SelectField(
        _l("Category"), choices=[SelectChoice(c, ITEM_CATEGORY_NAMES[c]) for c in ITEM_CATEGORIES]
    )
    unit = SelectField(_l("Unit"), choices=unit_choices)
    points_price = IntegerField(
        _l("Points price"),
        [
            InputRequired(message=REQUIRED),
            NumberRange(min=0, max=100_000, message=_l("Enter a whole number from 0.")),
        ],
    )
    reference_value = MoneyField(_l("Reference value (yuan)"), [InputRequired(message=REQUIRED)])
    low_stock_threshold = IntegerField(
        _l("Low-stock threshold"),
        [
            InputRequired(message=REQUIRED),
            NumberRange(min=0, max=100_000, message=_l("Enter a whole number from 0.")),
        ],
        default=5,
    )
    active = BooleanField(_l("Available at the counter"), default=True)


class WriteOffForm(FlaskForm):
    """Goods taken out of stock as expired or damaged."""

    item = SelectField(_l("Item"), coerce=int)
    quantity = IntegerField(
        _l("Quantity"),
        [
            InputRequired(message=REQUIRED),
            NumberRange(min=1, max=100_000, message=_l("Enter a quantity of 1 or more.")),
        ],
    )
    reason = StringField(
        _l("Reason"), [DataRequired(message=_l("Give the reason.")), Length(max=300)]
    )


class ReasonForm(FlaskForm):
    """The reason for a reversal."""

    reason = TextAreaField(
        _l("Reason"), [DataRequired(message=_l("Give the reason.")), Length(max=300)]
    )


@bp.route("/")
@staff_required
def home():
    """The module's staff home: today's counter, low stock, reviews coming due."""
    recent, count, points = todays_counter()
    return render_page(
        "market/home.html",
        recent=recent,
        today_count=count,
        today_points=points,
        low=low_stock(limit=10),
        due=list(due_for_review().limit(10)),
        cash=cash_balance(),
        month=current_period(),
        today=local_today(),
        issued=PointsEntry.select()
        .where(
            (PointsEntry.kind == "allowance") & (PointsEntry.allowance_month == current_period())
        )
        .exists(),
    )


@bp.route("/items")
@staff_required
def items():
    """The catalogue with stock levels, low stock flagged; filter by category or low stock."""
    category = request.args.get("category", "")
    only_low = request.args.get("low") == "1"
    q = request.args.get("q", "").strip()[:30]
    query = Item.select().order_by(Item.category, Item.name, Item.id)
    if category in ITEM_CATEGORIES:
        query = query.where(Item.category == category)
    if q:
        query = query.where(Item.name.contains(q))
    stock = stock_of()  # the kept totals: no query
    if only_low:  # stock is not a column: this filter runs over the (filtered) catalogue
        rows = [(i, stock.get(i.id, 0)) for i in query]
        rows = [(i, s) for i, s in rows if i.active and s <= i.low_stock_threshold]
        total, page = len(rows), page_number()
        rows = rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    else:
        total, page = query.count(), page_number()
        rows = [(i, stock.get(i.id, 0)) for i in query.paginate(page, PAGE_SIZE)]
    return render_page(
        "market/items.html",
        block="rows",
        rows=rows,
        total=total,
        page=page,
        pages=pages_for(total),
        category=category,
        only_low=only_low,
        q=q,
        categories=ITEM_CATEGORIES,
    )


def _save_item(form, item=None):
    """Save the item form; returns the item, or None after putting the refusal on the form."""
    try:
        return market.save_item(
            item,
            actor=acting_user(),
            name=form.name.data,
            category=form.category.data,
            unit=form.unit.data,
            points_price=form.points_price.data,
            reference_value=form.reference_value.data,
            low_stock_threshold=form.low_stock_threshold.data,
            active=form.active.data,
        )
    except MarketError as exc:
        getattr(form, exc.field or "name").errors.append(refusal_text(exc))
        return None


@bp.route("/items/new", methods=["GET", "POST"])
@staff_required
def create_item():
    """Add an item to the catalogue."""
    form = ItemForm()
    if form.validate_on_submit() and (item := _save_item(form)):
        flash(_("%(name)s added to the catalogue.", name=item.name), "success")
        return redirect(url_for("market.item", item_id=item.id))
    status = 422 if form.is_submitted() else 200
    return render_page("market/item_form.html", form=form, item=None, status=status)


@bp.route("/items/<int:item_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_item(item_id):
    """Change an item's name, price, value, threshold or availability (its category only
    while it has no stock movements)."""
    item = Item.get_or_none(Item.id == item_id) or abort(404)
    form = ItemForm(obj=item)
    form.unit.choices = unit_choices(item.unit)
    if form.validate_on_submit() and _save_item(form, item):
        flash(_("%(name)s saved.", name=form.name.data.strip()), "success")
        return redirect(url_for("market.item", item_id=item.id))
    status = 422 if form.is_submitted() else 200
    return render_page("market/item_form.html", form=form, item=item, status=status)


@bp.route("/items/<int:item_id>")
@staff_required
def item(item_id):
    """One item: its stock and its movement history, newest first, with a running balance."""
    item = Item.get_or_none(Item.id == item_id) or abort(404)
    page = page_number()
    query = (
        StockMovement.select(StockMovement, User)
        .join(User, JOIN.LEFT_OUTER, on=(StockMovement.actor == User.id))
        .where(StockMovement.item == item.id)
        .order_by(StockMovement.id.desc())
    )
    total = query.count()
    movements = list(query.paginate(page, PAGE_SIZE))
    stock = stock_of([item.id]).get(item.id, 0)
    if movements:
        # The balance after the newest row on this page: stock less everything newer.
        newer = (
            StockMovement.select(fn.COALESCE(fn.SUM(StockMovement.quantity), 0))
            .where((StockMovement.item == item.id) & (StockMovement.id > movements[0].id))
            .scalar()
        )
        running = stock - int(newer or 0)
        for movement in movements:
            movement.balance_after = running
            running -= movement.quantity
    return render_page(
        "market/item.html",
        block="rows",
        item=item,
        stock=stock,
        movements=movements,
        reversed_ids=movement_reversed([m.id for m in movements]),
        page=page,
        pages=pages_for(total),
        total=total,
    )


def item_choices(active_only=True):
    """(id, label) pairs for an item select, with the unit."""
    query = Item.select().order_by(Item.category, Item.name)
    if active_only:
        query = query.where(Item.active)
    return [(item.id, item_label(item)) for item in query]


@bp.route("/stock/write-off", methods=["GET", "POST"])
@staff_required
def write_off():
    """Take expired or damaged goods out of stock, with the reason."""
    form = WriteOffForm(item=parse_int(request.args.get("item", "")))
    form.item.choices = item_choices(active_only=False)
    if form.validate_on_submit():
        try:
            market.write_off(
                form.item.data, form.quantity.data, form.reason.data, actor=acting_user()
            )
        except MarketError as exc:
            getattr(form, exc.field or "quantity").errors.append(refusal_text(exc))
        else:
            flash(_("Write-off recorded."), "success")
            return redirect(url_for("market.item", item_id=form.item.data))
    status = 422 if form.is_submitted() else 200
    return render_page("market/write_off.html", form=form, status=status)


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
            form.form_errors.append(_("Enter the counted quantity of at least one item."))
        if not errors and counted:
            try:
                stock_count = market.record_count(counted, note, actor=acting_user(), shown=shown)
            except MarketError as exc:
                form.form_errors.append(refusal_text(exc))
                for item_id in exc.params.get("item_ids", ()):
                    values.pop(item_id, None)  # to be counted again against the new figure
            else:
                flash(_("Stock count recorded."), "success")
                return redirect(url_for("market.stock_count", count_id=stock_count.id))
    status = 422 if form.is_submitted() else 200
    return render_page(
        "market/count.html",
        rows=rows,
        errors=errors,
        values=values,
        note=note,
        form=form,
        status=status,
    )


@bp.route("/stock/counts/<int:count_id>")
@staff_required
def stock_count(count_id):
    """One stock count: books, counted and difference per item."""
    stock_count = StockCount.get_or_none(StockCount.id == count_id) or abort(404)
    lines = list(
        StockCountLine.select(StockCountLine, Item)
        .join(Item)
        .where(StockCountLine.stock_count == stock_count.id)
        .order_by(Item.category, Item.name)
    )
    return render_page("market/stock_count.html", stock_count=stock_count, lines=lines)


# kind → (model, what the page says will happen, the operation, where to go afterwards)
REVERSIBLE = {
    "donation": (
        Donation,
        _l(
            "Its goods leave stock and its money leaves the cash ledger. The receipt number "
            "stays used; enter the corrected donation as a new one."
        ),
        market.reverse_donation,
        lambda obj: url_for("market.donation", donation_id=obj.id),
    ),
    "purchase": (
        Purchase,
        _l("Its goods leave stock and the money comes back to the cash ledger."),
        reverse_purchase,
        lambda obj: url_for("market.purchase", purchase_id=obj.id),
    ),
    "redemption": (
        Redemption,
        _l("The goods go back into stock and the points go back to the love card."),
        market.reverse_redemption,
        lambda obj: url_for("market.slip", redemption_id=obj.id),
    ),
    "movement": (
        StockMovement,
        _l("A movement of the opposite quantity is written, pointing at this one."),
        market.reverse_movement,
        lambda obj: url_for("market.item", item_id=obj.item_id),
    ),
    "points": (
        PointsEntry,
        _l(
            "An entry of the opposite points is written on the love card, pointing at this "
            "one. A reversed allowance still counts as issued for its month."
        ),
        market.reverse_points_entry,
        lambda obj: url_for("market.household", household_id=obj.household_id),
    ),
    "spending": (
        CashEntry,
        _l("The amount comes back to the cash ledger."),
        reverse_spending,
        lambda obj: url_for("market.cash"),
    ),
}


@bp.route("/reverse/<kind>/<int:object_id>", methods=["GET", "POST"])
@staff_required
def reverse(kind, object_id):
    """Reverse a donation, purchase, redemption, write-off, count difference, allowance,
    expiry or spending, with a reason. Nothing is edited or deleted: the reversal is a new
    entry."""
    if kind not in REVERSIBLE:
        abort(404)
    model, consequence, operation, after = REVERSIBLE[kind]
    target = model.get_or_none(model.id == object_id) or abort(404)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            operation(target.id, form.reason.data, actor=acting_user())
        except MarketError as exc:
            errors = form.reason.errors if exc.field == "reason" else form.form_errors
            errors.append(refusal_text(exc))
        else:
            flash(
                _("Reversed. The original entry and its reversal both stay on record."), "success"
            )
            return redirect(after(target))
    status = 422 if form.is_submitted() else 200
    return render_page(
        "market/reverse.html",
        form=form,
        kind=kind,
        target=target,
        consequence=consequence,
        back=after(target),
        status=status,
    )
