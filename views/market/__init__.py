"""The love supermarket (爱心超市): one blueprint `market` for staff pages, the counter, the
reports and the public disclosure; `flask --app app ledger verify` is its command.

The routes live in the modules imported at the bottom, one a screen or concern: home, items
(the catalogue), movements (write-offs), counts (stock counts), reversals, counter,
donations, cash (purchases and spending), households, passbooks (volunteers'), reports.
"""

from flask import Blueprint
from flask_babel import lazy_gettext as _l
from jinja2 import pass_context

from db.market import labels
from views import navigation
from views.home_sections import staff_panel
from views.market import common

bp = Blueprint("market", __name__, url_prefix="/market", cli_group="ledger")

navigation.add("market.home", _l("Love supermarket"), roles=("staff", "admin"))
navigation.add("market.disclosure", _l("Love supermarket notice"), roles=("guest", "entrepreneur"))


@pass_context
def quantity(context, number, unit):
    """A quantity with its unit, translated with the render's catalog (a table calls it once
    a row)."""
    return labels.quantity_text(number, unit, catalog=context.get("_translations"))


@bp.context_processor
def market_names():
    """The names of the module's codes, for every market template (item categories, which
    tables print once a row, translated once a render)."""
    return dict(
        item_category_names={code: str(name) for code, name in common.ITEM_CATEGORY_NAMES.items()},
        household_category_names=labels.HOUSEHOLD_CATEGORY_NAMES,
        status_names=labels.STATUS_NAMES,
        status_badges=common.STATUS_BADGES,
        movement_names=common.MOVEMENT_NAMES,
        points_names=common.POINTS_NAMES,
        cash_names=common.CASH_NAMES,
        donor_kind_names=common.DONOR_KIND_NAMES,
        honour_names=common.HONOUR_NAMES,
        staff_name=common.staff_name,
        quantity=quantity,
        unit_name=labels.unit_name,
    )


@staff_panel
def market_panel():
    """The staff dashboard's love supermarket panel: low stock and reviews coming due."""
    from db.market.households import due_for_review
    from db.market.periods import local_today
    from db.market.reports import low_stock

    return dict(
        template="market/_panel.html",
        low_stock=low_stock(limit=6),
        due=list(due_for_review().limit(6)),
        today=local_today(),
        quantity=labels.quantity_text,  # the dashboard is not a market page: no market_names
    )


from views.market import (  # noqa: E402  (the routes register on bp)
    cash,
    cli,
    counter,
    counts,
    donations,
    home,
    households,
    items,
    movements,
    passbooks,
    reports,
    reversals,
)

__all__ = [
    "bp",
    "cash",
    "cli",
    "counter",
    "counts",
    "donations",
    "home",
    "households",
    "items",
    "movements",
    "passbooks",
    "reports",
    "reversals",
]
