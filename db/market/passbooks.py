"""Volunteers' passbooks (爱心存折): points earned by volunteering, spent at the counter.

A passbook is a points account of its own ledger (`PassbookEntry`, hash-chained like the
household points, checked by `ledger verify`): "earned" rows (+) from approved volunteer
hours, "correction" rows (-) that take earned points back, "redeemed" rows (-) written by
the counter (db/market/redemption.py) and "reversal" rows that undo a redemption. Earned
points never expire: the monthly allowance and its carry-over cap (households.py) read only
the household ledger.

The volunteer module books points with `earn_points` inside the transaction that approves
the hours; `source_key` (e.g. "hours:123") makes the booking idempotent.
"""

from peewee import fn

from db import audit
from db.accounts import PRIVACY_NOTICE_VERSION
from db.base import utcnow
from db.market.ledger import MarketError, append, market_lock
from db.market.models import Passbook, PassbookEntry

PASSBOOK_PREFIX = "ZY"
MAX_NAME = 50
MAX_SOURCE_KEY = 40
# Spent at the counter: the redemption debit and its reversal.
SPENDING_KINDS = ("redeemed", "reversal")
EARNING_KINDS = ("earned", "correction")


def clean_passbook_no(value):
    """A passbook number as typed (spaces and case forgiven): "zy 0001" -> "ZY0001"."""
    return (value or "").strip().upper().replace(" ", "")


def passbook_by_no(passbook_no):
    """The passbook of this number, or None."""
    passbook_no = clean_passbook_no(passbook_no)
    if not passbook_no.startswith(PASSBOOK_PREFIX):
        return None
    return Passbook.get_or_none(Passbook.passbook_no == passbook_no)


def next_passbook_no():
    """The next free passbook number (ZY0001 …, more digits after ZY9999). Call inside
    market_lock()."""
    newest = (
        Passbook.select(Passbook.passbook_no)
        .where(Passbook.passbook_no.startswith(PASSBOOK_PREFIX))
        .order_by(fn.LENGTH(Passbook.passbook_no).desc(), Passbook.passbook_no.desc())
        .limit(1)
        .scalar()
    )
    digits = (newest or "")[len(PASSBOOK_PREFIX) :]
    number = int(digits) + 1 if digits.isdigit() else 1
    return f"{PASSBOOK_PREFIX}{number:04d}"


def _clean_holder(holder_name, mobile):
    holder_name = (holder_name or "").strip()
    if not holder_name:
        raise MarketError("name_required", field="holder_name")
    if len(holder_name) > MAX_NAME:
        raise MarketError("name_too_long", field="holder_name", limit=MAX_NAME)
    mobile = (mobile or "").strip()
    if mobile and not (len(mobile) == 11 and mobile.isascii() and mobile.isdigit()):
        raise MarketError("passbook_mobile", field="mobile")
    return holder_name, mobile


def open_passbook(holder_name, mobile="", actor=None, at=None):
    """Open a passbook with the next number for a volunteer who agreed to the privacy notice
    (the consent is recorded with the notice's version). Nests inside a caller's transaction."""
    holder_name, mobile = _clean_holder(holder_name, mobile)
    at = at or utcnow()
    with market_lock():
        passbook = Passbook.create(
            passbook_no=next_passbook_no(),
            holder_name=holder_name,
            mobile=mobile,
            status="active",
            created_at=at,
            consent_at=at,
            consent_version=PRIVACY_NOTICE_VERSION,
        )
        # The number only: the audit log never repeats personal data.
        audit.record("market.passbook.open", passbook, passbook.passbook_no, actor=actor)
    return passbook


def passbook_balance(passbook_id):
    """A passbook's points: the sum of its entries."""
    total = (
        PassbookEntry.select(fn.COALESCE(fn.SUM(PassbookEntry.points), 0))
        .where(PassbookEntry.passbook == passbook_id)
        .scalar()
    )
    return int(total or 0)


def passbook_balances(passbook_ids):
    """{passbook id: points} for the given passbooks (those without entries are absent)."""
    if not passbook_ids:
        return {}
    query = (
        PassbookEntry.select(PassbookEntry.passbook, fn.SUM(PassbookEntry.points))
        .where(PassbookEntry.passbook.in_(list(passbook_ids)))
        .group_by(PassbookEntry.passbook)
        .tuples()
    )
    return {passbook_id: int(points or 0) for passbook_id, points in query}


def earn_points(passbook_id, points, source_key, note="", actor=None, at=None):
    """Book points into a passbook: points > 0 "earned", points < 0 a "correction".

    Idempotent by `source_key`: when an entry of that key exists it is returned and nothing
    is booked (a key names one earning of one passbook; the same key on another passbook is
    refused, "source_key_taken"). A correction that would take the balance below zero is
    refused ("passbook_balance"); earning into a closed passbook is refused
    ("passbook_not_active"). Takes the market lock itself; inside a caller's transaction it
    joins it (a savepoint), so hours and points commit together. On SQLite the caller's
    transaction should itself have begun under write_lock() (BEGIN IMMEDIATE).
    """
    if isinstance(points, bool) or not isinstance(points, int) or points == 0:
        raise MarketError("points_required", field="points")
    if source_key is not None:
        source_key = str(source_key).strip()
        if not source_key or len(source_key) > MAX_SOURCE_KEY:
            raise MarketError("source_key", field="source_key", limit=MAX_SOURCE_KEY)
    at = at or utcnow()
    with market_lock():
        if source_key is not None:
            existing = PassbookEntry.get_or_none(PassbookEntry.source_key == source_key)
            if existing is not None:
                if existing.passbook_id != int(passbook_id):
                    raise MarketError("source_key_taken", source_key=source_key)
                return existing
        passbook = Passbook.get_or_none(Passbook.id == passbook_id)
        if passbook is None:
            raise MarketError("unknown_passbook")
        kind = "earned" if points > 0 else "correction"
        if kind == "earned" and passbook.status != "active":
            raise MarketError("passbook_not_active", status=passbook.status)
        if kind == "correction":
            balance = passbook_balance(passbook.id)
            if balance + points < 0:
                raise MarketError("passbook_balance", balance=balance, points=-points)
        entry = append(
            PassbookEntry,
            at,
            actor,
            passbook=passbook,
            points=points,
            kind=kind,
            source_key=source_key,
            note=(note or "").strip()[:500],
        )
        audit.record(
            "market.passbook.earn",
            passbook,
            f"{passbook.passbook_no}: {points:+d} {kind} ({source_key or 'no key'})",
            actor=actor,
        )
    return entry


def earned_points_figures(period):
    """The month's volunteer points for the public notice: {"earned": net points earned in
    the month (earnings less corrections), "spent": points spent at the counter in the month
    (less redemptions reversed in it), "outstanding": points held in all passbooks at the
    month's end}."""
    by_kind = dict(
        PassbookEntry.select(PassbookEntry.kind, fn.SUM(PassbookEntry.points))
        .where(PassbookEntry.period == period)
        .group_by(PassbookEntry.kind)
        .tuples()
    )
    held = (
        PassbookEntry.select(fn.COALESCE(fn.SUM(PassbookEntry.points), 0))
        .where(PassbookEntry.period <= period)
        .scalar()
    )
    return {
        "earned": sum(int(by_kind.get(kind) or 0) for kind in EARNING_KINDS),
        "spent": -sum(int(by_kind.get(kind) or 0) for kind in SPENDING_KINDS),
        "outstanding": int(held or 0),
    }
