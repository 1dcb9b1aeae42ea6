"""The data version of the public pages (db/data_version.py): one row whose token changes in
every transaction that writes to a table those pages show, written by triggers.

Triggers, not calls in the domain actions, because a trigger cannot be forgotten: a bulk
insert, a migration, a CLI command or a raw SQL statement bumps the version as a
registration does, and the change and the new token become visible together (same
transaction). The token is random, never a counter: a database emptied or restored cannot
come back to a token an older cache entry was stored under.

SQLite: an AFTER INSERT/UPDATE/DELETE trigger a table (SQLite has row triggers only). It
UPDATEs the row (never INSERT OR …: an outer statement's own OR clause would override the
trigger's); one writer at a time holds the database, so the row costs no waiting.

PostgreSQL: a deferred constraint trigger, so the row is locked at COMMIT, after every other
lock the transaction takes (write_lock's event row, say): writers of different events do not
wait for each other while they work, and no lock-order cycle (deadlock) can form through the
row. A transaction-local setting makes only the first changed row of a transaction write it.
TRUNCATE fires no row trigger: a statement trigger covers it.
"""

from peewee import SqliteDatabase

# Frozen: the tables the cached pages read as of this migration (views/caching.py; a test,
# tests/test_page_cache.py, finds every table the pages read among the tracked ones).
TABLES = (
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
)

SQLITE_TRIGGER = (
    'CREATE TRIGGER "data_version_{table}_{op}" AFTER {op} ON "{table}" '
    "BEGIN UPDATE data_version SET token = lower(hex(randomblob(16))) WHERE id = 1; END"
)

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION data_version_bump() RETURNS trigger AS $$
BEGIN
  IF current_setting('lianjian.data_version_bumped', true) IS DISTINCT FROM 'on' THEN
    PERFORM set_config('lianjian.data_version_bumped', 'on', true);
    INSERT INTO data_version (id, token) VALUES (1, replace(gen_random_uuid()::text, '-', ''))
      ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token;
  END IF;
  RETURN NULL;
END
$$ LANGUAGE plpgsql
"""
PG_ROW_TRIGGER = (
    'CREATE CONSTRAINT TRIGGER data_version_bump AFTER INSERT OR UPDATE OR DELETE ON "{table}" '
    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_bump()"
)
PG_TRUNCATE_TRIGGER = (
    'CREATE TRIGGER data_version_truncate AFTER TRUNCATE ON "{table}" '
    "FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump()"
)


def up(db):
    """Create the version row and the triggers of every tracked table."""
    sqlite = isinstance(getattr(db, "obj", db), SqliteDatabase)
    db.execute_sql(
        "CREATE TABLE data_version (id INTEGER NOT NULL PRIMARY KEY, token VARCHAR(32) NOT NULL)"
    )
    if sqlite:
        db.execute_sql(
            "INSERT INTO data_version (id, token) VALUES (1, lower(hex(randomblob(16))))"
        )
        for table in TABLES:
            for op in ("INSERT", "UPDATE", "DELETE"):
                db.execute_sql(SQLITE_TRIGGER.format(table=table, op=op))
        return
    db.execute_sql(
        "INSERT INTO data_version (id, token) VALUES (1, replace(gen_random_uuid()::text, '-', ''))"
    )
    db.execute_sql(PG_FUNCTION)
    for table in TABLES:
        db.execute_sql(PG_ROW_TRIGGER.format(table=table))
        db.execute_sql(PG_TRUNCATE_TRIGGER.format(table=table))
