"""Outreach routes: the SMS opt-out link and reply callback, a person's SMS choice, the
feedback pages; staff pages for failed sends, invitations, copies and survey results."""

from db import database, notices
from db.accounts import PRIVACY_NOTICE_VERSION
from db.base import utcnow
from db.events import registrations
from db.outreach import feedback, sms
from db.outreach.models import FAILED, SmsDelivery
from db.training import Application
from tests.events_support import guest, new_event
from tests.routes import PUBLIC, SIGNED_IN, STAFF_ONLY, Route, expect
from tests.training_helpers import make_course

STAFF_FORM = STAFF_ONLY | {"staff": 422, "admin": 422}
STAFF_REDIRECT = STAFF_ONLY | {"staff": 302, "admin": 302}
PUBLIC_REDIRECT = expect(302, 302, 403, 302, 302)


def setup(ctx):
    """An upcoming event with a confirmed guest and a survey, a course with an application
    of someone else, and a given-up SMS with its opt-out token."""
    ctx.event = new_event()
    ctx.registration, *_ = registrations.register(ctx.event.id, guest(1))
    feedback.save_survey(f"event:{ctx.event.id}", "最有收获的是？")
    ctx.course = make_course()
    feedback.save_survey(f"course:{ctx.course.id}", "")
    owner = ctx.make_user(mobile="13800050001", username="13800050001")
    ctx.application = Application.create(
        course=ctx.course,
        user=owner,
        status="approved",
        consent_at=utcnow(),
        consent_version=PRIVACY_NOTICE_VERSION,
    )
    with database.atomic():
        notice = notices.queue("event.confirmed", "报名成功", "正文", mobile="13800050002")
    ctx.delivery = SmsDelivery.create(notice=notice, template_id="1", status=FAILED, attempts=5)
    ctx.token = sms.preference("13800050002").token


def event_url(suffix):
    return lambda ctx: f"/outreach/event/{ctx.event.id}{suffix}"


def course_url(suffix):
    return lambda ctx: f"/outreach/course/{ctx.course.id}{suffix}"


ROUTES = [
    Route("/o/<token>", "GET", PUBLIC, url=lambda ctx: f"/o/{ctx.token}"),
    Route("/o/<token>", "POST", PUBLIC_REDIRECT, url=lambda ctx: f"/o/{ctx.token}"),
    Route("/sms/reply/<token>", "POST", expect(404, 404, 403, 404, 404), url="/sms/reply/x"),
    Route("/my/sms", "GET", SIGNED_IN),
    Route("/my/sms", "POST", expect(302, (200, 302), 403, (200, 302), (200, 302))),
    Route(
        "/feedback/<token>",
        "GET",
        PUBLIC,
        url=lambda ctx: f"/feedback/{ctx.registration.token}",
    ),
    Route(
        "/feedback/<token>",
        "POST",
        PUBLIC_REDIRECT,
        url=lambda ctx: f"/feedback/{ctx.registration.token}",
        data={"rating": "5", "answer_0": "很好"},
    ),
    Route(
        "/feedback/course/<int:application_id>",
        "GET",
        expect(302, 404, 403, 404, 404),
        url=lambda ctx: f"/feedback/course/{ctx.application.id}",
    ),
    Route(
        "/feedback/course/<int:application_id>",
        "POST",
        expect(302, 404, 403, 404, 404),
        url=lambda ctx: f"/feedback/course/{ctx.application.id}",
    ),
    Route("/outreach/sms/failed", "GET", STAFF_ONLY),
    Route(
        "/outreach/sms/<int:delivery_id>/retry",
        "POST",
        STAFF_REDIRECT,
        url=lambda ctx: f"/outreach/sms/{ctx.delivery.id}/retry",
    ),
    Route(
        "/outreach/<kind>/<int:number>/copy",
        "GET",
        STAFF_ONLY,
        url=event_url("/copy"),
    ),
    Route(
        "/outreach/<kind>/<int:number>/copy",
        "POST",
        STAFF_FORM,
        url=course_url("/copy"),
    ),
    Route(
        "/outreach/<kind>/<int:number>/invite",
        "GET",
        STAFF_ONLY,
        url=event_url("/invite"),
        query_budget=16,
    ),
    Route(
        "/outreach/<kind>/<int:number>/invite",
        "POST",
        STAFF_FORM,
        url=course_url("/invite"),
        query_budget=16,
    ),
    Route(
        "/outreach/<kind>/<int:number>/feedback",
        "GET",
        STAFF_ONLY,
        url=event_url("/feedback"),
    ),
    Route(
        "/outreach/<kind>/<int:number>/feedback",
        "POST",
        STAFF_REDIRECT,
        url=course_url("/feedback"),
    ),
    Route(
        "/outreach/<kind>/<int:number>/feedback.xlsx",
        "GET",
        STAFF_ONLY,
        url=event_url("/feedback.xlsx"),
    ),
]
