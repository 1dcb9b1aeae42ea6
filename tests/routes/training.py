"""Training routes: courses, applications, attendance, completion, certificates."""

from db.training import APPROVED, Attendance
from db.training.completion import confirm_completion
from tests.routes import EVERYONE, PUBLIC, STAFF_ONLY, Route, expect
from tests.training_helpers import make_application, make_course

# Someone else's application: entrepreneurs find nothing, staff use their own pages.
OWN_ONLY = expect(302, 404, 403, 403, 403)
ENTREPRENEUR_ONLY = expect(302, 200, 403, 403, 403)
STAFF_FORM = STAFF_ONLY | {"staff": 422, "admin": 422}
STAFF_REDIRECT = STAFF_ONLY | {"staff": 302, "admin": 302}


def setup(ctx):
    ctx.course = make_course(sessions=2)
    ctx.session = ctx.course.sessions[0]
    ctx.application = make_application(ctx.course, ctx.make_user(), APPROVED)
    finished = make_course(sessions=1, first_in_days=-10)
    done = make_application(finished, ctx.make_user(), APPROVED)
    Attendance.create(session=finished.sessions[0], application=done, method="roll_call")
    (ctx.certificate,) = confirm_completion(finished.id, [done.id])


def course_url(suffix=""):
    return lambda ctx: f"/courses/{ctx.course.id}{suffix}"


def manage_url(suffix=""):
    return lambda ctx: f"/manage/courses/{ctx.course.id}{suffix}"


def session_url(suffix=""):
    return lambda ctx: f"/manage/sessions/{ctx.session.id}{suffix}"


def mine_url(suffix=""):
    return lambda ctx: f"/my/courses/{ctx.application.id}{suffix}"


def certificate_url(suffix=""):
    return lambda ctx: f"/certificates/{ctx.certificate.number}{suffix}"


ROUTES = [
    Route("/courses", "GET", PUBLIC),
    Route("/courses/<int:course_id>", "GET", PUBLIC, url=course_url()),
    Route("/courses/<int:course_id>/apply", "GET", ENTREPRENEUR_ONLY, url=course_url("/apply")),
    Route(
        "/courses/<int:course_id>/apply",
        "POST",
        expect(302, 422, 403, 403, 403),
        url=course_url("/apply"),
    ),
    Route("/courses/sign-in", "GET", ENTREPRENEUR_ONLY),
    Route("/courses/sign-in", "POST", expect(302, 422, 403, 403, 403)),
    Route("/my/courses", "GET", ENTREPRENEUR_ONLY),
    Route("/my/courses/<int:application_id>", "GET", OWN_ONLY, url=mine_url()),
    Route(
        "/my/courses/<int:application_id>/calendar.ics",
        "GET",
        OWN_ONLY,
        url=mine_url("/calendar.ics"),
    ),
    Route(
        "/my/courses/<int:application_id>/withdraw",
        "POST",
        OWN_ONLY,
        url=mine_url("/withdraw"),
    ),
    # Public verification, open to the kiosk too.
    Route("/certificates/<number>", "GET", EVERYONE, url=certificate_url()),
    Route(
        "/certificates/<number>/print",
        "GET",
        expect(302, 404, 403, 200, 200),
        url=certificate_url("/print"),
    ),
    Route("/manage/courses", "GET", STAFF_ONLY),
    Route("/manage/courses/new", "GET", STAFF_ONLY),
    Route("/manage/courses/new", "POST", STAFF_FORM),
    Route("/manage/courses/<int:course_id>", "GET", STAFF_ONLY, url=manage_url()),
    Route("/manage/courses/<int:course_id>/edit", "GET", STAFF_ONLY, url=manage_url("/edit")),
    Route("/manage/courses/<int:course_id>/edit", "POST", STAFF_FORM, url=manage_url("/edit")),
    Route(
        "/manage/courses/<int:course_id>/sessions",
        "POST",
        STAFF_FORM,
        url=manage_url("/sessions"),
    ),
    Route("/manage/sessions/<int:session_id>", "POST", STAFF_FORM, url=session_url()),
    Route(
        "/manage/sessions/<int:session_id>/delete",
        "POST",
        STAFF_REDIRECT,
        url=session_url("/delete"),
    ),
    Route("/manage/sessions/<int:session_id>/code", "GET", STAFF_ONLY, url=session_url("/code")),
    Route(
        "/manage/courses/<int:course_id>/close-out",
        "POST",
        STAFF_REDIRECT,
        url=manage_url("/close-out"),
    ),
    Route("/manage/applications", "GET", STAFF_ONLY),
    Route("/manage/applications/decide", "POST", STAFF_FORM),
    Route(
        "/manage/courses/<int:course_id>/attendance",
        "GET",
        STAFF_ONLY,
        url=manage_url("/attendance"),
    ),
    # The grid's one form; a post without a cell's button is a bad request
    # (tests/test_training_attendance.py posts real cells, and forged ones of another course).
    Route(
        "/manage/courses/<int:course_id>/attendance",
        "POST",
        STAFF_ONLY | {"staff": 400, "admin": 400},
        url=manage_url("/attendance"),
    ),
    # Without htmx the cell's URL leads to the grid.
    Route(
        "/manage/sessions/<int:session_id>/attendance/<int:application_id>",
        "GET",
        STAFF_REDIRECT,
        url=lambda ctx: f"/manage/sessions/{ctx.session.id}/attendance/{ctx.application.id}",
    ),
    # The session is next week: marking is refused and the grid says why.
    Route(
        "/manage/sessions/<int:session_id>/attendance/<int:application_id>",
        "POST",
        STAFF_REDIRECT,
        url=lambda ctx: f"/manage/sessions/{ctx.session.id}/attendance/{ctx.application.id}",
        data={"present": "1"},
    ),
    Route(
        "/manage/courses/<int:course_id>/completion",
        "GET",
        STAFF_ONLY,
        url=manage_url("/completion"),
    ),
    Route(
        "/manage/courses/<int:course_id>/completion",
        "POST",
        STAFF_FORM,
        url=manage_url("/completion"),
    ),
    # The course is next week: deciding who did not complete is refused, and the page says why.
    Route(
        "/manage/courses/<int:course_id>/completion/<int:application_id>/not-completed",
        "POST",
        STAFF_FORM,
        url=lambda ctx: (
            f"/manage/courses/{ctx.course.id}/completion/{ctx.application.id}/not-completed"
        ),
    ),
    # Nobody was marked as not completed: there is nothing to undo.
    Route(
        "/manage/courses/<int:course_id>/completion/<int:application_id>/reopen",
        "POST",
        STAFF_FORM,
        url=lambda ctx: f"/manage/courses/{ctx.course.id}/completion/{ctx.application.id}/reopen",
    ),
    Route(
        "/manage/certificates/<number>/revoke",
        "POST",
        STAFF_FORM,
        url=lambda ctx: f"/manage/certificates/{ctx.certificate.number}/revoke",
    ),
    Route(
        "/manage/courses/<int:course_id>/export/<kind>",
        "GET",
        STAFF_ONLY,
        url=manage_url("/export/roster.xlsx"),
    ),
]
