"""What the crash and soak runs share: a seeded database of their own (a SQLite file, or a
PostgreSQL database created and dropped), the app under gunicorn in a process group of its own
on a loopback port, browser-like clients that register, redeem and donate and remember every
action the server acknowledged, and the checks that must hold after every crash.

Everything runs on 127.0.0.1; nothing leaves the machine.
"""

import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.client import HTTPException
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from peewee import JOIN, fn  # noqa: E402

from db import database, init_database, is_sqlite, release_connections  # noqa: E402
from tests.live_client import LiveClient  # noqa: E402

OUTPUT = ROOT / "test-output" / "faults"
PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://127.0.0.1:5432/postgres")
SECRET_KEY = "fault-run-secret"
STAFF = ("staff", "demo-staff-1")
ENTREPRENEURS = (("13800000001", "demo-entre-1"), ("13800000002", "demo-entre-1"))
SHANGHAI = ZoneInfo("Asia/Shanghai")
HOUSEHOLDS = 40
VOLUNTEER_HOURS = 400  # pending hour records staff approve (and now and then correct)
NETWORK_ERRORS = (OSError, HTTPException)


def say(message):
    """One line of progress on stdout, flushed at once."""
    print(message, flush=True)


def free_port():
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgresql_answers():
    """True when a PostgreSQL server answers at PG_ADMIN_URL."""
    try:
        import psycopg2

        psycopg2.connect(PG_ADMIN_URL, connect_timeout=3).close()
    except Exception:
        return False
    return True


def _pg_admin(sql):
    """Run one statement on the PostgreSQL server's maintenance database."""
    import psycopg2

    connection = psycopg2.connect(PG_ADMIN_URL)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
    finally:
        connection.close()


class Scratch:
    """A database of the run's own: created empty, migrated, seeded, dropped at the end."""

    def __init__(self, backend):
        self.backend = backend
        if backend == "postgresql":
            self.name = f"lianjian_faults_{uuid.uuid4().hex[:8]}"
            _pg_admin(f'CREATE DATABASE "{self.name}"')
            self.url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + self.name
        else:
            self.folder = tempfile.mkdtemp(prefix="lianjian-faults-")
            self.path = Path(self.folder) / "faults.sqlite3"
            self.url = f"sqlite:///{self.path}"

    def env(self):
        """The environment of a `flask` or gunicorn process on this database."""
        return dict(os.environ, DATABASE_URL=self.url, SECRET_KEY=SECRET_KEY, PYTHONPATH=str(ROOT))

    def flask(self, *args, check=True):
        """Run `flask --app app ARGS` on this database; return the completed process."""
        return subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            check=check,
            timeout=300,
        )

    def drop(self):
        """Remove the database."""
        release_connections()
        if self.backend == "postgresql":
            _pg_admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(str(self.path) + suffix).unlink(missing_ok=True)
            os.rmdir(self.folder)


@dataclass
class Fixture:
    """What the clients act on: two open events, households with points, a stocked item."""

    big_event: int
    small_event: int
    small_seats: int
    item: int
    cards: list
    hours: list = field(default_factory=list)  # pending volunteer hour records to approve


def seed(scratch):
    """Migrate, load the demo data, and add what the runs need; return the Fixture."""
    scratch.flask("db", "upgrade")
    scratch.flask("seed-demo")
    import db.modules  # noqa: F401  (every model and provider imported)
    from db.events import manage
    from db.market import (
        issue_allowance,
        record_donation,
        register_household,
        save_item,
    )
    from db.market.periods import local_today
    from db.market.rules import DEFAULTS, save_rules

    init_database(scratch.url)
    with database.connection_context():
        starts = datetime.now(SHANGHAI).replace(tzinfo=None, second=0, microsecond=0)
        starts_utc = starts - timedelta(hours=8) + timedelta(days=30)
        ids = []
        for title, seats in (("故障演练论坛", 100_000), ("故障演练沙龙", 3)):
            event = manage.create_event(
                dict(
                    kind="forum",
                    title=title,
                    description="",
                    venue="党群服务中心多功能厅",
                    starts_at=starts_utc,
                    ends_at=starts_utc + timedelta(hours=2),
                    seats=seats,
                    opens_at=None,
                    closes_at=None,
                    approval_required=False,
                    audience_note="",
                ),
                [],
            )
            manage.publish(event.id)
            ids.append(event.id)
        rules = {key: 100_000 for key in DEFAULTS if key.startswith("market.base_points.")}
        rules["market.visit_limit"] = 10_000_000
        save_rules(rules)
        item = save_item(
            name="故障演练物资",
            category="daily",
            unit="件",
            points_price=1,
            reference_value=100,
            low_stock_threshold=0,
            active=True,
        )
        record_donation("enterprise", "故障演练企业", local_today(), lines=[(item.id, 10**6, 100)])
        cards = []
        for number in range(HOUSEHOLDS):
            household = register_household(
                head_name=f"演练户{number}",
                mobile="",
                size=2,
                category="dibao",
                status="active",
                consent=True,
            )
            cards.append(household.card_no)
        issue_allowance()
        hours = _pending_volunteer_hours()
    release_connections()
    return Fixture(ids[0], ids[1], 3, item.id, cards, hours)


