"""Giving free seats to the waiting list, in order, and closing out what is left once the
course has started (both inside the course's write lock)."""

from db.events.texts import translator
from db.training.lifecycle import move, moved
from db.training.models import SEATING, Application
from db.training.queries import timing
from db.training.status import CLOSE_OUT, PENDING, WAITING


def _close_out_reason(origin, language):
    """The reason the applicant reads, in the language they applied in."""
    _ = translator(language)
    if origin == PENDING:
        return _("The course started before your application could be reviewed.")
    return _("The course started and no seat became free for you on the waiting list.")


def close_out(course, now, actor=None, course_timing=None):
    """Once the course has started, close out its pending and waiting applications.

    Each becomes "not accepted" with a reason in the applicant's language, is audited and
    announced (db.training.status.CLOSE_OUT). Returns those closed out; nothing before the
    first session has begun. Call inside the course's write lock.
    """
    course_timing = course_timing or timing(course)
    if not course_timing.has_started(now):
        return []
    rows = list(
        Application.select()
        .where(Application.course == course.id, Application.status.in_(list(CLOSE_OUT)))
        .order_by(Application.created_at, Application.id)
    )
    for application in rows:
        origin = application.status
        application.course = course
        reason = _close_out_reason(origin, application.language)
        move(
            application,
            CLOSE_OUT[origin],
            now,
            actor=actor,
            fields=dict(reason=reason, decided_at=now, decided_by=actor),
            reason=reason,
            note="closed out: the course has started",
        )
    return rows


def promote(course, now, actor=None):
    """Seat the head of the waiting list for every free seat; return those promoted.

    Nobody is promoted once the course has started: the waiting list is closed out instead
    (see close_out). Completed people keep their seats, so they count as seated only while
    approved; a finished course promotes no one anyway.
    """
    course_timing = timing(course)
    if course_timing.has_started(now):
        close_out(course, now, actor=actor, course_timing=course_timing)
        return []

    def stamp(row):
        """Stamp, audit and announce one promoted row (inside the same transaction)."""
        Application.update(updated_at=now).where(Application.id == row.id).execute()
        row.course = course
        moved(row, WAITING, actor=actor, first_start=course_timing.first_start)

    return SEATING.promote(course.id, course.seats, on_promote=stamp)
