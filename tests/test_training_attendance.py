"""Training: attendance (roll call, sign-in by code, late marks) and completion certificates."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from db.audit import AuditEntry
from db.base import utcnow
from db.notices import Notice
from db.training import (
    APPROVED,
    COMPLETED,
    WITHDRAWN,
    Application,
    Attendance,
    Certificate,
    TrainingError,
    applications,
    courses,
)
from db.training.attendance import mark, open_sessions_for, person_by_mobile, sign_in_by_code
from db.training.completion import (
    certificate_by_number,
    completion_list,
    confirm_completion,
    revoke_certificate,
)
from db.training.models import CourseSession
from tests.training_helpers import add_session, make_application, make_course, move_course


def attend(application, sessions):
    """Mark `application` present at `sessions`."""
    for session in sessions:
        Attendance.create(session=session, application=application, method="roll_call")


def sessions_of(course):
    return list(course.sessions.order_by(CourseSession.starts_at))


# --- Signing in by code ---


@pytest.fixture
def running(app, make_user):
    """A course with one session starting in an hour, and an approved person."""
    course = make_course(sessions=0)
    session = add_session(course, utcnow() + timedelta(hours=1), hours=2)
    person = make_user(mobile="13800005555")
    application = make_application(course, person, APPROVED)
    return course, session, person, application


def test_sign_in_window_opens_30_minutes_before_and_closes_at_the_end(running):
    _course, session, person, _application = running
    too_early = session.starts_at - timedelta(minutes=31)
    with pytest.raises(TrainingError) as caught:
        sign_in_by_code(session.code, person, now=too_early)
    assert caught.value.code == "sign_in_not_yet"
    with pytest.raises(TrainingError) as caught:
        sign_in_by_code(session.code, person, now=session.ends_at)
    assert caught.value.code == "sign_in_closed"
    mark_row, created = sign_in_by_code(
        session.code.lower(), person, now=session.starts_at - timedelta(minutes=30)
    )
    assert created and mark_row.method == "code"
    again, created_again = sign_in_by_code(session.code, person, now=session.starts_at)
    assert not created_again and again.id == mark_row.id
    assert Attendance.select().count() == 1
    assert AuditEntry.select().where(AuditEntry.action == "attendance.mark").count() == 1


def test_sign_in_needs_a_known_code_and_an_approved_application(running, make_user):
    _course, session, _person, _application = running
    with pytest.raises(TrainingError) as caught:
        sign_in_by_code("ZZZZ2222", make_user(), now=session.starts_at)
    assert caught.value.code == "unknown_code"
    with pytest.raises(TrainingError) as caught:
        sign_in_by_code(session.code, make_user(), now=session.starts_at)
    assert caught.value.code == "not_enrolled"
    assert Attendance.select().count() == 0


def test_person_by_mobile_finds_active_entrepreneurs_only(running, make_user):
    _course, session, person, _application = running
    assert person_by_mobile("138 0000 5555") == person
    assert person_by_mobile("+8613800005555") == person
    assert person_by_mobile("1380000") is None
    make_user(role="staff", mobile="13800006666")
    assert person_by_mobile("13800006666") is None
    sleeper = make_user(mobile="13800007777", active=False)
    assert sleeper is not None and person_by_mobile("13800007777") is None
    assert open_sessions_for(person, now=session.starts_at) == [session]
    assert open_sessions_for(person, now=session.ends_at) == []


# --- Staff marks ---


def test_staff_mark_from_the_window_and_undo(running, make_user):
    _course, session, _person, application = running
    staff = make_user(role="staff")
    with pytest.raises(TrainingError) as caught:
        early = session.starts_at - timedelta(hours=1)
        mark(session.id, application.id, True, actor=staff, now=early)
    assert caught.value.code == "session_not_started"
    row = mark(session.id, application.id, True, actor=staff, now=session.starts_at)
    assert row.method == "roll_call" and row.recorded_by_id == staff.id
    assert mark(session.id, application.id, False, actor=staff, now=session.starts_at) is None
    assert Attendance.select().count() == 0
    assert AuditEntry.select().where(AuditEntry.action == "attendance.unmark").count() == 1


def test_a_late_mark_needs_a_note(running, make_user):
    _course, session, _person, application = running
    late = session.ends_at + timedelta(days=1)
    with pytest.raises(TrainingError) as caught:
        mark(session.id, application.id, True, now=late)
    assert caught.value.code == "note_required"
    row = mark(session.id, application.id, True, note="补签：到场但忘记签到", now=late)
    assert row.method == "late" and row.note == "补签：到场但忘记签到"


def test_attendance_audit_names_the_application_not_the_person(running, make_user):
    """Audit entries outlive erasing a person, so they never hold the name."""
    _course, session, person, application = running
    staff = make_user(role="staff")
    mark(session.id, application.id, True, actor=staff, now=session.starts_at)
    mark(session.id, application.id, False, actor=staff, now=session.starts_at)
    sign_in_by_code(session.code, person, now=session.starts_at)
    late = session.ends_at + timedelta(days=1)
    mark(session.id, application.id, False, actor=staff, now=late)
    mark(session.id, application.id, True, actor=staff, note="电话确认到场", now=late)
    entries = list(AuditEntry.select().where(AuditEntry.action.startswith("attendance.")))
    assert len(entries) == 5
    for entry in entries:
        assert person.name not in entry.summary, entry.summary
        assert person.mobile not in entry.summary, entry.summary
        assert f"application #{application.id}" in entry.summary, entry.summary


def test_only_approved_people_are_marked(running, make_user):
    course, session, _person, _application = running
    other = make_application(course, make_user(), WITHDRAWN)
    with pytest.raises(TrainingError) as caught:
        mark(session.id, other.id, True, now=session.starts_at)
    assert caught.value.code == "not_approved"


# --- The completion rule ---


@pytest.mark.parametrize(
    "sessions, share, attended, meets",
    [
        (5, 80, 4, True),  # exactly at the threshold
        (5, 80, 3, False),
        (6, 80, 5, True),  # 4.8 sessions needed: five
        (6, 80, 4, False),
        (4, 100, 4, True),
        (3, 1, 1, True),
    ],
)
def test_completion_rule_thresholds(sessions, share, attended, meets, app, make_user):
    course = make_course(sessions=sessions, first_in_days=-60, completion_share=share)
    application = make_application(course, make_user(), APPROVED)
    attend(application, sessions_of(course)[:attended])
    (row,) = completion_list(course)
    assert row.meets_rule is meets
    issued = confirm_completion(course.id, [application.id])
    assert len(issued) == (1 if meets else 0)


def test_removing_sessions_after_attendance_was_taken(app, make_user):
    course = make_course(sessions=5, first_in_days=-60)
    application = make_application(course, make_user(), APPROVED)
    sessions = sessions_of(course)
    attend(application, sessions[:3])
    (row,) = completion_list(course)
    assert (row.attended, row.total, row.meets_rule) == (3, 5, False)
    # The two sessions the person missed are cancelled: 3 of 3.
    for session in sessions[3:]:
        courses.remove_session(session.id)
    (row,) = completion_list(course)
    assert (row.attended, row.total, row.meets_rule) == (3, 3, True)
    # A session the person attended is removed: its mark goes with it.
    courses.remove_session(sessions[0].id)
    (row,) = completion_list(course)
    assert (row.attended, row.total) == (2, 2)
    assert Attendance.select().count() == 2
    (certificate,) = confirm_completion(course.id, [application.id])
    assert certificate.minutes == 2 * 180


def test_a_withdrawn_person_never_completes(app, make_user):
    course = make_course(sessions=2, first_in_days=3)
    person = make_user()
    application = make_application(course, person, APPROVED)
    applications.withdraw(application.id, person)
    attend(Application.get_by_id(application.id), sessions_of(course))
    move_course(course, utcnow() - timedelta(days=30))
    assert completion_list(course) == []
    assert confirm_completion(course.id, [application.id]) == []
    assert Application.get_by_id(application.id).status == WITHDRAWN


def test_completion_waits_for_the_last_session(app, make_user):
    course = make_course(sessions=2, first_in_days=-3)  # one past, one in four days
    application = make_application(course, make_user(), APPROVED)
    attend(application, sessions_of(course))
    with pytest.raises(TrainingError) as caught:
        confirm_completion(course.id, [application.id])
    assert caught.value.code == "course_not_ended"
    assert Certificate.select().count() == 0


# --- Certificates ---


def test_certificate_facts_numbering_and_notice(app, make_user, make_enterprise):
    enterprise = make_enterprise(name="绿地建设集团")
    course = make_course(sessions=2, first_in_days=-30, institution="职业经理人研修院")
    people = [make_user(enterprise=enterprise, name=f"学员{i}") for i in range(3)]
    rows = [make_application(course, p, APPROVED) for p in people]
    for row in rows:
        attend(row, sessions_of(course))
    staff = make_user(role="staff")
    issued = confirm_completion(course.id, [r.id for r in rows], actor=staff)
    year = datetime.now(ZoneInfo("Asia/Shanghai")).year  # numbers count the Shanghai year
    assert [c.number for c in issued] == [f"PX-{year}-000{i}" for i in (1, 2, 3)]
    first = issued[0]
    assert first.holder_name == "学员0" and first.enterprise_name == "绿地建设集团"
    assert first.institution == "职业经理人研修院" and first.minutes == 360 and first.hours == 6
    assert isinstance(first.first_day, date) and first.first_day <= first.last_day
    assert Application.get_by_id(rows[0].id).status == COMPLETED
    notice = Notice.get(Notice.recipient == people[0].id, Notice.kind == "training.completed")
    assert first.number in notice.body
    assert AuditEntry.select().where(AuditEntry.action == "certificate.issue").count() == 3
    # Confirming again issues nothing more.
    assert confirm_completion(course.id, [r.id for r in rows]) == []
    # A second course continues the same year's numbers.
    other = make_course(sessions=1, first_in_days=-10)
    application = make_application(other, make_user(), APPROVED)
    attend(application, sessions_of(other))
    (fourth,) = confirm_completion(other.id, [application.id])
    assert fourth.number == f"PX-{year}-0004"


def test_numbers_restart_each_year(app, make_user):
    course = make_course(sessions=1, first_in_days=-400)
    rows = [make_application(course, make_user(), APPROVED) for _ in range(2)]
    for row in rows:
        attend(row, sessions_of(course))
    first = confirm_completion(course.id, [rows[0].id], now=datetime(2026, 12, 31, 15, 0))
    second = confirm_completion(course.id, [rows[1].id], now=datetime(2026, 12, 31, 16, 5))
    # 15:00 UTC is 23:00 in Shanghai (2026); 16:05 UTC is 00:05 on 1 January 2027.
    assert first[0].number == "PX-2026-0001"
    assert second[0].number == "PX-2027-0001"


def test_revoking_needs_a_reason_and_happens_once(app, make_user):
    course = make_course(sessions=1, first_in_days=-10)
    person = make_user()
    application = make_application(course, person, APPROVED)
    attend(application, sessions_of(course))
    (certificate,) = confirm_completion(course.id, [application.id])
    with pytest.raises(TrainingError) as caught:
        revoke_certificate(certificate.number, " ")
    assert caught.value.code == "reason_required"
    revoked = revoke_certificate(certificate.number, "出勤记录有误")
    assert not revoked.is_valid and revoked.revoke_reason == "出勤记录有误"
    assert Notice.select().where(Notice.kind == "training.certificate_revoked").count() == 1
    with pytest.raises(TrainingError) as caught:
        revoke_certificate(certificate.number, "再次")
    assert caught.value.code == "already_revoked"
    assert certificate_by_number(" " + certificate.number.lower()) == revoked
    assert certificate_by_number("X" * 50) is None


# --- Who signed in, and what a refusal gives away ---


def test_a_kiosk_sign_in_is_credited_to_the_kiosk(running, make_user):
    _course, session, person, _application = running
    kiosk = make_user(role="kiosk")
    mark_row, created = sign_in_by_code(
        session.code, person, now=session.starts_at, actor=kiosk, method="kiosk"
    )
    assert created and mark_row.method == "kiosk"
    assert mark_row.recorded_by_id == kiosk.id
    entry = AuditEntry.get(AuditEntry.action == "attendance.mark")
    assert entry.actor_id == kiosk.id and "(kiosk)" in entry.summary
    # On a phone (the default), the person is both the one signed in and the one who did it.
    other_course = make_course(sessions=0)
    other = add_session(other_course, session.starts_at, hours=2)
    make_application(other_course, person, APPROVED)
    phone_mark, _ = sign_in_by_code(other.code, person, now=session.starts_at)
    assert phone_mark.method == "code" and phone_mark.recorded_by_id == person.id
    with pytest.raises(ValueError):
        sign_in_by_code(other.code, person, now=session.starts_at, method="roll_call")


def test_outside_the_window_nobody_learns_who_is_enrolled(running, make_user):
    _course, session, person, _application = running
    stranger = make_user(mobile="13800006666")
    for when, code in (
        (session.starts_at - timedelta(hours=2), "sign_in_not_yet"),
        (session.ends_at + timedelta(minutes=1), "sign_in_closed"),
    ):
        for who in (person, stranger):
            with pytest.raises(TrainingError) as caught:
                sign_in_by_code(session.code, who, now=when)
            assert caught.value.code == code, (who.name, when)
    # Inside the window, the stranger is told they are not enrolled.
    with pytest.raises(TrainingError) as caught:
        sign_in_by_code(session.code, stranger, now=session.starts_at)
    assert caught.value.code == "not_enrolled"
    assert Attendance.select().count() == 0


# --- Editing sessions once attendance or certificates exist ---


def test_a_session_with_attendance_cannot_move_into_the_future(app, make_user):
    course = make_course(sessions=0)
    past = add_session(course, utcnow() - timedelta(days=2))
    application = make_application(course, make_user(), APPROVED)
    attend(application, [past])
    later = utcnow() + timedelta(days=3)
    with pytest.raises(TrainingError) as caught:
        courses.update_session(past.id, later, later + timedelta(hours=3), "改期")
    assert caught.value.code == "attendance_taken" and caught.value.field == "day"
    assert CourseSession.get_by_id(past.id).starts_at == past.starts_at
    # Correcting the topic, or moving it within the past, is fine.
    earlier = past.starts_at - timedelta(hours=1)
    courses.update_session(past.id, earlier, past.ends_at, "第一讲（更正）")
    assert CourseSession.get_by_id(past.id).topic == "第一讲（更正）"
    # A session without attendance may move anywhere.
    empty = add_session(course, utcnow() - timedelta(days=1))
    courses.update_session(empty.id, later, later + timedelta(hours=2), "改期")
    assert CourseSession.get_by_id(empty.id).starts_at == later


def test_sessions_are_fixed_once_certificates_are_issued(app, make_user):
    course = make_course(sessions=1, first_in_days=-10)
    (session,) = sessions_of(course)
    application = make_application(course, make_user(), APPROVED)
    attend(application, [session])
    confirm_completion(course.id, [application.id])
    before = (session.starts_at, session.ends_at, session.topic)
    when = utcnow() - timedelta(days=1)
    for call in (
        lambda: courses.add_session(course.id, when, when + timedelta(hours=2), "加课"),
        lambda: courses.update_session(session.id, when, when + timedelta(hours=2), "改"),
        lambda: courses.remove_session(session.id),
    ):
        with pytest.raises(TrainingError) as caught:
            call()
        assert caught.value.code == "certificates_issued"
    kept = CourseSession.get_by_id(session.id)
    assert (kept.starts_at, kept.ends_at, kept.topic) == before
    assert CourseSession.select().where(CourseSession.course == course.id).count() == 1