def _pending_volunteer_hours():
    """Volunteers with self-reported hours waiting for approval; their record ids."""
    from db.volunteers.hours import report_hours
    from db.volunteers.teams import add_member, create_team

    team = create_team("division", "故障演练志愿者分队")
    ids = []
    for number in range(VOLUNTEER_HOURS):
        mobile = f"1370000{number // 12:04d}"
        membership, _ = add_member(team.id, f"演练志愿者{number // 12}", mobile, consent=True)
        day = datetime.now(SHANGHAI).date() - timedelta(days=number % 60)
        record = report_hours(
            membership.volunteer, day, 60 + (number * 7) % 300, "故障演练服务", today=None
        )
        ids.append(record.id)
    return ids


class Server:
    """The app under gunicorn (a master and its workers) in a process group of its own."""

    def __init__(self, scratch, label, workers=2):
        self.scratch = scratch
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        OUTPUT.mkdir(parents=True, exist_ok=True)
        self.log_path = OUTPUT / f"server-{label}.log"
        self.log = open(self.log_path, "w")  # noqa: SIM115  (closed in close())
        self.process = None

    def start(self, timeout=60):
        """Start gunicorn and wait until /healthz answers 200."""
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                "views/serving.py",  # as make run serves
                "--workers",
                str(self.workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "60",
                "app:create_app()",
            ],
            cwd=ROOT,
            env=self.scratch.env(),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited at start; see {self.log_path}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status == 200 and len(self.worker_pids()) == self.workers:
                        return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn not ready in {timeout} s; see {self.log_path}")

    def worker_pids(self):
        """The process ids of the master's workers."""
        if self.process is None:
            return []
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except OSError:
            return []

    def kill(self):
        """SIGKILL the master and every worker at once, and wait until all are gone."""
        pids = [self.process.pid, *self.worker_pids()]
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(30)
        deadline = time.monotonic() + 30
        while any(_alive(pid) for pid in pids):
            if time.monotonic() > deadline:
                raise RuntimeError(f"processes {pids} survived SIGKILL")
            time.sleep(0.02)
        self.process = None

    def kill_one_worker(self, rng):
        """SIGKILL one worker alone (the master starts another in its place)."""
        workers = self.worker_pids()
        if workers:
            os.kill(rng.choice(workers), signal.SIGKILL)

    def stop(self):
        """Stop gracefully (SIGTERM), killing after 15 s."""
        if self.process is None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.kill()
        self.process = None

    def close(self):
        """Stop the server and close its log."""
        if self.process is not None:
            self.kill()
        self.log.close()


def _alive(pid):
    """True while process `pid` exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def rss_kib(pid):
    """Resident memory of a process in KiB (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class Ledger:
    """Every action the server acknowledged, and every answer that was not expected."""

    registrations: dict = field(default_factory=dict)  # token -> mobile
    cancellations: set = field(default_factory=set)  # tokens
    redemptions: set = field(default_factory=set)  # ids
    donations: set = field(default_factory=set)  # ids
    account_registrations: set = field(default_factory=set)  # (user mobile, event id)
    merges: set = field(default_factory=set)  # (kept enterprise id, merged enterprise id)
    hour_approvals: set = field(default_factory=set)  # volunteer hour record ids
    hour_corrections: dict = field(default_factory=dict)  # record id -> minutes
    statuses: dict = field(default_factory=dict)  # status -> count
    server_errors: list = field(default_factory=list)
    unexpected: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, status):
        """Count one answer by status."""
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1

    def acknowledged(self):
        """How many write actions the server acknowledged."""
        return (
            len(self.registrations)
            + len(self.cancellations)
            + len(self.redemptions)
            + len(self.donations)
            + len(self.account_registrations)
            + len(self.merges)
            + len(self.hour_approvals)
            + len(self.hour_corrections)
        )


