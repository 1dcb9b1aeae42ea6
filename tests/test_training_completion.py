"""Training: the "did not complete" decision for people below the attendance rule, its undo,
what the person reads, and the staff to-do ("待确认结业") that clears once every approved
person of an ended course is decided."""

import io
import re

import pytest
from openpyxl import load_workbook
from peewee import IntegrityError

from db import database
from db.accounts import User
from db.audit import AuditEntry
from db.notices import Notice
from db.training import (
    APPROVED,
    COMPLETED,
    NOT_COMPLETED,
    PENDING,
    REJECTED,
    WAITING,
    Application,
    Attendance,
    Certificate,
    TrainingError,
    queries,
)
from db.training.attendance import mark
from db.training.completion import (
    completion_list,
    confirm_completion,
    mark_not_completed,
    reopen_completion,
)
from db.training.models import CourseSession
from tests.training_helpers import make_application, make_course

HX = {"HX-Request": "true"}
TO_DO = "待确认结业"


def text(response):
    return response.get_data(as_text=True)


def attend(application, sessions):
    """Mark `application` present at `sessions`."""
    for session in sessions:
        Attendance.create(session=session, application=application, method="roll_call")


def sessions_of(course):
    return list(course.sessions.order_by(CourseSession.starts_at))


def status_of(application):
    return Application.get_by_id(application.id).status


@pytest.fixture
def ended(app, make_user):
    """An ended course of four sessions (rule: 3): one person attended all, one attended
    one, one attended none."""
    course = make_course(sessions=4, first_in_days=-40, completion_share=75, title="已结束的课程")
    sessions = sessions_of(course)
    good = make_application(course, make_user(name="全勤学员"), APPROVED)
    poor = make_application(course, make_user(name="缺课学员"), APPROVED)
    absent = make_application(course, make_user(name="未到学员"), APPROVED)
    attend(good, sessions)
    attend(poor, sessions[:1])
    return course, good, poor, absent


@pytest.fixture
def staff(login_as):
    return login_as("staff")


# --- The rules ---


def test_a_person_below_the_rule_is_marked_not_completed(ended, make_user):
    course, _good, poor, _absent = ended
    actor = make_user(role="staff")
    marked = mark_not_completed(course.id, poor.id, "  缺课\n三次  ", actor=actor)
    assert marked.status == NOT_COMPLETED == status_of(poor)
    assert Application.get_by_id(poor.id).reason == "缺课 三次"  # one line
    entry = AuditEntry.get(AuditEntry.action == "application.not_complete")
    assert entry.object_id == poor.id and entry.actor == actor
    assert "approved -> not_completed" in entry.summary and "1 of 4" in entry.summary
    assert "缺课学员" not in entry.summary  # audit entries never name the person
    notice = Notice.get(Notice.kind == "training.not_completed")
    assert notice.recipient_id == poor.user_id and "缺课 三次" in notice.body
    assert notice.link == f"/my/courses/{poor.id}"
    # No certificate, and the completion list keeps the person, decided.
    assert Certificate.select().count() == 0
    row = next(r for r in completion_list(course) if r.application.id == poor.id)
    assert row.application.status == NOT_COMPLETED and row.certificate is None


def test_the_reason_is_optional_and_bounded(ended):
    course, _good, poor, absent = ended
    mark_not_completed(course.id, absent.id)
    assert Application.get_by_id(absent.id).reason == ""
    notice = Notice.get(Notice.kind == "training.not_completed")
    assert "原因" not in notice.body
    with pytest.raises(TrainingError) as caught:
        mark_not_completed(course.id, poor.id, "长" * 301)
    assert (caught.value.code, caught.value.field) == ("reason_too_long", "reason")
    assert status_of(poor) == APPROVED


