"""What the training module holds about people (applications with their position, motivation
and answers, staff reasons, attendance notes, certificates), handed over, erased on request,
and purged once the course is long over (see db/privacy.py).

Anonymising keeps every application, attendance mark and certificate with its status, times
and numbers, so seat figures, attendance rates and the gapless certificate numbers stay. A
purge leaves certificates as issued: verifying a certificate by its number is what it is for,
for as long as the holder needs it; erasing on the holder's request removes the name from it.
"""

from flask_babel import lazy_gettext as _l
from peewee import fn

from db import privacy
from db.accounts import User
from db.training import applications
from db.training.labels import method_name, status_name
from db.training.models import (
    Application,
    ApplicationAnswer,
    Attendance,
    Certificate,
    Course,
    CourseSession,
)
from db.training.queries import timings
from db.training.status import WITHDRAWN, sources


def _of_person(mobile):
    """Applications by the account with this mobile number."""
    return Application.select().where(
        Application.user.in_(User.select(User.id).where(User.mobile == mobile))
    )


def export(mobile):
    """The person's applications (with answers), attendance and certificates."""
    rows = list(
        _of_person(mobile).select(Application, Course).join(Course).order_by(Application.id)
    )
    ids = [row.id for row in rows]
    answers = {}
    for answer in (
        ApplicationAnswer.select()
        .where(ApplicationAnswer.application.in_(ids))
        .order_by(ApplicationAnswer.position)
    ):
        answers.setdefault(answer.application_id, []).append(f"{answer.question}: {answer.value}")
    marks = (
        Attendance.select(Attendance, CourseSession, Course)
        .join(CourseSession)
        .join(Course)
        .where(Attendance.application.in_(ids))
        .order_by(CourseSession.starts_at)
    )
    certificates = Certificate.select().where(Certificate.application.in_(ids))
    return [
        (
            _l("Course applications"),
            [
                {
                    _l("Course"): row.course.title,
                    _l("Status"): status_name(row.status),
                    _l("Position"): row.position,
                    _l("Why I apply"): row.motivation,
                    _l("Answers"): "\n".join(answers.get(row.id, [])),
                    _l("Reason given by staff"): row.reason,
                    _l("Applied"): row.created_at,
                    _l("Consent given"): row.consent_at,
                    _l("Privacy notice version"): row.consent_version,
                }
                for row in rows
            ],
        ),
        (
            _l("Course attendance"),
            [
                {
                    _l("Course"): mark.session.course.title,
                    _l("Session"): mark.session.topic,
                    _l("Starts"): mark.session.starts_at,
                    _l("Recorded as"): method_name(mark.method),
                    _l("Note"): mark.note,
                }
                for mark in marks
            ],
        ),
        (
            _l("Certificates"),
            [
                {
                    _l("Certificate number"): certificate.number,
                    _l("Holder"): certificate.holder_name,
                    _l("Course"): certificate.course_title,
                    _l("Issued at"): certificate.issued_at,
                    _l("Revoked at"): certificate.revoked_at,
                }
                for certificate in certificates
            ],
        ),
    ]


def _anonymise(ids):
    """Blank the applications' position, motivation, staff reason, answers and attendance
    notes; return how many applications held something to blank."""
    ids = list(ids)
    if not ids:
        return 0
    held = (
        Application.select(fn.COUNT(Application.id))
        .where(
            Application.id.in_(ids),
            (Application.position != "")
            | (Application.motivation != "")
            | (Application.reason != ""),
        )
        .scalar()
    )
    Application.update(position="", motivation="", reason="").where(
        Application.id.in_(ids)
    ).execute()
    ApplicationAnswer.update(value="").where(ApplicationAnswer.application.in_(ids)).execute()
    Attendance.update(note="").where(Attendance.application.in_(ids)).execute()
    return held


def erase(mobile):
    """Erase the person's applications. A place still held on a course that has not started
    is given up first (the waiting list moves up as after any withdrawal); then the
    applications are blanked and the holder's name is taken off their certificates."""
    rows = list(_of_person(mobile))
    started = timings({row.course_id for row in rows})
    for row in rows:
        if row.status in sources(WITHDRAWN) and not started[row.course_id].has_started():
            applications.withdraw(row.id, row.user)
    ids = [row.id for row in rows]
    _anonymise(ids)
    certificates = (
        Certificate.update(holder_name=privacy.ERASED_NAME)
        .where(Certificate.application.in_(ids))
        .execute()
    )
    return len(ids) + certificates


def purge(before):
    """Blank the applications of courses whose last session ended before `before`."""
    last_end = (
        CourseSession.select(CourseSession.course)
        .group_by(CourseSession.course)
        .having(fn.MAX(CourseSession.ends_at) < before)
    )
    ids = [
        row.id for row in Application.select(Application.id).where(Application.course.in_(last_end))
    ]
    return _anonymise(ids)


PROVIDER = privacy.PersonalData("training", export, erase, purge, order=25)
