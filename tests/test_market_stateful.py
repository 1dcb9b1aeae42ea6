"""A Hypothesis state machine over the love supermarket's operations.

Steps: donate, purchase, redeem, write off, count, reverse, issue a month, move to the next
month, suspend or reactivate a card. The machine keeps its own model of stock, points and
cash and predicts whether each step must succeed or be refused (and why). After every step:
the model and the ledger sums agree; nothing is negative; the monthly report's totals equal
sums over the ledger rows. After every CHECK_EVERY-th step and when the example ends: the
numbers the staff pages show agree too, and `ledger verify` finds no problem.
Each example starts from an empty database.
"""

import re
import shutil
import sys
from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from peewee import fn

from db import database, init_database, market
from db.accounts import User
from db.base import utcnow
from db.integrity import run_checks
from db.market import closed_months
from db.market.ledger import MarketError
from db.market.models import CashEntry, Household, PointsEntry, Redemption, Reversal, StockMovement
from db.market.periods import local_today, period_of
from db.market.reports import monthly_report
from db.market.rules import monthly_allowance
from tests.conftest import BACKEND, TEST_PASSWORD, empty_postgresql_tables, fast_password_hash

ITEMS = (("大米", 30, 4500), ("毛巾", 8, 1500), ("文具套装", 12, 2000))  # name, points, value
HOUSEHOLDS = (("dibao", 2), ("other", 1))  # allowance 120 and 60 points
CAP_MONTHS = 2
VISIT_LIMIT = 4
# Rendering the three balance pages and the report page and verifying the whole ledger cost
# about 0.15 s a step (three quarters of the machine's time); the ledger sums and the report
# are checked against the model after every step, these every CHECK_EVERY-th step (after
# whichever step that is, as the rules are drawn at random) and at the end of each example.
CHECK_EVERY = 4


def fresh_database(source, tmp_path, counter=[0]):  # noqa: B006  (a counter across examples)
    """Point the app at an empty, migrated database (a new SQLite copy, or emptied PG tables)."""
    if BACKEND == "postgresql":
        empty_postgresql_tables()  # as each test starts (a TRUNCATE of all cost 0.75 s)
        return
    counter[0] += 1
    path = tmp_path / f"example-{counter[0]}.sqlite3"
    shutil.copy(source, path)
    database.close()
    init_database(f"sqlite:///{path}")
    database.connect()


