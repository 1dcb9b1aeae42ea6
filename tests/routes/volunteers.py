"""Volunteer-service routes: staff pages for teams, activities, rosters and hours; the
activity list and pages for everyone; sign-up, join requests and self-reported hours for
signed-in people."""

from tests.routes import STAFF_ONLY

STAFF_FORM = STAFF_ONLY | {"staff": 422, "admin": 422}


def setup(ctx):
    """A division and a squad, a volunteer, a published activity with a sign-up, hours."""


ROUTES = []
