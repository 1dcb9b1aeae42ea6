"""The volunteer service's tables: teams, volunteers, memberships, join requests, activities,
sign-ups and hour records.

A team is the 分队 (kind "division", e.g. 广中党员志愿者企业服务分队) or an enterprise's
服务小分队 (kind "squad": it belongs to a division through `parent` and to an enterprise).
A volunteer is a person with an account (`user`) or one entered by staff; either way their
consent to the privacy notice is recorded on the row. Points earned by approved hours go to
the volunteer's 爱心存折, a passbook of the love supermarket (db/market), opened on the first
earning.

Sign-ups compete for an activity's slots through db/seating.py (`SEATING`), like event
registrations. An hour record is pending until staff approve it; `points` is what has been
booked for it so far (the sum of its passbook entries), `revision` counts the corrections
made so far (the first under "hours:<id>", each later one — a correction books the
difference — under "hours:<id>:<n>").
"""

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
from db.market.models import Passbook
from db.seating import Seating

DIVISION, SQUAD = "division", "squad"
TEAM_KINDS = (DIVISION, SQUAD)
MEMBER, LEADER = "member", "leader"
ROLES = (MEMBER, LEADER)
PENDING, APPROVED, DECLINED, REJECTED = "pending", "approved", "declined", "rejected"
REQUEST_STATUSES = (PENDING, APPROVED, DECLINED)
DRAFT, PUBLISHED, CANCELLED = "draft", "published", "cancelled"
ACTIVITY_STATUSES = (DRAFT, PUBLISHED, CANCELLED)
CONFIRMED, WAITING = "confirmed", "waiting"
SIGNUP_STATUSES = (CONFIRMED, WAITING, CANCELLED)
LIVE_SIGNUPS = (CONFIRMED, WAITING)
SIGNUP_SOURCES = ("web", "staff", "kiosk")
ATTENDANCE, SELF_REPORTED = "attendance", "self_reported"
HOUR_SOURCES = (ATTENDANCE, SELF_REPORTED)
HOUR_STATUSES = (PENDING, APPROVED, REJECTED)


class Team(BaseModel):
    """The 分队 or a 小分队 (a squad: of an enterprise, within a division)."""

    kind = CharField(max_length=12, index=True)
    name = CharField(max_length=100, unique=True)
    parent = ForeignKeyField("self", null=True, backref="squads", on_delete="RESTRICT")
    enterprise = ForeignKeyField(
        Enterprise, null=True, backref="volunteer_teams", on_delete="SET NULL"
    )
    description = TextField(default="")
    active = BooleanField(default=True)
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "volunteer_team"

    def __str__(self):
        return self.name


class Volunteer(BaseModel):
    """A volunteer: an account holder (`user`) or a person entered by staff, with consent."""

    user = ForeignKeyField(User, null=True, unique=True, backref="volunteers", on_delete="SET NULL")
    name = CharField(max_length=50)
    mobile = CharField(max_length=11, unique=True)
    enterprise = ForeignKeyField(Enterprise, null=True, backref="volunteers", on_delete="SET NULL")
    consent_at = UTCDateTimeField(null=True)
    consent_version = CharField(max_length=16, null=True)
    passbook = ForeignKeyField(Passbook, null=True, unique=True, backref="volunteers")
    created_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "volunteer"

    def __str__(self):
        return self.name


class Membership(BaseModel):
    """A volunteer in a team, as a member or a leader (one row per pair)."""

    team = ForeignKeyField(Team, backref="memberships", on_delete="CASCADE")
    volunteer = ForeignKeyField(Volunteer, backref="memberships", on_delete="CASCADE")
    role = CharField(max_length=12, default=MEMBER)
    joined_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "volunteer_membership"
        indexes = ((("team", "volunteer"), True),)


