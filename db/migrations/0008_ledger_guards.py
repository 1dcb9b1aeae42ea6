"""Close the ways round the append-only triggers of migration 0004.

SQLite: `INSERT OR REPLACE` (and `REPLACE INTO`) deletes the row it collides with without
firing DELETE triggers (unless recursive_triggers is on), so a ledger row could be
overwritten. A BEFORE INSERT trigger refuses any insert that collides with an existing row on
the primary key or on any unique index; such an insert was an error anyway, now it is refused
before REPLACE can delete anything. An upsert (`INSERT … ON CONFLICT DO UPDATE`) is refused
by the same trigger.

PostgreSQL: an upsert runs the UPDATE triggers of 0004, but TRUNCATE fires no row triggers;
a BEFORE TRUNCATE statement trigger refuses it.
"""

from peewee import SqliteDatabase

# Frozen: the append-only tables as of migration 0004.
APPEND_ONLY_TABLES = (
    "market_stock_movement",
    "market_points_entry",
    "market_cash_entry",
    "market_donation",
    "market_purchase",
    "market_stock_count",
    "market_stock_count_line",
    "market_redemption",
    "market_reversal",
)


def unique_keys(db, table):
    """[[column, …]] of the primary key and every unique index of a SQLite table."""
    keys = [["id"]]
    for row in db.execute_sql(f'PRAGMA index_list("{table}")').fetchall():
        name, unique, origin = row[1], row[2], row[3]
        if not unique or origin == "pk":
            continue
        columns = [info[2] for info in db.execute_sql(f'PRAGMA index_info("{name}")')]
        if columns and None not in columns and columns not in keys:
            keys.append(columns)
    return keys


def sqlite_insert_guard(db, table):
    """CREATE TRIGGER refusing an insert that collides with a row already in `table`."""
    # NULLs never compare equal, as in a unique index, so nullable unique columns are fine.
    collisions = " OR ".join(
        f'EXISTS (SELECT 1 FROM "{table}" WHERE '
        + " AND ".join(f'"{column}" = NEW."{column}"' for column in columns)
        + ")"
        for columns in unique_keys(db, table)
    )
    return (
        f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} WHEN {collisions} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: INSERT over an existing row "
        "refused (write a reversal instead)'); END"
    )


def up(db):
    """Install the guards on every append-only table."""
    sqlite = isinstance(getattr(db, "obj", db), SqliteDatabase)
    for table in APPEND_ONLY_TABLES:
        if sqlite:
            db.execute_sql(sqlite_insert_guard(db, table))
        else:
            # market_append_only() is migration 0004's function; it raises for any TG_OP.
            db.execute_sql(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION market_append_only()"
            )
