"""What the partner ledger holds about people: enterprise contacts (name, duty, position,
mobile, e-mail), kept with their consent. Handed over, erased on request, and purged once a
person stopped being the contact longer ago than the limit (db/privacy.py).

A contact may be saved with an e-mail address and no mobile number, so the contact is found
by either (`by_email`): the mobile number exactly, the address without regard to case.

Visits keep pointing at an erased contact (`PartnerVisit.contact`; a visit stores no name of
its own for the person met), so the visit log and its counts stay whole and show the erased
name; party organisation records hold counts only, never members' names.
"""

from flask_babel import lazy_gettext as _l
from peewee import fn

from db import privacy
from db.accounts import Enterprise
from db.partners.models import PartnerContact

ERASED_NAME = privacy.ERASED_NAME


def _contacts(mobile, email=""):
    """The contact records with this mobile number or this (lower-case) e-mail address."""
    found = PartnerContact.id.is_null()  # neither given: nobody
    if mobile:
        found |= PartnerContact.mobile == mobile
    if email:
        found |= fn.LOWER(PartnerContact.email) == email.strip().lower()
    return PartnerContact.select().where(found)


def export(mobile, email=""):
    """The person's contact records, with the enterprise each belongs to."""
    rows = list(
        _contacts(mobile, email)
        .select(PartnerContact, Enterprise)
        .join(Enterprise)
        .order_by(PartnerContact.id)
    )
    return [
        (
            _l("Partner enterprise contacts"),
            [
                {
                    _l("Enterprise"): row.enterprise.name,
                    _l("Name"): row.name,
                    _l("Duty"): row.duty,
                    _l("Position"): row.position,
                    _l("Mobile number"): row.mobile,
                    _l("E-mail"): row.email,
                    _l("Current contact"): _l("Yes") if row.active else _l("No"),
                    _l("Consent given"): row.consent_at,
                    _l("Privacy notice version"): row.consent_version,
                    _l("Created"): row.created_at,
                }
                for row in rows
            ],
        )
    ]


def _anonymise(query):
    ids = [row.id for row in query.select(PartnerContact.id)]
    if ids:
        PartnerContact.update(
            name=ERASED_NAME, mobile="", email="", duty="", position="", active=False
        ).where(PartnerContact.id.in_(ids)).execute()
    return len(ids)


def erase(mobile, email=""):
    """Anonymise the person's contact records (inside the caller's transaction)."""
    if not mobile and not (email or "").strip():
        return 0
    return _anonymise(_contacts(mobile, email))


def purge(before):
    """Anonymise contacts who stopped being the contact before `before`."""
    return _anonymise(
        PartnerContact.select().where(
            PartnerContact.ended_at < before, PartnerContact.name != ERASED_NAME
        )
    )


PROVIDER = privacy.PersonalData("partners", export, erase, purge, order=40, by_email=True)
