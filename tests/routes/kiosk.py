"""Kiosk screens: the kiosk account and staff open them; guests log in; entrepreneurs may not."""

from datetime import timedelta

from tests.events_support import later_today, new_event
from tests.routes import KIOSK_SCREEN, Route

# An empty form is answered with the form and its errors.
KIOSK_FORM = KIOSK_SCREEN | {"kiosk": 422, "staff": 422, "admin": 422}


def setup(ctx):
    """An event today and one open for registration this week."""
    ctx.today_event = new_event(
        seats=5, starts_in=later_today(timedelta(hours=1)), title="今日报告会"
    )
    ctx.week_event = new_event(seats=5, starts_in=timedelta(days=3), title="本周沙龙")


ROUTES = [
    Route("/kiosk/", "GET", KIOSK_SCREEN),
    Route("/kiosk/check-in", "GET", KIOSK_SCREEN),
    Route("/kiosk/check-in", "POST", KIOSK_FORM),
    Route("/kiosk/check-in/mobile", "GET", KIOSK_SCREEN),
    Route("/kiosk/check-in/mobile", "POST", KIOSK_FORM),
    Route("/kiosk/check-in/confirm", "POST", KIOSK_FORM),
    Route("/kiosk/register", "GET", KIOSK_SCREEN),
    Route(
        "/kiosk/register/<int:event_id>",
        "GET",
        KIOSK_SCREEN,
        url=lambda ctx: f"/kiosk/register/{ctx.week_event.id}",
    ),
    Route(
        "/kiosk/register/<int:event_id>",
        "POST",
        KIOSK_FORM,
        url=lambda ctx: f"/kiosk/register/{ctx.week_event.id}",
    ),
    Route("/kiosk/course", "GET", KIOSK_SCREEN),
    Route("/kiosk/course", "POST", KIOSK_FORM),
    Route("/kiosk/course/confirm", "POST", KIOSK_FORM),
    Route("/kiosk/courses", "GET", KIOSK_SCREEN),
    Route("/kiosk/privacy", "GET", KIOSK_SCREEN),
    # The monthly notice summary runs the disclosure's fixed set of aggregates.
    Route("/kiosk/notices", "GET", KIOSK_SCREEN, query_budget=14),
    Route("/kiosk/notices/market", "GET", KIOSK_SCREEN, query_budget=13),
]
