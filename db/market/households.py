"""Households holding a love card: registration, yearly eligibility review, and the monthly
points allowance (idempotent per household and month, with capped carry-over)."""

from dataclasses import dataclass
from datetime import date, timedelta

from peewee import IntegrityError, fn

from db import audit, database
from db.accounts import PRIVACY_NOTICE_VERSION
from db.base import utcnow
from db.market.ledger import (
    MarketError,
    append,
    market_lock,
    points_balance,
    points_balances,
    write_reversal,
)
from db.market.models import HOUSEHOLD_CATEGORIES, HOUSEHOLD_STATUSES, Household, PointsEntry
from db.market.periods import local_today, period_of
from db.market.rules import monthly_allowance, rules

CARD_PREFIX = "GZ"
MAX_HOUSEHOLD_SIZE = 20
REVIEW_SOON_DAYS = 30
HOUSEHOLD_FIELDS = (
    "head_name",
    "mobile",
    "address",
    "size",
    "category",
    "status",
    "next_review",
    "note",
)


def one_year_after(day):
    """The same day a year later (28 February for 29 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def _check(fields):
    """Refuse household details the rules do not allow."""
    if not (fields.get("head_name") or "").strip():
        raise MarketError("name_required", field="head_name")
    if fields.get("category") not in HOUSEHOLD_CATEGORIES:
        raise MarketError("unknown_category", field="category")
    if fields.get("status") not in HOUSEHOLD_STATUSES:
        raise MarketError("unknown_status", field="status")
    size = fields.get("size")
    if not isinstance(size, int) or not 1 <= size <= MAX_HOUSEHOLD_SIZE:
        raise MarketError("household_size", field="size")
    if not isinstance(fields.get("next_review"), date):
        raise MarketError("review_date", field="next_review")


def next_card_no():
    """The next free card number (GZ00001 …). Call inside market_lock()."""
    newest = (
        Household.select(fn.MAX(Household.card_no))
        .where(Household.card_no.startswith(CARD_PREFIX))
        .scalar()
    )
    number = int(newest[len(CARD_PREFIX) :]) + 1 if newest else 1
    return f"{CARD_PREFIX}{number:05d}"


def _consent_fields(consent, now):
    """The consent columns to write when the head of household agreed to the notice now."""
    if not consent:
        return {}
    return dict(consent_at=now, consent_version=PRIVACY_NOTICE_VERSION)


def register_household(actor=None, consent=False, **fields):
    """Register a household and give it the next love card number.

    `consent` True records that the head of household agreed to the current privacy notice
    (staff tick it after showing the notice; the form requires it).
    """
    fields = {key: fields[key] for key in HOUSEHOLD_FIELDS if key in fields}
    fields.setdefault("status", "active")
    fields.setdefault("next_review", one_year_after(local_today()))
    _check(fields)
    fields["head_name"] = fields["head_name"].strip()
    now = utcnow()
    with market_lock():
        household = Household.create(
            card_no=next_card_no(),
            closed_at=now if fields["status"] == "closed" else None,
            **_consent_fields(consent, now),
            **fields,
        )
        audit.record("market.household.create", household, household.card_no, actor=actor)
    return household


def update_household(household, actor=None, consent=False, **fields):
    """Change a household's details (the card number and its points history stay).

    Closing the card stamps `closed_at` (reopening clears it); `consent` True records the
    head's agreement to the current privacy notice.
    """
    values = {key: getattr(household, key) for key in HOUSEHOLD_FIELDS}
    values.update({key: fields[key] for key in HOUSEHOLD_FIELDS if key in fields})
    _check(values)
    values["head_name"] = values["head_name"].strip()
    changed = sorted(key for key in values if values[key] != getattr(household, key))
    now = utcnow()
    if values["status"] != household.status:
        values["closed_at"] = now if values["status"] == "closed" else None
    if consent and household.consent_version != PRIVACY_NOTICE_VERSION:
        values.update(_consent_fields(consent, now))
        changed.append("consent")
    with database.atomic():
        Household.update(updated_at=now, **values).where(Household.id == household.id).execute()
        # Field names only: the audit log never repeats personal data.
        audit.record(
            "market.household.update",
            household,
            f"{household.card_no}: {', '.join(changed) or 'no change'}",
            actor=actor,
        )
    return Household.get_by_id(household.id)


def mark_reviewed(household, actor=None, today=None):
    """Eligibility confirmed today: the next review is due in a year."""
    today = today or local_today()
    next_review = one_year_after(today)
    with database.atomic():
        Household.update(next_review=next_review, updated_at=utcnow()).where(
            Household.id == household.id
        ).execute()
        audit.record(
            "market.household.review",
            household,
            f"{household.card_no} → {next_review}",
            actor=actor,
        )
    return next_review


def due_for_review(today=None, within_days=REVIEW_SOON_DAYS):
    """Households (not closed) whose review is due within `within_days`, most overdue first."""
    today = today or local_today()
    return (
        Household.select()
        .where(
            (Household.status != "closed")
            & (Household.next_review <= today + timedelta(days=within_days))
        )
        .order_by(Household.next_review, Household.card_no)
    )


@dataclass
class AllowanceRun:
    """What one monthly run did."""

    month: str
    credited: int
    already: int
    points: int
    expired: int


def allowance_plan(at=None):
    """For each active household this month: allowance, balance, points that would expire,
    and whether it was credited already (staff see it before issuing)."""
    month = period_of(at or utcnow())
    values = rules()
    households = list(
        Household.select().where(Household.status == "active").order_by(Household.card_no)
    )
    balances = points_balances([h.id for h in households])
    credited = _credited(month)
    plan = []
    for household in households:
        allowance = monthly_allowance(household.category, household.size, values)
        balance = balances.get(household.id, 0)
        cap = values["market.carry_over_months"] * allowance
        plan.append(
            dict(
                household=household,
                allowance=allowance,
                balance=balance,
                expire=max(0, balance - cap),
                credited=household.id in credited,
            )
        )
    return month, plan


def _credited(month):
    """Ids of households already credited for `month`."""
    query = PointsEntry.select(PointsEntry.household).where(
        (PointsEntry.kind == "allowance") & (PointsEntry.allowance_month == month)
    )
    return {row.household_id for row in query}


def issue_allowance(actor=None, at=None):
    """Credit this month's allowance to every active household not yet credited for it.

    Idempotent: a household is credited once a month (the database's unique index on
    household, kind and month backs this up). Before crediting, points carried over beyond
    the cap (carry_over_months × the monthly allowance) expire as a ledger entry of the same run.
    """
    at = at or utcnow()
    month = period_of(at)
    with market_lock():
        values = rules()
        credited = _credited(month)
        households = list(
            Household.select()
            .where((Household.status == "active") & Household.id.not_in(list(credited) or [0]))
            .order_by(Household.card_no)
        )
        balances = points_balances([h.id for h in households])
        run = AllowanceRun(month=month, credited=0, already=len(credited), points=0, expired=0)
        try:
            for household in households:
                allowance = monthly_allowance(household.category, household.size, values)
                balance = balances.get(household.id, 0)
                cap = values["market.carry_over_months"] * allowance
                if balance > cap:
                    append(
                        PointsEntry,
                        at,
                        actor,
                        household=household,
                        points=cap - balance,
                        kind="expiry",
                        allowance_month=month,
                    )
                    run.expired += balance - cap
                append(
                    PointsEntry,
                    at,
                    actor,
                    household=household,
                    points=allowance,
                    kind="allowance",
                    allowance_month=month,
                )
                run.credited += 1
                run.points += allowance
        except IntegrityError as exc:  # only if the lock were bypassed: nothing is written
            raise MarketError("already_issued") from exc
        audit.record(
            "market.allowance",
            None,
            f"{month}: {run.credited} credited ({run.points} points), {run.expired} expired",
            actor=actor,
            object_type="market_points_entry",
        )
    return run


# Points entries that can be reversed on their own; a redemption's debit goes with its
# redemption (reverse_redemption), and a reversal is never reversed.
REVERSIBLE_POINTS = ("allowance", "expiry")


def reverse_points_entry(entry_id, reason, actor=None, at=None):
    """Reverse one allowance or expiry entry with a reason: an entry of the opposite points,
    pointing at it. Under the market lock the household's balance is counted first, and a
    reversal that would take it below zero is refused ("points_would_go_negative").

    A reversed allowance still counts as issued for its month (the monthly run does not credit
    that month again): reversing says the household should not have had it.
    """
    at = at or utcnow()
    with market_lock():
        entry = PointsEntry.get_or_none(PointsEntry.id == entry_id)
        if entry is None or entry.kind not in REVERSIBLE_POINTS:
            raise MarketError("not_reversible")
        if PointsEntry.select().where(PointsEntry.reverses == entry.id).exists():
            raise MarketError("already_reversed")
        balance = points_balance(entry.household_id)
        if balance - entry.points < 0:
            raise MarketError("points_would_go_negative", balance=balance, points=entry.points)
        what = f"points entry {entry.id} ({entry.kind} {entry.points:+d})"
        reversal = write_reversal([entry], reason, what, at, actor)
    return reversal
