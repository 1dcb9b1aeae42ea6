"""The start screen: the four actions, and what happens today and this week."""

from flask import redirect, request, url_for

from db import kiosk
from db.events.queries import counts_for
from views.caching import cached_page, clock
from views.i18n import LANGUAGE_COOKIE
from views.kiosk import bp
from views.kiosk.common import kiosk_required
from views.pages import render_page

DEFAULT_LANGUAGE = "zh_CN"  # what the next visitor sees after an automatic return to start


@bp.route("/")
@kiosk_required
@cached_page(clock("events", "courses", midnight=True))
def start():
    """The start screen: the four actions; today's events (under way ones too, for check-in)
    and the rest of the week's not yet started, with their seats; this week's course sessions.

    `?reset=1` (an automatic return: idle, or after a result) puts the kiosk back in its
    default language, so the next visitor does not get the previous person's choice.
    """
    if request.args.get("reset"):
        response = redirect(url_for("kiosk.start"))
        response.set_cookie(
            LANGUAGE_COOKIE,
            DEFAULT_LANGUAGE,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            httponly=True,
        )
        return response
    today = kiosk.events_today()
    week = kiosk.events_this_week(limit=kiosk.KIOSK_LIST_LIMIT - len(today), after_today=True)
    figures = counts_for([e.id for e in today + week])
    return render_page(
        "kiosk/start.html",
        today_events=today,
        week_events=week,
        states={e.id: kiosk.seat_state(e, figures.get(e.id)) for e in today + week},
        sessions=kiosk.sessions_this_week(),
    )
