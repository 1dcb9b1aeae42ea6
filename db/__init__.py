"""The data layer: one database object for SQLite or PostgreSQL, chosen by DATABASE_URL.

Models bind to `database`, a proxy initialised by `init_database()` from the application
factory (or a CLI command). Operations that change data live in the module files of this
package and own their transactions; `write_lock()` is the one way to serialise writes that
allocate something scarce.
"""

import time
from contextlib import contextmanager

from peewee import DatabaseProxy, SqliteDatabase
from playhouse.db_url import connect
from playhouse.pool import PooledDatabase, PooledSqliteDatabase

database = DatabaseProxy()

# synchronous=FULL: an acknowledged ledger write survives a power cut, not only a crash.
# busy_timeout comes first: the pragmas after it may wait for a lock (milliseconds a
# statement waits before "database is locked").
SQLITE_PRAGMAS = {
    "busy_timeout": 10_000,
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": "full",
    "cache_size": -16_000,
    # ANALYZE samples at most this many rows an index: statistics good enough for the
    # planner at a cost of milliseconds, whatever the size of the table.
    "analysis_limit": 1_000,
}
# Each process keeps the connections it opened and hands one to each request: opening a
# SQLite file reads its whole schema (about 1.5 ms here) and a PostgreSQL connection starts a
# server process. A connection goes back at the end of the request (an open transaction is
# rolled back first) and is replaced after five minutes. `timeout`: seconds a thread waits
# for a free connection when all are in use.
POOL = dict(max_connections=64, stale_timeout=300, timeout=10)
# A pooled SQLite connection may serve another thread later (never two at once).
SQLITE_POOL = dict(POOL, check_same_thread=False)

# How often one process refreshes SQLite's planner statistics (see close_connection).
ANALYZE_EVERY_SECONDS = 3_600

_analyzed_at = None
GLOBAL_LOCK_KEY = 20261126  # advisory lock id for write_lock() without an owner row

# A test-only switch (TESTING_DISABLE_WRITE_LOCK) that proves the concurrency tests can fail.
_lock_disabled = False


def make_database(url, lock_disabled=False):
    """Return an unconnected, pooled peewee database for a DATABASE_URL."""
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///") :]
        # The driver's own lock wait is the busy_timeout pragma (the pool takes `timeout`).
        if lock_disabled:  # the control run: plain deferred transactions, so races show
            return PooledSqliteDatabase(path, pragmas=SQLITE_PRAGMAS, **SQLITE_POOL)
        # lock_type IMMEDIATE: every transaction takes the write lock at BEGIN, so a
        # transaction that reads and then writes never fails with SQLITE_BUSY_SNAPSHOT when
        # another connection wrote in between; it waits its turn instead.
        return PooledSqliteDatabase(
            path, pragmas=SQLITE_PRAGMAS, lock_type="IMMEDIATE", **SQLITE_POOL
        )
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if not url.startswith("postgresql://"):
        raise ValueError(f"Unsupported DATABASE_URL scheme: {url.split(':', 1)[0]}")
    return connect("postgresql+pool://" + url[len("postgresql://") :], **POOL)


def init_database(url, lock_disabled=False):
    """Point the models at the database named by `url` and return it."""
    global _lock_disabled
    release_connections()
    database.initialize(make_database(url, lock_disabled))
    _lock_disabled = lock_disabled
    return database.obj


def close_connection():
    """Close this thread's connection, on SQLite first refreshing the planner's statistics.

    SQLite plans joins from the statistics ANALYZE keeps (the sqlite_stat1 table): without
    them it may scan a big ledger by kind instead of looking up a few rows by a key. Once
    per process at its first close, then at most once an hour, ANALYZE refreshes them,
    sampling at most `analysis_limit` rows an index (milliseconds, whatever the data).
    PostgreSQL's autovacuum keeps its statistics by itself.
    """
    global _analyzed_at
    if database.is_closed():
        return
    if is_sqlite():
        now = time.monotonic()
        if _analyzed_at is None or now - _analyzed_at >= ANALYZE_EVERY_SECONDS:
            _analyzed_at = now
            database.execute_sql("ANALYZE")
    database.close()


def release_connections():
    """Close every connection this process holds (before pointing at another database, and
    after start-up work in a process that may fork workers)."""
    if database.obj is None:
        return
    if isinstance(database.obj, PooledDatabase):
        database.obj.close_all()
    elif not database.is_closed():
        database.close()


def is_sqlite():
    """True when the models are bound to SQLite."""
    return isinstance(database.obj, SqliteDatabase)


@contextmanager
def write_lock(model=None, pk=None):
    """Run the block in a transaction that serialises with every other allocating write.

    SQLite takes the database write lock at BEGIN (`BEGIN IMMEDIATE`), so counts read inside
    the block stay true until commit. PostgreSQL locks the owning row (`SELECT … FOR UPDATE`)
    of `model` with primary key `pk`, so writers of other owners go on in parallel; without a
    model it takes one transaction-scoped advisory lock shared by all such callers. Yields the
    locked row (or None without a model). Raises `model.DoesNotExist` if the row is gone.
    """
    if _lock_disabled:
        with database.atomic():
            yield model.get_by_id(pk) if model is not None else None
        return
    if is_sqlite():
        with database.atomic("IMMEDIATE"):
            yield model.get_by_id(pk) if model is not None else None
    else:
        with database.atomic():
            if model is None:
                database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (GLOBAL_LOCK_KEY,))
                yield None
            else:
                yield model.select().where(model._meta.primary_key == pk).for_update().get()
