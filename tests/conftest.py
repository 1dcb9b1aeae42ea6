"""Fixtures: a fresh database for every test (SQLite or PostgreSQL), clients, factories,
a query counter, and a live gunicorn server for concurrency and browser tests.

Set TEST_DATABASE=postgresql (and TEST_PG_ADMIN_URL) to run the suite on PostgreSQL; the
session creates its own database and drops it at the end.
"""

import logging
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.security import generate_password_hash

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from db import (  # noqa: E402
    database,
    init_database,
    is_sqlite,
    migrate,
    release_connections,
)
from db.accounts import Enterprise, User  # noqa: E402

BACKEND = os.environ.get("TEST_DATABASE", "sqlite")
sqlite_only = pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite only")
postgresql_only = pytest.mark.skipif(BACKEND != "postgresql", reason="PostgreSQL only")
PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://127.0.0.1:5432/postgres")
TEST_PASSWORD = "correct-horse-1"
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


@pytest.fixture(scope="session")
def database_source(tmp_path_factory, request):
    """A migrated, empty database to start each test from (a file copy or a PG database)."""
    worker_id = getattr(request.config, "workerinput", {}).get("workerid", "main")
    if BACKEND == "postgresql":
        name = f"lianjian_test_{worker_id}_{uuid.uuid4().hex[:8]}"
        _pg_admin(f'CREATE DATABASE "{name}"')
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
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


@pytest.fixture
def database_url(database_source, tmp_path):
    """A fresh database for one test: a copy of the template, or emptied PG tables."""
    if BACKEND == "postgresql":
        init_database(database_source)
        with database.connection_context():
            tables = [t for t in database.get_tables() if t != "schema_version"]
            if tables:
                quoted = ", ".join(f'"{t}"' for t in tables)
                # replica: the market ledgers' TRUNCATE guard (migration 0008) stands aside.
                database.execute_sql("SET session_replication_role = replica")
                database.execute_sql(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
                database.execute_sql("SET session_replication_role = DEFAULT")
        return database_source
    path = tmp_path / "test.sqlite3"
    shutil.copy(database_source, path)
    return f"sqlite:///{path}"


@pytest.fixture
def app(database_url):
    """The application on this test's fresh database, CSRF off (see `csrf_app`)."""
    application = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret",
            "WTF_CSRF_ENABLED": False,
        }
    )
    # No app context is kept pushed: each request gets its own, as in production (Flask-Babel
    # caches the locale on it). Models need only the connection.
    database.connect(reuse_if_open=True)
    yield application
    if not database.is_closed():
        database.close()


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
    """One scrypt hash of TEST_PASSWORD, shared by factory accounts (hashing is slow)."""
    global _password_hash
    if _password_hash is None:
        _password_hash = generate_password_hash(TEST_PASSWORD, method="scrypt")
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
                time.sleep(0.2)
        raise RuntimeError("server did not become ready in 30 s")

    def stop(self):
        self.process.terminate()
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
