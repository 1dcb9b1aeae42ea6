"""Outreach (one blueprint `outreach`): the SMS opt-out link and reply callback, a person's
own SMS choice, feedback pages for guests and course participants; and for staff the failed
sends, invitations, copying an event or course to a new date, and survey results.

The routes live in the modules imported at the bottom, grouped by who uses them.
"""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from views import navigation

bp = Blueprint("outreach", __name__)


@bp.record
def _secret_key(state):
    """Keyed hashes of mobile numbers (db/outreach/sms.keyed_digest) use the app's SECRET_KEY."""
    from db.outreach import sms

    sms.use_secret_key(state.app.config["SECRET_KEY"])


navigation.add("outreach.failed_sends", _l("SMS and alerts"), roles=("staff", "admin"))

from views.outreach import people, staff  # noqa: E402


@bp.app_context_processor
def _feedback_links():
    """Links to an open survey for the events and training pages (outreach/_feedback.html)."""
    return dict(
        event_feedback_url=people.event_feedback_url,
        course_feedback_urls=people.course_feedback_urls,
    )


__all__ = ["bp", "people", "staff"]
