"""A volunteer's own record: hours approved and pending, the points in their passbook (爱心存折)
with its entries, the activities they signed up for and attended, and their hour
certificates. A fixed handful of queries, however long the record."""

from dataclasses import dataclass, field

from peewee import JOIN, fn

from db.market.models import Passbook, PassbookEntry
from db.volunteers.certificates import certificates_of
from db.volunteers.models import (
    APPROVED,
    PENDING,
    Activity,
    HourRecord,
    Membership,
    Signup,
    Team,
    Volunteer,
)

ENTRIES_SHOWN = 50  # the newest passbook entries on the page


@dataclass
class VolunteerRecord:
    """What one volunteer's page shows."""

    volunteer: Volunteer
    approved_minutes: int = 0
    pending_minutes: int = 0
    approved_this_year: int = 0
    passbook: Passbook | None = None
    balance: int = 0
    entries: list = field(default_factory=list)
    entry_count: int = 0
    signups: list = field(default_factory=list)
    hours: list = field(default_factory=list)
    teams: list = field(default_factory=list)
    certificates: list = field(default_factory=list)

    @property
    def attended(self):
        """How many activities the volunteer signed in to."""
        return sum(1 for signup in self.signups if signup.signed_in_at is not None)


def volunteer_record(volunteer, today):
    """The record of `volunteer` (a Volunteer row) as of `today` (an Asia/Shanghai date)."""
    record = VolunteerRecord(volunteer=volunteer)
    totals = {}
    this_year = 0
    for status, served_on, minutes in (
        HourRecord.select(HourRecord.status, HourRecord.served_on, HourRecord.minutes)
        .where(HourRecord.volunteer == volunteer.id)
        .tuples()
    ):
        totals[status] = totals.get(status, 0) + minutes
        if status == APPROVED and served_on.year == today.year:
            this_year += minutes
    record.approved_minutes = totals.get(APPROVED, 0)
    record.pending_minutes = totals.get(PENDING, 0)
    record.approved_this_year = this_year
    record.hours = list(
        HourRecord.select(HourRecord, Activity)
        .join(Activity, JOIN.LEFT_OUTER, on=(HourRecord.activity == Activity.id))
        .where(HourRecord.volunteer == volunteer.id)
        .order_by(HourRecord.served_on.desc(), HourRecord.id.desc())
    )
    record.signups = list(
        Signup.select(Signup, Activity, Team)
        .join(Activity)
        .join(Team)
        .where(Signup.volunteer == volunteer.id)
        .order_by(Activity.starts_at.desc())
    )
    record.teams = list(
        Membership.select(Membership, Team)
        .join(Team)
        .where(Membership.volunteer == volunteer.id)
        .order_by(Team.kind, Team.name)
    )
    if volunteer.passbook_id is not None:
        record.passbook = Passbook.get_by_id(volunteer.passbook_id)
        summary = (
            PassbookEntry.select(
                fn.COALESCE(fn.SUM(PassbookEntry.points), 0), fn.COUNT(PassbookEntry.id)
            )
            .where(PassbookEntry.passbook == volunteer.passbook_id)
            .tuples()
            .get()
        )
        record.balance, record.entry_count = int(summary[0] or 0), int(summary[1] or 0)
        record.entries = list(
            PassbookEntry.select()
            .where(PassbookEntry.passbook == volunteer.passbook_id)
            .order_by(PassbookEntry.id.desc())
            .limit(ENTRIES_SHOWN)
        )
    record.certificates = certificates_of(volunteer.id)
    return record