LOCATION_ID = re.compile(r"/(\d+)$")


class Actor:
    """One browser-like client doing one kind of thing; answers are recorded in the Ledger."""

    def __init__(self, base_url, ledger, fixture, number, rng):
        self.client = LiveClient(base_url, timeout=60)
        self.ledger = ledger
        self.fixture = fixture
        self.number = number
        self.rng = rng
        self.sequence = 0
        self.tokens = []  # own acknowledged registrations at the small event

    # --- plumbing ---------------------------------------------------------------------------

    def call(self, method, path, data=None):
        """(status, body, headers) or None when the connection failed (server down)."""
        try:
            if method == "GET":
                status, body, headers = self.client.get(path)
            else:
                status, body, headers = self.client.post(path, data)
        except NETWORK_ERRORS:
            return None
        self.ledger.count(status)
        if status >= 500:
            with self.ledger.lock:
                self.ledger.server_errors.append(f"{status} {method} {path}")
        return status, body, headers

    def location(self, headers):
        """The path a redirect points to."""
        return (headers.get("Location") or "").replace(self.client.base_url, "")

    def unexpected(self, what, answer):
        """Record an answer the workload did not expect (it is reported, and fails the run)."""
        status, body, _ = answer
        main = body.split("<main", 1)[-1]
        text = " ".join(re.sub(r"<[^>]+>", " ", main).split())[:300]
        with self.ledger.lock:
            self.ledger.unexpected.append(f"{what}: {status} {text}")

    def sign_in(self, username, password):
        """Sign in; True when the server accepted the credentials."""
        try:
            status, _, headers = self.client.login(username, password)
            if status != 302 or "/login" in (headers.get("Location") or ""):
                return False
            self.client.get("/")  # signing in starts a new session: take its CSRF token
        except NETWORK_ERRORS:
            return False
        return True

    # --- writes -----------------------------------------------------------------------------

    def register(self, event_id):
        """Register an invented guest with a mobile number used nowhere else."""
        self.sequence += 1
        mobile = f"139{self.number:02d}{self.sequence:06d}"
        if self.client.token is None:
            self.call("GET", f"/events/{event_id}/register")
        form = dict(
            name=f"演练嘉宾{self.number}-{self.sequence}",
            mobile=mobile,
            enterprise="故障演练企业",
            position="经理",
            email="",
            consent="y",
        )
        answer = self.call("POST", f"/events/{event_id}/register", form)
        if answer is None:
            return None
        status, _, headers = answer
        where = self.location(headers)
        if status == 303 and where.startswith("/r/"):
            token = where[3:]
            with self.ledger.lock:
                self.ledger.registrations[token] = mobile
            return token
        self.unexpected("register", answer)
        return None

    def cancel(self, token):
        """Cancel one's own registration through its private link."""
        answer = self.call("POST", f"/r/{token}/cancel", {})
        if answer is None:
            return
        status, _, headers = answer
        if status == 303 and self.location(headers) == f"/r/{token}":
            with self.ledger.lock:
                self.ledger.cancellations.add(token)
        else:
            self.unexpected("cancel", answer)

    def redeem(self):
        """Give one unit of the run's item for one point on a random card."""
        card = self.rng.choice(self.fixture.cards)
        answer = self.call("POST", f"/market/counter/{card}", {f"qty-{self.fixture.item}": "1"})
        if answer is None:
            return
        status, _, headers = answer
        where = self.location(headers)
        if status == 302 and where.startswith("/market/redemptions/"):
            with self.ledger.lock:
                self.ledger.redemptions.add(int(LOCATION_ID.search(where).group(1)))
        elif status == 302 and where.startswith("/login"):
            self.sign_in(*STAFF)
        else:
            self.unexpected("redeem", answer)

    def donate(self):
        """Record a donation of a few units of the run's item from an enterprise."""
        today = datetime.now(SHANGHAI).date().isoformat()
        form = {
            "donor_kind": "enterprise",
            "donor_name": "故障演练企业",
            "donated_on": today,
            "lines-0-item": str(self.fixture.item),
            "lines-0-quantity": str(self.rng.randint(1, 5)),
            "lines-0-unit_value": "",
            "money": "",
        }
        answer = self.call("POST", "/market/donations/new", form)
        if answer is None:
            return
        status, _, headers = answer
        where = self.location(headers)
        if status == 302 and where.startswith("/market/donations/"):
            with self.ledger.lock:
                self.ledger.donations.add(int(LOCATION_ID.search(where).group(1)))
        elif status == 302 and where.startswith("/login"):
            self.sign_in(*STAFF)
        else:
            self.unexpected("donate", answer)

    def register_with_account(self, username):
        """A signed-in entrepreneur registers for the big event in one step."""
        event_id = self.fixture.big_event
        if self.client.token is None:
            self.call("GET", f"/events/{event_id}/register")
        form = {"position": "", "email": "", "consent": "y"}  # consent: asked until given
        answer = self.call("POST", f"/events/{event_id}/register", form)
        if answer is None:
            return
        status, _, headers = answer
        where = self.location(headers)
        if status == 303 and where.startswith("/r/"):
            with self.ledger.lock:
                self.ledger.account_registrations.add((username, event_id))
        else:
            self.unexpected("register with account", answer)

    def merge_duplicate(self):
        """Staff add an enterprise and a second spelling of it with a contact, then merge the
        duplicate into it (the contact moves in the merge's transaction)."""
        self.sequence += 1
        name = f"演练合并{self.number}-{self.sequence}"
        ids = []
        for spelling in (name, name + "有限公司"):
            answer = self.call("POST", "/partners/new", {"name": spelling, "status": "joint"})
            if answer is None:
                return
            status, _, headers = answer
            where = self.location(headers)
            if status != 302 or not LOCATION_ID.search(where):
                if where.startswith("/login"):
                    self.sign_in(*STAFF)
                else:
                    self.unexpected("add an enterprise", answer)
                return
            ids.append(int(LOCATION_ID.search(where).group(1)))
        kept, duplicate = ids
        contact = {"name": "演练联系人", "mobile": "13800009999", "consent": "y"}
        answer = self.call("POST", f"/partners/{duplicate}/contacts/new", contact)
        if answer is None or answer[0] != 302:
            if answer is not None:
                self.unexpected("add a contact", answer)
            return
        form = {"survivor": kept, "loser": duplicate, "confirm": "y"}
        answer = self.call("POST", f"/partners/merge?survivor={kept}&loser={duplicate}", form)
        if answer is None:
            return
        status, _, headers = answer
        if status == 302 and self.location(headers) == f"/partners/{kept}":
            with self.ledger.lock:
                self.ledger.merges.add((kept, duplicate))
        else:
            self.unexpected("merge", answer)

    def approve_hours(self, share, of):
        """Staff approve one pending volunteer hour record (points booked into the volunteer's
        passbook in the same transaction); now and then correct an approved one (the
        difference booked under its next key). `share`/`of` split the records between
        approvers so that no two approve the same one."""
        mine = [r for i, r in enumerate(self.fixture.hours) if i % of == share]
        with self.ledger.lock:
            done = set(self.ledger.hour_approvals)
            corrected = set(self.ledger.hour_corrections)
        waiting = [r for r in mine if r not in done]
        approved_mine = done & (set(mine) - corrected)
        if approved_mine and self.rng.random() < 0.3:
            record_id = self.rng.choice(sorted(approved_mine))
            minutes = self.rng.randint(0, 59)
            form = {"record": str(record_id), f"action-{record_id}": "keep"}
            form[f"minutes-{record_id}"] = str(minutes)
            answer = self.call("POST", "/volunteers/hours", form)
            if answer is None:
                return
            if answer[0] == 303:
                with self.ledger.lock:
                    self.ledger.hour_corrections[record_id] = minutes
                return
            if answer[0] == 302 and self.location(answer[2]).startswith("/login"):
                self.sign_in(*STAFF)
                return
            self.unexpected("correct hours", answer)
            return
        if not waiting:
            time.sleep(0.5)  # every record of this share decided: wait, do not spin
            return
        record_id = waiting[0]
        answer = self.call(
            "POST",
            "/volunteers/hours",
            {"record": str(record_id), f"action-{record_id}": "approve"},
        )
        if answer is None:
            return
        status, _, headers = answer
        if status == 303:
            with self.ledger.lock:
                self.ledger.hour_approvals.add(record_id)
        elif status == 302 and self.location(headers).startswith("/login"):
            self.sign_in(*STAFF)
        else:
            self.unexpected("approve hours", answer)

    def register_and_cancel(self):
        """At the small event: register someone, and now and then cancel an earlier one (a
        freed seat promotes the first person waiting, who is sent a notice)."""
        token = self.register(self.fixture.small_event)
        if token:
            self.tokens.append(token)
        if self.tokens and self.rng.random() < 0.5:
            self.cancel(self.tokens.pop(self.rng.randrange(len(self.tokens))))


