"""Reminders before events and course sessions, queued by `send-notices` (a @producer).

Confirmed people hear the day before a course session and an hour before a session or an
event. (The day-before reminder of an event is the events module's own `event.reminder`.)
Each reminder is a `ReminderSent` row, unique per occasion × person × kind, inserted in the
transaction (under the write lock) that queues its notice: a second run — later, or at the
same moment from another cron — finds the row and queues nothing, so nobody is reminded twice.
"""

from datetime import timedelta

from db import notices, write_lock
from db.base import utcnow
from db.events import CONFIRMED, Event, Registration
from db.outreach.models import ReminderSent, insert_once
from db.outreach.texts import SOON_FORMATS, letter, local_when, translator
from db.training import APPROVED, Application, Course, CourseSession

HOUR = timedelta(hours=1)
DAY = timedelta(hours=24)
EVENT_STATUSES = ("published", "closed")


def _claim(occasion, person, kind):
    """Insert the reminder's row; False when another run (or an earlier one) has it."""
    return insert_once(
        ReminderSent.insert(occasion=occasion, person=person, kind=kind, created_at=utcnow())
    )


def _subject(kind, title, starts_at, language):
    _ = translator(language)
    when = local_when(starts_at, language, SOON_FORMATS)
    if kind == "hour":
        return _("In an hour, at %(when)s: %(title)s", when=when, title=title)
    # The day before names the day and time, never "tomorrow": the reminder may go out on
    # the morning of an evening session (anything within 24 hours is due).
    return _("On %(when)s: %(title)s", when=when, title=title)


def _event_reminders(now):
    """An hour before an event: one notice to each confirmed registration."""
    queued = 0
    events = Event.select().where(
        Event.status.in_(EVENT_STATUSES), Event.starts_at > now, Event.starts_at <= now + HOUR
    )
    # Lists, not open cursors: a read still open when the write lock is asked for would make
    # SQLite refuse it at once ("database is locked") instead of waiting its turn.
    for event in list(events):
        confirmed = Registration.select().where(
            Registration.event == event.id, Registration.status == CONFIRMED
        )
        for registration in list(confirmed):
            with write_lock():  # SQLite: BEGIN IMMEDIATE, so two runs never deadlock
                if not _claim(f"event:{event.id}", f"registration:{registration.id}", "hour"):
                    continue
                language = registration.language
                _ = translator(language)
                notice = notices.queue(
                    "outreach.reminder",
                    _subject("hour", event.title, event.starts_at, language),
                    letter(
                        language,
                        registration.name,
                        _("A reminder that your event starts in about an hour."),
                        [
                            _("Event: %(title)s", title=event.title),
                            _("When: %(when)s", when=local_when(event.starts_at, language)),
                            _("Where: %(venue)s", venue=event.venue),
                            _("Your code: %(code)s", code=registration.code),
                        ],
                    ),
                    recipient=registration.user_id,
                    mobile=registration.mobile,
                    email=registration.email,
                    link=registration.private_path,
                )
                ReminderSent.update(notice=notice.id).where(
                    ReminderSent.occasion == f"event:{event.id}",
                    ReminderSent.person == f"registration:{registration.id}",
                    ReminderSent.kind == "hour",
                ).execute()
                queued += 1
    return queued


def _session_reminders(now):
    """The day before and an hour before a course session: each approved applicant."""
    queued = 0
    sessions = (
        CourseSession.select(CourseSession, Course)
        .join(Course)
        .where(
            Course.published,
            CourseSession.starts_at > now,
            CourseSession.starts_at <= now + DAY,
        )
    )
    for session in list(sessions):
        kind = "hour" if session.starts_at <= now + HOUR else "day"
        approved = Application.select(Application).where(
            Application.course == session.course_id, Application.status == APPROVED
        )
        for application in list(approved):
            occasion, person = f"session:{session.id}", f"application:{application.id}"
            with write_lock():
                if not _claim(occasion, person, kind):
                    continue
                user = application.user
                language = application.language
                _ = translator(language)
                intro = (
                    _("A reminder that your course session starts in about an hour.")
                    if kind == "hour"
                    else _("A reminder that your course has a session coming up.")
                )
                notice = notices.queue(
                    "outreach.reminder",
                    _subject(kind, session.course.title, session.starts_at, language),
                    letter(
                        language,
                        user.name,
                        intro,
                        [
                            _("Course: %(title)s", title=session.course.title),
                            _("Session: %(topic)s", topic=session.topic),
                            _("When: %(when)s", when=local_when(session.starts_at, language)),
                            _("Room: %(room)s", room=session.room or "—"),
                        ],
                    ),
                    recipient=user.id,
                    mobile=user.mobile,
                    link=application.path,
                )
                ReminderSent.update(notice=notice.id).where(
                    ReminderSent.occasion == occasion,
                    ReminderSent.person == person,
                    ReminderSent.kind == kind,
                ).execute()
                queued += 1
    return queued


@notices.producer
def queue_reminders(now):
    """Queue the reminders that fell due (runs before every `send-notices`)."""
    now = now or utcnow()
    return _event_reminders(now) + _session_reminders(now)
