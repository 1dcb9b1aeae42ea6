"""The route × role table: every route of the app, with the status each role gets.

Each module adds `tests/routes/<module>.py` with `ROUTES`, a list of `Route`, and optionally
`setup(ctx)` that creates the objects its URLs need (store them on `ctx`). A route of the app
missing from every table fails `tests/test_routes.py`.
"""

from dataclasses import dataclass, field

ROLES = ("guest", "entrepreneur", "kiosk", "staff", "admin")


@dataclass
class Route:
    """One rule and method; `url` a path or a function of the setup context; `expect` maps
    each role to the status code (a tuple allows several)."""

    rule: str
    method: str
    expect: dict
    url: object = None
    data: dict = field(default_factory=dict)
    # The most SQL statements one request of this page may run (ordinary pages: 8).
    query_budget: int = 8

    def path(self, ctx):
        if callable(self.url):
            return self.url(ctx)
        return self.url or self.rule


def expect(guest, entrepreneur, kiosk, staff, admin):
    """A role → status mapping in the table's column order."""
    return dict(zip(ROLES, (guest, entrepreneur, kiosk, staff, admin), strict=True))


# Common rows. 302 for guests means "sent to log in".
PUBLIC = expect(200, 200, 403, 200, 200)
EVERYONE = expect(200, 200, 200, 200, 200)
SIGNED_IN = expect(302, 200, 403, 200, 200)
STAFF_ONLY = expect(302, 403, 403, 200, 200)
ADMIN_ONLY = expect(302, 403, 403, 403, 200)
KIOSK_SCREEN = expect(302, 403, 200, 200, 200)
