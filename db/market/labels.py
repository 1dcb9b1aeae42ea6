"""What people read for a household's category and status, as lazy translations.

In the data layer because the personal-data export (db.market.privacy) hands them over as
well as the pages (views.market) do; one list keeps the words the same.
"""

from flask_babel import lazy_gettext as _l

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
