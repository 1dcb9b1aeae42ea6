"""The partner ledger (联建单位台账): details, contacts, party organisation, visits, merges;
and `enterprise.merged_into`, which marks a duplicate merged into another record."""

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
from playhouse.migrate import SchemaMigrator, migrate


def up(db):
    """Create the partner tables and add the merge marker to enterprises (frozen copies)."""

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

    class PartnerProfile(Base):
        enterprise = ForeignKeyField(Enterprise, unique=True, on_delete="CASCADE")
        sector = CharField(max_length=12, default="", index=True)
        status = CharField(max_length=12, default="none", index=True)
        location = CharField(max_length=100, default="")
        address = CharField(max_length=200, default="")
        agreement_signed_on = DateField(null=True)
        agreement_ends_on = DateField(null=True)
        notes = TextField(default="")
        updated_at = DateTimeField()

        class Meta:
            table_name = "partner_profile"

    class PartnerContact(Base):
        enterprise = ForeignKeyField(Enterprise, on_delete="CASCADE")
        name = CharField(max_length=50)
        duty = CharField(max_length=50, default="")
        position = CharField(max_length=50, default="")
        mobile = CharField(max_length=11, default="", index=True)
        email = CharField(max_length=254, default="")
        consent_at = DateTimeField()
        consent_version = CharField(max_length=16)
        active = BooleanField(default=True)
        ended_at = DateTimeField(null=True)
        created_at = DateTimeField()
        updated_at = DateTimeField()

        class Meta:
            table_name = "partner_contact"

    class PartyOrganisation(Base):
        enterprise = ForeignKeyField(Enterprise, on_delete="CASCADE")
        year = IntegerField()
        party_org = CharField(max_length=12)
        none_reason = CharField(max_length=20, default="")
        none_note = CharField(max_length=200, default="")
        party_members = IntegerField(default=0)
        youth_league = BooleanField(default=False)
        youth_members = IntegerField(default=0)
        union = BooleanField(default=False)
        union_members = IntegerField(default=0)
        employees = IntegerField(null=True)
        recorded_at = DateTimeField()
        recorded_by = ForeignKeyField(User, null=True, on_delete="SET NULL")

        class Meta:
            table_name = "partner_party_org"
            indexes = ((("enterprise", "year"), True),)

    class PartnerVisit(Base):
        enterprise = ForeignKeyField(Enterprise, on_delete="CASCADE")
        visited_on = DateField(index=True)
        kind = CharField(max_length=16)
        visited_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        contact = ForeignKeyField(PartnerContact, null=True, on_delete="SET NULL")
        topic = CharField(max_length=200)
        needs = TextField(default="")
        follow_up = CharField(max_length=12, default="none", index=True)
        follow_up_note = CharField(max_length=500, default="")
        followed_up_at = DateTimeField(null=True)
        created_at = DateTimeField()

        class Meta:
            table_name = "partner_visit"
            indexes = ((("enterprise", "visited_on"), False),)

    class EnterpriseMerge(Base):
        survivor = ForeignKeyField(Enterprise, on_delete="CASCADE")
        loser = ForeignKeyField(Enterprise, on_delete="CASCADE")
        moved = TextField()
        kept = TextField(default="{}")
        changes = TextField(default="{}")
        at = DateTimeField(index=True)
        actor = ForeignKeyField(User, null=True, on_delete="SET NULL")
        undone_at = DateTimeField(null=True)
        undone_by = ForeignKeyField(User, null=True, on_delete="SET NULL")

        class Meta:
            table_name = "enterprise_merge"

    class DistinctPair(Base):
        first = ForeignKeyField(Enterprise, on_delete="CASCADE")
        second = ForeignKeyField(Enterprise, on_delete="CASCADE")
        at = DateTimeField()
        actor = ForeignKeyField(User, null=True, on_delete="SET NULL")

        class Meta:
            table_name = "enterprise_distinct"
            indexes = ((("first", "second"), True),)

    db.create_tables(
        [
            PartnerProfile,
            PartnerContact,
            PartyOrganisation,
            PartnerVisit,
            EnterpriseMerge,
            DistinctPair,
        ]
    )
    target = getattr(db, "obj", db)
    migrator = SchemaMigrator.from_database(target)
    merged_into = ForeignKeyField(Enterprise, null=True, field=Enterprise.id, on_delete="SET NULL")
    # A foreign key column is added with its index (enterprise_merged_into_id).
    migrate(migrator.add_column("enterprise", "merged_into_id", merged_into))
