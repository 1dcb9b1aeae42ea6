"""What people read for registration statuses, as lazy translations.

In the data layer because the personal-data export (db.events.privacy) hands them over as
well as the pages and spreadsheets (views.events) do; one list keeps the words the same.
"""

from flask_babel import lazy_gettext as _l

STATUS_NAMES = {
    "pending": _l("Awaiting review"),
    "confirmed": _l("Confirmed"),
    "waiting": _l("Waiting list"),
    "cancelled": _l("Cancelled"),
    "rejected": _l("Not accepted"),
}
