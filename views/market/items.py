"""The catalogue: the list of goods with their stock, one item and its movements, adding and
changing an item."""

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from db import market
from db.market import queries
from db.market.ledger import MarketError, stock_of
from db.market.models import ITEM_CATEGORIES, Item
from views.access import staff_required
from views.caching import cached_page
from views.forms import MoneyField, WholeNumberField, refused
from views.market import bp
from views.market.common import (
    ITEM_CATEGORY_NAMES,
    MESSAGES,
    REQUIRED,
    acting_user,
    item_label,
    unit_choices,
)
from views.pages import render_page
from views.params import page_number


class ItemForm(FlaskForm):
    """A catalogue item."""

    name = StringField(_l("Item"), [DataRequired(message=REQUIRED), Length(max=60)])
    category = SelectField(
        _l("Category"), choices=[SelectChoice(c, ITEM_CATEGORY_NAMES[c]) for c in ITEM_CATEGORIES]
    )
    unit = SelectField(_l("Unit"), choices=unit_choices)
    points_price = WholeNumberField(
        _l("Points price"),
        [
            InputRequired(message=REQUIRED),
            NumberRange(min=0, max=100_000, message=_l("Enter a whole number from 0.")),
        ],
    )
    reference_value = MoneyField(_l("Reference value (yuan)"), [InputRequired(message=REQUIRED)])
    low_stock_threshold = WholeNumberField(
        _l("Low-stock threshold"),
        [
            InputRequired(message=REQUIRED),
            NumberRange(min=0, max=100_000, message=_l("Enter a whole number from 0.")),
        ],
        default=5,
    )
    active = BooleanField(_l("Available at the counter"), default=True)


@bp.route("/items")
@staff_required
@cached_page()  # per staff member; nothing on it changes by the clock
def items():
    """The catalogue with stock levels, low stock flagged; filter by category or low stock."""
    category = request.args.get("category", "")
    only_low = request.args.get("low") == "1"
    q = request.args.get("q", "").strip()[: queries.MAX_SEARCH]
    listing = queries.catalogue_page(
        page_number(request.args), category=category, search=q, only_low=only_low
    )
    return render_page(
        "market/items.html",
        block="rows",
        listing=listing,
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
        MESSAGES.add(form, exc)
        return None


@bp.route("/items/new", methods=["GET", "POST"])
@staff_required
def create_item():
    """Add an item to the catalogue."""
    form = ItemForm()
    if form.validate_on_submit() and (item := _save_item(form)):
        flash(_("%(name)s added to the catalogue.", name=item.name), "success")
        return redirect(url_for("market.item", item_id=item.id))
    if form.is_submitted():
        return refused("market/item_form.html", form=form, item=None)
    return render_page("market/item_form.html", form=form, item=None)


@bp.route("/items/<int:item_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_item(item_id):
    """Change an item's name, unit, price, value, threshold or availability (its category only
    while it has no stock movements)."""
    item = Item.get_or_none(Item.id == item_id) or abort(404)
    form = ItemForm(obj=item)
    form.unit.choices = unit_choices(item.unit)
    if form.validate_on_submit() and _save_item(form, item):
        flash(_("%(name)s saved.", name=form.name.data.strip()), "success")
        return redirect(url_for("market.item", item_id=item.id))
    if form.is_submitted():
        return refused("market/item_form.html", form=form, item=item)
    return render_page("market/item_form.html", form=form, item=item)


@bp.route("/items/<int:item_id>")
@staff_required
def item(item_id):
    """One item: its stock and its movement history, newest first, with a running balance."""
    item = Item.get_or_none(Item.id == item_id) or abort(404)
    stock = stock_of([item.id]).get(item.id, 0)
    listing, reversed_ids = queries.movements_page(item, stock, page_number(request.args))
    return render_page(
        "market/item.html",
        block="rows",
        item=item,
        stock=stock,
        listing=listing,
        reversed_ids=reversed_ids,
    )


def item_choices(active_only=True):
    """(id, label) pairs for an item select, with the unit."""
    return [(item.id, item_label(item)) for item in queries.catalogue_items(active_only)]
