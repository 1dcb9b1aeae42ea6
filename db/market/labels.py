"""What people read for a household's category and status and an item's unit, in their language.

In the data layer because the personal-data export (db.market.privacy) hands them over as
well as the pages (views.market) do, and `save_item` accepts only the units listed here; one
list keeps the words the same.
"""

from contextvars import ContextVar

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext as babel_ngettext

HOUSEHOLD_CATEGORY_NAMES = {
    "dibao": _l("Minimum subsistence (低保)"),
    "low_income": _l("Low income"),
    "illness": _l("Hardship from illness"),
    "disability": _l("Disability"),
    "other": _l("Other"),
}
STATUS_NAMES = {
    "active": _l("Active"),
    "suspended": _l("Suspended"),
    "closed": _l("Closed"),
}

# The units an item is counted in. The stored value is the catalogue's own word (Chinese, as on
# the shelf labels); pages show it, and quantities of it, in the reader's language.
UNIT_NAMES = {
    "袋": _l("bag"),
    "包": _l("pack"),
    "箱": _l("carton"),
    "盒": _l("box"),
    "桶": _l("jug"),
    "瓶": _l("bottle"),
    "罐": _l("tin"),
    "套": _l("set"),
    "个": _l("unit"),
    "件": _l("item"),
    "条": _l("piece"),
    "块": _l("bar"),
    "双": _l("pair"),
    "卷": _l("roll"),
    "张": _l("sheet"),
    "本": _l("book"),
    "把": _l("umbrella"),
    "公斤": _l("kg"),
    "升": _l("litre"),
}
UNITS = tuple(UNIT_NAMES)

# The catalog a page's render translates with (looked up once a render: views/i18n.py), while
# a template's `quantity()` runs; None elsewhere (Flask-Babel finds the request's catalog).
RENDER_CATALOG = ContextVar("render_catalog", default=None)


def ngettext(singular, plural, n, **params):
    """A quantity's words: from the render's catalog when one is set, else Flask-Babel's
    (which finds the request, its locale and catalog on every call: 25 µs, once a row)."""
    catalog = RENDER_CATALOG.get()
    if catalog is None:
        return babel_ngettext(singular, plural, n, **params)
    return catalog.ungettext(singular, plural, n) % dict(params, num=n)


# A quantity of each unit: "3 bags" / "3 袋" (`count` is the number as written).
QUANTITY_TEXTS = {
    "袋": lambda n, count: ngettext("%(count)s bag", "%(count)s bags", n, count=count),
    "包": lambda n, count: ngettext("%(count)s pack", "%(count)s packs", n, count=count),
    "箱": lambda n, count: ngettext("%(count)s carton", "%(count)s cartons", n, count=count),
    "盒": lambda n, count: ngettext("%(count)s box", "%(count)s boxes", n, count=count),
    "桶": lambda n, count: ngettext("%(count)s jug", "%(count)s jugs", n, count=count),
    "瓶": lambda n, count: ngettext("%(count)s bottle", "%(count)s bottles", n, count=count),
    "罐": lambda n, count: ngettext("%(count)s tin", "%(count)s tins", n, count=count),
    "套": lambda n, count: ngettext("%(count)s set", "%(count)s sets", n, count=count),
    "个": lambda n, count: ngettext("%(count)s unit", "%(count)s units", n, count=count),
    "件": lambda n, count: ngettext("%(count)s item", "%(count)s items", n, count=count),
    "条": lambda n, count: ngettext("%(count)s piece", "%(count)s pieces", n, count=count),
    "块": lambda n, count: ngettext("%(count)s bar", "%(count)s bars", n, count=count),
    "双": lambda n, count: ngettext("%(count)s pair", "%(count)s pairs", n, count=count),
    "卷": lambda n, count: ngettext("%(count)s roll", "%(count)s rolls", n, count=count),
    "张": lambda n, count: ngettext("%(count)s sheet", "%(count)s sheets", n, count=count),
    "本": lambda n, count: ngettext("%(count)s book", "%(count)s books", n, count=count),
    "把": lambda n, count: ngettext("%(count)s umbrella", "%(count)s umbrellas", n, count=count),
    "公斤": lambda n, count: ngettext("%(count)s kg", "%(count)s kg", n, count=count),
    "升": lambda n, count: ngettext("%(count)s litre", "%(count)s litres", n, count=count),
}


def unit_name(unit):
    """An item's unit in the reader's language (a unit outside the list, from before the list
    existed, as it was typed)."""
    name = UNIT_NAMES.get(unit)
    return str(name) if name is not None else unit


def quantity_text(quantity, unit, catalog=None):
    """A quantity with its unit in the reader's language: "3 bags" / "3 袋"; `catalog` is a
    render's own (a page's table: one lookup a render, not a row)."""
    count = f"{quantity or 0:,}"
    text = QUANTITY_TEXTS.get(unit)
    if text is None:
        return f"{count} {unit}"
    if catalog is None:
        return text(quantity or 0, count)
    token = RENDER_CATALOG.set(catalog)
    try:
        return text(quantity or 0, count)
    finally:
        RENDER_CATALOG.reset(token)