def test_refusals(ended, make_user):
    course, good, poor, _absent = ended
    # Someone who met the rule is confirmed, not marked.
    with pytest.raises(TrainingError) as caught:
        mark_not_completed(course.id, good.id)
    assert caught.value.code == "meets_rule"
    # A completed person cannot be marked not completed.
    confirm_completion(course.id, [good.id])
    with pytest.raises(TrainingError) as caught:
        mark_not_completed(course.id, good.id)
    assert caught.value.code == "already_completed"
    assert status_of(good) == COMPLETED
    # Twice is refused, not repeated (one notice only).
    mark_not_completed(course.id, poor.id)
    with pytest.raises(TrainingError) as caught:
        mark_not_completed(course.id, poor.id)
    assert caught.value.code == "already_not_completed"
    assert Notice.select().where(Notice.kind == "training.not_completed").count() == 1
    # Someone who was never approved is not decided on at completion.
    refused = make_application(course, make_user(), REJECTED)
    with pytest.raises(TrainingError) as caught:
        mark_not_completed(course.id, refused.id)
    assert caught.value.code == "not_approved_for_completion"
    # Another course's application is not found through this course.
    other = make_course(sessions=1, first_in_days=-20)
    stranger = make_application(other, make_user(), APPROVED)
    with pytest.raises(TrainingError) as caught:
        mark_not_completed(course.id, stranger.id)
    assert caught.value.code == "not_found"
    assert status_of(stranger) == APPROVED
    # Nothing was marked by a refusal.
    assert Application.select().where(Application.status == NOT_COMPLETED).count() == 1


def test_nobody_is_marked_before_the_course_ended(app, make_user):
    course = make_course(sessions=2, first_in_days=-3)  # one past, one in four days
    application = make_application(course, make_user(), APPROVED)
    with pytest.raises(TrainingError) as caught:
        mark_not_completed(course.id, application.id)
    assert caught.value.code == "course_not_ended"
    upcoming = make_course(sessions=0)
    later = make_application(upcoming, make_user(), APPROVED)
    with pytest.raises(TrainingError) as caught:
        mark_not_completed(upcoming.id, later.id)
    assert caught.value.code == "course_not_ended"  # no sessions: it never ended
    assert status_of(application) == status_of(later) == APPROVED
    assert Notice.select().count() == 0


def test_a_mistake_is_undone_back_to_approved(ended, make_user):
    course, _good, poor, _absent = ended
    mark_not_completed(course.id, poor.id, "缺课")
    undone = reopen_completion(course.id, poor.id, actor=make_user(role="staff"))
    assert undone.status == APPROVED == status_of(poor)
    assert Application.get_by_id(poor.id).reason == ""
    assert AuditEntry.get(AuditEntry.action == "application.reopen").object_id == poor.id
    assert Notice.select().where(Notice.kind == "training.reopened").count() == 1
    # Nothing left to undo.
    with pytest.raises(TrainingError) as caught:
        reopen_completion(course.id, poor.id)
    assert caught.value.code == "not_marked_not_completed"
    # Approved again, the person's attendance can be corrected (a late sign-in with a note)
    # and their completion confirmed.
    for session in sessions_of(course)[1:3]:
        mark(session.id, poor.id, True, note="补签：签到表为证")
    (certificate,) = confirm_completion(course.id, [poor.id])
    assert certificate.application_id == poor.id and status_of(poor) == COMPLETED
    # A completed person has nothing to undo here (a wrong certificate is revoked).
    with pytest.raises(TrainingError) as caught:
        reopen_completion(course.id, poor.id)
    assert caught.value.code == "not_marked_not_completed"


def test_not_completed_stays_the_persons_one_application(ended):
    """Migration 0013: the one-live-application index covers "not completed", so the undo
    can never meet a second application of the same person."""
    course, _good, poor, _absent = ended
    mark_not_completed(course.id, poor.id)
    with pytest.raises(IntegrityError), database.atomic():
        make_application(course, poor.user, PENDING)
    assert queries.live_application(course.id, poor.user_id).id == poor.id


