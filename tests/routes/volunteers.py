"""Volunteer-service routes: staff pages for teams, activities, rosters and hours; the
activity list and pages and the teams for everyone; sign-up, join requests and self-reported
hours for signed-in people; the kiosk's sign-in and sign-out screens."""

from datetime import timedelta

from db.volunteers import teams
from tests.routes import KIOSK_SCREEN, PUBLIC, SIGNED_IN, STAFF_ONLY, Route, expect
from tests.volunteers_support import (
    make_activity,
    make_division,
    make_hours,
    make_signup,
    make_squad,
    make_volunteer,
)

STAFF_FORM = STAFF_ONLY | {"staff": 422, "admin": 422}
STAFF_DONE = STAFF_ONLY | {"staff": 303, "admin": 303}
STAFF_BAD_REQUEST = STAFF_ONLY | {"staff": 400, "admin": 400}
SIGNED_IN_FORM = expect(302, 422, 403, 422, 422)
KIOSK_FORM = KIOSK_SCREEN | {"kiosk": 422, "staff": 422, "admin": 422}


def setup(ctx):
    """A division with a squad and a member, a published activity starting soon with a
    confirmed sign-up, a pending join request and a pending hour record."""
    ctx.division = make_division("广中党员志愿者企业服务分队")
    ctx.squad = make_squad(ctx.division, ctx.make_enterprise(name="明凯集团志愿测试"))
    ctx.volunteer = make_volunteer(name="志愿者甲", mobile="13700001001")
    ctx.membership, _ = teams.add_member(ctx.division.id, "志愿者甲", "13700001001", True)
    ctx.activity = make_activity(
        ctx.division, starts_in=timedelta(minutes=20), title="爱心超市值守"
    )
    ctx.signup = make_signup(ctx.activity, ctx.volunteer)
    asking = make_volunteer(name="申请人丙", mobile="13700001002")
    ctx.join_request = teams.JoinRequest.create(team=ctx.squad, volunteer=asking)
    ctx.hours = make_hours(ctx.volunteer, minutes=90)


def activity_url(suffix=""):
    return lambda ctx: f"/volunteers/activities/{ctx.activity.id}{suffix}"


def team_url(suffix=""):
    return lambda ctx: f"/volunteers/teams/{ctx.division.id}{suffix}"


ROUTES = [
    Route("/volunteers/", "GET", PUBLIC),
    Route("/volunteers/activities/<int:activity_id>", "GET", PUBLIC, url=activity_url()),
    Route(
        "/volunteers/activities/<int:activity_id>/sign-up",
        "POST",
        # Entrepreneurs take a place; staff accounts have no mobile number to volunteer with.
        expect(302, 303, 403, 422, 422),
        url=activity_url("/sign-up"),
        data={"consent": "y"},
    ),
    Route(
        "/volunteers/activities/<int:activity_id>/withdraw",
        "POST",
        expect(302, 404, 403, 404, 404),  # nobody here has a sign-up to give up
        url=activity_url("/withdraw"),
    ),
    Route("/volunteers/manage", "GET", STAFF_ONLY),
    Route("/volunteers/activities/new", "GET", STAFF_ONLY),
    Route("/volunteers/activities/new", "POST", STAFF_FORM),
    Route(
        "/volunteers/activities/<int:activity_id>/edit",
        "GET",
        STAFF_ONLY,
        url=activity_url("/edit"),
    ),
    Route(
        "/volunteers/activities/<int:activity_id>/edit",
        "POST",
        STAFF_FORM,
        url=activity_url("/edit"),
    ),
    Route(
        "/volunteers/activities/<int:activity_id>/publish",
        "POST",
        STAFF_DONE,
        url=activity_url("/publish"),
    ),
    Route(
        "/volunteers/activities/<int:activity_id>/cancel",
        "GET",
        STAFF_ONLY,
        url=activity_url("/cancel"),
    ),
    Route(
        "/volunteers/activities/<int:activity_id>/cancel",
        "POST",
        STAFF_DONE,
        url=activity_url("/cancel"),
    ),
    Route(
        "/volunteers/activities/<int:activity_id>/roster",
        "GET",
        STAFF_ONLY,
        url=activity_url("/roster"),
    ),
    Route(
        "/volunteers/activities/<int:activity_id>/roster",
        "POST",
        STAFF_BAD_REQUEST,  # no row's button pressed
        url=activity_url("/roster"),
    ),
    Route("/volunteers/teams", "GET", PUBLIC),
    Route("/volunteers/teams/new", "GET", STAFF_ONLY),
    Route("/volunteers/teams/new", "POST", STAFF_FORM),
    Route("/volunteers/teams/<int:team_id>", "GET", STAFF_ONLY, url=team_url()),
    Route("/volunteers/teams/<int:team_id>/edit", "GET", STAFF_ONLY, url=team_url("/edit")),
    Route("/volunteers/teams/<int:team_id>/edit", "POST", STAFF_FORM, url=team_url("/edit")),
    Route("/volunteers/teams/<int:team_id>/members", "POST", STAFF_FORM, url=team_url("/members")),
    Route(
        "/volunteers/teams/<int:team_id>/members/change",
        "POST",
        STAFF_BAD_REQUEST,  # no row's button pressed
        url=team_url("/members/change"),
    ),
    Route("/volunteers/teams/<int:team_id>/join", "GET", SIGNED_IN, url=team_url("/join")),
    Route("/volunteers/teams/<int:team_id>/join", "POST", SIGNED_IN_FORM, url=team_url("/join")),
    Route("/volunteers/requests", "GET", STAFF_ONLY),
    Route("/volunteers/requests", "POST", STAFF_BAD_REQUEST),
    Route("/volunteers/hours", "GET", STAFF_ONLY),
    Route("/volunteers/hours", "POST", STAFF_DONE),  # nothing chosen: nothing changes
    Route("/volunteers/hours/report", "GET", SIGNED_IN),
    Route("/volunteers/hours/report", "POST", SIGNED_IN_FORM),
    Route("/volunteers/settings", "GET", STAFF_ONLY),
    Route("/volunteers/settings", "POST", STAFF_FORM),
    Route("/kiosk/volunteers", "GET", KIOSK_SCREEN),
    Route(
        "/kiosk/volunteers/<int:activity_id>",
        "GET",
        KIOSK_SCREEN,
        url=lambda ctx: f"/kiosk/volunteers/{ctx.activity.id}",
    ),
    Route(
        "/kiosk/volunteers/<int:activity_id>",
        "POST",
        KIOSK_FORM,
        url=lambda ctx: f"/kiosk/volunteers/{ctx.activity.id}",
    ),
]
