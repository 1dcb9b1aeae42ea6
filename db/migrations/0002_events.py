"""Events: events, extra questions, registrations, answers; and the shared notice outbox."""

from peewee import (
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

LIVE_STATUSES = ("pending", "confirmed", "waiting")


def up(db):
    """Create the events and notices tables (frozen copies of the models as of this migration)."""

    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Enterprise(Base):
        class Meta:
            table_name = "enterprise"

    class User(Base):
        class Meta:
            table_name = "user"

    class Event(Base):
        kind = CharField(max_length=16)
        title = CharField(max_length=120)
        description = TextField(default="")
        venue = CharField(max_length=200)
        starts_at = DateTimeField(index=True)
        ends_at = DateTimeField()
        seats = IntegerField()
        opens_at = DateTimeField(null=True)
        closes_at = DateTimeField(null=True)
        approval_required = BooleanField(default=False)
        audience_note = CharField(max_length=300, default="")
        status = CharField(max_length=16, default="draft", index=True)
        cancel_reason = CharField(max_length=300, default="")
        created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = DateTimeField()
        updated_at = DateTimeField()
        reminded_at = DateTimeField(null=True)

    class EventQuestion(Base):
        event = ForeignKeyField(Event, on_delete="CASCADE")
        position = IntegerField()
        label = CharField(max_length=200)
        kind = CharField(max_length=16, default="text")
        choices = TextField(default="")
        required = BooleanField(default=False)

        class Meta:
            indexes = ((("event", "position"), True),)

    class Registration(Base):
        event = ForeignKeyField(Event, on_delete="CASCADE")
        user = ForeignKeyField(User, null=True, on_delete="SET NULL")
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
        consent_at = DateTimeField(null=True)
        consent_version = CharField(max_length=16, null=True)
        reason = CharField(max_length=300, default="")
        cancelled_by = CharField(max_length=16, default="")
        created_at = DateTimeField()
        updated_at = DateTimeField()
        confirmed_at = DateTimeField(null=True)
        checked_in_at = DateTimeField(null=True)
        checked_in_by = ForeignKeyField(User, null=True, on_delete="SET NULL")

        class Meta:
            indexes = (
                (("event", "status"), False),
                (("event", "waiting_number"), False),
                (("event", "created_at"), False),
            )

    Registration.add_index(
        Registration.index(Registration.event, Registration.mobile, unique=True).where(
            Registration.status.in_(LIVE_STATUSES)
        )
    )

    class RegistrationAnswer(Base):
        registration = ForeignKeyField(Registration, on_delete="CASCADE")
        question = ForeignKeyField(EventQuestion, on_delete="CASCADE")
        value = CharField(max_length=500, default="")

        class Meta:
            indexes = ((("registration", "question"), True),)

    class Notice(Base):
        recipient = ForeignKeyField(User, null=True, on_delete="SET NULL")
        mobile = CharField(max_length=11, null=True)
        email = CharField(max_length=254, null=True)
        subject = CharField(max_length=200)
        body = TextField()
        kind = CharField(max_length=40, index=True)
        link = CharField(max_length=200, default="")
        created_at = DateTimeField(index=True)
        sent_at = DateTimeField(null=True)
        claimed_at = DateTimeField(null=True)
        attempts = IntegerField(default=0)
        last_error = CharField(max_length=300, default="")

        class Meta:
            indexes = ((("recipient", "created_at"), False), (("sent_at", "attempts"), False))

    db.create_tables([Event, EventQuestion, Registration, RegistrationAnswer, Notice])