# --- the checks ---------------------------------------------------------------------------------


def all_models():
    """Every table-backed model of the application."""
    import db.modules  # noqa: F401
    from db.base import BaseModel

    found, stack = [], [BaseModel]
    while stack:
        model = stack.pop()
        stack.extend(model.__subclasses__())
        if model is not BaseModel and database.table_exists(model._meta.table_name):
            found.append(model)
    return found


def storage_problems():
    """SQLite's integrity_check and foreign_key_check; on PostgreSQL, amcheck on every B-tree
    index when the extension is available. Then orphaned foreign keys, on either database."""
    problems = []
    if is_sqlite():
        path = database.database
        connection = sqlite3.connect(path)
        try:
            result = [row[0] for row in connection.execute("PRAGMA integrity_check")]
            if result != ["ok"]:
                problems.append(f"integrity_check: {result[:5]}")
            orphans = connection.execute("PRAGMA foreign_key_check").fetchall()
            if orphans:
                problems.append(f"foreign_key_check: {orphans[:5]}")
        finally:
            connection.close()
    else:
        problems.extend(_amcheck())
    for model in all_models():
        for fk in model._meta.refs:
            target = fk.rel_model.alias()
            key = getattr(target, fk.rel_field.name)
            orphans = (
                model.select(fn.COUNT(model._meta.primary_key))
                .join(target, JOIN.LEFT_OUTER, on=(fk == key))
                .where(fk.is_null(False) & key.is_null())
                .scalar()
            )
            if orphans:
                problems.append(f"{model._meta.table_name}.{fk.column_name}: {orphans} orphans")
    return problems


