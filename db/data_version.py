"""The data version: one token that changes with every committed write to the tables the
cached pages show, public and staff (views/caching.py keys its cached pages by it).

Triggers write it (migration 0020 says how, on SQLite and PostgreSQL), in the transaction of
the write, so it cannot miss one: a domain action, a bulk insert, a migration or a statement
typed into the database shell all change it. Reading it is one primary-key lookup.

Why it is safe to read the token first and the page's rows after: a write and its new token
become visible together, at its commit. A reader that sees the new token started after that
commit, so every statement it runs afterwards sees the write too. A reader that sees the old
token may still see newer rows; its page is then stored under a token no later request
presents (tokens are random, never reused). Either way no request is answered with a page
older than the last write committed before it began.
"""

from peewee import OperationalError, ProgrammingError

from db import database, is_sqlite

# What migrations 0020, 0021 and 0023 track (and every later one that adds a table); the page-cache
# test finds every table a cached page reads among these, and `missing_triggers()` finds
# each of them with its triggers.
TRACKED_TABLES = (
    "event",
    "event_question",
    "registration",
    "enterprise",
    "course",
    "course_session",
    "application",
    "market_item",
    "market_donor",
    "market_donation",
    "market_stock_movement",
    "market_redemption",
    "market_reversal",
    "setting",
    # 0021
    "market_points_entry",
    "market_passbook_entry",
    "market_closed_month",
    # 0023: the staff read pages
    "user",
    "registration_answer",
    "application_answer",
    "attendance",
    "market_cash_entry",
)


def current():
    """The token of the data as of now, or None when the row is missing (caching is then off:
    a database whose version row was deleted cannot say when it changed) or the table is
    (migration 0020 not applied yet: the pages work as before, uncached)."""
    try:
        row = database.execute_sql("SELECT token FROM data_version WHERE id = 1").fetchone()
    except (OperationalError, ProgrammingError):
        return None
    return row[0] if row else None


def missing_triggers():
    """The tracked tables without their version triggers (a SQLite table rebuild by a later
    migration drops its triggers: this finds it). Empty when all is well."""
    if is_sqlite():
        names = {
            row[0]
            for row in database.execute_sql(
                "SELECT name FROM sqlite_master "
                "WHERE type = 'trigger' AND name LIKE 'data_version_%'"
            ).fetchall()
        }
        return [
            table
            for table in TRACKED_TABLES
            if any(
                f"data_version_{table}_{op}" not in names for op in ("INSERT", "UPDATE", "DELETE")
            )
        ]
    found = {
        (table, name)
        for table, name in database.execute_sql(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname IN ('data_version_bump', 'data_version_truncate') "
            "AND t.tgenabled <> 'D'"
        ).fetchall()
    }
    return [
        table
        for table in TRACKED_TABLES
        if (table, "data_version_bump") not in found
        or (table, "data_version_truncate") not in found
    ]
