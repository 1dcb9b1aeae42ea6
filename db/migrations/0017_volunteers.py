"""Volunteer service (志愿服务): teams, volunteers, memberships, join requests, activities,
sign-ups and hour records. A volunteer's passbook is the market's (migration 0016)."""

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)


def up(db):
    """Create the volunteer tables (frozen copies of db/volunteers/models.py)."""

    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Enterprise(Base):
        name = CharField(max_length=100, unique=True)

        class Meta:
            table_name = "enterprise"

    class User(Base):
        username = CharField(max_length=64, unique=True)

        class Meta:
            table_name = "user"

    class Passbook(Base):
        passbook_no = CharField(max_length=12, unique=True)

        class Meta:
            table_name = "market_passbook"

    class Team(Base):
        kind = CharField(max_length=12, index=True)
        name = CharField(max_length=100, unique=True)
        parent = ForeignKeyField("self", null=True, on_delete="RESTRICT")
        enterprise = ForeignKeyField(Enterprise, null=True, on_delete="SET NULL")
        description = TextField(default="")
        active = BooleanField(default=True)
        created_at = DateTimeField()
        updated_at = DateTimeField()

        class Meta:
            table_name = "volunteer_team"

    class Volunteer(Base):
        user = ForeignKeyField(User, null=True, unique=True, on_delete="SET NULL")
        name = CharField(max_length=50)
        mobile = CharField(max_length=11, unique=True)
        enterprise = ForeignKeyField(Enterprise, null=True, on_delete="SET NULL")
        consent_at = DateTimeField(null=True)
        consent_version = CharField(max_length=16, null=True)
        passbook = ForeignKeyField(Passbook, null=True, unique=True)
        created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = DateTimeField()
        updated_at = DateTimeField()

        class Meta:
            table_name = "volunteer"

    class Membership(Base):
        team = ForeignKeyField(Team, on_delete="CASCADE")
        volunteer = ForeignKeyField(Volunteer, on_delete="CASCADE")
        role = CharField(max_length=12, default="member")
        joined_at = DateTimeField()

        class Meta:
            table_name = "volunteer_membership"
            indexes = ((("team", "volunteer"), True),)

    class JoinRequest(Base):
        team = ForeignKeyField(Team, on_delete="CASCADE")
        volunteer = ForeignKeyField(Volunteer, on_delete="CASCADE")
        status = CharField(max_length=12, default="pending", index=True)
        note = CharField(max_length=300, default="")
        decision_note = CharField(max_length=300, default="")
        created_at = DateTimeField()
        decided_at = DateTimeField(null=True)
        decided_by = ForeignKeyField(User, null=True, on_delete="SET NULL")

        class Meta:
            table_name = "volunteer_join_request"
            indexes = ((("team", "volunteer", "status"), False),)

    class Activity(Base):
        team = ForeignKeyField(Team, on_delete="RESTRICT")
        title = CharField(max_length=120)
        what_to_do = TextField(default="")
        place = CharField(max_length=200)
        starts_at = DateTimeField(index=True)
        ends_at = DateTimeField()
        slots = IntegerField()
        max_minutes = IntegerField()
        status = CharField(max_length=12, default="draft", index=True)
        cancel_reason = CharField(max_length=300, default="")
        created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = DateTimeField()
        updated_at = DateTimeField()

        class Meta:
            table_name = "volunteer_activity"

    class Signup(Base):
        activity = ForeignKeyField(Activity, on_delete="CASCADE")
        volunteer = ForeignKeyField(Volunteer, on_delete="CASCADE")
        status = CharField(max_length=12)
        waiting_number = IntegerField(null=True)
        source = CharField(max_length=12, default="web")
        created_at = DateTimeField()
        updated_at = DateTimeField()
        confirmed_at = DateTimeField(null=True)
        cancelled_at = DateTimeField(null=True)
        signed_in_at = DateTimeField(null=True)
        signed_in_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        signed_out_at = DateTimeField(null=True)
        signed_out_by = ForeignKeyField(User, null=True, on_delete="SET NULL")

        class Meta:
            table_name = "volunteer_signup"
            indexes = (
                (("activity", "volunteer"), True),
                (("activity", "status"), False),
            )

    class HourRecord(Base):
        volunteer = ForeignKeyField(Volunteer, on_delete="CASCADE")
        activity = ForeignKeyField(Activity, null=True, on_delete="SET NULL")
        signup = ForeignKeyField(Signup, null=True, unique=True)
        served_on = DateField(index=True)
        minutes = IntegerField()
        source = CharField(max_length=16)
        status = CharField(max_length=12, default="pending", index=True)
        note = CharField(max_length=300, default="")
        decision_note = CharField(max_length=300, default="")
        points = IntegerField(default=0)
        points_rate = IntegerField(null=True)
        revision = IntegerField(default=0)
        created_at = DateTimeField()
        created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        decided_at = DateTimeField(null=True)
        decided_by = ForeignKeyField(User, null=True, on_delete="SET NULL")

        class Meta:
            table_name = "volunteer_hours"
            indexes = ((("volunteer", "status"), False),)

    db.create_tables([Team, Volunteer, Membership, JoinRequest, Activity, Signup, HourRecord])