class JoinRequest(BaseModel):
    """A signed-in person asking to join a team; staff approve or decline it."""

    team = ForeignKeyField(Team, backref="join_requests", on_delete="CASCADE")
    volunteer = ForeignKeyField(Volunteer, backref="join_requests", on_delete="CASCADE")
    status = CharField(max_length=12, default=PENDING, index=True)
    note = CharField(max_length=300, default="")  # the person's words
    decision_note = CharField(max_length=300, default="")  # staff's words
    created_at = UTCDateTimeField(default=utcnow)
    decided_at = UTCDateTimeField(null=True)
    decided_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")

    class Meta:
        table_name = "volunteer_join_request"
        indexes = ((("team", "volunteer", "status"), False),)


class Activity(BaseModel):
    """A volunteer activity staff publish: when, where, how many, what to do, an hour cap."""

    team = ForeignKeyField(Team, backref="activities", on_delete="RESTRICT")
    title = CharField(max_length=120)
    what_to_do = TextField(default="")
    place = CharField(max_length=200)
    starts_at = UTCDateTimeField(index=True)
    ends_at = UTCDateTimeField()
    slots = IntegerField()
    max_minutes = IntegerField()  # the most minutes one person's attendance counts for
    status = CharField(max_length=12, default=DRAFT, index=True)
    cancel_reason = CharField(max_length=300, default="")
    created_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "volunteer_activity"

    def __str__(self):
        return self.title

    def signup_state(self, now=None):
        """open, started, ended, draft or cancelled: whether people may sign up now."""
        now = now or utcnow()
        if self.status != PUBLISHED:
            return self.status
        if now >= self.ends_at:
            return "ended"
        if now >= self.starts_at:
            return "started"
        return "open"


class Signup(BaseModel):
    """One volunteer's place at one activity (seated or waiting), and their sign-in/out."""

    activity = ForeignKeyField(Activity, backref="signups", on_delete="CASCADE")
    volunteer = ForeignKeyField(Volunteer, backref="signups", on_delete="CASCADE")
    status = CharField(max_length=12)
    waiting_number = IntegerField(null=True)
    source = CharField(max_length=12, default="web")
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)
    confirmed_at = UTCDateTimeField(null=True)
    cancelled_at = UTCDateTimeField(null=True)
    signed_in_at = UTCDateTimeField(null=True)
    signed_in_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    signed_out_at = UTCDateTimeField(null=True)
    signed_out_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")

    class Meta:
        table_name = "volunteer_signup"
        indexes = (
            (("activity", "volunteer"), True),
            (("activity", "status"), False),
        )

    @property
    def is_live(self):
        """Seated or waiting."""
        return self.status in LIVE_SIGNUPS


class HourRecord(BaseModel):
    """Minutes served: from a sign-in and sign-out (capped), or reported by the volunteer."""

    volunteer = ForeignKeyField(Volunteer, backref="hour_records", on_delete="CASCADE")
    activity = ForeignKeyField(Activity, null=True, backref="hour_records", on_delete="SET NULL")
    signup = ForeignKeyField(Signup, null=True, unique=True, backref="hour_records")
    served_on = DateField(index=True)  # the Asia/Shanghai day served
    minutes = IntegerField()
    source = CharField(max_length=16)
    status = CharField(max_length=12, default=PENDING, index=True)
    note = CharField(max_length=300, default="")  # what was done (self-reported) or why
    decision_note = CharField(max_length=300, default="")
    points = IntegerField(default=0)  # booked into the passbook so far
    points_rate = IntegerField(null=True)  # points an hour when first approved
    revision = IntegerField(default=0)  # bookings made so far
    created_at = UTCDateTimeField(default=utcnow)
    created_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    decided_at = UTCDateTimeField(null=True)
    decided_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")

    class Meta:
        table_name = "volunteer_hours"
        indexes = ((("volunteer", "status"), False),)


SEATING = Seating(
    model=Signup,
    owner_field=Signup.activity,
    status_field=Signup.status,
    number_field=Signup.waiting_number,
    seated=CONFIRMED,
    waiting=WAITING,
)
