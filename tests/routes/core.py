"""Foundation routes: accounts, home, privacy, health, admin, kiosk start."""

from tests.routes import (
    ADMIN_ONLY,
    EVERYONE,
    PUBLIC,
    SIGNED_IN,
    STAFF_ONLY,
    Route,
    expect,
)


def setup(ctx):
    ctx.other = ctx.make_user(role="staff", username="route-target")


ROUTES = [
    # The kiosk opening "/" is sent on to its start screen.
    # The staff dashboard gathers a panel from each module: a fixed 12 queries at most.
    Route("/", "GET", expect(200, 200, 302, 200, 200), query_budget=12),
    # The signed-in kiosk is sent to its start screen (Back after its return to start).
    Route("/login", "GET", expect(200, 200, 302, 200, 200)),
    # An empty login form is refused with the form (422) for everyone but the fenced kiosk.
    Route("/login", "POST", expect(422, 422, 403, 422, 422)),
    Route("/logout", "POST", expect(302, 302, 302, 302, 302)),
    # Signed-in people are sent home from the sign-up page.
    Route("/signup", "GET", expect(200, 302, 403, 302, 302)),
    Route("/signup", "POST", expect(422, 302, 403, 302, 302)),
    Route("/account", "GET", SIGNED_IN),
    Route("/account", "POST", expect(302, 422, 403, 422, 422)),
    Route("/language/<code>", "POST", expect(302, 302, 302, 302, 302), url="/language/en"),
    Route("/privacy", "GET", PUBLIC),
    Route("/healthz", "GET", EVERYONE),
    Route("/favicon.ico", "GET", EVERYONE),
    Route("/admin/users", "GET", ADMIN_ONLY),
    Route("/admin/users/new", "GET", ADMIN_ONLY),
    Route("/admin/users/new", "POST", ADMIN_ONLY | {"admin": 422}),
    Route(
        "/admin/users/<int:user_id>/active",
        "POST",
        ADMIN_ONLY | {"admin": 302},
        url=lambda ctx: f"/admin/users/{ctx.other.id}/active",
        data={"active": "0"},
    ),
    Route("/admin/audit", "GET", ADMIN_ONLY),
]

STAFF_ROUTES = [
    Route("/staff/personal-data/", "GET", STAFF_ONLY),
    # An empty form is refused with the form (422).
    Route("/staff/personal-data/", "POST", STAFF_ONLY | {"staff": 422, "admin": 422}),
    Route("/staff/personal-data/export", "POST", STAFF_ONLY | {"staff": 422, "admin": 422}),
    Route("/staff/personal-data/correct", "POST", STAFF_ONLY | {"staff": 422, "admin": 422}),
    Route("/staff/personal-data/erase", "POST", STAFF_ONLY | {"staff": 422, "admin": 422}),
]
ROUTES += STAFF_ROUTES
