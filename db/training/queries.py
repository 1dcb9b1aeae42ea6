"""Read-only questions about courses: timings, seat figures, lists for pages and panels."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from peewee import JOIN, fn

from db.accounts import Enterprise, User
from db.base import utcnow
from db.pagination import paginate
from db.training.models import (
    Application,
    ApplicationAnswer,
    Attendance,
    Certificate,
    Course,
    CourseSession,
)
from db.training.status import (
    APPROVED,
    COMPLETED,
    LIVE_STATUSES,
    NOT_COMPLETED,
    PENDING,
    WAITING,
)

# On the course: approved, and once it has ended, completed or not (they held a seat).
ON_COURSE = (APPROVED, COMPLETED, NOT_COMPLETED)


@dataclass(frozen=True)
class CourseTiming:
    """When a course runs: first start, last end, total minutes and number of sessions."""

    first_start: datetime | None = None
    last_end: datetime | None = None
    minutes: int = 0
    count: int = 0

    @property
    def hours(self):
        """Total hours: whole, or with one decimal for half hours."""
        hours = self.minutes / 60
        return int(hours) if hours == int(hours) else round(hours, 1)

    def has_started(self, now=None):
        """True once the first session has begun."""
        return self.first_start is not None and (now or utcnow()) >= self.first_start

    def has_ended(self, now=None):
        """True once the last session is over (never for a course without sessions)."""
        return self.last_end is not None and (now or utcnow()) >= self.last_end


def timings(course_ids):
    """{course id: CourseTiming} for `course_ids`, in one query."""
    course_ids = list(course_ids)
    if not course_ids:
        return {}
    sessions = defaultdict(list)
    for session in CourseSession.select(
        CourseSession.course, CourseSession.starts_at, CourseSession.ends_at
    ).where(CourseSession.course.in_(course_ids)):
        sessions[session.course_id].append(session)
    result = {}
    for course_id in course_ids:
        rows = sessions.get(course_id)
        if not rows:
            result[course_id] = CourseTiming()
            continue
        result[course_id] = CourseTiming(
            first_start=min(s.starts_at for s in rows),
            last_end=max(s.ends_at for s in rows),
            minutes=sum(s.minutes for s in rows),
            count=len(rows),
        )
    return result


def timing(course):
    """The CourseTiming of one course."""
    return timings([course.id])[course.id]


def seat_figures(course_ids):
    """{course id: {status: count}} of the live applications, in one query."""
    figures = {course_id: dict.fromkeys(LIVE_STATUSES, 0) for course_id in course_ids}
    if not figures:
        return figures
    rows = (
        Application.select(
            Application.course, Application.status, fn.COUNT(Application.id).alias("n")
        )
        .where(Application.course.in_(list(figures)), Application.status.in_(LIVE_STATUSES))
        .group_by(Application.course, Application.status)
    )
    for row in rows:
        figures[row.course_id][row.status] = row.n
    return figures


def seats_left(course, figures):
    """Free seats: the course's seats less those on the course (approved, or completed or
    not once it ended)."""
    return max(0, course.seats - sum(figures.get(status, 0) for status in ON_COURSE))


def sessions_of(course):
    """The course's sessions in time order."""
    return list(
        CourseSession.select()
        .where(CourseSession.course == course.id)
        .order_by(CourseSession.starts_at, CourseSession.id)
    )


def open_courses(now=None, limit=None):
    """Published courses taking applications now, soonest first, with timing and figures.

    Returns [(course, timing, figures)].
    """
    now = now or utcnow()
    # Open means the first session is still to come: some session ahead, none begun. Only
    # those courses are read (a few), not every course of the years past.
    ahead = CourseSession.select(CourseSession.course).where(CourseSession.starts_at > now)
    begun = CourseSession.select(CourseSession.id).where(
        (CourseSession.course == Course.id) & (CourseSession.starts_at <= now)
    )
    courses = list(
        Course.select()
        .where(
            Course.published == True,  # noqa: E712
            Course.opens_at.is_null() | (Course.opens_at <= now),
            Course.closes_at.is_null() | (Course.closes_at > now),
            Course.id.in_(ahead),
            ~fn.EXISTS(begun),
        )
        .order_by(Course.id)
    )
    course_timings = timings(c.id for c in courses)
    open_ones = [c for c in courses if c.application_state(course_timings[c.id], now) == "open"]
    open_ones.sort(key=lambda c: course_timings[c.id].first_start)
    if limit is not None:
        open_ones = open_ones[:limit]
    figures = seat_figures([c.id for c in open_ones])
    return [(c, course_timings[c.id], figures[c.id]) for c in open_ones]


