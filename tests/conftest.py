"""Fixtures: a fresh database for every test (SQLite or PostgreSQL), clients, factories,
a query counter, and a live gunicorn server for concurrency and browser tests.

Set TEST_DATABASE=postgresql (and TEST_PG_ADMIN_URL) to run the suite on PostgreSQL; the
session creates its own database and drops it at the end.

What makes the suite fast without making it weaker (figures in the commit messages):
- one application per worker session, put back as it was after every test (its config and
  extension state; a test that adds a route gets a new one), on a fresh database per test;
- SQLite: a copy of a migrated template file per test; PostgreSQL: one database per worker,
  emptied before each test by deleting the rows of the tables that hold any and restarting
  the id sequences that moved (a TRUNCATE of every table cost 0.75 s a test);
- the `demo_data` fixture: the demo data seeded once per session into a template (a file, or
  a PostgreSQL template database) that each test asking for it gets a copy of;
- factory accounts and the test app hash passwords with one PBKDF2 round (TEST_HASH_METHOD;
  scrypt costs about 0.18 s a login); tests/test_auth.py proves production uses scrypt.
"""

import copy
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.security import generate_password_hash

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The tests' SQLite files (tmp_path) in memory when the machine has /dev/shm: the app runs
# SQLite with synchronous=FULL, so on disk every commit waits for an fsync (half the wall
# time of a run measured here). Durability is the crash test's subject (make crash), not the
# suite's. TMPDIR set by the caller wins.
if "TMPDIR" not in os.environ and os.access("/dev/shm", os.W_OK):
    os.environ["TMPDIR"] = tempfile.tempdir = "/dev/shm"

from app import create_app  # noqa: E402
from db import (  # noqa: E402
    database,
    init_database,
    is_sqlite,
    migrate,
    release_connections,
)
from db.accounts import Enterprise, User  # noqa: E402
from db.market.periods import local_today  # noqa: E402

BACKEND = os.environ.get("TEST_DATABASE", "sqlite")
sqlite_only = pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite only")
postgresql_only = pytest.mark.skipif(BACKEND != "postgresql", reason="PostgreSQL only")
PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://127.0.0.1:5432/postgres")
TEST_PASSWORD = "correct-horse-1"
# One PBKDF2 round: the suite's accounts need a hash that checks, not one that resists attack.
TEST_HASH_METHOD = "pbkdf2:sha256:1"
# The configuration of the test application (and of the demo seeding).
APP_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "WTF_CSRF_ENABLED": False,
    "PASSWORD_HASH_METHOD": TEST_HASH_METHOD,
}
# The demo template is seeded again when older than this, or on a new day in Shanghai (its
# data sits around "now" and "today").
DEMO_TEMPLATE_SECONDS = 1_800
OUTPUT = ROOT / "test-output"


def _pg_admin(sql):
    import psycopg2

    conn = psycopg2.connect(PG_ADMIN_URL)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql)
    finally:
        conn.close()


def _pg_url(name):
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


# Emptying a table by DELETE costs milliseconds; TRUNCATE of all of them (what CASCADE makes
# of even one: every table points at user) 0.75 s. When a table's file has grown past
# TRUNCATE_FROM_BYTES (the scale tests' tens of thousands of rows), every table is truncated
# instead, as the suite used to; a table that lost VACUUM_FROM rows is vacuumed at once.
VACUUM_FROM = 1_000
TRUNCATE_FROM_BYTES = 4 * 1024 * 1024
# The tables of the public schema with the size of their files (a stat each, no scan).
TABLE_SIZES = """
SELECT c.relname, pg_relation_size(c.oid) FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> 'schema_version'
"""
# The id sequences of the public schema that handed out a value since they were (re)started,
# with their tables: serial (deptype a) and identity (deptype i) columns.
MOVED_SEQUENCES = """
SELECT t.relname, s.relname FROM pg_sequences q
JOIN pg_namespace n ON n.nspname = q.schemaname
JOIN pg_class s ON s.relnamespace = n.oid AND s.relname = q.sequencename
JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid
 AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
JOIN pg_class t ON t.oid = d.refobjid
WHERE q.schemaname = 'public' AND q.last_value IS NOT NULL
"""
# The deleted rows stay in a table's pages until a VACUUM, and every later scan of the table
# reads them (autovacuum comes by once a minute, a few hundred tests later): the tables
# emptied since the last VACUUM are vacuumed every VACUUM_EVERY resets.
VACUUM_EVERY = 20