def _amcheck():
    """bt_index_check on every index of the public schema (PostgreSQL's amcheck)."""
    try:
        with database.atomic():
            database.execute_sql("CREATE EXTENSION IF NOT EXISTS amcheck")
    except Exception as exc:
        if "amcheck" not in str(exc):
            return [f"amcheck: {exc}"]
        say("  (amcheck is not installed: PostgreSQL indexes not checked)")
        return []
    indexes = database.execute_sql(
        "SELECT c.oid, c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "JOIN pg_am a ON a.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE a.amname = 'btree' AND n.nspname = 'public'"
    ).fetchall()
    problems = []
    for oid, name in indexes:
        try:
            database.execute_sql("SELECT bt_index_check(%s)", (oid,))
        except Exception as exc:
            problems.append(f"index {name}: {exc}")
    return problems


def acknowledged_problems(ledger):
    """Every action the server acknowledged must be in the database."""
    from db.events import CANCELLED, Registration
    from db.market.models import Donation, Redemption

    with ledger.lock:
        registrations = dict(ledger.registrations)
        cancellations = set(ledger.cancellations)
        redemptions, donations = set(ledger.redemptions), set(ledger.donations)
        account_registrations = set(ledger.account_registrations)
    problems = []
    found = {
        row.token: row
        for row in Registration.select().where(Registration.token.in_(list(registrations)))
    }
    for token, mobile in registrations.items():
        if token not in found or found[token].mobile != mobile:
            problems.append(f"acknowledged registration {mobile} is missing")
        elif token in cancellations and found[token].status != CANCELLED:
            problems.append(f"acknowledged cancellation of {mobile} is missing")
    existing = {
        r.id for r in Redemption.select(Redemption.id).where(Redemption.id.in_(list(redemptions)))
    }
    problems += [f"acknowledged redemption #{i} is missing" for i in sorted(redemptions - existing)]
    existing = {d.id for d in Donation.select(Donation.id).where(Donation.id.in_(list(donations)))}
    problems += [f"acknowledged donation #{i} is missing" for i in sorted(donations - existing)]
    from db.accounts import Enterprise, User
    from db.partners.models import EnterpriseMerge, PartnerContact

    with ledger.lock:
        merges = set(ledger.merges)
    for kept, duplicate in merges:
        record = EnterpriseMerge.get_or_none(
            EnterpriseMerge.survivor == kept, EnterpriseMerge.loser == duplicate
        )
        marked = Enterprise.get_or_none(Enterprise.id == duplicate)
        moved = PartnerContact.select().where(PartnerContact.enterprise == kept).exists()
        if record is None or marked is None or marked.merged_into_id != kept or not moved:
            problems.append(f"acknowledged merge of #{duplicate} into #{kept} is missing")
    from db.volunteers.models import APPROVED as HOURS_APPROVED
    from db.volunteers.models import HourRecord

    with ledger.lock:
        approvals, corrections = set(ledger.hour_approvals), dict(ledger.hour_corrections)
    records = {
        r.id: r for r in HourRecord.select().where(HourRecord.id.in_(list(approvals) or [0]))
    }
    for record_id in sorted(approvals):
        record = records.get(record_id)
        if record is None or record.status != HOURS_APPROVED:
            problems.append(f"acknowledged approval of hour record #{record_id} is missing")
        elif record_id in corrections and record.minutes != corrections[record_id]:
            problems.append(f"acknowledged correction of hour record #{record_id} is missing")
    for username, event_id in account_registrations:
        user = User.get(User.username == username)
        if (
            not Registration.select()
            .where(Registration.user == user.id, Registration.event == event_id)
            .exists()
        ):
            problems.append(f"acknowledged registration of account {username} is missing")
    return problems


