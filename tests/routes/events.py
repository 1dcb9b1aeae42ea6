"""Events routes: the public side, the private link, and the staff side."""

from db.events import registrations
from tests.events_support import guest, new_event
from tests.routes import PUBLIC, SIGNED_IN, STAFF_ONLY, Route, expect


def setup(ctx):
    """A published event with one confirmed guest registration."""
    ctx.event = new_event(seats=5)
    ctx.registration, _ = registrations.register(ctx.event.id, guest(1))


# Guests of staff pages are sent to log in (302); the kiosk is fenced out (403).
STAFF_POST = STAFF_ONLY | {"staff": 303, "admin": 303}
STAFF_FORM = STAFF_ONLY | {"staff": 422, "admin": 422}
TOKEN_POST = expect(303, 303, 403, 303, 303)
# Everyone but the kiosk gets the form back with its errors.
FORM_ERRORS = expect(422, 422, 403, 422, 422)
FRAGMENT_ONLY = expect(302, 302, 403, 302, 302)


def event_url(suffix=""):
    """A URL of the setup event."""
    return lambda ctx: f"/events/{ctx.event.id}{suffix}"


def manage_url(suffix=""):
    """A staff URL of the setup event."""
    return lambda ctx: f"/manage/events/{ctx.event.id}{suffix}"


def registration_url(suffix):
    """A staff URL of the setup registration."""
    return lambda ctx: f"/manage/registrations/{ctx.registration.id}{suffix}"


def token_url(suffix=""):
    """The private link of the setup registration."""
    return lambda ctx: f"/r/{ctx.registration.token}{suffix}"


ROUTES = [
    Route("/events", "GET", PUBLIC),
    Route("/events/archive", "GET", PUBLIC),
    Route("/events/<int:event_id>", "GET", PUBLIC, url=event_url()),
    # The seats panel is an htmx fragment; a plain request is sent to the event's page.
    Route("/events/<int:event_id>/seats", "GET", FRAGMENT_ONLY, url=event_url("/seats")),
    Route("/events/<int:event_id>/register", "GET", PUBLIC, url=event_url("/register")),
    Route("/events/<int:event_id>/register", "POST", FORM_ERRORS, url=event_url("/register")),
    Route("/r/<token>", "GET", PUBLIC, url=token_url()),
    Route("/r/<token>", "POST", FORM_ERRORS, url=token_url()),
    Route("/r/<token>/cancel", "POST", TOKEN_POST, url=token_url("/cancel")),
    Route("/r/<token>/event.ics", "GET", PUBLIC, url=token_url("/event.ics")),
    Route("/my/registrations", "GET", SIGNED_IN),
    Route("/notices", "GET", SIGNED_IN),
    Route("/manage/events", "GET", STAFF_ONLY),
    Route("/manage/events/attendance", "GET", STAFF_ONLY),
    Route("/manage/events/new", "GET", STAFF_ONLY),
    Route("/manage/events/new", "POST", STAFF_FORM),
    # 8 to render, and the data version the page cache reads first (views/caching.py).
    Route("/manage/events/<int:event_id>", "GET", STAFF_ONLY, url=manage_url(), query_budget=9),
    Route(
        "/manage/events/<int:event_id>/counts",
        "GET",
        STAFF_ONLY | {"staff": 302, "admin": 302},
        url=manage_url("/counts"),
    ),
    Route("/manage/events/<int:event_id>/edit", "GET", STAFF_ONLY, url=manage_url("/edit")),
    Route("/manage/events/<int:event_id>/edit", "POST", STAFF_FORM, url=manage_url("/edit")),
    Route(
        "/manage/events/<int:event_id>/status",
        "POST",
        STAFF_POST,
        url=manage_url("/status"),
        data={"action": "close"},
    ),
    Route("/manage/events/<int:event_id>/cancel", "GET", STAFF_ONLY, url=manage_url("/cancel")),
    Route("/manage/events/<int:event_id>/cancel", "POST", STAFF_FORM, url=manage_url("/cancel")),
    Route("/manage/events/<int:event_id>/walk-in", "GET", STAFF_ONLY, url=manage_url("/walk-in")),
    Route("/manage/events/<int:event_id>/walk-in", "POST", STAFF_FORM, url=manage_url("/walk-in")),
    Route("/manage/events/<int:event_id>/door", "GET", STAFF_ONLY, url=manage_url("/door")),
    # Without htmx a scan answers with a redirect back to the door (the outcome as a flash).
    Route("/manage/events/<int:event_id>/door", "POST", STAFF_POST, url=manage_url("/door")),
    Route(
        "/manage/events/<int:event_id>/export.csv",
        "GET",
        STAFF_ONLY,
        url=manage_url("/export.csv"),
    ),
    Route(
        "/manage/events/<int:event_id>/export.xlsx",
        "GET",
        STAFF_ONLY,
        url=manage_url("/export.xlsx"),
    ),
    Route(
        "/manage/events/<int:event_id>/sign-in-sheet",
        "GET",
        STAFF_ONLY,
        url=manage_url("/sign-in-sheet"),
    ),
    # The registrations table's one form; a post without a row's button is a bad request
    # (tests/test_events_staff.py posts real buttons, and a forged id of another event).
    Route(
        "/manage/events/<int:event_id>/registrations",
        "POST",
        STAFF_ONLY | {"staff": 400, "admin": 400},
        url=manage_url("/registrations"),
    ),
    Route(
        "/manage/registrations/<int:registration_id>/approve",
        "POST",
        STAFF_POST,
        url=registration_url("/approve"),
    ),
    Route(
        "/manage/registrations/<int:registration_id>/reject",
        "POST",
        STAFF_POST,
        url=registration_url("/reject"),
        data={"reason": "名额已满"},
    ),
    Route(
        "/manage/registrations/<int:registration_id>/cancel",
        "POST",
        STAFF_POST,
        url=registration_url("/cancel"),
    ),
    Route(
        "/manage/registrations/<int:registration_id>/check-in",
        "POST",
        STAFF_POST,
        url=registration_url("/check-in"),
    ),
    Route(
        "/manage/registrations/<int:registration_id>/undo-check-in",
        "POST",
        STAFF_POST,
        url=registration_url("/undo-check-in"),
    ),
]
