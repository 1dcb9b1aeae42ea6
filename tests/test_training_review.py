"""Training: closing out what is left once a course starts, and the review queue's paging,
search and true count."""

import re
from datetime import timedelta

import pytest

from db.audit import AuditEntry
from db.base import utcnow
from db.notices import Notice
from db.training import (
    APPROVED,
    PENDING,
    REJECTED,
    WAITING,
    Application,
    applications,
    queries,
)
from tests.training_helpers import make_application, make_course

CLOSED_PENDING_ZH = "课程已开始，您的报名未能在开课前审核。"
CLOSED_WAITING_EN = "The course started and no seat became free for you on the waiting list."
STARTED_MESSAGE_ZH = "1 份未处理：课程已经开始，不再录取新学员（待审核和候补的报名已结束处理）。"


def text(response):
    return response.get_data(as_text=True)


def reload(application):
    return Application.get_by_id(application.id)


@pytest.fixture
def staff(login_as):
    return login_as("staff")


def started_course(**fields):
    """A course whose first session began yesterday and whose last is weeks away."""
    return make_course(sessions=3, first_in_days=-1, **fields)


# --- Closing out ---


def test_a_started_course_closes_out_pending_and_waiting(app, make_user):
    course = started_course(seats=1)
    pending = make_application(course, make_user(), PENDING)
    waiting = make_application(course, make_user(), WAITING, number=1, language="en")
    seated = make_application(course, make_user(), APPROVED)
    upcoming = make_course()
    untouched = make_application(upcoming, make_user(), PENDING)

    assert applications.close_out_started() == 2

    pending, waiting = reload(pending), reload(waiting)
    assert pending.status == REJECTED and pending.reason == CLOSED_PENDING_ZH
    assert waiting.status == REJECTED and waiting.reason == CLOSED_WAITING_EN
    assert pending.decided_at is not None
    assert reload(seated).status == APPROVED
    assert reload(untouched).status == PENDING
    for application in (pending, waiting):
        entry = AuditEntry.get(
            AuditEntry.object_type == "application",
            AuditEntry.object_id == application.id,
            AuditEntry.action == "application.reject",
        )
        assert "closed out" in entry.summary
        notice = Notice.get(
            Notice.recipient == application.user_id, Notice.kind == "training.rejected"
        )
        assert application.reason in notice.body
    # Running again changes nothing and tells nobody twice.
    assert applications.close_out_started() == 0
    assert Notice.select().where(Notice.kind == "training.rejected").count() == 2


def test_the_close_out_command(app, make_user):
    course = started_course()
    pending = make_application(course, make_user(), PENDING)
    result = app.test_cli_runner().invoke(args=["training", "close-out"])
    assert result.exit_code == 0, result.output
    assert "1 applications closed out" in result.output
    assert reload(pending).status == REJECTED


def test_rejecting_a_seated_person_mid_course_promotes_nobody(app, make_user):
    course = started_course(seats=1)
    seated = make_application(course, make_user(), APPROVED)
    waiting = make_application(course, make_user(), WAITING, number=1)
    result = applications.decide([seated.id], "reject", reason="未按要求出勤")
    assert [a.id for a in result.done] == [seated.id]
    assert reload(seated).status == REJECTED
    # The waiting list closed when the course started: no seat is handed out mid-course.
    assert reload(waiting).status == REJECTED
    assert not Notice.select().where(Notice.kind == "training.promoted").exists()


def test_queue_and_counts_leave_out_courses_that_have_started(staff, make_user):
    running = started_course(title="已开课的课程")
    make_application(running, make_user(name="开课后仍待审"), PENDING)
    upcoming = make_course(title="即将开课的课程")
    make_application(upcoming, make_user(name="开课前待审"), PENDING)
    assert queries.pending_count() == 1
    assert [course.id for course, _n in queries.pending_by_course()] == [upcoming.id]
    page = text(staff.get("/manage/applications"))
    assert "开课前待审" in page and "开课后仍待审" not in page
    assert "1 份报名待审核" in page
    index = text(staff.get("/manage/courses"))
    assert "已开课的课程" in index


def test_deciding_on_a_started_course_says_so(staff, make_user):
    course = started_course()
    application = make_application(course, make_user(), PENDING)
    response = staff.post(
        "/manage/applications/decide",
        data={"application": str(application.id), "action": "approve", "from": "review"},
        follow_redirects=True,
    )
    page = text(response)
    assert response.status_code == 200
    assert STARTED_MESSAGE_ZH in page
    assert "份已处理过" not in page  # not "already decided"
    assert reload(application).status == REJECTED


def test_staff_close_out_a_course_from_its_page(staff, make_user):
    course = started_course()
    application = make_application(course, make_user(), PENDING)
    page = text(staff.get(f"/manage/courses/{course.id}"))
    assert f'action="/manage/courses/{course.id}/close-out"' in page
    assert "data-confirm=" in page.split("/close-out")[1][:800]
    response = staff.post(f"/manage/courses/{course.id}/close-out", follow_redirects=True)
    assert "已结束处理 1 份报名" in text(response)
    assert reload(application).status == REJECTED
    # Nothing left: the button is gone.
    assert "/close-out" not in text(staff.get(f"/manage/courses/{course.id}"))
    # A course that has not started closes out nobody.
    upcoming = make_course()
    waiting = make_application(upcoming, make_user(), PENDING)
    staff.post(f"/manage/courses/{upcoming.id}/close-out")
    assert reload(waiting).status == PENDING


