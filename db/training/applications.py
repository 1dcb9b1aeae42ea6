"""Applying for a course, the staff's decisions, and withdrawing.

Anything that can take or free a seat runs under `write_lock(Course, course_id)` and counts
rows after taking it (db.seating), so approved applications never exceed the seats and the
waiting list is served strictly in order.
"""

from contextlib import ExitStack
from dataclasses import dataclass, field

from peewee import IntegrityError

from db import write_lock
from db.accounts import PRIVACY_NOTICE_VERSION
from db.base import utcnow
from db.training.errors import TrainingError
from db.training.lifecycle import move
from db.training.models import SEATING, Application, ApplicationAnswer, Course
from db.training.promotion import close_out, promote
from db.training.queries import live_application, timing, timings
from db.training.status import APPROVED, PENDING, REJECTED, WAITING, WITHDRAWN, sources

MAX_MOTIVATION = 1000


def _clean_answers(questions, answers):
    """The answers to the course's questions, each required and at most 500 characters."""
    answers = list(answers or [])
    cleaned = []
    for index, _question in enumerate(questions):
        value = ((answers[index] if index < len(answers) else "") or "").strip()
        if not value:
            raise TrainingError("answer_required", field=f"q{index}")
        if len(value) > 500:
            raise TrainingError("answer_too_long", field=f"q{index}")
        cleaned.append(value)
    return cleaned


def apply(
    course_id, user, position, motivation, answers=(), consent=False, language="zh_CN", now=None
):
    """Apply for a course; return (application, created).

    The person's live application for the course, if there is one, is returned unchanged
    (created False), so a double submit or a retried request creates nothing. A course that
    reviews applications puts the new one in review; otherwise it takes a free seat or joins
    the waiting list at once.
    """
    now = now or utcnow()
    position = (position or "").strip()
    motivation = (motivation or "").strip()
    if not position:
        raise TrainingError("required", field="position")
    if not motivation:
        raise TrainingError("required", field="motivation")
    if len(motivation) > MAX_MOTIVATION:
        raise TrainingError("motivation_too_long", field="motivation")
    if not consent:
        raise TrainingError("consent_required", field="consent")
    try:
        with write_lock(Course, course_id) as course:
            existing = live_application(course.id, user.id)
            if existing is not None:
                return existing, False
            course_timing = timing(course)
            state = course.application_state(course_timing, now)
            if state != "open":
                raise TrainingError("applications_" + state)
            cleaned = _clean_answers(course.question_list, answers)
            if course.review_required:
                target, number = PENDING, None
            else:
                target, number = SEATING.place(course.id, course.seats)
            application = Application(
                course=course,
                user=user,
                enterprise=user.enterprise_id,
                position=position[:50],
                motivation=motivation,
                language=language,
                consent_at=now,
                consent_version=PRIVACY_NOTICE_VERSION,
                created_at=now,
            )
            move(
                application,
                target,
                now,
                actor=user,
                fields=dict(waiting_number=number),
                first_start=course_timing.first_start,
            )
            for position_index, (question, value) in enumerate(
                zip(course.question_list, cleaned, strict=True)
            ):
                ApplicationAnswer.create(
                    application=application,
                    position=position_index,
                    question=question,
                    value=value,
                )
            return application, True
    except IntegrityError:
        # Only reachable with the lock switched off in tests: the partial unique index on
        # live (course, user) caught a duplicate the lock would have prevented.
        existing = live_application(course_id, user.id)
        if existing is None:
            raise
        return existing, False


@dataclass
class Decisions:
    """What a batch of decisions did: the applications changed and those left alone.

    `skipped` were decided meanwhile (or withdrawn); `started` are on a course that has
    already started (closed out, or approved people on a course that is over); `promoted`
    moved up from the waiting list into seats the rejections freed.
    """

    done: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    started: list = field(default_factory=list)
    promoted: list = field(default_factory=list)

    @property
    def approved(self):
        """The applications that got a seat."""
        return [a for a in self.done if a.status == APPROVED]

    @property
    def waiting(self):
        """The applications approved onto the waiting list."""
        return [a for a in self.done if a.status == WAITING]


