"""Personal data in training: applications, answers, attendance notes and certificates are
exported, erased on request and purged by age, and seat figures, attendance counts,
certificate numbers and `ledger verify` hold afterwards."""

from datetime import timedelta

import pytest

from db.base import utcnow
from db.notices import Notice
from db.privacy import ERASED_NAME, erase_person, export_person, purge_older_than
from db.training import (
    APPROVED,
    COMPLETED,
    WAITING,
    WITHDRAWN,
    Application,
    ApplicationAnswer,
    Attendance,
    Certificate,
    CourseSession,
    queries,
)
from db.training.completion import confirm_completion
from tests.training_helpers import make_application, make_course

MOBILE = "13800007601"


@pytest.fixture
def applicant(make_user, make_enterprise):
    """One entrepreneur with a finished course (completed, a late note, a certificate) and a
    seat on a full upcoming course with someone waiting."""
    person = make_user(role="entrepreneur", mobile=MOBILE, name="许静")
    finished = make_course(sessions=2, first_in_days=-20)
    done = make_application(finished, person, APPROVED, motivation="提升管理能力")
    ApplicationAnswer.create(application=done, position=1, question="所在行业", value="物流")
    for session in CourseSession.select().where(CourseSession.course == finished.id):
        Attendance.create(session=session, application=done, method="late", note="迟到十分钟")
    (certificate,) = confirm_completion(finished.id, [done.id])
    upcoming = make_course(sessions=2, seats=1, first_in_days=10)
    seat = make_application(upcoming, person, APPROVED)
    waiting = make_application(upcoming, make_user(role="entrepreneur"), WAITING, number=1)
    return dict(
        person=person,
        finished=finished,
        done=done,
        certificate=certificate,
        upcoming=upcoming,
        seat=seat,
        waiting=waiting,
    )


def figures(*courses):
    """Seat figures and attendance counts of the courses."""
    return (
        queries.seat_figures([c.id for c in courses]),
        [queries.attendance_counts(c.id) for c in courses],
        [(c.number, c.serial, c.year) for c in Certificate.select().order_by(Certificate.id)],
    )


def test_export_holds_applications_attendance_and_certificates(applicant):
    sections = {str(title): rows for title, rows in export_person(MOBILE)}
    applications = [{str(k): v for k, v in row.items()} for row in sections["Course applications"]]
    assert any(row["Why I apply"] == "提升管理能力" for row in applications)
    assert any("所在行业: 物流" in row["Answers"] for row in applications)
    notes = {row_value for row in sections["Course attendance"] for row_value in row.values()}
    assert "迟到十分钟" in notes
    (certificate,) = sections["Certificates"]
    assert applicant["certificate"].number in certificate.values()


def test_erase_gives_up_the_seat_blanks_the_rest_and_keeps_the_figures(applicant, runner):
    p = applicant
    before = figures(p["finished"])
    counts = erase_person(MOBILE, "本人要求")
    assert counts["training"] == 3  # two applications and a certificate

    assert Application.get_by_id(p["seat"].id).status == WITHDRAWN
    promoted = Application.get_by_id(p["waiting"].id)
    assert promoted.status == APPROVED
    assert Notice.select().where(Notice.recipient == promoted.user_id).exists()

    done = Application.get_by_id(p["done"].id)
    assert done.status == COMPLETED and (done.position, done.motivation) == ("", "")
    assert {a.value for a in ApplicationAnswer.select()} == {""}
    assert {a.note for a in Attendance.select()} == {""}
    assert Certificate.get_by_id(p["certificate"].id).holder_name == ERASED_NAME
    assert figures(p["finished"]) == before
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output
    page = runner.app.test_client().get(f"/certificates/{p['certificate'].number}")
    assert page.status_code == 200 and "许" not in page.get_data(as_text=True)


def test_purge_blanks_finished_courses_and_keeps_certificates(applicant, make_user):
    p = applicant
    recent = make_course(sessions=1, first_in_days=-5)
    kept = make_application(recent, make_user(role="entrepreneur"), APPROVED, motivation="近期")
    long_ago = utcnow() - timedelta(days=800)
    for session in CourseSession.select().where(CourseSession.course == p["finished"].id):
        CourseSession.update(starts_at=long_ago, ends_at=long_ago + timedelta(hours=3)).where(
            CourseSession.id == session.id
        ).execute()
    before = figures(p["finished"], recent)
    counts = purge_older_than(24)
    assert counts["training"] == 1
    assert Application.get_by_id(p["done"].id).motivation == ""
    assert Application.get_by_id(kept.id).motivation == "近期"
    assert Certificate.get_by_id(p["certificate"].id).holder_name == "许静"
    assert figures(p["finished"], recent) == before
    assert purge_older_than(24)["training"] == 0