class Supermarket(RuleBasedStateMachine):
    """The model: what stock, points and cash must be, and which entries can be reversed."""

    app = None
    source = None
    tmp_path = None
    running = None  # the machine of the current example

    @initialize()
    def open_the_shop(self):
        fresh_database(self.source, self.tmp_path)
        staff = User.create(
            username="counter", name="柜台", role="staff", password_hash=fast_password_hash()
        )
        self.client = self.app.test_client()
        response = self.client.post(
            "/login", data={"username": staff.username, "password": TEST_PASSWORD}
        )
        assert response.status_code == 302
        self.clock = utcnow() - timedelta(days=200)
        Supermarket.running = self  # whose clock closes the months (see the test)
        self.items = [
            market.save_item(
                name=name,
                category="daily",
                unit="件",
                points_price=points,
                reference_value=value,
                low_stock_threshold=1,
                active=True,
            )
            for name, points, value in ITEMS
        ]
        self.households = [
            market.register_household(
                head_name=f"户主{n}",
                size=size,
                category=category,
                status="active",
                next_review=local_today() + timedelta(days=300),
            )
            for n, (category, size) in enumerate(HOUSEHOLDS)
        ]
        self.stock = {item.id: 0 for item in self.items}
        self.points = {h.id: 0 for h in self.households}
        self.status = {h.id: "active" for h in self.households}
        self.cash = 0
        self.credited = set()  # (household id, month)
        self.visits = {}  # (household id, month) → standing redemptions
        # Reversible things: kind → [(id, stock deltas, cash delta, points delta, household)]
        self.reversible = []
        self.steps_checked = 0  # the invariant's runs; costly_checks at every CHECK_EVERY-th
        self.costly_checked_at = None

    # --- helpers ---------------------------------------------------------------------------

    def tick(self):
        """Move the clock a few minutes on, so every entry has its own time."""
        self.clock += timedelta(minutes=7)
        return self.clock

    @property
    def month(self):
        return period_of(self.clock)

    def expect(self, refusal, operation):
        """Run `operation`; it must be refused with `refusal` (a code) or succeed (None)."""
        try:
            result = operation()
        except MarketError as exc:
            assert refusal is not None, f"refused unexpectedly: {exc.code} {exc.params}"
            assert exc.code == refusal, (exc.code, refusal)
            return None
        assert refusal is None, f"should have been refused: {refusal}"
        return result

    # --- rules -----------------------------------------------------------------------------

    @rule(
        item=st.integers(0, 2),
        quantity=st.integers(1, 6),
        money=st.sampled_from([0, 0, 5_000, 20_000]),
    )
    def donate(self, item, quantity, money):
        item = self.items[item]
        at = self.tick()
        donation = market.record_donation(
            "enterprise",
            "绿地建设集团",
            local_today(at),
            lines=[(item.id, quantity, item.reference_value)],
            money=money,
            named=True,
            at=at,
        )
        self.stock[item.id] += quantity
        self.cash += money
        self.reversible.append(("donation", donation.id, {item.id: -quantity}, -money, 0, None))

    @rule(item=st.integers(0, 2), quantity=st.integers(1, 4), unit_cost=st.integers(100, 3000))
    def purchase(self, item, quantity, unit_cost):
        item = self.items[item]
        total = quantity * unit_cost
        refusal = None if total <= self.cash else "not_enough_cash"
        purchase = self.expect(
            refusal,
            lambda: market.record_purchase(
                "粮油店", [(item.id, quantity, unit_cost)], at=self.tick()
            ),
        )
        if purchase:
            self.stock[item.id] += quantity
            self.cash -= total
            self.reversible.append(("purchase", purchase.id, {item.id: -quantity}, total, 0, None))

    @rule(household=st.integers(0, 1), item=st.integers(0, 2), quantity=st.integers(1, 3))
    def redeem(self, household, item, quantity):
        household, item = self.households[household], self.items[item]
        cost = quantity * item.points_price
        visits = self.visits.get((household.id, self.month), 0)
        if self.status[household.id] != "active":
            refusal = "card_not_active"
        elif visits >= VISIT_LIMIT:
            refusal = "visit_limit"
        elif self.stock[item.id] < quantity:
            refusal = "line_not_enough_stock"
        elif self.points[household.id] < cost:
            refusal = "not_enough_points"
        else:
            refusal = None
        before = self.ledger_rows()
        redemption = self.expect(
            refusal,
            lambda: market.redeem(household.id, [(item.id, quantity)], at=self.tick()),
        )
        if redemption is None:
            assert self.ledger_rows() == before  # a refusal writes nothing
            return
        self.stock[item.id] -= quantity
        self.points[household.id] -= cost
        self.visits[(household.id, self.month)] = visits + 1
        self.reversible.append(
            ("redemption", redemption.id, {item.id: quantity}, 0, cost, (household.id, self.month))
        )

    @rule(item=st.integers(0, 2), quantity=st.integers(1, 4))
    def write_off(self, item, quantity):
        item = self.items[item]
        refusal = None if self.stock[item.id] >= quantity else "not_enough_stock"
        movement = self.expect(
            refusal, lambda: market.write_off(item.id, quantity, "过期", at=self.tick())
        )
        if movement:
            self.stock[item.id] -= quantity
            self.reversible.append(("movement", movement.id, {item.id: quantity}, 0, 0, None))

    @rule(item=st.integers(0, 2), counted=st.integers(0, 8))
    def count(self, item, counted):
        item = self.items[item]
        stock_count = market.record_count({item.id: counted}, "盘点", at=self.tick())
        difference = counted - self.stock[item.id]
        self.stock[item.id] = counted
        if difference:
            movement = stock_count.movements.get()
            self.reversible.append(("movement", movement.id, {item.id: -difference}, 0, 0, None))

    @precondition(lambda self: self.reversible)
    @rule(pick=st.integers(0, 1000))
    def reverse(self, pick):
        kind, object_id, stock_deltas, cash_delta, points_delta, visit = self.reversible[
            pick % len(self.reversible)
        ]
        if any(self.stock[i] + d < 0 for i, d in stock_deltas.items()):
            refusal = "not_enough_stock"
        elif self.cash + cash_delta < 0:
            refusal = "not_enough_cash"
        else:
            refusal = None
        operation = {
            "donation": market.reverse_donation,
            "purchase": market.reverse_purchase,
            "redemption": market.reverse_redemption,
            "movement": market.reverse_movement,
        }[kind]
        reversal = self.expect(refusal, lambda: operation(object_id, "更正", at=self.tick()))
        if reversal is None:
            return
        self.reversible.remove((kind, object_id, stock_deltas, cash_delta, points_delta, visit))
        for item_id, delta in stock_deltas.items():
            self.stock[item_id] += delta
        self.cash += cash_delta
        if kind == "redemption":
            household_id, _month = visit
            self.points[household_id] += points_delta
            self.visits[visit] -= 1
        assert self.expect("already_reversed", lambda: operation(object_id, "再次")) is None

    @rule()
    def issue_month(self):
        self.tick()
        for household in self.households:
            key = (household.id, self.month)
            if self.status[household.id] != "active" or key in self.credited:
                continue
            category, size = HOUSEHOLDS[self.households.index(household)]
            allowance = monthly_allowance(category, size)
            self.points[household.id] = min(self.points[household.id], CAP_MONTHS * allowance)
            self.points[household.id] += allowance
            self.credited.add(key)
        market.issue_allowance(at=self.clock)

    @precondition(lambda self: self.clock < utcnow() + timedelta(days=120))
    @rule()
    def next_month(self):
        self.clock += timedelta(days=31)

    @rule(household=st.integers(0, 1))
    def toggle_card(self, household):
        household = Household.get_by_id(self.households[household].id)
        status = "suspended" if self.status[household.id] == "active" else "active"
        market.update_household(household, status=status)
        self.status[household.id] = status

    # --- invariants ------------------------------------------------------------------------

    def ledger_rows(self):
        return (
            StockMovement.select().count(),
            PointsEntry.select().count(),
            CashEntry.select().count(),
        )

    def page(self, url):
        response = self.client.get(url)
        assert response.status_code == 200, url
        return response.get_data(as_text=True)

    @invariant()
    def model_ledger_and_report_agree(self):
        """After every step: the ledger and the report against the model; every
        CHECK_EVERY-th step, the pages and `ledger verify` too."""
        if not hasattr(self, "items"):
            return
        self.balances_agree_with_the_ledger()
        self.report_totals_equal_ledger_sums()
        self.steps_checked += 1
        if self.steps_checked % CHECK_EVERY == 0:
            self.costly_checks()

    def balances_agree_with_the_ledger(self):
        """Stock, points and cash: the model equals the ledger sums, none negative."""
        for item in self.items:
            ledger = (
                StockMovement.select(fn.SUM(StockMovement.quantity))
                .where(StockMovement.item == item.id)
                .scalar()
                or 0
            )
            assert self.stock[item.id] == ledger >= 0
        for household in self.households:
            ledger = (
                PointsEntry.select(fn.SUM(PointsEntry.points))
                .where(PointsEntry.household == household.id)
                .scalar()
                or 0
            )
            assert self.points[household.id] == ledger >= 0
        ledger_cash = CashEntry.select(fn.SUM(CashEntry.amount)).scalar() or 0
        assert self.cash == ledger_cash >= 0

    def report_totals_equal_ledger_sums(self):
        """The month's report: its totals are sums over the ledger rows."""
        month = self.month
        report = monthly_report(month)
        entries = list(PointsEntry.select().where(PointsEntry.period == month))
        for kind in ("allowance", "redemption", "expiry", "reversal"):
            assert report.points.get(kind, 0) == sum(e.points for e in entries if e.kind == kind)
        cash_rows = list(CashEntry.select().where(CashEntry.period <= month))
        assert report.cash_closing == sum(e.amount for e in cash_rows)
        movements = list(StockMovement.select().where(StockMovement.period <= month))
        closing = {row["id"]: row["closing"] for row in report.stock}
        for item in self.items:
            assert closing[item.id] == sum(m.quantity for m in movements if m.item_id == item.id)
        assert report.stock_balanced
        reversed_ids = {r.redemption_id for r in Reversal.select() if r.redemption_id}
        standing = [
            r
            for r in Redemption.select().where(Redemption.period == month)
            if r.id not in reversed_ids
        ]
        assert report.redemptions == len(standing)
        assert report.households_served == len({r.household_id for r in standing})
        out_points = sum(points for _qty, _value, points in report.goods_out.values())
        assert out_points == sum(r.points_total for r in standing)
        self.report_redemptions = report.redemptions

    def costly_checks(self):
        """The staff pages show the model's stock, points, cash and the report's redemptions;
        `ledger verify` finds no problem."""
        self.costly_checked_at = self.steps_checked
        stock_page = self.page("/market/items")
        for item in self.items:
            shown = re.search(rf'data-stock-item="{item.id}">([\d,]+) ', stock_page).group(1)
            assert self.stock[item.id] == int(shown.replace(",", ""))
        households_page = self.page("/market/households")
        for household in self.households:
            shown = re.search(
                rf'data-balance-household="{household.id}">([\d,]+)<', households_page
            ).group(1)
            assert self.points[household.id] == int(shown.replace(",", ""))
        shown_cash = re.search(r"data-cash-balance>¥([\d,.]+)<", self.page("/market/cash"))
        assert self.cash == round(float(shown_cash.group(1).replace(",", "")) * 100)
        page = self.page(f"/market/reports?month={self.month}")
        assert f'data-report="redemptions">{self.report_redemptions}<' in page
        assert run_checks()[0] == []

    def teardown(self):
        """The costly checks once more at the end of the example, unless they just ran or a
        step already failed (its error is the one to report: teardown runs in a `finally`)."""
        if sys.exc_info()[0] is not None or not hasattr(self, "items"):
            return
        if self.costly_checked_at != self.steps_checked:
            self.costly_checks()


def test_supermarket_state_machine(app, database_source, tmp_path, monkeypatch):
    Supermarket.app, Supermarket.source, Supermarket.tmp_path = app, database_source, tmp_path
    # The machine lives months that ended long ago; a month closes (its figures are stored,
    # db/market/closed_months.py) by the machine's clock, which only moves forward, as the
    # real one does.
    monkeypatch.setattr(closed_months, "utcnow", lambda: Supermarket.running.clock)
    run_state_machine_as_test(
        Supermarket,
        settings=settings(
            max_examples=25,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            database=None,
        ),
    )