def test_seats_and_the_waiting_list_are_not_affected(app, make_user):
    """Deciding happens after the course ended: nobody is promoted into a freed seat (the
    waiting list is closed out instead), and the person still counts as having had a seat."""
    course = make_course(sessions=1, first_in_days=-10, seats=1)
    seated = make_application(course, make_user(), APPROVED)
    waiting = make_application(course, make_user(), WAITING, number=1)
    mark_not_completed(course.id, seated.id)
    assert status_of(waiting) == REJECTED  # closed out with a reason, never promoted
    assert Application.select().where(Application.status == APPROVED).count() == 0
    figures = queries.seat_figures([course.id])[course.id]
    assert figures[NOT_COMPLETED] == 1 and queries.seats_left(course, figures) == 0
    # Taken back, the person is approved on their own seat again; nobody else moved.
    reopen_completion(course.id, seated.id)
    assert status_of(seated) == APPROVED and status_of(waiting) == REJECTED


# --- The staff to-do ---


def test_the_to_do_clears_once_everyone_approved_is_decided(ended, staff):
    course, good, poor, absent = ended
    still_running = make_course(sessions=2, first_in_days=-3)
    make_application(still_running, staff.user, APPROVED)
    ((listed, _timing, undecided),) = queries.awaiting_completion()
    assert (listed.id, undecided) == (course.id, 3)
    page = text(staff.get("/"))
    assert TO_DO in page and f"/manage/courses/{course.id}/completion" in page
    assert "3 人待处理" in page
    confirm_completion(course.id, [good.id])
    mark_not_completed(course.id, poor.id)
    assert [(c.id, n) for c, _t, n in queries.awaiting_completion()] == [(course.id, 1)]
    mark_not_completed(course.id, absent.id)
    assert queries.awaiting_completion() == []
    page = text(staff.get("/"))
    assert TO_DO not in page and f"/manage/courses/{course.id}/completion" not in page
    # An undo puts the course back on the list.
    reopen_completion(course.id, absent.id)
    assert [(c.id, n) for c, _t, n in queries.awaiting_completion()] == [(course.id, 1)]


def test_the_to_do_lists_the_most_recently_ended_first(app, make_user):
    older = make_course(sessions=1, first_in_days=-30)
    newer = make_course(sessions=1, first_in_days=-5)
    for course in (newer, older):
        make_application(course, make_user(), APPROVED)
    assert [c.id for c, _t, _n in queries.awaiting_completion()] == [newer.id, older.id]
    assert [c.id for c, _t, _n in queries.awaiting_completion(limit=1)] == [newer.id]


# --- The completion page ---


def test_the_page_offers_the_decision_for_people_below_the_rule(ended, staff):
    course, good, poor, absent = ended
    page = text(staff.get(f"/manage/courses/{course.id}/completion"))
    assert "未达到考勤要求" in page and "2 人未达到考勤要求，待处理" in page
    for person in (poor, absent):
        assert f"/completion/{person.id}/not-completed" in page
    assert f"/completion/{good.id}/not-completed" not in page
    # Before the end there is nothing to decide.
    upcoming = make_course(sessions=1)
    make_application(upcoming, staff.user, APPROVED)
    page = text(staff.get(f"/manage/courses/{upcoming.id}/completion"))
    assert "/not-completed" not in page