def half_done_problems(fixture):
    """No action left half done: a points debit without its stock movements (or the reverse),
    a donation without its ledger rows, a registration without its notice and audit entry, a
    promotion or cancellation without its notice, more seats given than the event has, an
    enterprise merge with rows left on the duplicate or a duplicate left unmarked."""
    from db.audit import AuditEntry
    from db.events import CANCELLED, CONFIRMED, WAITING, Registration
    from db.market.models import (
        CashEntry,
        Donation,
        PassbookEntry,
        PointsEntry,
        Redemption,
        StockMovement,
    )
    from db.notices import Notice

    problems = []
    moved = dict(
        StockMovement.select(
            StockMovement.redemption,
            fn.SUM(StockMovement.quantity * StockMovement.unit_points * -1),
        )
        .where(StockMovement.kind == "redemption")
        .group_by(StockMovement.redemption)
        .tuples()
    )
    debited = dict(
        PointsEntry.select(PointsEntry.redemption, fn.SUM(PointsEntry.points * -1))
        .where(PointsEntry.kind == "redemption")
        .group_by(PointsEntry.redemption)
        .tuples()
    )
    # A redemption paid from a volunteer passbook is debited there instead.
    debited |= dict(
        PassbookEntry.select(PassbookEntry.redemption, fn.SUM(PassbookEntry.points * -1))
        .where(PassbookEntry.kind == "redeemed")
        .group_by(PassbookEntry.redemption)
        .tuples()
    )
    for redemption_id, total in Redemption.select(Redemption.id, Redemption.points_total).tuples():
        if moved.pop(redemption_id, None) != total or debited.pop(redemption_id, None) != total:
            problems.append(f"redemption #{redemption_id}: movements or points debit missing")
    if moved or debited:
        problems.append(f"ledger rows of redemptions that do not exist: {moved or debited}")
    with_rows = {
        row[0]
        for model in (StockMovement, CashEntry)
        for row in model.select(model.donation).where(model.donation.is_null(False)).tuples()
    }
    for (donation_id,) in Donation.select(Donation.id).tuples():
        if donation_id not in with_rows:
            problems.append(f"donation #{donation_id} has no ledger rows")

    events = (fixture.big_event, fixture.small_event)
    rows = list(Registration.select().where(Registration.event.in_(events)))
    links = {}
    for notice in Notice.select(Notice.kind, Notice.link).where(Notice.link.startswith("/r/")):
        links.setdefault(notice.link, []).append(notice.kind)
    audits = {}
    for entry in AuditEntry.select(AuditEntry.action, AuditEntry.object_id).where(
        AuditEntry.object_type == "registration", AuditEntry.object_id.in_([r.id for r in rows])
    ):
        audits.setdefault(entry.object_id, []).append(entry.action)
    for row in rows:
        kinds, actions = links.get(row.private_path, []), audits.get(row.id, [])
        if actions.count("registration.create") != 1 or not any(
            kind in ("event.confirmed", "event.waiting") for kind in kinds
        ):
            problems.append(f"registration #{row.id}: notice or audit entry of creation missing")
        if actions.count("registration.promote") != kinds.count("event.promoted"):
            problems.append(f"registration #{row.id}: a promotion without its notice")
        if row.status == CANCELLED and "event.cancelled_registration" not in kinds:
            problems.append(f"registration #{row.id}: cancelled without its notice")
    small = [r for r in rows if r.event_id == fixture.small_event]
    if sum(r.status == CONFIRMED for r in small) > fixture.small_seats:
        problems.append("the small event has more confirmed registrations than seats")
    numbers = [r.waiting_number for r in small if r.status == WAITING]
    if len(numbers) != len(set(numbers)):
        problems.append("two people hold the same place on the waiting list")
    from db.partners.merge import merge_problems

    problems += merge_problems()
    problems += volunteer_hours_problems()
    return problems


