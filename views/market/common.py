"""What the market's views share: names of codes, refusal messages (`MESSAGES`), month
inputs, and how an item, a unit and a staff member are shown."""

from babel.lists import format_list
from flask import abort, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from db.market.labels import STATUS_NAMES, UNIT_NAMES, UNITS, quantity_text, unit_name
from db.market.periods import current_period, is_period
from views.forms import ErrorMessages
from views.i18n import money_filter

REQUIRED = _l("This field is required.")

ITEM_CATEGORY_NAMES = {
    "grain_oil": _l("Grain and oil"),
    "food": _l("Food and drink"),
    "daily": _l("Daily necessities"),
    "stationery": _l("Stationery for pupils"),
    "other": _l("Other goods"),
}
STATUS_BADGES = {"active": "confirmed", "suspended": "waiting", "closed": "cancelled"}
MOVEMENT_NAMES = {
    "donation": _l("Donation in"),
    "purchase": _l("Purchase in"),
    "redemption": _l("Redemption out"),
    "write_off": _l("Write-off"),
    "count": _l("Stock count"),
    "reversal": _l("Reversal"),
}
POINTS_NAMES = {
    "allowance": _l("Monthly allowance"),
    "redemption": _l("Redemption"),
    "expiry": _l("Expired (over the carry-over cap)"),
    "reversal": _l("Reversal"),
}
PASSBOOK_NAMES = {
    "earned": _l("Earned by volunteering"),
    "correction": _l("Correction"),
    "redeemed": _l("Redemption"),
    "reversal": _l("Reversal"),
}
CASH_NAMES = {
    "donation": _l("Money donated"),
    "purchase": _l("Purchase of goods"),
    "spending": _l("Other spending"),
    "reversal": _l("Reversal"),
}
DONOR_KIND_NAMES = {"enterprise": _l("Enterprise"), "person": _l("Person")}
HONOUR_NAMES = {
    "bronze": _l("Bronze caring donor"),
    "silver": _l("Silver caring donor"),
    "gold": _l("Gold caring donor"),
}

REFUSALS = {
    "not_enough_stock": _l("Not enough %(item)s in stock: %(available)s left, %(wanted)s needed."),
    "line_not_enough_stock": _l(
        "Line %(line)s: not enough %(item)s in stock (%(available)s left, %(wanted)s wanted)."
    ),
    "not_enough_cash": _l(
        "Not enough donated money: the cash balance is %(available)s, this needs %(wanted)s."
    ),
    "not_enough_points": _l(
        "Not enough points: this basket needs %(total)s points and the card holds %(balance)s."
    ),
    "visit_limit": _l(
        "Visit limit reached: this card has already been used %(visits)s times this month "
        "(limit %(limit)s)."
    ),
    "card_not_active": _l("This love card is %(status)s; it cannot be used at the counter."),
    "unknown_card": _l("No love card has this number. Check the number and try again."),
    "unknown_card_or_passbook": _l(
        "No love card or volunteer passbook has this number. Check the number and try again."
    ),
    "unknown_passbook": _l("No volunteer passbook has this number."),
    "passbook_not_active": _l("This passbook is %(status)s; it cannot be used at the counter."),
    "passbook_balance": _l(
        "The passbook holds %(balance)s points: %(points)s cannot be taken back. Nothing was "
        "recorded."
    ),
    "passbook_mobile": _l("Enter an 11-digit mobile number, or leave it empty."),
    "name_too_long": _l("The name can be at most %(limit)s characters."),
    "points_required": _l("Enter a whole number of points other than 0."),
    "source_key": _l("The reference can be at most %(limit)s characters."),
    "source_key_taken": _l("These points were already booked into another passbook."),
    "item_unavailable": _l("Line %(line)s: this item is not available any more."),
    "line_item_inactive": _l(
        "Line %(line)s (%(item)s): this item was taken off the catalogue after the basket was "
        "opened, so it is no longer listed. Check the basket and confirm again."
    ),
    "empty_basket": _l("Add at least one item to the basket."),
    "reason_required": _l("Give the reason."),
    "already_reversed": _l("This has already been reversed."),
    "not_reversible": _l("This entry cannot be reversed on its own."),
    "points_would_go_negative": _l(
        "Reversing this entry would take the card below zero: it holds %(balance)s points and "
        "the entry is %(points)s points. Nothing was recorded."
    ),
    "quantity_positive": _l("Enter a quantity of 1 or more."),
    "line_quantity": _l("Line %(line)s: enter a quantity of 1 or more."),
    "line_value": _l("Line %(line)s: enter a value of 0 or more."),
    "unknown_item": _l("Choose an item from the catalogue."),
    "nothing_counted": _l("Enter the counted quantity of at least one item."),
    "count_books_changed": _l(
        "The books changed while you were counting: %(items)s. Nothing was saved. The page "
        "now shows the new figures in the books; count these items again and save."
    ),
    "category_locked": _l(
        "%(item)s already has stock movements, so its category cannot change: past reports "
        "and notices would change with it. Create a new item for the other category instead."
    ),
    "not_negative": _l("Enter 0 or more."),
    "empty_donation": _l("Add at least one line of goods or an amount of money."),
    "date_in_future": _l("The date cannot be in the future."),
    "donor_name_required": _l("Enter the donor's name."),
    "unknown_donor_kind": _l("Choose whether the donor is an enterprise or a person."),
    "amount_positive": _l("Enter an amount above zero."),
    "purpose_required": _l("Say what the money was spent on."),
    "supplier_required": _l("Enter the supplier."),
    "no_lines": _l("Add at least one line of goods."),
    "unknown_unit": _l("Choose how the item is counted."),
    "item_name_taken": _l("An item with this name is already in the catalogue."),
    "name_required": _l("Enter the name."),
    "unknown_category": _l("Choose a category."),
    "unknown_status": _l("Choose a status."),
    "household_size": _l("Enter the number of people, from 1 to 20."),
    "review_date": _l("Enter the date of the next review."),
    "already_issued": _l("This month's points were issued at the same moment; nothing changed."),
}