def decide(application_ids, action, reason="", actor=None, now=None):
    """Approve or reject applications, across courses, all in one transaction.

    Approval takes a free seat or puts the person on the waiting list (in the order the
    approvals are made). Rejection needs a reason; rejecting someone approved frees a seat
    for the head of the waiting list, promoted once all the batch's decisions are made (so
    a person rejected from the waiting list in the same batch is passed over, and the seat
    goes to the next in order). Applications no longer in a status the action may start
    from (decided meanwhile, withdrawn) are left alone and reported as skipped.

    Once a course has started nobody is admitted any more: its pending and waiting
    applications are closed out first (db.training.promotion.close_out) and any chosen among
    them are reported as `started`; so is everything on a course that has ended. Until the
    end, an approved person can still be rejected.
    """
    reason = (reason or "").strip()
    if action not in ("approve", "reject"):
        raise TrainingError("bad_action")
    if action == "reject" and not reason:
        raise TrainingError("reason_required", field="reason")
    if len(reason) > 300:
        raise TrainingError("reason_too_long", field="reason")
    ids = sorted({int(i) for i in application_ids})
    if not ids:
        raise TrainingError("nothing_chosen")
    course_ids = sorted(
        {
            row.course_id
            for row in Application.select(Application.course).where(Application.id.in_(ids))
        }
    )
    result = Decisions()
    with ExitStack() as stack:
        courses = {cid: stack.enter_context(write_lock(Course, cid)) for cid in course_ids}
        now = now or utcnow()  # after the locks: decision times follow the order of decisions
        course_timings = {cid: timing(course) for cid, course in courses.items()}
        closed = set()
        for cid, course in courses.items():
            closed |= {a.id for a in close_out(course, now, actor, course_timings[cid])}
        # Read after the locks and the close-out, and change nothing but the row decided until
        # the loop is done: each row's status stays the one in the database, so a batch never
        # trips over its own changes ("changed").
        rows = list(
            Application.select()
            .where(Application.id.in_(ids))
            .order_by(Application.created_at, Application.id)
        )
        freed = set()  # courses where a rejection gave up a seat
        for application in rows:
            course = courses[application.course_id]
            application.course = course
            course_timing = course_timings[course.id]
            if application.id in closed or course_timing.has_ended(now):
                result.started.append(application)
                continue
            if action == "approve" and course_timing.has_started(now):
                result.started.append(application)
                continue
            allowed_from = sources(REJECTED) if action == "reject" else (PENDING,)
            if application.status not in allowed_from:
                result.skipped.append(application)
                continue
            if action == "approve":
                target, number = SEATING.place(course.id, course.seats)
                fields = dict(waiting_number=number, decided_at=now, decided_by=actor)
                move(
                    application,
                    target,
                    now,
                    actor=actor,
                    fields=fields,
                    first_start=course_timing.first_start,
                )
            else:
                if application.status == APPROVED:
                    freed.add(course.id)
                fields = dict(reason=reason, decided_at=now, decided_by=actor)
                move(application, REJECTED, now, actor=actor, fields=fields, reason=reason)
            result.done.append(application)
        # Seats given up go to the waiting list once every decision is made, so someone
        # rejected from the waiting list in this batch is passed over, never promoted first.
        for cid in sorted(freed):
            result.promoted.extend(promote(courses[cid], now, actor=actor))
    return result


def withdraw(application_id, user, now=None):
    """The person withdraws their application before the course starts.

    A withdrawn seat goes to the head of the waiting list at once.
    """
    now = now or utcnow()
    application = Application.get_or_none(Application.id == application_id)
    if application is None or application.user_id != user.id:
        raise TrainingError("not_found")
    with write_lock(Course, application.course_id) as course:
        application = Application.get_by_id(application_id)
        application.course = course
        if application.status not in sources(WITHDRAWN):
            raise TrainingError("not_withdrawable")
        if timing(course).has_started(now):
            raise TrainingError("withdraw_closed")
        was_seated = application.status == APPROVED
        move(application, WITHDRAWN, now, actor=user, fields=dict(withdrawn_at=now))
        if was_seated:
            promote(course, now, actor=user)
    return application


def close_out_course(course_id, actor=None, now=None):
    """Close out a started course's pending and waiting applications; return those closed."""
    with write_lock(Course, course_id) as course:
        return close_out(course, now or utcnow(), actor=actor)


def close_out_started(actor=None, now=None):
    """Close out pending and waiting applications on every course that has started.

    What `flask training close-out` runs (from cron, say hourly); the same happens on its
    own whenever staff decide, promote or confirm completion on such a course. Returns how
    many applications were closed out.
    """
    now = now or utcnow()
    course_ids = sorted(
        {
            row.course_id
            for row in Application.select(Application.course)
            .where(Application.status.in_((PENDING, WAITING)))
            .distinct()
        }
    )
    started = [cid for cid, t in timings(course_ids).items() if t.has_started(now)]
    return sum(len(close_out_course(cid, actor=actor, now=now)) for cid in started)