def test_marking_without_javascript_reloads_the_page_with_the_outcome(ended, staff):
    course, _good, poor, _absent = ended
    url = f"/manage/courses/{course.id}/completion/{poor.id}/not-completed"
    response = staff.post(url, data={f"person-{poor.id}-reason": "多次缺课"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#decisions")
    page = text(staff.get(response.headers["Location"]))
    assert "已记录缺课学员结业未通过" in page
    assert "结业未通过" in page and "多次缺课" in page
    assert f"/completion/{poor.id}/reopen" in page
    assert status_of(poor) == NOT_COMPLETED


def test_marking_with_htmx_answers_the_row_and_its_status(ended, staff):
    course, _good, poor, _absent = ended
    url = f"/manage/courses/{course.id}/completion/{poor.id}/not-completed"
    response = staff.post(url, data={f"person-{poor.id}-reason": "多次缺课"}, headers=HX)
    body = text(response)
    assert response.status_code == 200
    assert body.lstrip().startswith(f'<tr id="decision-{poor.id}"')
    assert f'<td id="status-{poor.id}" hx-swap-oob="true">' in body
    assert "结业未通过" in body and f"/completion/{poor.id}/reopen" in body
    assert "<html" not in body
    undo = staff.post(f"/manage/courses/{course.id}/completion/{poor.id}/reopen", headers=HX)
    assert undo.status_code == 200 and f"/completion/{poor.id}/not-completed" in text(undo)
    assert status_of(poor) == APPROVED


def test_refusals_answer_422_with_the_reason(ended, staff):
    course, good, poor, _absent = ended
    too_long = {f"person-{poor.id}-reason": "长" * 301}
    url = f"/manage/courses/{course.id}/completion/{poor.id}/not-completed"
    row = staff.post(url, data=too_long, headers=HX)
    assert row.status_code == 422
    assert "原因请不超过 300 字" in text(row) and 'aria-invalid="true"' in text(row)
    assert f'<tr id="decision-{poor.id}"' in text(row)
    page = staff.post(url, data=too_long)
    assert page.status_code == 422
    assert "error-summary" in text(page) and f'href="#person-{poor.id}-reason"' in text(page)
    assert status_of(poor) == APPROVED
    # A completed person, asked for by hand: the page says why.
    confirm_completion(course.id, [good.id])
    refused = staff.post(f"/manage/courses/{course.id}/completion/{good.id}/not-completed")
    assert refused.status_code == 422 and "已结业并持有证书" in text(refused)
    assert status_of(good) == COMPLETED
    # Another course's person is not found through this course's URL.
    other = make_course(sessions=1, first_in_days=-20)
    url = f"/manage/courses/{other.id}/completion/{poor.id}/not-completed"
    assert staff.post(url).status_code == 422
    assert status_of(poor) == APPROVED


def test_the_decision_is_staff_only(ended, login_as):
    course, _good, poor, _absent = ended
    person = login_as("entrepreneur")
    url = f"/manage/courses/{course.id}/completion/{poor.id}/not-completed"
    assert person.post(url).status_code == 403
    assert status_of(poor) == APPROVED


def test_the_completion_export_names_the_status(ended, staff):
    course, _good, poor, _absent = ended
    mark_not_completed(course.id, poor.id)
    response = staff.get(f"/manage/courses/{course.id}/export/completion.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert "结业未通过" in rows["缺课学员"] and "已通过" in rows["未到学员"]


# --- What the person sees ---


def test_the_person_sees_the_decision_on_their_pages(ended, login_as):
    course, _good, _poor, _absent = ended
    person = login_as("entrepreneur")
    application = make_application(course, person.user, APPROVED)
    attend(application, sessions_of(course)[:2])
    mark_not_completed(course.id, application.id, "多次缺课")
    page = text(person.get(f"/my/courses/{application.id}"))
    assert "结业未通过" in page and "多次缺课" in page
    assert "您参加了 2 次课（共 4 次）" in page
    assert "/certificates/" not in page
    listing = text(person.get("/my/courses"))
    assert "结业未通过" in listing and "多次缺课" in listing
    User.update(language="en").where(User.id == person.user.id).execute()
    english = text(person.get(f"/my/courses/{application.id}"))
    assert "Did not complete" in english and "You attended 2 of 4 sessions" in english


def test_the_personal_data_export_names_the_status(ended, staff):
    course, _good, poor, _absent = ended
    mark_not_completed(course.id, poor.id, "多次缺课")
    page = text(staff.post("/staff/personal-data/", data={"mobile": poor.user.mobile}))
    assert "<dd>结业未通过</dd>" in page and "<dd>not_completed</dd>" not in page
    assert re.search(r"<dd>多次缺课</dd>", page)
