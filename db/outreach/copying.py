"""The yearly forum: copy an event or a course, with its questions, seats and texts, to a
new date. The copy is made by the events and training modules' own create functions, so it
passes their rules and audit like one typed in; it starts as a draft (an unpublished
course) for staff to check before publishing. Every time moves by the same amount."""

from db import audit, database
from db.events import Event, EventQuestion
from db.events.errors import EventError
from db.events.manage import EVENT_FIELDS, create_event
from db.outreach.errors import OutreachError
from db.outreach.models import FeedbackSurvey
from db.training import Course, CourseSession, TrainingError
from db.training.courses import COURSE_FIELDS, add_session, create_course


def _shift(moment, delta):
    return None if moment is None else moment + delta


def _copy_survey(source_target, new_target, actor):
    survey = FeedbackSurvey.get_or_none(FeedbackSurvey.target == source_target)
    if survey is not None:
        FeedbackSurvey.create(target=new_target, questions=survey.questions, created_by=actor)


def copy_event(event_id, starts_at, title=None, actor=None):
    """A draft copy of an event starting at `starts_at` (UTC); return the new event."""
    source = Event.get_or_none(Event.id == event_id)
    if source is None:
        raise OutreachError("not_found")
    delta = starts_at - source.starts_at
    data = {name: getattr(source, name) for name in EVENT_FIELDS}
    data.update(
        title=(title or source.title).strip()[:120] or source.title,
        starts_at=starts_at,
        ends_at=source.ends_at + delta,
        opens_at=_shift(source.opens_at, delta),
        closes_at=_shift(source.closes_at, delta),
    )
    questions = [
        dict(label=q.label, kind=q.kind, choices=q.choices, required=q.required)
        for q in source.questions.order_by(EventQuestion.position)
    ]
    with database.atomic():
        try:
            event = create_event(data, questions, actor=actor)
        except EventError as exc:
            raise OutreachError("copy_refused", field="starts_at", rule=exc.code) from exc
        _copy_survey(f"event:{source.id}", f"event:{event.id}", actor)
        audit.record("event.copy", event, f"copied from event {source.id}", actor=actor)
    return event


def copy_course(course_id, starts_at, title=None, actor=None):
    """An unpublished copy of a course whose first session is at `starts_at`; return it."""
    source = Course.get_or_none(Course.id == course_id)
    if source is None:
        raise OutreachError("not_found")
    sessions = list(source.sessions.order_by(CourseSession.starts_at))
    if not sessions:
        raise OutreachError("no_sessions")
    delta = starts_at - sessions[0].starts_at
    data = {name: getattr(source, name) for name in COURSE_FIELDS}
    data.update(
        title=(title or source.title).strip()[:120] or source.title,
        opens_at=_shift(source.opens_at, delta),
        closes_at=_shift(source.closes_at, delta),
        published=False,
    )
    with database.atomic():
        try:
            course = create_course(data, actor=actor)
            for session in sessions:
                add_session(
                    course.id,
                    session.starts_at + delta,
                    session.ends_at + delta,
                    session.topic,
                    session.room,
                    actor=actor,
                )
        except TrainingError as exc:
            raise OutreachError("copy_refused", field="starts_at", rule=exc.code) from exc
        _copy_survey(f"course:{source.id}", f"course:{course.id}", actor)
        audit.record("course.copy", course, f"copied from course {source.id}", actor=actor)
    return course
