"""Outreach: SMS deliveries, opt-outs, staff alerts, reminders, invitations, feedback."""

from peewee import (
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)


def up(db):
    """Create the outreach tables (frozen copies of db/outreach/models.py)."""

    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class User(Base):
        username = CharField(max_length=64, unique=True)

        class Meta:
            table_name = "user"

    class Notice(Base):
        subject = CharField(max_length=200)

        class Meta:
            table_name = "notice"

    class SmsDelivery(Base):
        notice = ForeignKeyField(Notice, unique=True, on_delete="CASCADE")
        template_id = CharField(max_length=20)
        status = CharField(max_length=12, default="queued")
        attempts = IntegerField(default=0)
        next_try_at = DateTimeField()
        claimed_at = DateTimeField(null=True)
        sent_at = DateTimeField(null=True)
        serial_no = CharField(max_length=64, default="")
        last_error = CharField(max_length=300, default="")
        created_at = DateTimeField()

        class Meta:
            table_name = "sms_delivery"
            indexes = ((("status", "next_try_at"), False),)

    class SmsPreference(Base):
        mobile = CharField(max_length=11, unique=True)
        token = CharField(max_length=24, unique=True)
        opted_out_at = DateTimeField(null=True)
        source = CharField(max_length=12, default="")
        created_at = DateTimeField()

        class Meta:
            table_name = "sms_preference"

    class StaffAlert(Base):
        key = CharField(max_length=64, unique=True)
        text = CharField(max_length=300)
        created_at = DateTimeField()
        sent_at = DateTimeField(null=True, index=True)
        attempts = IntegerField(default=0)
        last_error = CharField(max_length=300, default="")

        class Meta:
            table_name = "staff_alert"

    class ReminderSent(Base):
        occasion = CharField(max_length=32)
        person = CharField(max_length=32)
        kind = CharField(max_length=8)
        notice = ForeignKeyField(Notice, null=True, on_delete="SET NULL")
        created_at = DateTimeField()

        class Meta:
            table_name = "reminder_sent"
            indexes = ((("occasion", "person", "kind"), True),)

    class Invitation(Base):
        target = CharField(max_length=32)
        source = CharField(max_length=12)
        name = CharField(max_length=50)
        mobile = CharField(max_length=11)
        email = CharField(max_length=254, default="")
        recipient = ForeignKeyField(User, null=True, on_delete="SET NULL")
        notice = ForeignKeyField(Notice, null=True, on_delete="SET NULL")
        invited_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = DateTimeField()

        class Meta:
            table_name = "invitation"
            indexes = ((("target", "mobile"), True),)

    class FeedbackSurvey(Base):
        target = CharField(max_length=32, unique=True)
        questions = TextField(default="")
        is_open = BooleanField(default=True)
        created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = DateTimeField()

        class Meta:
            table_name = "feedback_survey"

    class FeedbackAnswer(Base):
        survey = ForeignKeyField(FeedbackSurvey, on_delete="CASCADE")
        respondent = CharField(max_length=32)
        rating = IntegerField()
        answers = TextField(default="")
        created_at = DateTimeField()

        class Meta:
            table_name = "feedback_answer"
            indexes = ((("survey", "respondent"), True),)

    db.create_tables(
        [
            SmsDelivery,
            SmsPreference,
            StaffAlert,
            ReminderSent,
            Invitation,
            FeedbackSurvey,
            FeedbackAnswer,
        ]
    )
