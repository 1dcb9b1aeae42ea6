"""What the love supermarket holds about people: households (head's name, mobile, address, a
staff note), volunteer passbooks (holder's name, mobile) and person donors (name, contact).
Handed over, erased on request, and purged once a card or passbook has been closed, or a
person last gave, longer ago than the limit (db/privacy.py).

Ledger rows carry only a household or passbook id, so anonymising keeps every balance,
redemption, chain hash and report figure; a household keeps its card number, size and
category (the statistics), a passbook its number and entries, and an erased person donor's
named donations are counted with the unnamed ones in the public notice.
"""

from flask_babel import lazy_gettext as _l
from peewee import JOIN, fn

from db import audit, privacy
from db.base import utcnow
from db.market.labels import HOUSEHOLD_CATEGORY_NAMES, STATUS_NAMES
from db.market.ledger import points_balances
from db.market.models import Donation, Donor, Household, Passbook, PassbookEntry, Redemption
from db.market.passbooks import passbook_balances


def _households(mobile):
    """Households whose head has this mobile number."""
    return Household.select().where(Household.mobile == mobile)


def _donors(mobile):
    """Person donors who left this mobile number as their contact."""
    return Donor.select().where(Donor.kind == "person", Donor.contact.contains(mobile))


def _passbooks(mobile):
    """Volunteer passbooks whose holder has this mobile number."""
    return Passbook.select().where(Passbook.mobile == mobile)


def _passbook_export(mobile):
    """The person's passbooks with their balance, points earned and redemptions."""
    passbooks = list(_passbooks(mobile).order_by(Passbook.passbook_no))
    ids = [p.id for p in passbooks]
    balances = passbook_balances(ids)
    earned = dict(
        PassbookEntry.select(PassbookEntry.passbook, fn.SUM(PassbookEntry.points))
        .where(
            PassbookEntry.passbook.in_(ids or [0])
            & PassbookEntry.kind.in_(("earned", "correction"))
        )
        .group_by(PassbookEntry.passbook)
        .tuples()
    )
    visits = dict(
        Redemption.select(Redemption.passbook, fn.COUNT(Redemption.id))
        .where(Redemption.passbook.in_(ids or [0]))
        .group_by(Redemption.passbook)
        .tuples()
    )
    return (
        _l("Love supermarket volunteer passbooks"),
        [
            {
                _l("Passbook"): row.passbook_no,
                _l("Passbook holder"): row.holder_name,
                _l("Mobile number"): row.mobile,
                _l("Status"): STATUS_NAMES.get(row.status, row.status),
                _l("Points"): balances.get(row.id, 0),
                _l("Points earned by volunteering"): int(earned.get(row.id) or 0),
                _l("Redemptions"): visits.get(row.id, 0),
                _l("Passbook opened"): row.created_at,
                _l("Consent given"): row.consent_at,
                _l("Privacy notice version"): row.consent_version,
            }
            for row in passbooks
        ],
    )


def export(mobile):
    """The person's households (with balance and visits), volunteer passbooks and donor
    records (with receipts)."""
    households = list(_households(mobile).order_by(Household.card_no))
    balances = points_balances([h.id for h in households])
    visits = dict(
        Redemption.select(Redemption.household, fn.COUNT(Redemption.id))
        .where(Redemption.household.in_([h.id for h in households]))
        .group_by(Redemption.household)
        .tuples()
    )
    donors = list(_donors(mobile).order_by(Donor.id))
    receipts = {}
    for donation in Donation.select().where(Donation.donor.in_([d.id for d in donors])):
        receipts.setdefault(donation.donor_id, []).append(donation.receipt_no)
    return [
        (
            _l("Love supermarket households"),
            [
                {
                    _l("Love card"): row.card_no,
                    _l("Head of household"): row.head_name,
                    _l("Mobile number"): row.mobile,
                    _l("Address"): row.address,
                    _l("People in the household"): row.size,
                    _l("Category"): HOUSEHOLD_CATEGORY_NAMES.get(row.category, row.category),
                    _l("Status"): STATUS_NAMES.get(row.status, row.status),
                    _l("Next eligibility review"): row.next_review,
                    _l("Note"): row.note,
                    _l("Points"): balances.get(row.id, 0),
                    _l("Redemptions"): visits.get(row.id, 0),
                    _l("Household registered"): row.created_at,
                    _l("Consent given"): row.consent_at,
                    _l("Privacy notice version"): row.consent_version,
                }
                for row in households
            ],
        ),
        _passbook_export(mobile),
        (
            _l("Love supermarket donors"),
            [
                {
                    _l("Name"): row.name,
                    _l("Contact"): row.contact,
                    _l("Receipts"): ", ".join(receipts.get(row.id, [])),
                    _l("Consent given"): row.consent_at,
                    _l("Privacy notice version"): row.consent_version,
                }
                for row in donors
            ],
        ),
    ]