def test_closing_out_needs_the_csrf_token_and_staff(app, login_as, make_user):
    course = started_course()
    application = make_application(course, make_user(), PENDING)
    person = login_as("entrepreneur")
    assert person.post(f"/manage/courses/{course.id}/close-out").status_code == 403
    assert reload(application).status == PENDING


# --- Rejecting several at once ---


def test_rejecting_a_seated_and_a_waiting_person_together(staff, make_user):
    """The seat the rejection frees goes to the next in order, not to the person rejected
    from the waiting list in the same batch (which used to roll the whole batch back)."""
    course = make_course(seats=1)
    seated = make_application(course, make_user(), APPROVED)
    first = make_application(course, make_user(), WAITING, number=1)
    second = make_application(course, make_user(), WAITING, number=2)
    response = staff.post(
        "/manage/applications/decide",
        data={
            "application": [str(seated.id), str(first.id)],
            "action": "reject",
            "reason": "名额调整",
            "from": "review",
        },
    )
    assert response.status_code == 302, text(response)
    assert reload(seated).status == REJECTED and reload(seated).reason == "名额调整"
    assert reload(first).status == REJECTED and reload(first).reason == "名额调整"
    assert reload(second).status == APPROVED
    kinds = {
        application.id: [
            n.kind for n in Notice.select().where(Notice.recipient == application.user_id)
        ]
        for application in (seated, first, second)
    }
    assert kinds == {
        seated.id: ["training.rejected"],
        first.id: ["training.rejected"],
        second.id: ["training.promoted"],
    }
    actions = [
        (entry.object_id, entry.action)
        for entry in AuditEntry.select()
        .where(AuditEntry.object_type == "application")
        .order_by(AuditEntry.id)
    ]
    assert actions == [
        (seated.id, "application.reject"),
        (first.id, "application.reject"),
        (second.id, "application.promote"),
    ]


def test_a_batch_reports_who_moved_up(app, make_user):
    course = make_course(seats=2)
    seated = [make_application(course, make_user(), APPROVED) for _ in range(2)]
    waiting = [make_application(course, make_user(), WAITING, number=n) for n in (1, 2, 3)]
    result = applications.decide(
        [seated[0].id, seated[1].id, waiting[1].id], "reject", reason="不符合条件"
    )
    assert len(result.done) == 3
    # Two seats freed: the first waiting and (passing over the rejected second) the third.
    assert [a.id for a in result.promoted] == [waiting[0].id, waiting[2].id]
    assert [reload(a).status for a in waiting] == [APPROVED, REJECTED, APPROVED]


# --- The review queue: paging, search, the true total ---


def _pending(course, make_user, count, **user_fields):
    start = utcnow() - timedelta(days=1)
    return [
        make_application(
            course,
            make_user(**user_fields),
            PENDING,
            created_at=start + timedelta(seconds=n),
        )
        for n in range(count)
    ]


def _picked(page):
    return re.findall(r'name="application" value="(\d+)"', page)


def test_the_queue_pages_and_counts_beyond_one_page(staff, make_user):
    course = make_course(seats=200)
    rows = _pending(course, make_user, 120)
    first = text(staff.get("/manage/applications"))
    assert "120 份报名待审核" in first
    assert _picked(first) == [str(a.id) for a in rows[:50]]
    assert "第 1 页，共 3 页" in first
    assert 'href="/manage/applications?page=2"' in first
    last = text(staff.get("/manage/applications?page=3"))
    assert _picked(last) == [str(a.id) for a in rows[100:]]
    assert "120 份报名待审核" in last
    # Past the end or nonsense: the last page, the first page; never an error.
    assert _picked(text(staff.get("/manage/applications?page=99"))) == _picked(last)
    assert _picked(text(staff.get("/manage/applications?page=x"))) == _picked(first)
    # Filtering by course keeps the count true for that course.
    other = make_course(title="另一门课")
    _pending(other, make_user, 2)
    assert "122 份报名待审核" in text(staff.get("/manage/applications"))
    assert "2 份报名待审核" in text(staff.get(f"/manage/applications?course={other.id}"))


def test_the_queue_never_shows_more_than_100_rows(app, make_user):
    course = make_course(seats=300)
    _pending(course, make_user, 130)
    queue = queries.review_queue(per_page=500)
    assert len(queue.rows) == 100 and queue.total == 130 and queue.pages == 2


def test_search_by_applicant_or_enterprise(staff, make_user, make_enterprise):
    course = make_course(seats=50)
    baohua = make_enterprise(name="宝华集团")
    _pending(course, make_user, 3, enterprise=baohua)
    (chen,) = _pending(course, make_user, 1, name="陈佳怡")
    _pending(course, make_user, 60)
    page = text(staff.get("/manage/applications?q=宝华"))
    assert len(_picked(page)) == 3 and "3 份待审核报名符合“宝华”" in page
    page = text(staff.get("/manage/applications?q=佳怡"))
    assert _picked(page) == [str(chen.id)]
    # As-you-type: the htmx request gets the queue block alone.
    fragment = text(staff.get("/manage/applications?q=佳怡", headers={"HX-Request": "true"}))
    assert "<html" not in fragment and _picked(fragment) == [str(chen.id)]
    nothing = text(staff.get("/manage/applications?q=没有这个人"))
    assert _picked(nothing) == [] and "没有符合“没有这个人”的待审核报名" in nothing
    # Deciding from a search goes back to the same search.
    response = staff.post(
        "/manage/applications/decide",
        data={"application": str(chen.id), "action": "approve", "from": "review", "q": "佳怡"},
    )
    assert response.status_code == 302 and "q=" in response.headers["Location"]
    assert reload(chen).status == APPROVED
