"""Donors and donations: gapless receipt numbers per year, goods into stock, money into the
cash ledger, whole-donation reversal, cumulative value and honour levels."""

from peewee import fn

from db import audit
from db.accounts import PRIVACY_NOTICE_VERSION, Enterprise, find_or_create_enterprise
from db.base import utcnow
from db.market.ledger import (
    MarketError,
    actor_fields,
    append,
    clean_goods_lines,
    market_lock,
    require_cash,
    require_stock,
    write_reversal,
)
from db.market.models import CashEntry, Donation, Donor, Item, Reversal, StockMovement
from db.market.periods import local_today
from db.market.rules import honour_level


def find_or_create_donor(kind, name, contact="", consent=False, now=None):
    """The donor record for an enterprise (by the shared enterprise record) or a person (by
    name and contact). `consent` True records a person's agreement to the current privacy
    notice (time and version). Call inside a transaction."""
    name = (name or "").strip()
    contact = (contact or "").strip()
    if not name:
        raise MarketError("donor_name_required", field="donor_name")
    if kind == "enterprise":
        enterprise = find_or_create_enterprise(name)
        donor = Donor.get_or_none(Donor.enterprise == enterprise.id)
        if donor is None:
            donor = Donor.create(kind="enterprise", enterprise=enterprise, name=enterprise.name)
        return donor
    if kind != "person":
        raise MarketError("unknown_donor_kind", field="donor_kind")
    donor = Donor.get_or_none(
        (Donor.kind == "person") & (Donor.name == name) & (Donor.contact == contact)
    )
    if donor is None:
        donor = Donor.create(kind="person", name=name[:100], contact=contact[:100])
    if consent and donor.consent_version != PRIVACY_NOTICE_VERSION:
        now = now or utcnow()
        Donor.update(consent_at=now, consent_version=PRIVACY_NOTICE_VERSION).where(
            Donor.id == donor.id
        ).execute()
        donor.consent_at, donor.consent_version = now, PRIVACY_NOTICE_VERSION
    return donor


def _audit_name(donor):
    """How the audit log names a donor: an enterprise by name, a person by donor number only
    (the audit log outlives an erased name)."""
    return donor.display_name if donor.kind == "enterprise" else f"person donor #{donor.id}"


def record_donation(
    donor_kind,
    donor_name,
    donated_on,
    lines=(),
    money=0,
    named=False,
    note="",
    contact="",
    consent=False,
    actor=None,
    at=None,
):
    """Record a donation of goods [(item id, quantity, unit value fen)] and/or money (fen).

    The receipt number is the next of the year, allocated after taking the lock, so numbers
    have no gaps whatever runs at the same time. A person donor's `consent` to the privacy
    notice is recorded on the donor (the form asks for it when the donor is a person).
    """
    at = at or utcnow()
    money = money or 0
    if money < 0:
        raise MarketError("amount_positive", field="money")
    if donated_on is None or donated_on > local_today(at):
        raise MarketError("date_in_future", field="donated_on")
    if not lines and money == 0:
        raise MarketError("empty_donation")
    with market_lock():
        donor = find_or_create_donor(donor_kind, donor_name, contact, consent, at)
        clean = clean_goods_lines(lines) if lines else []
        year = local_today(at).year
        seq = Donation.select().where(Donation.receipt_year == year).count() + 1
        donation = Donation.create(
            receipt_year=year,
            receipt_seq=seq,
            donor=donor,
            donated_on=donated_on,
            named=bool(named),
            note=(note or "").strip()[:500],
            goods_value=sum(qty * value for _, qty, value in clean),
            money=money,
            **actor_fields(actor, at),
        )
        for item, quantity, value in clean:
            append(
                StockMovement,
                at,
                actor,
                item=item,
                quantity=quantity,
                kind="donation",
                unit_value=value,
                donation=donation,
            )
        if money:
            append(CashEntry, at, actor, amount=money, kind="donation", donation=donation)
        audit.record(
            "market.donation",
            donation,
            f"{donation.receipt_no} {_audit_name(donor)}: {donation.total_value} fen",
            actor=actor,
        )
    return donation


def reverse_donation(donation_id, reason, actor=None, at=None):
    """Reverse a whole donation with a reason: its goods leave stock (they must still be
    there), its money leaves the cash ledger (it must not be spent). The receipt number stays
    taken; the corrected donation is entered anew."""
    at = at or utcnow()
    with market_lock():
        donation = Donation.get_or_none(Donation.id == donation_id)
        if donation is None:
            raise MarketError("not_reversible")
        if is_reversed(donation):
            raise MarketError("already_reversed")
        movements = list(donation.movements.where(StockMovement.kind == "donation"))
        deltas = {}
        for movement in movements:
            deltas[movement.item_id] = deltas.get(movement.item_id, 0) - movement.quantity
        require_stock(deltas)
        entries = list(donation.cash_entries.where(CashEntry.kind == "donation"))
        require_cash(sum(entry.amount for entry in entries))
        reversal = write_reversal(
            movements + entries,
            reason,
            f"donation {donation.receipt_no}",
            at,
            actor,
            donation=donation,
        )
    return reversal


def is_reversed(donation):
    """True when a reversal names this donation."""
    return Reversal.select().where(Reversal.donation == donation.id).exists()


def reversal_of(donation):
    """The reversal of this donation, or None."""
    return Reversal.get_or_none(Reversal.donation == donation.id)


def reversed_donation_ids():
    """A subquery of the ids of reversed donations."""
    return Reversal.select(Reversal.donation).where(Reversal.donation.is_null(False))


def standing_donations():
    """Donations that have not been reversed."""
    return Donation.select().where(Donation.id.not_in(reversed_donation_ids()))


def donor_totals(donor_ids=None):
    """{donor id: (donations, value fen)} of standing donations, one aggregate query."""
    query = (
        Donation.select(
            Donation.donor,
            fn.COUNT(Donation.id).alias("donations"),
            fn.SUM(Donation.goods_value + Donation.money).alias("value"),
        )
        .where(Donation.id.not_in(reversed_donation_ids()))
        .group_by(Donation.donor)
    )
    if donor_ids is not None:
        query = query.where(Donation.donor.in_(list(donor_ids)))
    return {row.donor_id: (row.donations, int(row.value or 0)) for row in query.objects()}


def donor_history(donor):
    """A donor's donations, newest first, each marked reversed or not; plus the standing
    count and value and the honour level."""
    reversed_query = (
        Reversal.select(Reversal.donation)
        .join(Donation, on=(Reversal.donation == Donation.id))
        .where(Donation.donor == donor.id)
    )
    reversed_ids = {row.donation_id for row in reversed_query}
    donations = list(donor.donations.order_by(Donation.donated_on.desc(), Donation.id.desc()))
    for donation in donations:
        donation.reversed = donation.id in reversed_ids
    count, value = donor_totals([donor.id]).get(donor.id, (0, 0))
    return donations, count, value, honour_level(value)


def enterprise_names():
    """Partner enterprise names first, for the donor field's suggestions."""
    query = Enterprise.select(Enterprise.name).order_by(
        Enterprise.is_partner.desc(), Enterprise.name
    )
    return [row.name for row in query.limit(300)]


def donation_lines(donation):
    """The donation's goods lines (its donation movements) with their items."""
    return list(
        StockMovement.select(StockMovement, Item)
        .join(Item)
        .where((StockMovement.donation == donation.id) & (StockMovement.kind == "donation"))
        .order_by(StockMovement.id)
    )