def _amount_or_quantity(value, error):
    """`available` / `wanted`: money for the cash ledger, a quantity with its unit for stock."""
    if error.code == "not_enough_cash":
        return money_filter(value)
    return quantity_text(value, error.params["unit"]) if "unit" in error.params else value


# The user's-language sentence for each MarketError, its details shown in the reader's words.
MESSAGES = ErrorMessages(
    REFUSALS,
    formatters={
        "available": _amount_or_quantity,
        "wanted": _amount_or_quantity,
        "status": lambda value, error: STATUS_NAMES.get(value, value),
        "items": lambda value, error: format_list(list(value), locale=get_locale()),
    },
)


def item_label(item):
    """An item as a choice in a select: its name and unit, "大米（5公斤）（袋）" / "… (bag)"."""
    return _("%(item)s (%(unit)s)", item=item.name, unit=unit_name(item.unit))


def unit_choices(current=None):
    """The units an item may be counted in, named in the reader's language; `current`, a
    unit typed before the list existed, stays a choice so saving the item keeps it."""
    choices = [(unit, UNIT_NAMES[unit]) for unit in UNITS]
    if current and current not in UNIT_NAMES:
        choices.append((current, current))
    return choices


def staff_name(row):
    """Who made a document or ledger row, as colleagues and households know them: the staff
    member's name (join the account to the query for lists), else the stored username."""
    actor = row.actor if row.actor_id else None
    return (actor.name if actor is not None else "") or row.actor_label


def acting_user():
    """The signed-in user as a model instance, for `actor=`."""
    return current_user._get_current_object()


# No month before this one is shown: the centre's ledgers start long after it, and the
# twelve months before year 1 cannot be dated at all (a 500 for ?month=0001-01).
FIRST_MONTH = "2000-01"


def chosen_period(value=None, strict=False):
    """The month asked for (YYYY-MM), this month when none; 404 for nonsense when strict."""
    value = request.args.get("month", "") if value is None else value
    if is_period(value) and FIRST_MONTH <= value <= current_period():
        return value
    if strict:
        abort(404)
    return current_period()
