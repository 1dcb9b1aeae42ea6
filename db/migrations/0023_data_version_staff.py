"""Track the tables the staff read pages read since they are served from the page cache
(views/caching.py): the accounts (applicants' and staff names), registration and
application answers, attendance marks and the cash ledger. Their writes now change the data
version as well (the triggers of migration 0020)."""

import importlib

from peewee import SqliteDatabase

# Frozen: the tables this migration adds to those of 0020 and 0021.
TABLES = ("user", "registration_answer", "application_answer", "attendance", "market_cash_entry")


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
