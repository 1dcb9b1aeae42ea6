"""Hours: self-reported hours, staff approval and correction in bulk, and the points they earn.

Approved hours earn points into the volunteer's passbook (爱心存折, db/market/passbooks.py)
in the same transaction as the approval: `points_for(minutes, rate)` = minutes × rate ÷ 60,
rounded down to a whole point (at 1 point an hour, 90 minutes earn 1 point, 120 minutes 2).
The rate is the setting `volunteers.points_per_hour` (default 1) taken when a record is first
approved and kept on it, so a later correction re-prices the record at the rate it earned.

Each booking of a record has its own idempotency key: "hours:<id>" for the first,
"hours:<id>:<n>" for the n-th after it (a correction books the difference; a rejection of
approved hours takes its points back). A correction that takes back points already spent
is refused as a whole ("points_spent"). A bulk decision runs under the one write lock the
market ledger uses too, and each record is read again inside it: approving the same
records twice at once books once.
"""

from datetime import timedelta

from db import audit, write_lock
from db.base import utcnow
from db.market import MarketError, earn_points, open_passbook
from db.market.periods import local_today
from db.settings import get_setting, set_setting
from db.validators import is_mobile, one_line
from db.volunteers.errors import VolunteerError
from db.volunteers.models import (
    APPROVED,
    PENDING,
    REJECTED,
    SELF_REPORTED,
    HourRecord,
    Volunteer,
)

RATE_SETTING = "volunteers.points_per_hour"
DEFAULT_RATE = 1
MAX_RATE = 100
MAX_DAY_MINUTES = 24 * 60  # a record's minutes when no activity caps them
MAX_SELF_MINUTES = 12 * 60  # one self-reported record: at most 12 hours
SELF_REPORT_DAYS = 90  # hours may be reported up to this many days later
ACTIONS = ("keep", "approve", "reject")


def points_rate():
    """Points earned by one approved hour (the setting; 1 unless staff changed it)."""
    value = get_setting(RATE_SETTING)
    if value is not None and value.isdigit() and int(value) <= MAX_RATE:
        return int(value)
    return DEFAULT_RATE


def set_points_rate(rate, actor=None):
    """Change the points an hour earns from now on (0 to 100; records already approved
    keep the rate they earned at)."""
    if isinstance(rate, bool) or not isinstance(rate, int) or not 0 <= rate <= MAX_RATE:
        raise VolunteerError("rate_range", field="rate", limit=MAX_RATE)
    with write_lock():
        old = points_rate()
        set_setting(RATE_SETTING, rate)
        audit.record(
            "volunteers.settings.rate",
            None,
            f"{old} -> {rate} points an hour",
            actor=actor,
            object_type="setting",
        )
    return rate


def points_for(minutes, rate):
    """Whole points for `minutes` at `rate` points an hour, rounded down."""
    return minutes * rate // 60


def minutes_cap(record):
    """The most minutes a record may hold: its activity's cap, else a day."""
    if record.activity_id is not None:
        return record.activity.max_minutes
    return MAX_SELF_MINUTES if record.source == SELF_REPORTED else MAX_DAY_MINUTES


def report_hours(volunteer, served_on, minutes, note, actor=None, today=None):
    """A volunteer reports hours served outside a signed activity: a pending record.

    `note` says what was done (required); the day is not in the future and at most 90 days
    ago; minutes from 1 to 12 hours."""
    today = today or local_today()
    note = one_line(note or "")
    if not note:
        raise VolunteerError("what_required", field="note")
    if len(note) > 300:
        raise VolunteerError("too_long", field="note", limit=300)
    if served_on is None:
        raise VolunteerError("date_required", field="served_on")
    if served_on > today:
        raise VolunteerError("date_in_future", field="served_on")
    if served_on < today - timedelta(days=SELF_REPORT_DAYS):
        raise VolunteerError("date_too_old", field="served_on", days=SELF_REPORT_DAYS)
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise VolunteerError("minutes_range", field="minutes", limit=MAX_SELF_MINUTES)
    if not 1 <= minutes <= MAX_SELF_MINUTES:
        raise VolunteerError("minutes_range", field="minutes", limit=MAX_SELF_MINUTES)
    with write_lock():
        record = HourRecord.create(
            volunteer=volunteer,
            served_on=served_on,
            minutes=minutes,
            source=SELF_REPORTED,
            note=note,
            created_by=actor,
        )
        audit.record("volunteers.hours.report", record, f"{minutes} min reported", actor=actor)
    return record