def all_courses():
    """Every course for staff, newest first, with timing and figures: [(course, t, f)]."""
    courses = list(Course.select().order_by(Course.created_at.desc(), Course.id.desc()))
    course_timings = timings(c.id for c in courses)
    figures = seat_figures([c.id for c in courses])
    return [(c, course_timings[c.id], figures[c.id]) for c in courses]


def course_choices():
    """Every course for a staff filter (the review queue's), newest first: (id, title)
    named tuples (a filter of hundreds of courses builds no models, reads no descriptions)."""
    return list(
        Course.select(Course.id, Course.title)
        .order_by(Course.created_at.desc(), Course.id.desc())
        .namedtuples()
    )


def live_application(course_id, user_id):
    """The person's live application for the course, if any."""
    return Application.get_or_none(
        Application.course == course_id,
        Application.user == user_id,
        Application.status.in_(LIVE_STATUSES),
    )


def applications_of(user):
    """A person's applications, newest first, with their courses."""
    return list(
        Application.select(Application, Course)
        .join(Course)
        .where(Application.user == user.id)
        .order_by(Application.created_at.desc(), Application.id.desc())
    )


def answers_of(application):
    """An application's answers in question order."""
    return list(
        ApplicationAnswer.select()
        .where(ApplicationAnswer.application == application.id)
        .order_by(ApplicationAnswer.position)
    )


REVIEW_PAGE_SIZE = 50
MAX_SEARCH = 50


def _awaiting_review(now):
    """Pending applications on courses that have not started (started ones are closed out)."""
    begun = CourseSession.select(CourseSession.id).where(
        (CourseSession.course == Application.course) & (CourseSession.starts_at <= now)
    )
    return (Application.status == PENDING) & ~fn.EXISTS(begun)


def review_queue(course_id=None, search="", page=1, per_page=REVIEW_PAGE_SIZE, now=None):
    """Applications awaiting review, oldest first, one page at a time (a db.pagination.Page).

    `search` finds the applicant's name or mobile number or the enterprise's name. Courses
    that have started are left out: nobody is admitted to them any more.
    """
    now = now or utcnow()
    per_page = max(1, min(per_page, 100))
    # What the queue shows of each application, its course, person and enterprise (not
    # their every column: a page of the queue reads 50 rows of four tables).
    query = (
        Application.select(
            Application.id,
            Application.course,
            Application.user,
            Application.enterprise,
            Application.position,
            Application.motivation,
            Application.status,
            Application.created_at,
            Course.id,
            Course.title,
            User.id,
            User.name,
            Enterprise.id,
            Enterprise.name,
        )
        .join(Course)
        .switch(Application)
        .join(User, on=(Application.user == User.id))
        .switch(Application)
        .join(Enterprise, JOIN.LEFT_OUTER, on=(Application.enterprise == Enterprise.id))
        .where(_awaiting_review(now))
    )
    if course_id:
        query = query.where(Application.course == course_id)
    search = (search or "").strip()[:MAX_SEARCH]
    if search:
        query = query.where(
            User.name.contains(search)
            | User.mobile.contains(search)
            | Enterprise.name.contains(search)
        )
    return paginate(query.order_by(Application.created_at, Application.id), page, per_page)


def pending_count(course_id=None, now=None):
    """How many applications await review (on courses that have not started)."""
    query = Application.select().where(_awaiting_review(now or utcnow()))
    if course_id:
        query = query.where(Application.course == course_id)
    return query.count()


