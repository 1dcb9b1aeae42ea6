"""Volunteer-record routes: a volunteer's own page and staff's view of it, hour certificates
(issue, print for the holder and staff, withdraw, the public check page), team reports, the
honour board on the web and at the kiosk."""

from datetime import timedelta

from db.market.periods import local_today
from db.volunteers.certificates import issue_certificate
from db.volunteers.hours import decide_hours
from tests.routes import EVERYONE, KIOSK_SCREEN, PUBLIC, SIGNED_IN, STAFF_ONLY, Route, expect
from tests.volunteers_support import make_division, make_hours, make_volunteer

STAFF_FORM = STAFF_ONLY | {"staff": 422, "admin": 422}
# The route-table accounts are volunteers of nobody: "my" certificate is not found.
NOT_A_VOLUNTEER = expect(302, 404, 403, 404, 404)
HOLDER_OR_STAFF = expect(302, 404, 403, 200, 200)


def setup(ctx):
    """A volunteer of someone else's account with approved hours (points booked) and an hour
    certificate."""
    holder = ctx.make_user(role="entrepreneur", mobile="13800005901", name="周志愿")
    make_division(name="路由表志愿者分队")
    ctx.vr_volunteer = make_volunteer(user=holder, name="周志愿", mobile="13800005901")
    record = make_hours(ctx.vr_volunteer, minutes=180, served_on=local_today() - timedelta(days=3))
    decide_hours([(record.id, "approve", None, None)])
    ctx.vr_certificate, _ = issue_certificate(
        ctx.vr_volunteer.id, local_today() - timedelta(days=30), local_today()
    )


def record_url(suffix=""):
    return lambda ctx: f"/volunteers/records/{ctx.vr_volunteer.id}{suffix}"


def certificate_url(suffix=""):
    return lambda ctx: f"/volunteers/certificates/{ctx.vr_certificate.number}{suffix}"


ROUTES = [
    Route("/volunteers/me", "GET", SIGNED_IN, query_budget=14),
    Route("/volunteers/me/certificates", "POST", NOT_A_VOLUNTEER),
    Route(
        "/volunteers/records/<int:volunteer_id>",
        "GET",
        STAFF_ONLY,
        url=record_url(),
        query_budget=14,
    ),
    Route(
        "/volunteers/records/<int:volunteer_id>/certificates",
        "POST",
        STAFF_FORM,
        url=record_url("/certificates"),
    ),
    Route(
        "/volunteers/records/<int:volunteer_id>/correct",
        "POST",
        STAFF_FORM,
        url=record_url("/correct"),
    ),
    Route("/volunteers/certificates/<number>", "GET", EVERYONE, url=certificate_url()),
    Route(
        "/volunteers/certificates/<number>/print",
        "GET",
        HOLDER_OR_STAFF,
        url=certificate_url("/print"),
    ),
    Route(
        "/volunteers/certificates/<number>/withdraw",
        "POST",
        STAFF_FORM,
        url=certificate_url("/withdraw"),
    ),
    Route("/volunteers/reports", "GET", STAFF_ONLY),
    Route("/volunteers/reports/export.xlsx", "GET", STAFF_ONLY),
    Route("/volunteers/honour", "GET", PUBLIC),
    Route("/kiosk/honour", "GET", KIOSK_SCREEN),
]
