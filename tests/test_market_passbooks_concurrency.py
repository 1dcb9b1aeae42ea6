"""Two counters at once spending the last points of one volunteer passbook, against a live
server (gunicorn, two workers, CSRF on): exactly one redemption goes through, the other is
told why, the passbook never goes below zero and the ledgers verify. A control run with the
market lock switched off shows the race is real. SQLite and PostgreSQL."""
# ruff: noqa: F811  (pytest fixtures imported from tests.market_helpers)

import pytest

from db import is_sqlite, market
from db.integrity import run_checks
from db.market.models import Redemption
from db.market.periods import local_today
from tests.market_helpers import make_item, stock  # noqa: F401
from tests.test_market_concurrency import Counter, basket_form, race, server_log

pytestmark = pytest.mark.live
ROUNDS = 4
CONTROL_ROUNDS = 6


@pytest.fixture
def goods(make_item):
    """Rice and oil, 30 points each, 50 of each in stock."""
    rice, oil = make_item(name="大米", points=30), make_item(name="食用油", points=30)
    market.record_donation(
        "person", "张三", local_today(), lines=[(rice.id, 50, 100), (oil.id, 50, 100)]
    )
    return rice, oil


def test_two_counters_spend_the_last_passbook_points(app, make_user, live_server, goods):
    rice, oil = goods
    server = live_server(workers=2)
    counters = [Counter(server.url, make_user(role="staff").username) for _ in range(2)]
    for round_number in range(ROUNDS):
        passbook = market.open_passbook(f"志愿者{round_number}")
        market.earn_points(passbook.id, 30, f"race:{round_number}", "")
        requests = [
            basket_form(counters[0], passbook.passbook_no, [(rice, 1)]),
            basket_form(counters[1], passbook.passbook_no, [(oil, 1)]),
        ]
        results = race(counters, requests)
        assert sorted(status for status, _ in results) == [302, 422], results
        refused = next(body for status, body in results if status == 422)
        assert "积分不足：本次兑换需要 30 分" in refused and "本次未作任何记录" in refused
        assert market.passbook_balance(passbook.id) == 0
        assert Redemption.select().where(Redemption.passbook == passbook.id).count() == 1
    assert stock(rice) + stock(oil) == 100 - ROUNDS
    assert run_checks()[0] == []


def test_control_without_the_market_lock_a_passbook_is_overspent(
    app, make_user, live_server, goods
):
    """The same race with market_lock() off (TESTING_DISABLE_WRITE_LOCK): on PostgreSQL both
    counters read 30 points and both spend them; on SQLite the unlocked transactions fail
    with "database is locked" (a 5xx). Either way the rule above breaks, so it can fail."""
    rice, oil = goods
    server = live_server(workers=4, unlocked=True)
    assert "TESTING_DISABLE_WRITE_LOCK is on" in server_log(server)
    counters = [Counter(server.url, make_user(role="staff").username) for _ in range(4)]
    broken = dict(overspent=0, server_errors=0)
    for round_number in range(CONTROL_ROUNDS):
        passbook = market.open_passbook(f"无锁志愿者{round_number}")
        market.earn_points(passbook.id, 30, f"control:{round_number}", "")
        requests = [
            basket_form(counter, passbook.passbook_no, [(rice if i % 2 else oil, 1)])
            for i, counter in enumerate(counters)
        ]
        statuses = [status for status, _ in race(counters, requests)]
        broken["overspent"] += market.passbook_balance(passbook.id) < 0
        broken["server_errors"] += any(status >= 500 for status in statuses)
    if is_sqlite():
        assert broken["server_errors"] and "locked" in server_log(server), broken
    else:
        assert broken["overspent"], broken
        assert any("points of passbook" in problem for problem in run_checks()[0])