def earlier_courses(user_ids, exclude_course_id=None):
    """{user id: [(course title, status)]} of people's other courses they were on (approved,
    completed or not completed)."""
    result = defaultdict(list)
    user_ids = list(set(user_ids))
    if not user_ids:
        return result
    query = (
        Application.select(Application.user, Application.status, Course.title)
        .join(Course)
        .where(
            Application.user.in_(user_ids),
            Application.status.in_(ON_COURSE),
        )
        .order_by(Application.created_at)
    )
    for row in query:
        if exclude_course_id is None or row.course_id != exclude_course_id:
            result[row.user_id].append((row.course.title, row.status))
    return result


def roster(course):
    """Every application of a course with person and enterprise, by status then arrival."""
    order = dict.fromkeys(ON_COURSE, 0) | {WAITING: 1, PENDING: 2}
    rows = list(
        Application.select(Application, User, Enterprise)
        .join(User, on=(Application.user == User.id))
        .switch(Application)
        .join(Enterprise, JOIN.LEFT_OUTER, on=(Application.enterprise == Enterprise.id))
        .where(Application.course == course.id)
        .order_by(Application.created_at, Application.id)
    )
    rows.sort(key=lambda a: (order.get(a.status, 3), a.waiting_number or 0, a.created_at, a.id))
    return rows


def attendance_counts(course_id, application_ids=None):
    """{application id: sessions attended} for a course, counting its current sessions
    (of `application_ids` only, when given)."""
    query = (
        Attendance.select(Attendance.application, fn.COUNT(Attendance.id))
        .join(CourseSession)
        .where(CourseSession.course == course_id)
        .group_by(Attendance.application)
    )
    if application_ids is not None:
        query = query.where(Attendance.application.in_(list(application_ids)))
    return dict(query.tuples())


def attended_sessions(application):
    """{session id: Attendance} of one application."""
    return {
        row.session_id: row
        for row in Attendance.select().where(Attendance.application == application.id)
    }


def certificate_of(application):
    """The certificate issued for an application, if any."""
    return Certificate.get_or_none(Certificate.application == application.id)


def certificates_of_course(course_id):
    """{application id: Certificate} of a course."""
    return {
        row.application_id: row
        for row in Certificate.select().where(Certificate.course == course_id)
    }


def sessions_between(start, end):
    """Sessions starting in [start, end), with their courses, in time order."""
    return list(
        CourseSession.select(CourseSession, Course)
        .join(Course)
        .where(CourseSession.starts_at >= start, CourseSession.starts_at < end)
        .order_by(CourseSession.starts_at, CourseSession.id)
    )


def grid_rows(course):
    """The people on the attendance grid: approved (marked) and, read-only, those whose
    completion was decided, in roster order."""
    return [a for a in roster(course) if a.status in ON_COURSE]


def attendance_marks(course_id):
    """{(session id, application id): Attendance} of a course."""
    rows = Attendance.select().join(CourseSession).where(CourseSession.course == course_id)
    return {(row.session_id, row.application_id): row for row in rows}


@dataclass(frozen=True)
class GridPerson:
    """A person on the attendance grid: application id and status, name, enterprise."""

    id: int
    status: str
    name: str
    enterprise: str


@dataclass(frozen=True)
class GridMark:
    """A mark in a grid cell: how the person was marked present, and the late note."""

    method: str
    note: str


def _grid_people_query(course_id):
    """Applications of a course as GridPerson fields, in roster order (for those on the
    course: waiting number, then arrival)."""
    return (
        Application.select(Application.id, Application.status, User.name, Enterprise.name)
        .join(User, on=(Application.user == User.id))
        .switch(Application)
        .join(Enterprise, JOIN.LEFT_OUTER, on=(Application.enterprise == Enterprise.id))
        .where(Application.course == course_id)
        .order_by(
            fn.COALESCE(Application.waiting_number, 0), Application.created_at, Application.id
        )
        .tuples()
    )


def grid_people(course):
    """The people on the attendance grid, as `grid_rows` (approved, marked; and, read only,
    those whose completion was decided, in roster order), but as light GridPerson rows: a
    grid page reads a name and an enterprise a person, not three models."""
    query = _grid_people_query(course.id).where(Application.status.in_(ON_COURSE))
    return [
        GridPerson(aid, status, name, enterprise or "") for aid, status, name, enterprise in query
    ]


