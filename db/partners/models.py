"""The partner ledger's tables: details, contacts, party organisation, visits, merges.

`Enterprise` itself (db/accounts/enterprises.py) stays the small record every module shares
(name, credit code, partner flag, and `merged_into` from migration 0014). What only this
module uses lives here, one row per enterprise at most for the details (`PartnerProfile`),
so the shared record and the other modules' joins stay as they were.
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


class PartnerProfile(BaseModel):
    """An enterprise's details in the joint-building ledger (联建单位台账)."""

    enterprise = ForeignKeyField(
        Enterprise, unique=True, backref="partner_profiles", on_delete="CASCADE"
    )
    sector = CharField(max_length=12, default="", index=True)
    status = CharField(max_length=12, default="none", index=True)
    location = CharField(max_length=100, default="")  # the building or park
    address = CharField(max_length=200, default="")
    agreement_signed_on = DateField(null=True)
    agreement_ends_on = DateField(null=True)
    notes = TextField(default="")
    updated_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "partner_profile"


class PartnerContact(BaseModel):
    """A person the centre deals with at an enterprise; kept with their consent."""

    enterprise = ForeignKeyField(Enterprise, backref="partner_contacts", on_delete="CASCADE")
    name = CharField(max_length=50)
    duty = CharField(max_length=50, default="")  # 党组织书记, 联络员 …
    position = CharField(max_length=50, default="")
    mobile = CharField(max_length=11, default="", index=True)
    email = CharField(max_length=254, default="")
    consent_at = UTCDateTimeField()
    consent_version = CharField(max_length=16)
    active = BooleanField(default=True)
    # When the person stopped being the contact: their details are purged from then on.
    ended_at = UTCDateTimeField(null=True)
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "partner_contact"


class PartyOrganisation(BaseModel):
    """An enterprise's party, youth-league and union organisations in one year: kinds and
    counts only, never members' names."""

    enterprise = ForeignKeyField(Enterprise, backref="party_organisations", on_delete="CASCADE")
    year = IntegerField()
    party_org = CharField(max_length=12)  # independent, joint, none
    none_reason = CharField(max_length=20, default="")
    none_note = CharField(max_length=200, default="")
    party_members = IntegerField(default=0)
    youth_league = BooleanField(default=False)
    youth_members = IntegerField(default=0)
    union = BooleanField(default=False)
    union_members = IntegerField(default=0)
    employees = IntegerField(null=True)
    recorded_at = UTCDateTimeField(default=utcnow)
    recorded_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")

    class Meta:
        table_name = "partner_party_org"
        indexes = ((("enterprise", "year"), True),)


class PartnerVisit(BaseModel):
    """A visit or contact (一线跟进, 大回访): when, who, what about, needs and their follow-up."""

    enterprise = ForeignKeyField(Enterprise, backref="partner_visits", on_delete="CASCADE")
    visited_on = DateField(index=True)
    kind = CharField(max_length=16)
    visited_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    contact = ForeignKeyField(PartnerContact, null=True, backref="visits", on_delete="SET NULL")
    topic = CharField(max_length=200)
    needs = TextField(default="")
    follow_up = CharField(max_length=12, default="none", index=True)
    follow_up_note = CharField(max_length=500, default="")
    followed_up_at = UTCDateTimeField(null=True)
    created_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "partner_visit"
        indexes = ((("enterprise", "visited_on"), False),)


class EnterpriseMerge(BaseModel):
    """One merge of a duplicate (`loser`) into the record kept (`survivor`), with the ids of
    every row it moved, so that it can be undone exactly (see db/partners/merge.py).

    Not moved by a merge itself (db.partners.merge.NOT_MOVED)."""

    survivor = ForeignKeyField(Enterprise, backref="+", on_delete="CASCADE")
    loser = ForeignKeyField(Enterprise, backref="+", on_delete="CASCADE")
    moved = TextField()  # JSON {"table.column": [row ids]}
    kept = TextField(default="{}")  # JSON: rows that could not move (a uniqueness rule)
    changes = TextField(default="{}")  # JSON: fields of the two records the merge changed
    at = UTCDateTimeField(default=utcnow, index=True)
    actor = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    undone_at = UTCDateTimeField(null=True)
    undone_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")

    class Meta:
        table_name = "enterprise_merge"


class DistinctPair(BaseModel):
    """Two enterprises staff marked as not the same (no longer suggested as duplicates).

    `first` has the lower id. Not moved by a merge."""

    first = ForeignKeyField(Enterprise, backref="+", on_delete="CASCADE")
    second = ForeignKeyField(Enterprise, backref="+", on_delete="CASCADE")
    at = UTCDateTimeField(default=utcnow)
    actor = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")

    class Meta:
        table_name = "enterprise_distinct"
        indexes = ((("first", "second"), True),)
