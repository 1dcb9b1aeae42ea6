"""The outreach tables: SMS deliveries, opt-outs and suppressions, reminders sent,
invitations, feedback.

Occasions and people are named by short keys ("event:12", "session:7", "registration:40",
"application:9") rather than foreign keys, so one table serves events and courses alike and
nothing here blocks deleting or anonymising the rows the other modules own.
"""

from peewee import BooleanField, CharField, ForeignKeyField, IntegerField, TextField

from db.accounts import User
from db.base import BaseModel, UTCDateTimeField, utcnow
from db.notices import Notice

# SMS delivery states: waiting for its (next) try, sent, given up after MAX_ATTEMPTS, or
# held back because the number opted out.
QUEUED, SENT, FAILED, OPTED_OUT = "queued", "sent", "failed", "opted_out"
DELIVERY_STATUSES = (QUEUED, SENT, FAILED, OPTED_OUT)
REMINDER_KINDS = ("day", "hour")
TARGET_KINDS = ("event", "course")
INVITE_SOURCES = ("attendees", "confirmed", "graduates", "partners")
MAX_FEEDBACK_QUESTIONS = 3


class SmsDelivery(BaseModel):
    """One notice's SMS: its template, tries, next try and what the provider answered."""

    notice = ForeignKeyField(Notice, unique=True, backref="sms", on_delete="CASCADE")
    template_id = CharField(max_length=20)
    status = CharField(max_length=12, default=QUEUED)
    attempts = IntegerField(default=0)
    next_try_at = UTCDateTimeField(default=utcnow)
    claimed_at = UTCDateTimeField(null=True)
    sent_at = UTCDateTimeField(null=True)
    serial_no = CharField(max_length=64, default="")
    last_error = CharField(max_length=300, default="")
    created_at = UTCDateTimeField(default=utcnow)

    class Meta:
        indexes = ((("status", "next_try_at"), False),)


class SmsPreference(BaseModel):
    """A mobile number's SMS choice and the private token of its opt-out link."""

    mobile = CharField(max_length=11, unique=True)
    token = CharField(max_length=24, unique=True)
    opted_out_at = UTCDateTimeField(null=True)
    source = CharField(max_length=12, default="")  # link, reply, account
    created_at = UTCDateTimeField(default=utcnow)


class SmsSuppression(BaseModel):
    """A number that opted out and was then erased: never texted again (migration 0022).

    Erasure deletes the `SmsPreference` with the number; this row keeps only a keyed hash
    of it (`db.outreach.sms.suppression_digest`, HMAC-SHA256 under SECRET_KEY), so the number
    cannot be read back from it, yet a notice to it is still held back.
    """

    digest = CharField(max_length=64, unique=True)
    created_at = UTCDateTimeField(default=utcnow)


class StaffAlert(BaseModel):
    """One thing staff should hear of in the WeCom group, once (its key is unique)."""

    key = CharField(max_length=64, unique=True)  # application:9, low_stock:4:2026-12-07 …
    text = CharField(max_length=300)
    created_at = UTCDateTimeField(default=utcnow)
    sent_at = UTCDateTimeField(null=True, index=True)
    attempts = IntegerField(default=0)
    last_error = CharField(max_length=300, default="")


class ReminderSent(BaseModel):
    """That one person was reminded of one occasion once ("day" before, or an "hour")."""

    occasion = CharField(max_length=32)  # event:12 or session:7
    person = CharField(max_length=32)  # registration:40 or application:9
    kind = CharField(max_length=8)
    notice = ForeignKeyField(Notice, null=True, on_delete="SET NULL")
    created_at = UTCDateTimeField(default=utcnow)

    class Meta:
        indexes = ((("occasion", "person", "kind"), True),)


class Invitation(BaseModel):
    """An invitation to one event or course sent to one person (once per mobile number)."""

    target = CharField(max_length=32)  # event:12 or course:3
    source = CharField(max_length=12)
    name = CharField(max_length=50)
    mobile = CharField(max_length=11)
    email = CharField(max_length=254, default="")
    recipient = ForeignKeyField(User, null=True, on_delete="SET NULL")
    notice = ForeignKeyField(Notice, null=True, on_delete="SET NULL")
    invited_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    created_at = UTCDateTimeField(default=utcnow)

    class Meta:
        indexes = ((("target", "mobile"), True),)


class FeedbackSurvey(BaseModel):
    """The short survey after an event or course: a rating 1-5 and up to three questions."""

    target = CharField(max_length=32, unique=True)  # event:12 or course:3
    questions = TextField(default="")  # one a line
    is_open = BooleanField(default=True)
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = UTCDateTimeField(default=utcnow)

    @property
    def question_list(self):
        """The survey's questions, in order."""
        return [line.strip() for line in self.questions.splitlines() if line.strip()]


class FeedbackAnswer(BaseModel):
    """One registration's (or application's) answer to a survey: one a person."""

    survey = ForeignKeyField(FeedbackSurvey, backref="answers", on_delete="CASCADE")
    respondent = CharField(max_length=32)  # registration:40 or application:9
    rating = IntegerField()
    answers = TextField(default="")  # JSON list of strings, one per question
    created_at = UTCDateTimeField(default=utcnow)

    class Meta:
        indexes = ((("survey", "respondent"), True),)


def insert_once(query):
    """Run an INSERT … ON CONFLICT DO NOTHING; True when it inserted the row.

    (peewee's execute() answers SQLite's last row id even when the row was ignored.)
    """
    from db import database

    return database.execute(query.on_conflict_ignore()).rowcount == 1