class _Emptied:
    tables = set()
    resets = 0


def empty_postgresql_tables():
    """Bring every table but schema_version to what `TRUNCATE … RESTART IDENTITY` of them all
    gives (no rows, id sequences restarted) in four round trips: the tables and their sizes;
    a DELETE from each that has pages (one without holds no row; VACUUM gives an emptied
    table's pages back), which reads back how many rows each lost
    (pg_stat_xact_user_tables: this transaction's counts); the sequences that moved; and their
    restart by setval(…, 1, false), which is ALTER SEQUENCE … RESTART for the serial columns'
    sequences (they start at 1) without the DDL. The market
    ledgers' guards (migrations 0004 and 0008) stand aside under session_replication_role =
    replica, which also leaves the foreign-key triggers out, so the order of the deletes is
    free."""
    sizes = dict(database.execute_sql(TABLE_SIZES).fetchall())
    if not sizes:
        return
    if max(sizes.values()) >= TRUNCATE_FROM_BYTES:
        quoted = ", ".join(f'"{t}"' for t in sizes)
        database.execute_sql("SET session_replication_role = replica")
        database.execute_sql(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
        database.execute_sql("SET session_replication_role = DEFAULT")
        return
    with database.atomic():
        deleted = database.execute_sql(
            "SET LOCAL session_replication_role = replica; "
            + "".join(f'DELETE FROM "{table}"; ' for table, size in sizes.items() if size)
            + "SELECT relname, n_tup_del FROM pg_stat_xact_user_tables"
            " WHERE schemaname = 'public' AND n_tup_del > 0"
        ).fetchall()
    moved = [s for t, s in database.execute_sql(MOVED_SEQUENCES).fetchall() if t in sizes]
    if moved:
        database.execute_sql(
            "SELECT " + ", ".join(f"setval('\"{sequence}\"', 1, false)" for sequence in moved)
        )
    _Emptied.tables.update(t for t, _n in deleted)
    _Emptied.resets += 1
    vacuum = [t for t, n in deleted if n >= VACUUM_FROM]
    if _Emptied.resets % VACUUM_EVERY == 0:
        vacuum, _Emptied.tables = sorted(_Emptied.tables), set()
    if vacuum:
        database.execute_sql("VACUUM " + ", ".join(f'"{t}"' for t in vacuum))


@pytest.fixture(scope="session")
def database_source(tmp_path_factory, request):
    """A migrated, empty database to start each test from (a file copy or a PG database)."""
    worker_id = getattr(request.config, "workerinput", {}).get("workerid", "main")
    if BACKEND == "postgresql":
        name = f"lianjian_test_{worker_id}_{uuid.uuid4().hex[:8]}"
        _pg_admin(f'CREATE DATABASE "{name}"')
        # Commits do not wait for the WAL to reach the disk (they stay atomic and isolated);
        # the crash test (make crash) is where durability is tested.
        _pg_admin(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        url = _pg_url(name)
        init_database(url)
        with database.connection_context():
            migrate.upgrade()
        yield url
        release_connections()
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        path = tmp_path_factory.mktemp("template") / "template.sqlite3"
        init_database(f"sqlite:///{path}")
        with database.connection_context():
            migrate.upgrade()
        release_connections()  # closing the last connection folds the WAL into the file copied
        yield path


class DemoTemplate:
    """The demo data, seeded once (again when stale: DEMO_TEMPLATE_SECONDS) and copied
    into each test that asks for it. SQLite: a seeded copy of the empty template file.
    PostgreSQL: the rows of the session's database, seeded, kept in the schema demo_template
    (CREATE and DROP DATABASE wait for checkpoints: seconds on a busy server), and inserted
    back with the id sequences where the seeding left them."""

    SCHEMA = "demo_template"

    def __init__(self, source, folder):
        self.source, self.folder = source, folder
        self.seeded_at, self.seeded_on, self.serial = None, None, 0

    def _seed(self):
        if BACKEND == "postgresql":
            url = self.source
            init_database(url)
            with database.connection_context():
                empty_postgresql_tables()
        else:
            self.serial += 1
            self.template = self.folder / f"demo{self.serial}.sqlite3"
            shutil.copy(self.source, self.template)
            url = f"sqlite:///{self.template}"
        # As `flask seed-demo` does: in an application context, with the test hash method.
        application = create_app(dict(APP_CONFIG, DATABASE_URL=url))
        from db import demo

        with application.app_context(), database.connection_context():
            demo.seed()
            if BACKEND == "postgresql":
                self._keep_postgresql_rows()
        release_connections()  # SQLite: closing the last connection folds the WAL in
        self.seeded_at, self.seeded_on = time.monotonic(), local_today()

    def _keep_postgresql_rows(self):
        tables = [
            t
            for t in database.get_tables()
            if t != "schema_version"
            and database.execute_sql(f'SELECT 1 FROM "{t}" LIMIT 1').fetchone()
        ]
        with database.atomic():
            database.execute_sql(f'DROP SCHEMA IF EXISTS "{self.SCHEMA}" CASCADE')
            database.execute_sql(f'CREATE SCHEMA "{self.SCHEMA}"')
            for table in tables:
                database.execute_sql(
                    f'CREATE TABLE "{self.SCHEMA}"."{table}" AS SELECT * FROM "{table}"'
                )
        self.tables = tables
        self.sequences = [
            (sequence, database.execute_sql(f'SELECT last_value FROM "{sequence}"').fetchone()[0])
            for _table, sequence in database.execute_sql(MOVED_SEQUENCES).fetchall()
        ]
        empty_postgresql_tables()

    def copy(self, tmp_path):
        """A database of its own for one test, holding the demo data: its URL."""
        if (
            self.seeded_at is None
            or time.monotonic() - self.seeded_at > DEMO_TEMPLATE_SECONDS
            or local_today() != self.seeded_on
        ):
            self._seed()
        if BACKEND == "postgresql":
            init_database(self.source)
            with database.connection_context():
                empty_postgresql_tables()
                with database.atomic():
                    # replica: the ledgers' insert guards and the foreign keys stand aside.
                    database.execute_sql("SET LOCAL session_replication_role = replica")
                    for table in self.tables:
                        database.execute_sql(
                            f'INSERT INTO "{table}" SELECT * FROM "{self.SCHEMA}"."{table}"'
                        )
                    for sequence, value in self.sequences:
                        database.execute_sql(f"SELECT setval('\"{sequence}\"', {int(value)})")
            return self.source
        path = tmp_path / "test.sqlite3"
        shutil.copy(self.template, path)
        return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def demo_template(database_source, tmp_path_factory):
    """The session's DemoTemplate (seeded when a test first asks for `demo_data`)."""
    return DemoTemplate(database_source, tmp_path_factory.mktemp("demo"))


@pytest.fixture
def demo_data():
    """Ask for it and this test's database holds the demo data from the start (a copy of one
    seeding per session: `database_url` sees this fixture's name). The demo seeding itself is
    tested on empty databases (tests/test_db.py, tests/test_admin.py)."""
    from db.demo import DEMO_ACCOUNTS

    return DEMO_ACCOUNTS


@pytest.fixture
def database_url(database_source, tmp_path, request):
    """A fresh database for one test: a copy of the template, or emptied PG tables; with
    `demo_data` among the test's fixtures, a copy of the demo data."""
    if "demo_data" in request.fixturenames:
        return request.getfixturevalue("demo_template").copy(tmp_path)
    if BACKEND == "postgresql":
        init_database(database_source)
        with database.connection_context():
            empty_postgresql_tables()
        return database_source
    path = tmp_path / "test.sqlite3"
    shutil.copy(database_source, path)
    return f"sqlite:///{path}"


# What a test may add to an application that a config restore cannot take back.
APP_HOOKS = (
    "before_request_funcs",
    "after_request_funcs",
    "teardown_request_funcs",
    "template_context_processors",
    "url_value_preprocessors",
    "url_default_functions",
)


def _error_handlers(application):
    """The registered error handlers. Flask looks handlers up in nested defaultdicts, so
    merely handling an error adds empty entries: those are not a change of shape."""
    return tuple(
        (blueprint, code, exception.__name__, handler.__qualname__)
        for blueprint, by_code in application.error_handler_spec.items()
        for code, handlers in by_code.items()
        for exception, handler in handlers.items()
    )


def _app_shape(application):
    """Routes, hooks, handlers and template names of an application, to see a test add one."""
    return (
        tuple(sorted(application.view_functions)),
        tuple(str(rule) for rule in application.url_map.iter_rules()),
        tuple(sorted(application.blueprints)),
        tuple(
            (hook, key, len(functions))
            for hook in APP_HOOKS
            for key, functions in getattr(application, hook).items()
        ),
        len(application.teardown_appcontext_funcs),
        _error_handlers(application),
        tuple(sorted(application.jinja_env.globals)),
        tuple(sorted(application.jinja_env.filters)),
        tuple(sorted(application.jinja_env.tests)),
    )


class SharedApp:
    """One application per worker session: building one (and compiling the templates it
    renders again) cost about 0.15 s a test. Each test gets it pointed at the test's own
    database, open to setup methods as a new application is (`@app.route` in a test), and
    afterwards put back: config and extension state (the demo-mode cache) as built. A test
    that added a route or a hook leaves it to be dropped: the next test gets a new one."""

    def __init__(self):
        self.application = None

    def for_test(self, database_url):
        if self.application is None:
            self.application = create_app(dict(APP_CONFIG, DATABASE_URL=database_url))
            self.config = copy.deepcopy(dict(self.application.config))
            self.extensions = dict(self.application.extensions)
            self.shape = _app_shape(self.application)
        else:
            init_database(database_url)  # as create_app does (the write lock on)
            self.application.config["DATABASE_URL"] = database_url
        self.application._got_first_request = False
        return self.application

    def after_test(self):
        application = self.application
        if _app_shape(application) != self.shape:
            self.application = None
            return
        application.config.clear()
        application.config.update(copy.deepcopy(self.config))
        application.extensions.clear()
        application.extensions.update(self.extensions)


@pytest.fixture(scope="session")
def shared_app():
    return SharedApp()


@pytest.fixture
def app(database_url, shared_app):
    """The application on this test's fresh database, CSRF off (see `csrf_app`)."""
    application = shared_app.for_test(database_url)
    # No app context is kept pushed: each request gets its own, as in production (Flask-Babel
    # caches the locale on it). Models need only the connection.
    database.connect(reuse_if_open=True)
    yield application
    if not database.is_closed():
        database.close()
    shared_app.after_test()


@pytest.fixture
def client(app):
    """A test client (CSRF checks off)."""
    return app.test_client()


@pytest.fixture
def csrf_app(app):
    """The same application with CSRF checks on."""
    app.config["WTF_CSRF_ENABLED"] = True
    return app


@pytest.fixture
def runner(app):
    """A CLI runner for `flask` commands."""
    return app.test_cli_runner()


_password_hash = None


def fast_password_hash():
    """One hash of TEST_PASSWORD (TEST_HASH_METHOD: cheap to check at every login), shared
    by the factory accounts."""
    global _password_hash
    if _password_hash is None:
        _password_hash = generate_password_hash(TEST_PASSWORD, method=TEST_HASH_METHOD)
    return _password_hash


@pytest.fixture
def make_enterprise(app):
    """Factory: make_enterprise(name=…, is_partner=…) in this test's database."""
    counter = iter(range(1, 10_000))

    def factory(name=None, **fields):
        return Enterprise.create(name=name or f"测试企业{next(counter)}", **fields)

    return factory


@pytest.fixture
def make_user(make_enterprise):
    """Factory: make_user(role="entrepreneur", **fields); password is TEST_PASSWORD."""
    counter = iter(range(1, 10_000))

    def factory(role="entrepreneur", **fields):
        n = next(counter)
        mobile = fields.pop("mobile", f"1390000{n:04d}" if role == "entrepreneur" else None)
        defaults = dict(
            username=mobile or f"{role}{n}",
            name=f"测试用户{n}",
            mobile=mobile,
            role=role,
            password_hash=fast_password_hash(),
        )
        if role == "entrepreneur" and "enterprise" not in fields:
            defaults["enterprise"] = make_enterprise()
        defaults.update(fields)
        return User.create(**defaults)

    return factory


class AuthActions:
    """Log a test client in and out."""

    def __init__(self, client):
        self.client = client

    def login(self, user_or_username, password=TEST_PASSWORD):
        username = getattr(user_or_username, "username", user_or_username)
        return self.client.post("/login", data={"username": username, "password": password})

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    """auth.login(user) / auth.logout() on the default client."""
    return AuthActions(client)


@pytest.fixture
def login_as(app, make_user):
    """login_as(role) → a fresh client signed in as a new user of that role (None: guest)."""

    def factory(role, **fields):
        client = app.test_client()
        if role is None:
            return client
        user = make_user(role=role, **fields)
        response = AuthActions(client).login(user)
        assert response.status_code == 302, response.data[:500]
        client.user = user
        return client

    return factory


class QueryCounter(logging.Handler):
    """Counts the SQL statements peewee runs (it logs each at DEBUG)."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.statements = []

    def emit(self, record):
        if isinstance(record.msg, tuple):
            self.statements.append(record.msg[0])

    @property
    def count(self):
        return len(self.statements)


@contextmanager
def count_queries():
    """with count_queries() as counter: … ; counter.count is the number of SQL statements."""
    logger = logging.getLogger("peewee")
    counter = QueryCounter()
    previous = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(counter)
    try:
        yield counter
    finally:
        logger.removeHandler(counter)
        logger.setLevel(previous)


@pytest.fixture
def query_counter():
    """The count_queries context manager, for query budgets."""
    return count_queries


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """The app under gunicorn on a loopback port, against this test's database."""

    def __init__(self, database_url, workers=2, extra_env=None, app_factory="app:create_app()"):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ)
        env.update(
            DATABASE_URL=database_url,
            SECRET_KEY="live-test-secret",
            PYTHONPATH=str(ROOT),
            **(extra_env or {}),
        )
        self.log = open(OUTPUT / f"server-{self.port}.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                "views/serving.py",  # as make run serves
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "60",
                app_factory,
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()  # a server that never became ready must not outlive the test
            raise

    def _wait_ready(self):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited; see {self.log.name}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("server did not become ready in 30 s")

    def stop(self):
        # SIGQUIT: gunicorn's quick shutdown. The test is over, so nothing is left to finish;
        # SIGTERM's graceful one waited about 1.5 s a server for the gevent workers to wind down.
        self.process.send_signal(signal.SIGQUIT)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


@pytest.fixture
def live_server(database_url):
    """live_server(workers=2, env=None, unlocked=False) → a running LiveServer on this test's
    database; `unlocked` serves tests/unlocked_app.py, the app with its allocation lock off."""
    OUTPUT.mkdir(exist_ok=True)
    servers = []

    def start(workers=2, env=None, unlocked=False):
        # The server's processes open their own connections; let go of ours first on SQLite.
        if is_sqlite() and not database.is_closed():
            database.close()
        factory = "tests.unlocked_app:create_app()" if unlocked else "app:create_app()"
        server = LiveServer(database_url, workers=workers, extra_env=env, app_factory=factory)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def csrf_token_from(html):
    """The CSRF token embedded in a page (hidden input or hx-headers)."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    return match.group(1) if match else None
