"""The ledgers' guarantees in the database itself, and `flask --app app ledger verify`.

Raw SQL proves that UPDATE and DELETE of ledger and document rows are refused on SQLite and
PostgreSQL. Tampering needs the triggers switched off first; the verify command then names the
altered row, a broken chain, a negative balance or a gap in the receipt numbers, and exits 1.
"""
# ruff: noqa: F811  (pytest fixtures imported from tests.market_helpers)

from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from peewee import DatabaseError

import db.modules
from db import database, is_sqlite, market
from db.integrity import gapless_problems
from db.market.ledger import append, market_lock, write_reversal
from db.market.models import (
    APPEND_ONLY_TABLES,
    CashEntry,
    Donation,
    Donor,
    PointsEntry,
    StockMovement,
)
from db.market.periods import local_today
from db.market.stock import save_item
from tests.conftest import postgresql_only, sqlite_only
from tests.market_helpers import make_household, make_item  # noqa: F401  (fixtures)


@pytest.fixture
def every_table(make_item, make_household):
    """At least one row in every append-only table."""
    rice = make_item(name="大米", points=10)
    oil = make_item(name="食用油", points=10)
    donation = market.record_donation(
        "enterprise", "绿地建设集团", local_today(), lines=[(rice.id, 10, 4500)], money=50_000
    )
    market.record_purchase("粮油店", [(oil.id, 3, 6000)])
    household = make_household(size=2)
    market.issue_allowance()
    redemption = market.redeem(household.id, [(rice.id, 2), (oil.id, 1)])
    market.record_count({rice.id: 7, oil.id: 2})
    market.reverse_redemption(redemption.id, "误操作")
    passbook = market.open_passbook("李志愿")
    market.earn_points(passbook.id, 5, "hours:1", "志愿服务")
    return dict(rice=rice, oil=oil, donation=donation, household=household)


def verify(runner):
    """(exit code, output) of `flask --app app ledger verify`."""
    result = runner.invoke(args=["ledger", "verify"])
    return result.exit_code, result.output


