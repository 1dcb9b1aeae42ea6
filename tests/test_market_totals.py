"""The kept ledger totals (db/market/totals.py): always what summing every row gives, extended
with new rows in a few queries, never keeping a transaction's rows that did not commit, and
recomputed when the ledger they counted is not the one in the database any more."""
# ruff: noqa: F811  (pytest fixtures imported from tests.market_helpers)

from io import BytesIO

import pytest
from openpyxl import load_workbook
from peewee import fn

from db import database, market
from db.base import utcnow
from db.market.ledger import append, market_lock, points_balances, stock_of
from db.market.models import PointsEntry, StockMovement
from db.market.periods import current_period, local_today
from db.market.reports import monthly_report
from db.market.totals import POINTS_BY_HOUSEHOLD, STOCK, LedgerTotals
from tests.market_helpers import make_household, make_item  # noqa: F401  (fixtures)
from tests.test_market_ledger import triggers_off


def summed_stock():
    """{item id: stock} by one SUM over every movement."""
    query = StockMovement.select(StockMovement.item, fn.SUM(StockMovement.quantity)).group_by(
        StockMovement.item
    )
    return {item_id: int(total) for item_id, total in query.tuples()}


def summed_points():
    """{household id: points} by one SUM over every entry."""
    query = PointsEntry.select(PointsEntry.household, fn.SUM(PointsEntry.points)).group_by(
        PointsEntry.household
    )
    return {household_id: int(total) for household_id, total in query.tuples()}


@pytest.fixture
def busy_market(app, make_item, make_household):
    """Donations, allowances, redemptions and a reversal."""
    rice, oil = make_item(name="大米", points=10), make_item(name="食用油", points=20)
    market.record_donation(
        "enterprise", "绿地建设集团", local_today(), lines=[(rice.id, 30, 4500), (oil.id, 10, 6800)]
    )
    households = [make_household(size=size) for size in (1, 2, 3)]
    market.issue_allowance()
    for household in households:
        market.redeem(household.id, [(rice.id, 2), (oil.id, 1)])
    redemption = market.redeem(households[0].id, [(rice.id, 1)])
    market.reverse_redemption(redemption.id, "录错了")
    return dict(rice=rice, oil=oil, households=households)


def test_totals_equal_a_sum_over_every_row(busy_market):
    assert stock_of() == summed_stock()
    assert points_balances() == summed_points()
    rice = busy_market["rice"]
    market.write_off(rice.id, 3, "破损")
    assert stock_of() == summed_stock()
    assert stock_of([rice.id]) == {rice.id: summed_stock()[rice.id]}


def test_an_unchanged_ledger_costs_one_query(busy_market, query_counter):
    STOCK.current()
    with query_counter() as counter:
        STOCK.current()
    assert counter.count == 1
    market.write_off(busy_market["rice"].id, 1, "破损")
    with query_counter() as counter:
        STOCK.current()
    assert counter.count == 3  # the newest row, the row counted last, the new rows' sums
    assert stock_of() == summed_stock()


def test_rows_of_a_rolled_back_transaction_are_not_kept(busy_market):
    rice = busy_market["rice"]
    before = stock_of()[rice.id]
    with pytest.raises(RuntimeError), market_lock():
        append(StockMovement, utcnow(), item=rice, quantity=-5, kind="write_off")
        assert stock_of()[rice.id] == before - 5  # the transaction sees its own row
        raise RuntimeError("roll back")
    assert stock_of()[rice.id] == before == summed_stock()[rice.id]


def test_a_different_ledger_is_counted_afresh(busy_market):
    """Rows replaced behind the totals' back (here with the triggers off) are noticed by
    the chain hash of the row counted last, and everything is summed again."""
    stock_of()
    newest = StockMovement.select().order_by(StockMovement.id.desc()).first()
    with triggers_off("market_stock_movement"):
        database.execute_sql(
            f"UPDATE market_stock_movement SET quantity = quantity + 100, hash = {database.param} "
            f"WHERE id = {database.param}",
            ("0" * 64, newest.id),
        )
        assert stock_of() == summed_stock()
        database.execute_sql("DELETE FROM market_stock_movement")
        assert stock_of() == {} == summed_stock()


def test_an_empty_ledger_has_no_totals(app):
    assert (
        LedgerTotals(PointsEntry, (PointsEntry.household,), (PointsEntry.points,)).current() == {}
    )
    assert POINTS_BY_HOUSEHOLD.current() == {}


def test_report_figures_match_the_rows(busy_market):
    report = monthly_report(current_period())
    rice = next(row for row in report.stock if row["name"] == "大米")
    assert rice["closing"] == summed_stock()[busy_market["rice"].id]
    assert report.stock_balanced
    assert report.points_outstanding == sum(summed_points().values())
    # Three standing redemptions of 2 rice and 1 oil; the reversed one does not count.
    assert report.goods_out["grain_oil"][0] == 9
    assert report.redemptions == 3


def insert_copy(row, new_id):
    """Raw-SQL insert of a copy of a stock movement under `new_id` (no chain, no lock, no
    kept totals): what a hand-written insert into an id gap would do."""
    columns = [c.name for c in database.get_columns("market_stock_movement") if c.name != "id"]
    names = ", ".join(columns)
    database.execute_sql(
        f"INSERT INTO market_stock_movement (id, {names}) "
        f"SELECT {database.param}, {names} FROM market_stock_movement WHERE id = {database.param}",
        (new_id, row.id),
    )


def test_a_forged_imbalance_shows_on_the_report(busy_market, login_as):
    """The closing stock is summed from the table on its own, so a row the kept totals never
    counted (inserted into an id gap below the last row they counted) makes the check fail,
    with the difference, on the page and in the XLSX."""
    staff = login_as("staff")
    page = staff.get("/market/reports").get_data(as_text=True)
    assert "data-stock-difference" not in page and monthly_report(current_period()).stock_balanced
    donated = StockMovement.get(
        (StockMovement.kind == "donation") & (StockMovement.item == busy_market["rice"].id)
    )
    newest = StockMovement.select(fn.MAX(StockMovement.id)).scalar()
    insert_copy(donated, newest + 5)
    staff.get("/market/reports")  # the kept totals now count up to newest + 5
    insert_copy(donated, newest + 2)  # below it: the kept totals never look there again
    report = monthly_report(current_period())
    assert not report.stock_balanced
    rice = next(row for row in report.stock if row["id"] == busy_market["rice"].id)
    assert rice["closing"] == summed_stock()[rice["id"]]
    assert rice["difference"] == donated.quantity == 30
    assert rice["opening"] + rice["inflow"] - rice["outflow"] == rice["closing"] - 30
    oil = next(row for row in report.stock if row["id"] == busy_market["oil"].id)
    assert oil["balanced"] and oil["difference"] == 0
    page = staff.get("/market/reports").get_data(as_text=True)
    assert 'data-stock-difference="30"' in page and "+30" in page
    assert "✗" in page
    response = staff.get(f"/market/reports/{current_period()}.xlsx")
    assert response.status_code == 200
    cells = [
        [cell for cell in row]
        for sheet in load_workbook(BytesIO(response.data)).worksheets
        for row in sheet.iter_rows(values_only=True)
    ]
    rice_row = next(row for row in cells if row and row[0] == "大米" and len(row) >= 8)
    assert rice_row[6] == 30 and rice_row[7] in ("DOES NOT BALANCE", "不平衡")
