# ruff: noqa: F811  (pytest fixtures imported from tests.market_helpers are redefined as arguments)
"""The checks of the crash and soak runs (tests/faults/) find what they look for: a half-done
redemption, a registration without its notice, a promotion without its notice, oversold
seats, an acknowledged action that is missing, a broken foreign key. (The runs themselves are
`make crash` and `make soak`; this proves their checks can fail.)"""

import sqlite3

from db import database, market
from db.audit import record
from db.base import utcnow
from db.codes import new_token
from db.events import CONFIRMED, Registration
from db.events import registrations as reg
from db.market.models import Redemption
from db.market.periods import period_of
from tests.conftest import sqlite_only
from tests.events_support import guest, new_event
from tests.faults.harness import (
    Fixture,
    Ledger,
    acknowledged_problems,
    half_done_problems,
    storage_problems,
)
from tests.market_helpers import make_household, make_item  # noqa: F401  (fixtures)


def fixture_with_activity(make_item, make_household):
    """Two events with registrations (one full, with a promotion) and a redemption."""
    big, small = new_event(seats=50), new_event(seats=1)
    reg.register(big.id, guest(1))
    first, _ = reg.register(small.id, guest(2))
    reg.register(small.id, guest(3))
    reg.cancel(first, by="self")
    item = make_item(points=1)
    market.record_donation("enterprise", "绿地建设集团", utcnow().date(), lines=[(item.id, 5, 100)])
    household = make_household()
    market.issue_allowance()
    market.redeem(household.id, [(item.id, 1)])
    return Fixture(big.id, small.id, 1, item.id, [household.card_no])


def test_a_consistent_database_passes_every_check(app, make_item, make_household):
    fixture = fixture_with_activity(make_item, make_household)
    assert storage_problems() == []
    assert half_done_problems(fixture) == []
    ledger = Ledger()
    ledger.registrations = {r.token: r.mobile for r in Registration.select()}
    ledger.redemptions = {r.id for r in Redemption.select()}
    assert acknowledged_problems(ledger) == []


def test_half_done_actions_are_found(app, make_item, make_household):
    fixture = fixture_with_activity(make_item, make_household)
    household_id = Redemption.get().household_id
    lonely = Redemption.create(household=household_id, points_total=3, period=period_of(utcnow()))
    silent = Registration.create(
        event=fixture.big_event,
        code="ZZZZ2222",
        token=new_token(),
        name="无通知",
        mobile="13800009901",
        status=CONFIRMED,
    )
    seated = Registration.get(
        Registration.event == fixture.small_event, Registration.status == CONFIRMED
    )
    record("registration.promote", seated, "a second promotion, never told")
    Registration.create(
        event=fixture.small_event,
        code="ZZZZ3333",
        token=new_token(),
        name="超额",
        mobile="13800009902",
        status=CONFIRMED,
    )
    problems = " | ".join(half_done_problems(fixture))
    assert f"redemption #{lonely.id}: movements or points debit missing" in problems
    assert f"registration #{silent.id}: notice or audit entry of creation missing" in problems
    assert f"registration #{seated.id}: a promotion without its notice" in problems
    assert "more confirmed registrations than seats" in problems


def test_missing_acknowledged_actions_are_found(app, make_item, make_household):
    fixture_with_activity(make_item, make_household)
    ledger = Ledger()
    ledger.registrations = {new_token(): "13800009903"}
    ledger.cancellations = {Registration.get(Registration.status == CONFIRMED).token}
    ledger.registrations[next(iter(ledger.cancellations))] = Registration.get(
        Registration.status == CONFIRMED
    ).mobile
    ledger.redemptions = {987_654}
    ledger.donations = {987_655}
    problems = " | ".join(acknowledged_problems(ledger))
    assert "acknowledged registration 13800009903 is missing" in problems
    assert "acknowledged cancellation of" in problems
    assert "acknowledged redemption #987654 is missing" in problems
    assert "acknowledged donation #987655 is missing" in problems


@sqlite_only
def test_a_broken_foreign_key_is_found(app, database_url):
    event = new_event(seats=5)
    registration, _ = reg.register(event.id, guest(4))
    database.close()
    connection = sqlite3.connect(database_url[len("sqlite:///") :])
    connection.execute("PRAGMA foreign_keys = OFF")
    connection.execute("UPDATE registration SET event_id = 987654 WHERE id = ?", (registration.id,))
    connection.commit()
    connection.close()
    database.connect()
    problems = " | ".join(storage_problems())
    assert "foreign_key_check" in problems and "registration.event_id: 1 orphans" in problems


def volunteer_with_hours(minutes=(120, 90)):
    """A volunteer's self-reported hours, approved by staff (points booked in the passbook)."""
    from db.volunteers.hours import decide_hours
    from tests.volunteers_support import make_hours, make_volunteer

    volunteer = make_volunteer()
    records = [make_hours(volunteer, minutes=m) for m in minutes]
    decide_hours([(r.id, "approve", None, None) for r in records])
    return volunteer, records


def test_volunteer_hours_with_their_points_pass(app):
    from db.volunteers.hours import decide_hours
    from tests.faults.harness import volunteer_hours_problems

    _, (first, second) = volunteer_with_hours()
    decide_hours([(first.id, "keep", 30, "更正"), (second.id, "reject", None, "重复")])
    assert volunteer_hours_problems() == []
    ledger = Ledger()
    ledger.hour_approvals = {first.id}
    ledger.hour_corrections = {first.id: 30}
    assert acknowledged_problems(ledger) == []


def test_volunteer_hours_half_done_are_found(app):
    from db.market.passbooks import earn_points
    from db.volunteers import HourRecord
    from tests.faults.harness import volunteer_hours_problems

    volunteer, (first, second) = volunteer_with_hours()
    # Approved with points on the record, but no passbook entry booked them.
    lonely = HourRecord.create(
        volunteer=volunteer,
        served_on=utcnow().date(),
        minutes=120,
        source="self_reported",
        status="approved",
        points=2,
        points_rate=1,
        revision=1,
    )
    # The record says more than its entries booked.
    HourRecord.update(points=5).where(HourRecord.id == first.id).execute()
    # Points booked for an hour record that does not exist.
    passbook = HourRecord.get_by_id(second.id).volunteer.passbook_id
    earn_points(passbook, 3, source_key="hours:987654")
    problems = " | ".join(volunteer_hours_problems())
    assert f"hour record #{lonely.id}: 2 points on the record, 0 in 0 passbook entries" in problems
    assert f"hour record #{first.id}: 5 points on the record, 2 in 1 passbook entries" in problems
    assert f"hour record #{first.id}: approved with 5 points, not 2" in problems
    assert "passbook entries for hour record #987654, which does not exist" in problems
    assert f"#{second.id}" not in problems


def test_missing_acknowledged_hour_approvals_are_found(app):
    from tests.volunteers_support import make_hours, make_volunteer

    _, (approved, _) = volunteer_with_hours()
    pending = make_hours(make_volunteer(), minutes=60)
    ledger = Ledger()
    ledger.hour_approvals = {approved.id, pending.id, 987_656}
    ledger.hour_corrections = {approved.id: 15}
    problems = " | ".join(acknowledged_problems(ledger))
    assert f"acknowledged approval of hour record #{pending.id} is missing" in problems
    assert "acknowledged approval of hour record #987656 is missing" in problems
    assert f"acknowledged correction of hour record #{approved.id} is missing" in problems