@contextmanager
def triggers_off(table):
    """Switch a table's append-only triggers off for a tampering test, and back on after."""
    if is_sqlite():
        database.execute_sql(f"DROP TRIGGER {table}_no_update")
        database.execute_sql(f"DROP TRIGGER {table}_no_delete")
        yield  # the test's database file is thrown away afterwards
    else:
        database.execute_sql(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")
        try:
            yield
        finally:
            database.execute_sql(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only")


@pytest.mark.parametrize("table", APPEND_ONLY_TABLES)
def test_database_refuses_update_and_delete(app, every_table, table):
    count = database.execute_sql(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    assert count > 0
    with pytest.raises(DatabaseError, match="append-only"):
        database.execute_sql(f"UPDATE {table} SET id = id WHERE id = (SELECT MIN(id) FROM {table})")
    with pytest.raises(DatabaseError, match="append-only"):
        database.execute_sql(f"DELETE FROM {table}")
    assert database.execute_sql(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == count


def copy_of_first_row(table, conflict=""):
    """INSERT that writes the table's first row again, under its own id."""
    first = f"(SELECT MIN(id) FROM {table})"
    return f"INSERT INTO {table} SELECT * FROM {table} WHERE id = {first} {conflict}"


def table_rows(table):
    """Every row of a table, in id order (to prove a refused statement changed nothing)."""
    return database.execute_sql(f"SELECT * FROM {table} ORDER BY id").fetchall()


@sqlite_only
@pytest.mark.parametrize("table", APPEND_ONLY_TABLES)
def test_sqlite_refuses_replace_of_an_existing_row(app, every_table, table):
    """INSERT OR REPLACE deletes the colliding row without firing DELETE triggers; the
    BEFORE INSERT guard of migration 0008 refuses it first."""
    before = table_rows(table)
    for statement in (
        copy_of_first_row(table).replace("INSERT", "INSERT OR REPLACE", 1),
        copy_of_first_row(table).replace("INSERT", "REPLACE", 1),
    ):
        with pytest.raises(DatabaseError, match="append-only: INSERT over an existing row"):
            database.execute_sql(statement)
    assert table_rows(table) == before


@pytest.mark.parametrize("table", APPEND_ONLY_TABLES)
def test_database_refuses_upsert_of_an_existing_row(app, every_table, table):
    before = table_rows(table)
    with pytest.raises(DatabaseError, match="append-only"):
        database.execute_sql(
            copy_of_first_row(table, "ON CONFLICT (id) DO UPDATE SET id = excluded.id")
        )
    assert table_rows(table) == before


@sqlite_only
def test_sqlite_refuses_replace_through_a_unique_column(app, every_table):
    """A new id whose unique `reverses` collides would make REPLACE delete the old reversal."""
    table = "market_stock_movement"
    columns = [c.name for c in database.get_columns(table) if c.name != "id"]
    names = ", ".join(columns)
    before = table_rows(table)
    with pytest.raises(DatabaseError, match="append-only: INSERT over an existing row"):
        database.execute_sql(
            f"INSERT OR REPLACE INTO {table} ({names}) SELECT {names} FROM {table} "
            "WHERE reverses_id IS NOT NULL LIMIT 1"
        )
    assert table_rows(table) == before


def test_a_new_row_is_still_accepted(app, every_table, make_item):
    """The guard refuses collisions only: an honest append still works."""
    count = StockMovement.select().count()
    market.record_purchase("粮油店", [(every_table["oil"].id, 1, 6000)])
    assert StockMovement.select().count() == count + 1


@postgresql_only
@pytest.mark.parametrize("table", APPEND_ONLY_TABLES)
def test_postgresql_refuses_truncate(app, every_table, table):
    before = table_rows(table)
    for statement in (f"TRUNCATE {table} CASCADE", f"TRUNCATE {table} RESTART IDENTITY CASCADE"):
        with (
            pytest.raises(DatabaseError, match="append-only: TRUNCATE refused"),
            database.atomic(),
        ):
            database.execute_sql(statement)
    assert table_rows(table) == before


def test_ledger_column_change_is_refused_even_inside_a_transaction(app, every_table):
    movement = StockMovement.select().order_by(StockMovement.id).first()
    with pytest.raises(DatabaseError, match="append-only"), database.atomic():
        StockMovement.update(quantity=1000).where(StockMovement.id == movement.id).execute()
    assert StockMovement.get_by_id(movement.id).quantity == movement.quantity


def test_verify_passes_on_honest_ledgers(app, runner, every_table):
    code, output = verify(runner)
    assert code == 0, output
    assert "all checks passed" in output and "stock movements" in output


def test_a_tampered_row_is_named(app, runner, every_table):
    target = StockMovement.select().order_by(StockMovement.id).offset(1).first()
    with triggers_off("market_stock_movement"):
        database.execute_sql(
            f"UPDATE market_stock_movement SET quantity = quantity + 5 WHERE id = {database.param}",
            (target.id,),
        )
    code, output = verify(runner)
    assert code == 1
    assert f"market_stock_movement #{target.id}: hash does not match" in output
    # The row after it still chains to the stored hash: only the altered row is named.
    assert f"market_stock_movement #{target.id + 1}:" not in output


def test_a_rewritten_hash_breaks_the_next_link(app, runner, every_table):
    entries = list(PointsEntry.select().order_by(PointsEntry.id))
    first, second = entries[0], entries[1]
    with triggers_off("market_points_entry"):
        param = database.param
        database.execute_sql(
            f"UPDATE market_points_entry SET points = points + 1000, hash = {param} "
            f"WHERE id = {param}",
            ("f" * 64, first.id),
        )
    code, output = verify(runner)
    assert code == 1
    assert f"market_points_entry #{first.id}: hash does not match" in output
    assert f"market_points_entry #{second.id}: hash does not match" in output


def test_a_deleted_row_breaks_the_chain(app, runner, every_table):
    entries = list(StockMovement.select().order_by(StockMovement.id))
    assert entries[1].kind == "purchase"  # nothing points at it
    with triggers_off("market_stock_movement"):
        param = database.param
        database.execute_sql(
            f"DELETE FROM market_stock_movement WHERE id = {param}", (entries[1].id,)
        )
    code, output = verify(runner)
    assert code == 1
    assert f"market_stock_movement #{entries[2].id}: hash does not match" in output


def test_a_negative_balance_is_found_even_with_a_valid_chain(app, runner, make_item):
    item = make_item()
    with market_lock():  # bypass the operations' checks, keep the chain intact
        append(
            StockMovement,
            market.models.Item.get_by_id(item.id).created_at,
            None,
            item=item,
            quantity=-3,
            kind="write_off",
            note="test",
        )
    code, output = verify(runner)
    assert code == 1
    assert f"stock of item {item.id} falls below zero (-3)" in output
    assert "hash does not match" not in output


def test_a_reversal_that_does_not_cancel_is_found(app, runner, every_table):
    rice = every_table["rice"]
    original = StockMovement.get(StockMovement.kind == "donation")
    with market_lock():
        append(
            StockMovement,
            original.at,
            None,
            item=rice,
            quantity=-3,
            kind="reversal",
            reverses=original,
            note="wrong",
        )
    code, output = verify(runner)
    assert code == 1
    assert "reversal does not cancel the entry it names" in output


def test_a_purchase_that_differs_from_its_rows_is_found(app, runner, every_table):
    """An extra goods row and an extra payment tied to the purchase, with the chain intact."""
    oil = every_table["oil"]
    purchase = market.models.Purchase.get()
    assert verify(runner)[0] == 0
    with market_lock():
        append(
            StockMovement,
            purchase.created_at,
            None,
            item=oil,
            quantity=1,
            kind="purchase",
            unit_value=6000,
            purchase=purchase,
        )
    code, output = verify(runner)
    assert code == 1
    assert f"market_purchase #{purchase.id}: goods differ from its total" in output
    assert "payment differs" not in output and "hash does not match" not in output
    with market_lock():
        append(CashEntry, purchase.created_at, None, amount=-1, kind="purchase", purchase=purchase)
    assert f"market_purchase #{purchase.id}: payment differs from its total" in verify(runner)[1]


def test_a_purchase_total_changed_behind_the_triggers_is_found(app, runner, every_table):
    purchase = market.models.Purchase.get()
    with triggers_off("market_purchase"):
        database.execute_sql(
            f"UPDATE market_purchase SET total = total + 100 WHERE id = {database.param}",
            (purchase.id,),
        )
    code, output = verify(runner)
    assert code == 1
    assert f"market_purchase #{purchase.id}: goods differ from its total" in output
    assert f"market_purchase #{purchase.id}: payment differs from its total" in output


def test_a_reversal_that_leaves_part_of_its_document_is_found(app, runner, every_table):
    """A redemption "reversed" by giving the goods back but not the points."""
    household, rice = every_table["household"], every_table["rice"]
    redemption = market.redeem(household.id, [(rice.id, 1)])
    assert verify(runner)[0] == 0
    movement = StockMovement.get(StockMovement.redemption == redemption.id)
    points_debit = PointsEntry.get(PointsEntry.redemption == redemption.id)
    with market_lock():
        # only the goods row; the points debit is left standing
        reversal = write_reversal(
            [movement], "只退了货", "redemption", movement.at, redemption=redemption
        )
    code, output = verify(runner)
    assert code == 1
    assert (
        f"market_reversal #{reversal.id}: market_points_entry #{points_debit.id} of the "
        "redemption it reverses is not reversed with it"
    ) in output
    assert "market_stock_movement" not in output  # the goods row is covered


def test_a_reversal_of_a_donation_must_cover_its_money(app, runner, make_item):
    rice = make_item()
    donation = market.record_donation(
        "person", "张三", local_today(), lines=[(rice.id, 2, 100)], money=500
    )
    movement = StockMovement.get(StockMovement.donation == donation.id)
    money = CashEntry.get(CashEntry.donation == donation.id)
    with market_lock():
        # only the goods row; the money stays in the cash ledger
        write_reversal([movement], "只冲了货", "donation", movement.at, donation=donation)
    code, output = verify(runner)
    assert code == 1
    assert f"market_cash_entry #{money.id} of the donation it reverses" in output


def test_a_gap_in_receipt_numbers_is_found(app, runner, every_table):
    donation = every_table["donation"]
    Donation.create(
        receipt_year=donation.receipt_year,
        receipt_seq=donation.receipt_seq + 2,
        donor=Donor.get(),
        donated_on=donation.donated_on,
        period=donation.period,
    )
    code, output = verify(runner)
    assert code == 1
    year = donation.receipt_year
    assert f"donation receipts JZ {year}: missing numbers [{donation.receipt_seq + 1}]" in output


def test_other_modules_register_their_number_checks(app, runner, every_table, monkeypatch):
    def permit_numbers():
        return ["permit 2026: missing numbers [3]"]

    with monkeypatch.context() as patch:
        another = SimpleNamespace(number_checks=(permit_numbers,))
        patch.setattr(db.modules, "MODULES", (*db.modules.MODULES, another))
        code, output = verify(runner)
    assert code == 1 and "permit 2026: missing numbers [3]" in output
    assert verify(runner)[0] == 0


def test_gapless_problems_without_years(app):
    save_item(
        name="甲",
        category="other",
        unit="个",
        points_price=1,
        reference_value=1,
        low_stock_threshold=0,
        active=True,
    )
    item_model = market.models.Item
    assert gapless_problems("items", item_model, item_model.id) == []
    save_item(
        name="乙",
        category="other",
        unit="个",
        points_price=1,
        reference_value=1,
        low_stock_threshold=0,
        active=True,
    )
    database.execute_sql(
        "INSERT INTO market_item (name, category, unit, points_price, "
        "reference_value, low_stock_threshold, active, created_at, id) "
        "VALUES ('丙', 'other', '个', 1, 1, 0, TRUE, '2026-01-01', 7)"
    )
    assert gapless_problems("items", item_model, item_model.id) == [
        "items: missing numbers [3, 4, 5, 6]"
    ]


def test_triggers_are_installed(app):
    if is_sqlite():
        rows = database.execute_sql(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'market_%'"
        ).fetchall()
        assert len(rows) == 3 * len(APPEND_ONLY_TABLES)  # no update, no delete, no replace
    else:
        rows = database.execute_sql(
            "SELECT tgname FROM pg_trigger WHERE tgname LIKE 'market_%%' AND NOT tgisinternal"
        ).fetchall()
        assert len(rows) == 2 * len(APPEND_ONLY_TABLES)  # row trigger, TRUNCATE trigger
