"""What the partner ledger holds about people: enterprise contacts (name, duty, position,
mobile, e-mail), kept with their consent. Handed over, erased on request, and purged once a
person stopped being the contact longer ago than the limit (db/privacy.py).

Visits keep pointing at an erased contact, so the visit log and its counts stay whole; party
organisation records hold counts only, never members' names.
"""

from flask_babel import lazy_gettext as _l

from db import privacy
from db.accounts import Enterprise
from db.partners.models import PartnerContact

ERASED_NAME = privacy.ERASED_NAME


def _contacts(mobile):
    return PartnerContact.select().where(PartnerContact.mobile == mobile)


def export(mobile):
    """The person's contact records, with the enterprise each belongs to."""
    rows = list(
        _contacts(mobile)
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
            name=ERASED_NAME, mobile="", email="", position="", active=False
        ).where(PartnerContact.id.in_(ids)).execute()
    return len(ids)


def erase(mobile):
    """Anonymise the person's contact records (inside the caller's transaction)."""
    if not mobile:
        return 0
    return _anonymise(_contacts(mobile))


def purge(before):
    """Anonymise contacts who stopped being the contact before `before`."""
    return _anonymise(
        PartnerContact.select().where(
            PartnerContact.ended_at < before, PartnerContact.name != ERASED_NAME
        )
    )


PROVIDER = privacy.PersonalData("partners", export, erase, purge, order=40)
