"""Attendance: the staff's roll call, self sign-in by code, and a late sign-in with a note.

`sign_in_by_code` and `person_by_mobile` are what a phone page and the kiosk call: the kiosk
finds the person by the mobile number typed on its keypad, then signs them in by the code
shown in the room.
"""

from peewee import IntegrityError

from db import audit, database
from db.accounts import User
from db.base import utcnow
from db.codes import is_code, normalise_code
from db.training.errors import TrainingError
from db.training.models import SIGN_IN_EARLY, Application, Attendance, Course, CourseSession
from db.training.status import APPROVED
from db.validators import is_mobile, normalise_mobile


def person_by_mobile(mobile):
    """The active entrepreneur account with this mobile number, or None."""
    mobile = normalise_mobile(mobile)
    if not is_mobile(mobile):
        return None
    return User.get_or_none(
        User.mobile == mobile,
        User.role == "entrepreneur",
        User.active == True,  # noqa: E712
    )


def _approved_application(course_id, user_id):
    """The person's approved application for the course, or None."""
    return Application.get_or_none(
        Application.course == course_id,
        Application.user == user_id,
        Application.status == APPROVED,
    )


def open_sessions_for(person, now=None):
    """Sessions whose sign-in window is open now on courses the person is approved for."""
    now = now or utcnow()
    return list(
        CourseSession.select(CourseSession, Course)
        .join(Course)
        .join(Application, on=(Application.course == Course.id))
        .where(
            Application.user == person.id,
            Application.status == APPROVED,
            CourseSession.starts_at <= now + SIGN_IN_EARLY,
            CourseSession.ends_at > now,
        )
        .order_by(CourseSession.starts_at)
    )


def _record(session, application, method, note, actor, now):
    """Insert an attendance mark; (mark, created) — an existing mark is returned as is."""
    existing = Attendance.get_or_none(
        Attendance.session == session.id, Attendance.application == application.id
    )
    if existing is not None:
        return existing, False
    try:
        with database.atomic():
            mark = Attendance.create(
                session=session,
                application=application,
                method=method,
                note=note,
                recorded_by=actor,
                recorded_at=now,
            )
            # The application's id, never the person's name: audit entries outlive erasure.
            summary = f"application #{application.id} at {session.topic} ({method})"
            if note:
                summary += f"; note: {note}"
            audit.record("attendance.mark", mark, summary, actor=actor)
    except IntegrityError:
        # Two taps or two phones at once: the unique (session, application) index keeps one.
        return Attendance.get(
            Attendance.session == session.id, Attendance.application == application.id
        ), False
    return mark, True


SELF_SIGN_IN_METHODS = ("code", "kiosk")


def sign_in_by_code(code, person, now=None, actor=None, method="code"):
    """Sign `person` in to the session with `code`; return (mark, created).

    Allowed from 30 minutes before the session starts until it ends, for people whose
    application for the course is approved. Signing in twice changes nothing. The window
    is checked before the enrolment, so "not open yet" or "closed" tells nothing about
    whether a mobile number is enrolled.

    `actor` is who did it (the person on their phone, by default; the kiosk account at the
    kiosk) and `method` how: "code" on a phone, "kiosk" at the kiosk. The kiosk calls
    `sign_in_by_code(code, person, actor=kiosk_account, method="kiosk")`.
    """
    now = now or utcnow()
    if method not in SELF_SIGN_IN_METHODS:
        raise ValueError(f"unknown sign-in method {method!r}")
    actor = actor or person
    code = normalise_code(code)
    session = CourseSession.get_or_none(CourseSession.code == code) if is_code(code) else None
    if session is None:
        raise TrainingError("unknown_code", field="code")
    if not session.sign_in_open(now):
        if now < session.sign_in_opens:
            raise TrainingError("sign_in_not_yet", field="code", opens=session.sign_in_opens)
        raise TrainingError("sign_in_closed", field="code")
    application = _approved_application(session.course_id, person.id)
    if application is None:
        raise TrainingError("not_enrolled", field="code")
    application.user = person
    return _record(session, application, method, "", actor, now)


def mark(session_id, application_id, present, actor=None, note="", now=None):
    """Staff mark a person present or not at a session; return the mark or None.

    A session can be marked from the start of its sign-in window. Once it has ended, a
    present mark is a late sign-in and needs a note. Only approved people are marked.
    """
    now = now or utcnow()
    note = (note or "").strip()
    session = CourseSession.get_or_none(CourseSession.id == session_id)
    application = Application.get_or_none(Application.id == application_id)
    if session is None or application is None or application.course_id != session.course_id:
        raise TrainingError("not_found")
    if application.status != APPROVED:
        raise TrainingError("not_approved")
    if not present:
        with database.atomic():
            removed = (
                Attendance.delete()
                .where(Attendance.session == session.id, Attendance.application == application.id)
                .execute()
            )
            if removed:
                audit.record(
                    "attendance.unmark",
                    application,
                    f"application #{application.id} not at {session.topic}",
                    actor=actor,
                )
        return None
    if now < session.sign_in_opens:
        raise TrainingError("session_not_started")
    late = session.has_ended(now)
    if late and not note:
        raise TrainingError("note_required", field="note")
    if len(note) > 300:
        raise TrainingError("note_too_long", field="note")
    mark_row, _created = _record(
        session, application, "late" if late else "roll_call", note, actor, now
    )
    return mark_row
