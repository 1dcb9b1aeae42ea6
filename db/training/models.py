"""The training tables: courses, their sessions, applications, attendance and certificates."""

from datetime import timedelta

from peewee import (
    BooleanField,
    CharField,
    DateField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from db.accounts import Enterprise, User
from db.base import BaseModel, UTCDateTimeField, utcnow
from db.seating import Seating
from db.training.status import APPROVED, LIVE_STATUSES, WAITING

MAX_QUESTIONS = 5
DEFAULT_COMPLETION_SHARE = 80
# Self sign-in by code opens this long before a session starts and closes when it ends.
SIGN_IN_EARLY = timedelta(minutes=30)
ATTENDANCE_METHODS = ("roll_call", "code", "kiosk", "late")


class Course(BaseModel):
    """A training class run with a partner institution, with seats and a completion rule."""

    title = CharField(max_length=120)
    institution = CharField(max_length=120)
    lecturers = CharField(max_length=300, default="")
    description = TextField(default="")
    seats = IntegerField()
    opens_at = UTCDateTimeField(null=True)
    closes_at = UTCDateTimeField(null=True)
    review_required = BooleanField(default=True)
    eligibility_note = CharField(max_length=500, default="")
    # The minimum share of sessions, in percent, a person must attend to complete.
    completion_share = IntegerField(default=DEFAULT_COMPLETION_SHARE)
    # The course's own questions, one a line, answered when applying.
    questions = TextField(default="")
    published = BooleanField(default=False, index=True)
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)

    def __str__(self):
        return self.title

    @property
    def question_list(self):
        """The course's questions, in order."""
        return [line.strip() for line in self.questions.splitlines() if line.strip()]

    def application_state(self, timing, now=None):
        """open, not_yet, closed, no_sessions or draft: whether people may apply now.

        `timing` is the course's CourseTiming. Applications close at the set closing time,
        and never later than the start of the first session.
        """
        now = now or utcnow()
        if not self.published:
            return "draft"
        if timing.first_start is None:
            return "no_sessions"
        closes = timing.first_start if self.closes_at is None else self.closes_at
        if now >= min(closes, timing.first_start):
            return "closed"
        if self.opens_at is not None and now < self.opens_at:
            return "not_yet"
        return "open"

    def meets_rule(self, attended, total):
        """True when `attended` of `total` sessions reaches the completion share."""
        return total > 0 and attended * 100 >= self.completion_share * total


class CourseSession(BaseModel):
    """One dated meeting of a course, with the code people sign in with."""

    course = ForeignKeyField(Course, backref="sessions", on_delete="CASCADE")
    starts_at = UTCDateTimeField(index=True)
    ends_at = UTCDateTimeField()
    topic = CharField(max_length=200)
    room = CharField(max_length=100, default="")
    code = CharField(max_length=8, unique=True)

    class Meta:
        indexes = ((("course", "starts_at"), False),)

    @property
    def minutes(self):
        """The session's length in minutes."""
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def sign_in_opens(self):
        """When self sign-in by code opens."""
        return self.starts_at - SIGN_IN_EARLY

    def sign_in_open(self, now=None):
        """True during the self sign-in window (30 minutes before start until the end)."""
        now = now or utcnow()
        return self.sign_in_opens <= now < self.ends_at

    def has_ended(self, now=None):
        """True once the session is over."""
        return (now or utcnow()) >= self.ends_at


class Application(BaseModel):
    """One person's application for one course, followed from review to completion."""

    course = ForeignKeyField(Course, backref="applications")
    user = ForeignKeyField(User, backref="course_applications")
    enterprise = ForeignKeyField(Enterprise, null=True, on_delete="SET NULL")
    position = CharField(max_length=50, default="")
    motivation = TextField(default="")
    status = CharField(max_length=16)
    waiting_number = IntegerField(null=True)
    reason = CharField(max_length=300, default="")
    language = CharField(max_length=8, default="zh_CN")
    consent_at = UTCDateTimeField()
    consent_version = CharField(max_length=16)
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)
    decided_at = UTCDateTimeField(null=True)
    decided_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    withdrawn_at = UTCDateTimeField(null=True)
    completed_at = UTCDateTimeField(null=True)

    class Meta:
        indexes = (
            (("course", "status"), False),
            (("course", "waiting_number"), False),
            (("status", "created_at"), False),
        )

    @property
    def is_live(self):
        """Pending, approved, waiting or completed: one of these per person per course."""
        return self.status in LIVE_STATUSES

    @property
    def path(self):
        """The person's page for this application ("My courses")."""
        return f"/my/courses/{self.id}"


# One live application per person per course, enforced by the database as well as by the
# check made under the course's write lock.
Application.add_index(
    Application.index(Application.course, Application.user, unique=True).where(
        Application.status.in_(LIVE_STATUSES)
    )
)


class ApplicationAnswer(BaseModel):
    """An applicant's answer to one of the course's questions (the question text is kept)."""

    application = ForeignKeyField(Application, backref="answers", on_delete="CASCADE")
    position = IntegerField()
    question = CharField(max_length=200)
    value = CharField(max_length=500, default="")

    class Meta:
        indexes = ((("application", "position"), True),)


class Attendance(BaseModel):
    """A person's presence at one session: by roll call, by code, or late with a note."""

    session = ForeignKeyField(CourseSession, backref="attendance", on_delete="CASCADE")
    application = ForeignKeyField(Application, backref="attendance", on_delete="CASCADE")
    method = CharField(max_length=16)
    note = CharField(max_length=300, default="")
    recorded_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    recorded_at = UTCDateTimeField(default=utcnow)

    class Meta:
        indexes = ((("session", "application"), True),)


class Certificate(BaseModel):
    """A completion certificate: a gapless number per year and the facts as issued."""

    number = CharField(max_length=16, unique=True)
    year = IntegerField()
    serial = IntegerField()
    application = ForeignKeyField(Application, unique=True, backref="certificates")
    course = ForeignKeyField(Course, backref="certificates")
    holder_name = CharField(max_length=50)
    enterprise_name = CharField(max_length=100, default="")
    course_title = CharField(max_length=120)
    institution = CharField(max_length=120)
    first_day = DateField()
    last_day = DateField()
    minutes = IntegerField()
    issued_at = UTCDateTimeField(default=utcnow)
    issued_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    revoked_at = UTCDateTimeField(null=True)
    revoked_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    revoke_reason = CharField(max_length=300, default="")

    class Meta:
        indexes = ((("year", "serial"), True),)

    @property
    def is_valid(self):
        """True until the certificate is revoked."""
        return self.revoked_at is None

    @property
    def hours(self):
        """The course's hours as printed: whole hours, or one decimal for half hours."""
        hours = self.minutes / 60
        return int(hours) if hours == int(hours) else round(hours, 1)


SEATING = Seating(
    model=Application,
    owner_field=Application.course,
    status_field=Application.status,
    number_field=Application.waiting_number,
    seated=APPROVED,
    waiting=WAITING,
)
