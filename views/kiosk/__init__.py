"""The service-hall kiosk: check in, register on the spot, course sign-in, notice board.

A locked-down account opens only these screens (views/access.py fences it in). Screens are
touch-first, show names masked and mobiles shortened, put nothing personal in a URL, and are
never cached (`no-store`), so Back cannot show the previous person's data.

One blueprint, `bp`, split by screen:
start       /kiosk/ (the start screen; `?reset=1` is the automatic return)
check_in    /kiosk/check-in, by code or by mobile on the keypad
register    /kiosk/register, an event of this week, then the walk-up form
courses     /kiosk/course (session sign-in), /kiosk/courses (open for applications)
notices     /kiosk/notices, the love supermarket's monthly notice
privacy     /kiosk/privacy, the privacy notice the consent line names
honour      /kiosk/honour, the volunteer honour board (names masked)
volunteers  /kiosk/volunteers, volunteers sign in and out of an activity by mobile
"""

from flask import Blueprint, current_app

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")


@bp.after_request
def no_store(response):
    """Back or history must never show the previous person's screen."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.context_processor
def kiosk_settings():
    """The idle timeout every kiosk screen counts down from."""
    return dict(idle_seconds=current_app.config["KIOSK_IDLE_SECONDS"])


from views.kiosk import (  # noqa: E402, F401
    check_in,
    courses,
    honour,
    notices,
    privacy,
    register,
    start,
    volunteers,
)
