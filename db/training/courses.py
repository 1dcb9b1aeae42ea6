"""Creating and editing courses and their sessions (staff)."""

from db import audit, database, write_lock
from db.base import utcnow
from db.codes import unique_code
from db.seating import SeatingError
from db.training.errors import TrainingError
from db.training.models import (
    MAX_QUESTIONS,
    SEATING,
    SIGN_IN_EARLY,
    Attendance,
    Course,
    CourseSession,
)
from db.training.promotion import promote
from db.training.queries import has_certificates

COURSE_FIELDS = (
    "title",
    "institution",
    "lecturers",
    "description",
    "seats",
    "opens_at",
    "closes_at",
    "review_required",
    "eligibility_note",
    "completion_share",
    "questions",
    "published",
)
MAX_SEATS = 10_000


def _clean_course(data):
    """The course fields from `data`, checked; raises TrainingError naming the field."""
    values = {name: data[name] for name in COURSE_FIELDS if name in data}
    for name in ("title", "institution"):
        values[name] = (values.get(name) or "").strip()
        if not values[name]:
            raise TrainingError("required", field=name)
    for name in ("lecturers", "description", "eligibility_note"):
        values[name] = (values.get(name) or "").strip()
    if not 1 <= int(values.get("seats") or 0) <= MAX_SEATS:
        raise TrainingError("bad_seats", field="seats")
    if not 1 <= int(values.get("completion_share") or 0) <= 100:
        raise TrainingError("bad_share", field="completion_share")
    opens, closes = values.get("opens_at"), values.get("closes_at")
    if opens is not None and closes is not None and closes <= opens:
        raise TrainingError("closes_before_opens", field="closes_at")
    questions = [q.strip() for q in (values.get("questions") or "").splitlines() if q.strip()]
    if len(questions) > MAX_QUESTIONS:
        raise TrainingError("too_many_questions", field="questions")
    if any(len(q) > 200 for q in questions):
        raise TrainingError("question_too_long", field="questions")
    values["questions"] = "\n".join(questions)
    values["review_required"] = bool(values.get("review_required"))
    values["published"] = bool(values.get("published"))
    return values


def create_course(data, actor=None, now=None):
    """Create a course from the form's fields; return it (sessions are added next)."""
    now = now or utcnow()
    values = _clean_course(data)
    with database.atomic():
        course = Course.create(created_by=actor, created_at=now, updated_at=now, **values)
        audit.record("course.create", course, course.title, actor=actor)
    return course


def update_course(course_id, data, actor=None, now=None):
    """Change a course's fields; raising the seats promotes the waiting list at once.

    The seats cannot drop below the people already approved.
    """
    now = now or utcnow()
    values = _clean_course(data)
    with write_lock(Course, course_id) as course:
        try:
            SEATING.check_capacity(course.id, values["seats"])
        except SeatingError as exc:
            raise TrainingError("below_approved", field="seats", approved=exc.seated) from exc
        changed = sorted(name for name, value in values.items() if getattr(course, name) != value)
        Course.update(updated_at=now, **values).where(Course.id == course.id).execute()
        for name, value in values.items():
            setattr(course, name, value)
        audit.record("course.update", course, "changed: " + ", ".join(changed), actor=actor)
        promote(course, now)
    return course


def _check_times(starts_at, ends_at):
    """Raise TrainingError unless the session ends after it starts, on the same day."""
    if ends_at <= starts_at:
        raise TrainingError("ends_before_start", field="ends")
    if (ends_at - starts_at).total_seconds() > 24 * 3600:
        raise TrainingError("too_long", field="ends")


def _check_editable(course):
    """Raise TrainingError('certificates_issued') once the course has certificates.

    A certificate states the course's dates and hours as issued: its sessions are then
    fixed, so what the certificate says and what the timetable says never part.
    """
    if has_certificates(course):
        raise TrainingError("certificates_issued")


def add_session(course_id, starts_at, ends_at, topic, room="", actor=None):
    """Add a dated session (times in UTC) with a fresh sign-in code; return it.

    Under the course's write lock: applying and withdrawing depend on the first start.
    """
    _check_times(starts_at, ends_at)
    with write_lock(Course, course_id) as course:
        _check_editable(course)
        session = CourseSession.create(
            course=course,
            starts_at=starts_at,
            ends_at=ends_at,
            topic=topic.strip(),
            room=(room or "").strip(),
            code=unique_code(CourseSession.code),
        )
        audit.record("session.create", session, f"{course.title}: {session.topic}", actor=actor)
    return session


def update_session(session_id, starts_at, ends_at, topic, room="", actor=None, now=None):
    """Change a session's time, topic or room (its code and attendance stay).

    A session where attendance was taken cannot move to a time whose sign-in window has not
    opened yet (the marks would predate it), and nothing changes once certificates exist.
    """
    now = now or utcnow()
    _check_times(starts_at, ends_at)
    course_id = CourseSession.get_by_id(session_id).course_id
    with write_lock(Course, course_id) as course:
        _check_editable(course)
        session = CourseSession.get_by_id(session_id)
        marks = Attendance.select().where(Attendance.session == session.id).count()
        if marks and starts_at - SIGN_IN_EARLY > now:
            raise TrainingError("attendance_taken", field="day", count=marks)
        CourseSession.update(
            starts_at=starts_at, ends_at=ends_at, topic=topic.strip(), room=(room or "").strip()
        ).where(CourseSession.id == session.id).execute()
        audit.record("session.update", session, topic.strip(), actor=actor)
    return CourseSession.get_by_id(session_id)


def remove_session(session_id, actor=None):
    """Remove a session with its attendance; completion then counts the sessions left.

    Refused once the course has certificates (they state its dates and hours).
    """
    course_id = CourseSession.get_by_id(session_id).course_id
    with write_lock(Course, course_id) as course:
        _check_editable(course)
        session = CourseSession.get_by_id(session_id)
        marks = Attendance.select().where(Attendance.session == session.id).count()
        session.delete_instance(recursive=True)
        audit.record(
            "session.delete",
            object_type="course_session",
            object_id=session_id,
            summary=f"{session.topic}; {marks} attendance marks removed",
            actor=actor,
        )
    return session
