"""The events tables: events, their extra questions, registrations and answers."""

from peewee import (
    BooleanField,
    CharField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from db.accounts import Enterprise, User
from db.base import BaseModel, UTCDateTimeField, utcnow
from db.seating import Seating

KINDS = ("forum", "report", "annual", "salon")
EVENT_STATUSES = ("draft", "published", "closed", "cancelled")
QUESTION_KINDS = ("text", "choice")
MAX_QUESTIONS = 5

PENDING, CONFIRMED, WAITING, CANCELLED, REJECTED = (
    "pending",
    "confirmed",
    "waiting",
    "cancelled",
    "rejected",
)
STATUSES = (PENDING, CONFIRMED, WAITING, CANCELLED, REJECTED)
# A live registration holds (or may come to hold) a seat; one per mobile number per event.
LIVE_STATUSES = (PENDING, CONFIRMED, WAITING)
SOURCES = ("web", "account", "staff", "walk_in", "kiosk")


class Event(BaseModel):
    """A forum, report meeting, annual meeting or salon with a number of seats."""

    kind = CharField(max_length=16)
    title = CharField(max_length=120)
    description = TextField(default="")
    venue = CharField(max_length=200)
    starts_at = UTCDateTimeField(index=True)
    ends_at = UTCDateTimeField()
    seats = IntegerField()
    opens_at = UTCDateTimeField(null=True)
    closes_at = UTCDateTimeField(null=True)
    approval_required = BooleanField(default=False)
    audience_note = CharField(max_length=300, default="")
    status = CharField(max_length=16, default="draft", index=True)
    cancel_reason = CharField(max_length=300, default="")
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)
    reminded_at = UTCDateTimeField(null=True)

    class Meta:
        indexes = ((("status", "ends_at"), False),)

    def __str__(self):
        return self.title

    @property
    def registration_closes(self):
        """When registration ends: the set closing time, and never later than the start."""
        if self.closes_at is None:
            return self.starts_at
        return min(self.closes_at, self.starts_at)

    def registration_state(self, now=None):
        """open, not_yet, closed, started, cancelled or draft: what a visitor can do now."""
        now = now or utcnow()
        if self.status in ("draft", "cancelled"):
            return self.status
        if now >= self.starts_at:
            return "started"
        if self.status == "closed" or now >= self.registration_closes:
            return "closed"
        if self.opens_at is not None and now < self.opens_at:
            return "not_yet"
        return "open"

    def is_open(self, now=None):
        """True while people may register themselves."""
        return self.registration_state(now) == "open"

    def is_past(self, now=None):
        """True once the event has ended."""
        return (now or utcnow()) >= self.ends_at


class EventQuestion(BaseModel):
    """One of an event's extra questions: short text or a single choice."""

    event = ForeignKeyField(Event, backref="questions", on_delete="CASCADE")
    position = IntegerField()
    label = CharField(max_length=200)
    kind = CharField(max_length=16, default="text")
    choices = TextField(default="")
    required = BooleanField(default=False)

    class Meta:
        indexes = ((("event", "position"), True),)

    @property
    def choice_list(self):
        """The options of a single-choice question, one per line."""
        return [line.strip() for line in self.choices.splitlines() if line.strip()]


class Registration(BaseModel):
    """One person's registration for one event, with their details and consent."""

    event = ForeignKeyField(Event, backref="registrations", on_delete="CASCADE")
    user = ForeignKeyField(User, null=True, backref="registrations", on_delete="SET NULL")
    code = CharField(max_length=8, unique=True)
    token = CharField(max_length=64, unique=True)
    name = CharField(max_length=50)
    mobile = CharField(max_length=11)
    enterprise = ForeignKeyField(Enterprise, null=True, on_delete="SET NULL")
    position = CharField(max_length=50, default="")
    email = CharField(max_length=254, default="")
    status = CharField(max_length=16)
    waiting_number = IntegerField(null=True)
    source = CharField(max_length=16, default="web")
    language = CharField(max_length=8, default="zh_CN")
    consent_at = UTCDateTimeField(null=True)
    consent_version = CharField(max_length=16, null=True)
    reason = CharField(max_length=300, default="")
    cancelled_by = CharField(max_length=16, default="")
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)
    confirmed_at = UTCDateTimeField(null=True)
    checked_in_at = UTCDateTimeField(null=True)
    checked_in_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    # The one-time key of the form that made it (migration 0011): resubmitting that same form
    # (a double click, a retried request) finds this registration; nothing else does.
    submission_key = CharField(max_length=64, null=True)

    class Meta:
        indexes = (
            (("event", "status", "checked_in_at"), False),
            (("event", "waiting_number"), False),
            (("event", "created_at"), False),
        )

    @property
    def is_live(self):
        """Pending, confirmed or waiting: not cancelled or rejected."""
        return self.status in LIVE_STATUSES

    @property
    def private_path(self):
        """The path of the person's private page (the `/r/<token>` route of views.events)."""
        return "/r/" + self.token


# One live registration per mobile number per event, enforced by the database as well as by
# the check made under the event's write lock.
Registration.add_index(
    Registration.index(Registration.event, Registration.mobile, unique=True).where(
        Registration.status.in_(LIVE_STATUSES)
    )
)


class RegistrationAnswer(BaseModel):
    """A registration's answer to one extra question."""

    registration = ForeignKeyField(Registration, backref="answers", on_delete="CASCADE")
    question = ForeignKeyField(EventQuestion, backref="answers", on_delete="CASCADE")
    value = CharField(max_length=500, default="")

    class Meta:
        indexes = ((("registration", "question"), True),)


SEATING = Seating(
    model=Registration,
    owner_field=Registration.event,
    status_field=Registration.status,
    number_field=Registration.waiting_number,
    seated=CONFIRMED,
    waiting=WAITING,
)
