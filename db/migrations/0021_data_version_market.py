"""Track the market tables the public notice reads since the passbooks and closed months
(migrations 0016, 0019): points and passbook entries, stored closed months. Their writes now
change the data version as well (the triggers of migration 0020)."""

import importlib

from peewee import SqliteDatabase

# Frozen: the tables this migration adds to those of 0020.
TABLES = ("market_points_entry", "market_passbook_entry", "market_closed_month")


def up(db):
    """Install the version triggers on each table."""
    first = importlib.import_module("db.migrations.0020_data_version")
    sqlite = isinstance(getattr(db, "obj", db), SqliteDatabase)
    for table in TABLES:
        if sqlite:
            for op in ("INSERT", "UPDATE", "DELETE"):
                db.execute_sql(first.SQLITE_TRIGGER.format(table=table, op=op))
        else:
            db.execute_sql(first.PG_ROW_TRIGGER.format(table=table))
            db.execute_sql(first.PG_TRUNCATE_TRIGGER.format(table=table))
