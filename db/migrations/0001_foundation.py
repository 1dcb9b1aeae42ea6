"""Foundation: enterprises, accounts, login throttling, audit log, settings."""

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
    """Create the foundation tables (frozen copies of the models as of this migration)."""

    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Enterprise(Base):
        name = CharField(max_length=100, unique=True)
        credit_code = CharField(max_length=18, unique=True, null=True)
        is_partner = BooleanField(default=False, index=True)
        created_at = DateTimeField()

    class User(Base):
        username = CharField(max_length=64, unique=True)
        name = CharField(max_length=50)
        mobile = CharField(max_length=11, unique=True, null=True)
        role = CharField(max_length=16, index=True)
        password_hash = CharField(max_length=255)
        enterprise = ForeignKeyField(Enterprise, null=True, on_delete="SET NULL")
        position = CharField(max_length=50, default="")
        language = CharField(max_length=8, null=True)
        active = BooleanField(default=True)
        created_at = DateTimeField()
        last_login_at = DateTimeField(null=True)
        consent_at = DateTimeField(null=True)
        consent_version = CharField(max_length=16, null=True)

    class LoginAttempt(Base):
        key = CharField(max_length=120, index=True)
        at = DateTimeField(index=True)

    class AuditEntry(Base):
        at = DateTimeField(index=True)
        actor = ForeignKeyField(User, null=True, on_delete="SET NULL")
        actor_label = CharField(max_length=100, default="")
        action = CharField(max_length=64, index=True)
        object_type = CharField(max_length=40, index=True)
        object_id = IntegerField(null=True)
        summary = CharField(max_length=500, default="")

        class Meta:
            indexes = ((("object_type", "object_id"), False),)

    class Setting(Base):
        key = CharField(primary_key=True, max_length=64)
        value = TextField()

    db.create_tables([Enterprise, User, LoginAttempt, AuditEntry, Setting])