def grid_person(course_id, application_id):
    """One application of the course as a GridPerson (whatever its status), or None."""
    row = _grid_people_query(course_id).where(Application.id == application_id).first()
    return GridPerson(row[0], row[1], row[2], row[3] or "") if row else None


def grid_marks(course_id, application_ids):
    """{(session id, application id): GridMark} of the course's sessions, for the people
    of one grid page."""
    ids = list(application_ids)
    if not ids:
        return {}
    rows = (
        Attendance.select(
            Attendance.session, Attendance.application, Attendance.method, Attendance.note
        )
        .join(CourseSession)
        .where(CourseSession.course == course_id, Attendance.application.in_(ids))
        .tuples()
    )
    return {(sid, aid): GridMark(method, note or "") for sid, aid, method, note in rows}


def pending_by_course(limit=8, now=None):
    """[(course, applications awaiting review)], the most waiting first."""
    rows = list(
        Application.select(Application.course, fn.COUNT(Application.id).alias("n"))
        .where(_awaiting_review(now or utcnow()))
        .group_by(Application.course)
        .order_by(fn.COUNT(Application.id).desc(), Application.course)
        .limit(limit)
    )
    courses = {c.id: c for c in Course.select().where(Course.id.in_([r.course_id for r in rows]))}
    return [(courses[row.course_id], row.n) for row in rows]


def answers_for(application_ids):
    """{application id: [ApplicationAnswer]} in question order, in one query."""
    result = defaultdict(list)
    ids = list(application_ids)
    if not ids:
        return result
    query = (
        ApplicationAnswer.select()
        .where(ApplicationAnswer.application.in_(ids))
        .order_by(ApplicationAnswer.application, ApplicationAnswer.position)
    )
    for answer in query:
        result[answer.application_id].append(answer)
    return result


def awaiting_completion(now=None, limit=8):
    """Courses whose last session has ended while someone is still approved: staff have to
    confirm their completion or mark them not completed. [(course, timing, undecided)],
    the most recently ended first.

    A course drops off once everyone approved is completed or not completed.
    """
    now = now or utcnow()
    last_end = fn.MAX(CourseSession.ends_at)
    approved = Application.select(Application.course).where(Application.status == APPROVED)
    ended = (
        CourseSession.select(CourseSession.course)
        .where(CourseSession.course.in_(approved))
        .group_by(CourseSession.course)
        .having(last_end <= now)
        .order_by(last_end.desc(), CourseSession.course.desc())
        .limit(limit)
    )
    course_ids = [row.course_id for row in ended]
    if not course_ids:
        return []
    undecided = dict(
        Application.select(Application.course, fn.COUNT(Application.id))
        .where(Application.status == APPROVED, Application.course.in_(course_ids))
        .group_by(Application.course)
        .tuples()
    )
    course_timings = timings(course_ids)
    courses = {c.id: c for c in Course.select().where(Course.id.in_(course_ids))}
    return [(courses[cid], course_timings[cid], undecided.get(cid, 0)) for cid in course_ids]


def waiting_positions_for(applications):
    """{application id: waiting-list position} for those of `applications` that wait.

    One query whatever the number of courses: a person's "My courses" list.
    """
    waiting = {a.id: a for a in applications if a.status == WAITING}
    if not waiting:
        return {}
    course_ids = {a.course_id for a in waiting.values()}
    numbers = defaultdict(list)
    for row in (
        Application.select(Application.id, Application.course, Application.waiting_number)
        .where(Application.course.in_(list(course_ids)), Application.status == WAITING)
        .order_by(Application.waiting_number, Application.id)
    ):
        numbers[row.course_id].append(row.id)
    return {
        application_id: numbers[application.course_id].index(application_id) + 1
        for application_id, application in waiting.items()
        if application_id in numbers[application.course_id]
    }


def has_certificates(course):
    """True once any certificate was issued for the course (its sessions are then fixed)."""
    return Certificate.select().where(Certificate.course == course.id).exists()