def _anonymise_households(ids, now):
    """Blank the head's name, mobile, address and note; an open card is closed (nobody can be
    served on a card that names no one)."""
    ids = list(ids)
    if not ids:
        return 0
    Household.update(
        head_name=privacy.ERASED_NAME, mobile="", address="", note="", updated_at=now
    ).where(Household.id.in_(ids)).execute()
    Household.update(status="closed", closed_at=now).where(
        Household.id.in_(ids), Household.status != "closed"
    ).execute()
    for household in Household.select().where(Household.id.in_(ids)):
        audit.record("market.household.anonymise", household, household.card_no)
    return len(ids)


def anonymise_passbooks(ids, now=None):
    """Blank a passbook holder's name and mobile and close the passbook (its number and
    entries stay, so balances, slips and the chain are unchanged). For the volunteer
    module's provider too, when it erases a volunteer whose passbook holds no mobile."""
    ids = list(ids)
    if not ids:
        return 0
    now = now or utcnow()
    Passbook.update(holder_name=privacy.ERASED_NAME, mobile="").where(
        Passbook.id.in_(ids)
    ).execute()
    Passbook.update(status="closed", closed_at=now).where(
        Passbook.id.in_(ids), Passbook.status != "closed"
    ).execute()
    for passbook in Passbook.select().where(Passbook.id.in_(ids)):
        audit.record("market.passbook.anonymise", passbook, passbook.passbook_no)
    return len(ids)


def _anonymise_donors(ids):
    """Blank a person donor's name and contact (their donations and receipts stay)."""
    ids = list(ids)
    if ids:
        Donor.update(name=privacy.ERASED_NAME, contact="").where(Donor.id.in_(ids)).execute()
    return len(ids)


def erase(mobile):
    """Anonymise the person's households, volunteer passbooks and donor records."""
    now = utcnow()
    households = _anonymise_households([h.id for h in _households(mobile)], now)
    passbooks = anonymise_passbooks([p.id for p in _passbooks(mobile)], now)
    return households + passbooks + _anonymise_donors([d.id for d in _donors(mobile)])


def purge(before):
    """Anonymise households and volunteer passbooks closed before `before`, and person donors
    whose last donation (or, with none, their record) is older than that."""
    households = Household.select(Household.id).where(
        Household.status == "closed",
        Household.closed_at < before,
        Household.head_name != privacy.ERASED_NAME,
    )
    last_given = (
        Donation.select(Donation.donor, fn.MAX(Donation.created_at).alias("last"))
        .group_by(Donation.donor)
        .alias("last_given")
    )
    donors = (
        Donor.select(Donor.id)
        .join(last_given, on=(last_given.c.donor_id == Donor.id), join_type=JOIN.LEFT_OUTER)
        .where(
            Donor.kind == "person",
            Donor.name != privacy.ERASED_NAME,
            fn.COALESCE(last_given.c.last, Donor.created_at) < before,
        )
    )
    passbooks = Passbook.select(Passbook.id).where(
        Passbook.status == "closed",
        Passbook.closed_at < before,
        Passbook.holder_name != privacy.ERASED_NAME,
    )
    now = utcnow()
    count = _anonymise_households([h.id for h in households], now)
    count += anonymise_passbooks([p.id for p in passbooks], now)
    return count + _anonymise_donors([d.id for d in donors])


PROVIDER = privacy.PersonalData("market", export, erase, purge, order=30)
