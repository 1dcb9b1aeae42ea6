"""Enterprises: the one record shared by an enterprise's people, events, courses and donations."""

from peewee import BooleanField, CharField, ForeignKeyField, IntegrityError

from db import database
from db.accounts.errors import AccountError
from db.base import BaseModel, UTCDateTimeField, utcnow


class Enterprise(BaseModel):
    """One enterprise shared by all its people, events, courses and donations."""

    name = CharField(max_length=100, unique=True)
    credit_code = CharField(max_length=18, unique=True, null=True)
    is_partner = BooleanField(default=False, index=True)
    created_at = UTCDateTimeField(default=utcnow)
    # A duplicate merged into another record (migration 0014, db/partners/merge.py): its name
    # stays reserved and leads to the record kept.
    merged_into = ForeignKeyField("self", null=True, backref="+", on_delete="SET NULL")

    def __str__(self):
        return self.name


def find_or_create_enterprise(name, credit_code=None):
    """The enterprise with this credit code, else this name; created when neither exists.

    Call inside a transaction. Filling in a missing credit code on an existing record is the
    only change it makes.
    """
    name = name.strip()
    credit_code = (credit_code or "").strip().upper() or None
    enterprise = None
    if credit_code:
        enterprise = Enterprise.get_or_none(Enterprise.credit_code == credit_code)
    if enterprise is None:
        enterprise = Enterprise.get_or_none(Enterprise.name == name)
        if enterprise and credit_code and enterprise.credit_code is None:
            enterprise.credit_code = credit_code
            enterprise.save()
        elif enterprise and credit_code and enterprise.credit_code != credit_code:
            raise AccountError("credit_code_mismatch", field="credit_code")
    if enterprise is None:
        try:
            with database.atomic():  # a savepoint: a lost race leaves the outer work intact
                enterprise = Enterprise.create(name=name, credit_code=credit_code)
        except IntegrityError:
            # Someone created the same enterprise a moment ago (PostgreSQL runs such
            # transactions side by side): use theirs.
            enterprise = Enterprise.get_or_none(Enterprise.name == name) or (
                Enterprise.get_or_none(Enterprise.credit_code == credit_code)
                if credit_code
                else None
            )
            if enterprise is None:
                raise
    if enterprise.merged_into_id:  # a merged duplicate's name or code: the record kept
        enterprise = Enterprise.get_by_id(enterprise.merged_into_id)
    return enterprise
