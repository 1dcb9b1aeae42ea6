"""What people read for the training codes: application statuses and how attendance was
recorded, as lazy translations.

They live in the data layer because the personal-data export (db.training.privacy) hands
them over as well as the pages and spreadsheets (views.training) do; one list keeps the
words the same everywhere.
"""

from flask_babel import lazy_gettext as _l

STATUS_NAMES = {
    "pending": _l("Awaiting review"),
    "approved": _l("Approved"),
    "waiting": _l("Waiting list"),
    "rejected": _l("Not accepted"),
    "withdrawn": _l("Withdrawn"),
    "completed": _l("Completed"),
    "not_completed": _l("Did not complete"),
}
METHOD_NAMES = {
    "roll_call": _l("Roll call"),
    "code": _l("Signed in by code"),
    "kiosk": _l("Signed in at the kiosk"),
    "late": _l("Late sign-in by staff"),
}


def status_name(status):
    """The readable name of an application status (the code itself if unknown)."""
    return STATUS_NAMES.get(status, status)


def method_name(method):
    """The readable name of an attendance method (the code itself if unknown)."""
    return METHOD_NAMES.get(method, method)
