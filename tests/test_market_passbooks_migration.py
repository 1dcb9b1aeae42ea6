"""Migration 0016 on a database that already holds redemptions (SQLite rebuilds
market_redemption to drop NOT NULL from household_id): every row and reference is kept, the
append-only guards are back on the rebuilt table, and a redemption may now name a passbook.
On PostgreSQL the column changes in place, in a database of its own."""

import uuid

import pytest
from peewee import DatabaseError, IntegrityError, PostgresqlDatabase, SqliteDatabase

from db import migrate
from tests.conftest import _pg_admin, _pg_url, postgresql_only, sqlite_only

PASSBOOKS = 16


def migrated_to(db, last):
    """Apply the real migrations up to number `last` to `db` (foreign keys off, as the
    runner does on SQLite)."""
    for number, _name, module in migrate.available_migrations():
        if number <= last:
            with db.atomic():
                module.up(db)


@sqlite_only
def test_0016_keeps_existing_redemptions_and_their_guards(tmp_path):
    db = SqliteDatabase(str(tmp_path / "old.sqlite3"), pragmas={"foreign_keys": 0})
    db.connect()
    migrated_to(db, PASSBOOKS - 1)
    now = "2026-11-02 10:00:00.000000"
    db.execute_sql(
        "INSERT INTO market_household (card_no, head_name, mobile, address, size, category, "
        "status, next_review, note, created_at, updated_at) VALUES "
        f"('GZ00001', '王秀英', '', '', 2, 'dibao', 'active', '2027-01-01', '', '{now}', '{now}')"
    )
    db.execute_sql(
        "INSERT INTO market_redemption (household_id, points_total, created_at, period, "
        f"actor_label) VALUES (1, 30, '{now}', '2026-11', 'system')"
    )
    db.execute_sql(
        "INSERT INTO market_points_entry (at, period, note, actor_label, hash, household_id, "
        f"points, kind, redemption_id) VALUES ('{now}', '2026-11', '', 'system', 'h', 1, -30, "
        "'redemption', 1)"
    )
    before = db.execute_sql("SELECT * FROM market_redemption").fetchall()
    migrated = next(m for n, _, m in migrate.available_migrations() if n == PASSBOOKS)
    with db.atomic():
        migrated.up(db)
    assert db.execute_sql("PRAGMA foreign_key_check").fetchall() == []
    columns = [c.name for c in db.get_columns("market_redemption")]
    assert columns[-1] == "passbook_id"
    rows = db.execute_sql("SELECT * FROM market_redemption").fetchall()
    assert [row[: len(before[0])] for row in rows] == before and rows[0][-1] is None
    assert db.execute_sql("SELECT redemption_id FROM market_points_entry").fetchall() == [(1,)]
    # The guards of 0004 and 0008 are on the rebuilt table again.
    triggers = {
        name
        for (name,) in db.execute_sql(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND "
            "tbl_name = 'market_redemption'"
        )
    }
    assert triggers == {
        "market_redemption_no_update",
        "market_redemption_no_delete",
        "market_redemption_no_replace",
    }
    for statement in (
        "UPDATE market_redemption SET points_total = 1",
        "DELETE FROM market_redemption",
        "INSERT OR REPLACE INTO market_redemption SELECT * FROM market_redemption",
    ):
        with pytest.raises(IntegrityError, match="append-only"):
            db.execute_sql(statement)
    # A redemption paid from a passbook: no household.
    db.execute_sql(
        "INSERT INTO market_passbook (passbook_no, holder_name, mobile, status, created_at) "
        f"VALUES ('ZY0001', '李志愿', '', 'active', '{now}')"
    )
    db.execute_sql(
        "INSERT INTO market_redemption (household_id, passbook_id, points_total, created_at, "
        f"period, actor_label) VALUES (NULL, 1, 10, '{now}', '2026-11', 'system')"
    )
    db.execute_sql("PRAGMA foreign_keys = 1")
    assert db.execute_sql("PRAGMA foreign_key_check").fetchall() == []
    db.close()


@postgresql_only
def test_0016_on_postgresql_keeps_existing_redemptions_and_their_guards():
    name = f"lianjian_m16_{uuid.uuid4().hex[:8]}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    db = PostgresqlDatabase(None)
    db.init(_pg_url(name).rsplit("/", 1)[1], dsn=_pg_url(name))
    try:
        db.connect()
        migrated_to(db, PASSBOOKS - 1)
        now = "2026-11-02 10:00:00"
        db.execute_sql(
            "INSERT INTO market_household (card_no, head_name, mobile, address, size, "
            "category, status, next_review, note, created_at, updated_at) VALUES ('GZ00001', "
            f"'王秀英', '', '', 2, 'dibao', 'active', '2027-01-01', '', '{now}', '{now}')"
        )
        db.execute_sql(
            "INSERT INTO market_redemption (household_id, points_total, created_at, period, "
            f"actor_label) VALUES (1, 30, '{now}', '2026-11', 'system')"
        )
        migrated = next(m for n, _, m in migrate.available_migrations() if n == PASSBOOKS)
        with db.atomic():
            migrated.up(db)
        assert db.execute_sql(
            "SELECT household_id, passbook_id, points_total FROM market_redemption"
        ).fetchall() == [(1, None, 30)]
        for statement in (
            "UPDATE market_redemption SET points_total = 1",
            "DELETE FROM market_redemption",
            "TRUNCATE market_passbook_entry",  # (its row triggers: tests/test_market_ledger.py)
        ):
            with pytest.raises(DatabaseError, match="append-only"), db.atomic():
                db.execute_sql(statement)
        db.execute_sql(
            "INSERT INTO market_passbook (passbook_no, holder_name, mobile, status, created_at) "
            f"VALUES ('ZY0001', '李志愿', '', 'active', '{now}')"
        )
        db.execute_sql(
            "INSERT INTO market_redemption (household_id, passbook_id, points_total, "
            f"created_at, period, actor_label) VALUES (NULL, 1, 10, '{now}', '2026-11', 'system')"
        )
        with pytest.raises(IntegrityError), db.atomic():  # the passbook must exist
            db.execute_sql(
                "INSERT INTO market_redemption (household_id, passbook_id, points_total, "
                f"created_at, period, actor_label) VALUES (NULL, 9, 10, '{now}', '2026-11', 's')"
            )
    finally:
        db.close()
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