def volunteer_hours_problems():
    """Every volunteer hour record holds exactly the points its passbook entries booked
    ("hours:<id>", then "hours:<id>:<n>" for each correction), one entry a booking: an
    approved record's points are its minutes at its rate, any other record's are nothing;
    and no passbook entry names an hour record that does not exist."""
    from db.market.models import PassbookEntry
    from db.volunteers.hours import points_for
    from db.volunteers.models import APPROVED as HOURS_APPROVED
    from db.volunteers.models import HourRecord

    booked = {}
    for key, points in (
        PassbookEntry.select(PassbookEntry.source_key, PassbookEntry.points)
        .where(PassbookEntry.source_key.startswith("hours:"))
        .tuples()
    ):
        record_id = key.split(":")[1]
        if not record_id.isdigit():
            booked.setdefault(record_id, [])
            continue
        booked.setdefault(int(record_id), []).append(points)
    problems = []
    for record in HourRecord.select(
        HourRecord.id,
        HourRecord.status,
        HourRecord.minutes,
        HourRecord.points,
        HourRecord.points_rate,
        HourRecord.revision,
    ):
        entries = booked.pop(record.id, [])
        if sum(entries) != record.points or len(entries) != record.revision:
            problems.append(
                f"hour record #{record.id}: {record.points} points on the record, "
                f"{sum(entries)} in {len(entries)} passbook entries"
            )
        expected = (
            points_for(record.minutes, record.points_rate or 0)
            if record.status == HOURS_APPROVED
            else 0
        )
        if record.points != expected:
            problems.append(
                f"hour record #{record.id}: {record.status} with {record.points} points, "
                f"not {expected}"
            )
    for record_id in sorted(booked, key=str):
        problems.append(f"passbook entries for hour record #{record_id}, which does not exist")
    return problems


def check_everything(scratch, fixture, ledger):
    """Every check of a crash round; returns the problems (empty when all is well)."""
    init_database(scratch.url)
    try:
        with database.connection_context():
            problems = storage_problems()
            problems += acknowledged_problems(ledger)
            problems += half_done_problems(fixture)
    finally:
        release_connections()
    verify = scratch.flask("ledger", "verify", check=False)
    if verify.returncode != 0:
        problems.append("ledger verify failed: " + (verify.stdout + verify.stderr)[-2000:])
    return problems


def new_rng(seed_text):
    """A random generator seeded from text (the run prints its seed so a failure can be rerun)."""
    return random.Random(seed_text)