def _passbook_id(volunteer, actor):
    """The volunteer's passbook, opened on their first earning (inside the lock)."""
    if volunteer.passbook_id is None:
        # An erased volunteer's row holds no real mobile number: the passbook then has none.
        mobile = volunteer.mobile if is_mobile(volunteer.mobile) else ""
        passbook = open_passbook(volunteer.name, mobile, actor=actor)
        Volunteer.update(passbook=passbook, updated_at=utcnow()).where(
            Volunteer.id == volunteer.id
        ).execute()
        volunteer.passbook_id = passbook.id
        audit.record("volunteers.volunteer.passbook", volunteer, passbook.passbook_no, actor=actor)
    return volunteer.passbook_id


def _book(record, points, actor):
    """Book `points` (+ or -) for the record under its next key; raises VolunteerError when
    points already spent would be taken back."""
    if points == 0:
        return
    key = f"hours:{record.id}" if record.revision == 0 else f"hours:{record.id}:{record.revision}"
    volunteer = Volunteer.get_by_id(record.volunteer_id)
    try:
        earn_points(
            _passbook_id(volunteer, actor),
            points,
            source_key=key,
            note=f"{record.minutes} min",
            actor=actor,
        )
    except MarketError as error:
        if error.code == "passbook_balance":
            raise VolunteerError(
                "points_spent",
                record=record.id,
                balance=error.params.get("balance", 0),
                points=-points,
            ) from None
        if error.code == "passbook_not_active":
            raise VolunteerError("passbook_closed", record=record.id) from None
        raise VolunteerError("points_not_booked", record=record.id) from None
    record.points += points
    record.revision += 1


def _decide_one(record, action, minutes, note, actor, now):
    """Apply one row's decision to a locked record; returns what happened."""
    if minutes is None:
        minutes = record.minutes
    cap = minutes_cap(record)
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 <= minutes <= cap:
        raise VolunteerError("above_cap", field=f"minutes-{record.id}", record=record.id, limit=cap)
    changed = minutes != record.minutes
    old = (record.status, record.minutes, record.points)
    if record.status == PENDING:
        if action == "approve":
            record.minutes, record.status = minutes, APPROVED
            record.points_rate = points_rate()
            _book(record, points_for(minutes, record.points_rate), actor)
            outcome = "approved"
        elif action == "reject":
            record.minutes, record.status = minutes, REJECTED
            outcome = "rejected"
        elif changed:
            record.minutes = minutes
            outcome = "corrected"
        else:
            return "unchanged"
    elif record.status == APPROVED:
        if action == "reject":
            record.status = REJECTED
            _book(record, -record.points, actor)
            outcome = "rejected"
        elif changed:
            record.minutes = minutes
            _book(record, points_for(minutes, record.points_rate) - record.points, actor)
            outcome = "corrected"
        else:
            return "unchanged"
    else:  # rejected: only an approval changes it
        if action != "approve":
            return "unchanged"
        record.minutes, record.status = minutes, APPROVED
        if record.points_rate is None:
            record.points_rate = points_rate()
        _book(record, points_for(minutes, record.points_rate) - record.points, actor)
        outcome = "approved"
    if note is not None:
        record.decision_note = one_line(note)[:300]
    record.decided_at, record.decided_by = now, actor
    record.save()
    audit.record(
        f"volunteers.hours.{outcome}",
        record,
        f"{old[0]} {old[1]} min {old[2]} pts -> {record.status} {record.minutes} min "
        f"{record.points} pts",
        actor=actor,
    )
    return outcome


def decide_hours(decisions, actor=None, now=None):
    """Staff's decisions on many hour records at once, in one transaction.

    `decisions`: [(record id, action, minutes or None, note or None)], action "approve",
    "reject" or "keep" (only the minutes change). Returns {"approved", "rejected",
    "corrected", "unchanged": count}. Any refused row (minutes above the cap, points
    already spent, an unknown record) refuses the whole batch: nothing is written."""
    now = now or utcnow()
    counts = dict(approved=0, rejected=0, corrected=0, unchanged=0)
    ids = [int(item[0]) for item in decisions]
    with write_lock():
        records = {
            record.id: record for record in HourRecord.select().where(HourRecord.id.in_(ids or [0]))
        }
        for record_id, action, minutes, note in sorted(decisions, key=lambda item: item[0]):
            if action not in ACTIONS:
                raise VolunteerError("unknown_action", record=record_id)
            record = records.get(int(record_id))
            if record is None:
                raise VolunteerError("unknown_record", record=record_id)
            counts[_decide_one(record, action, minutes, note, actor, now)] += 1
    return counts
