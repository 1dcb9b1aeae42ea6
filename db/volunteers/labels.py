"""The words for the volunteer module's codes, in the reader's language (lazy)."""

from flask_babel import lazy_gettext as _l

TEAM_KIND_NAMES = {"division": _l("Division (分队)"), "squad": _l("Enterprise squad (小分队)")}
ROLE_NAMES = {"member": _l("Member"), "leader": _l("Leader")}
REQUEST_STATUS_NAMES = {
    "pending": _l("Waiting for a decision"),
    "approved": _l("Approved"),
    "declined": _l("Declined"),
}
ACTIVITY_STATUS_NAMES = {
    "draft": _l("Draft"),
    "published": _l("Published"),
    "cancelled": _l("Cancelled"),
}
ACTIVITY_STATUS_BADGES = {"draft": "pending", "published": "confirmed", "cancelled": "cancelled"}
SIGNUP_STATUS_NAMES = {
    "confirmed": _l("Place confirmed"),
    "waiting": _l("On the waiting list"),
    "cancelled": _l("Cancelled"),
}
SIGNUP_STATUS_BADGES = {"confirmed": "confirmed", "waiting": "waiting", "cancelled": "cancelled"}
SIGNUP_SOURCE_NAMES = {"web": _l("Online"), "staff": _l("By staff"), "kiosk": _l("At the kiosk")}
HOUR_STATUS_NAMES = {
    "pending": _l("Waiting for approval"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
}
HOUR_STATUS_BADGES = {"pending": "pending", "approved": "confirmed", "rejected": "cancelled"}
HOUR_SOURCE_NAMES = {"attendance": _l("Signed in and out"), "self_reported": _l("Reported")}
