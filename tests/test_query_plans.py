"""Filters and sorts hit indexes: the SQL the main list and report pages run, explained by
SQLite's planner on a database with enough rows and planner statistics (ANALYZE), never
scans a big table without an index.

The pages and their seeders are those of tests/test_query_budget.py (1,000 rows each), on
top of background rows that the pages must skip (other events' registrations, other courses'
applications and marks, last year's ledger rows), so that reading only a page's rows is
the selective choice the planner should make. The statements are captured with their
parameters from peewee's log, as the query counter captures them, and each SELECT is run
again under EXPLAIN QUERY PLAN. "SCAN <table>" with no "USING … INDEX" on one of BIG_TABLES
fails the test; a full scan of an index ("SCAN t USING COVERING INDEX …"), searches, and
reading a table's last rows in id order (its rowid order, stopping at the LIMIT) pass.
"""

import logging
import re
from contextlib import contextmanager
from datetime import timedelta

import pytest

from bench.generate_market import Writer
from db import database
from db.events.models import Registration
from db.market.models import Donation, PointsEntry, StockMovement
from db.market.periods import local
from db.training.models import Application, Attendance
from db.training.status import COMPLETED
from tests.conftest import sqlite_only
from tests.scale_support import (
    PAGES,
    World,
    _applications,
    _course,
    _households,
    _receipt,
    insert,
    seed_month,
    seed_registrations,
    seed_volunteer_hours,
    seed_volunteer_members,
    seed_volunteer_requests,
    seed_volunteer_roster,
)

pytestmark = sqlite_only

BIG_TABLES = {
    model._meta.table_name
    for model in (Registration, Application, Attendance, StockMovement, PointsEntry, Donation)
} | {"volunteer_signup", "volunteer_hours", "volunteer_join_request", "volunteer_membership"}
ROWS = 1_000
FULL_SCAN = re.compile(r"^SCAN (\S+)(?: AS (\S+))?$")
ALIAS = re.compile(r'"(\w+)" AS "(\w+)"')


class StatementLog(logging.Handler):
    """The (sql, params) of each statement peewee runs."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.statements = []

    def emit(self, record):
        if isinstance(record.msg, tuple):
            self.statements.append(record.msg)


@contextmanager
def capture():
    """with capture() as log: … ; log.statements holds (sql, params)."""
    logger = logging.getLogger("peewee")
    log, previous = StatementLog(), logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(log)
    try:
        yield log
    finally:
        logger.removeHandler(log)
        logger.setLevel(previous)


def full_scans(sql, params):
    """The big tables `sql` scans without an index, by EXPLAIN QUERY PLAN."""
    tables_of = {}
    for table, alias in ALIAS.findall(sql):
        tables_of.setdefault(alias, set()).add(table)
    scans = []
    for _id, _parent, _unused, detail in database.execute_sql(
        "EXPLAIN QUERY PLAN " + sql, params
    ).fetchall():
        match = FULL_SCAN.match(detail)
        if not match:
            continue
        name = match.group(1)
        if re.search(rf'AS "{name}" ORDER BY "{name}"\."id"(?: DESC)? LIMIT', sql):
            continue  # the last (or first) rows in id order: rowid order, stops at the limit
        tables = tables_of.get(name, {name}) | tables_of.get(match.group(2), set())
        scans += sorted(tables & BIG_TABLES)
    return scans


def test_plan_check_finds_a_full_scan(app):
    """The check fails a filter on a column without an index (so a pass means something)."""
    sql = 'SELECT "t1"."id" FROM "registration" AS "t1" WHERE ("t1"."name" = ?)'
    assert full_scans(sql, ["x"]) == ["registration"]
    indexed = 'SELECT "t1"."id" FROM "registration" AS "t1" WHERE ("t1"."event_id" = ?)'
    assert full_scans(indexed, [1]) == []
    newest = 'SELECT "t1"."id" FROM "registration" AS "t1" ORDER BY "t1"."id" DESC LIMIT ?'
    assert full_scans(newest, [1]) == []
    assert full_scans(newest.replace("LIMIT ?", ""), []) == ["registration"]


def background(world):
    """Rows the pages must skip: other events' registrations, other courses' applications
    and marks, and last year's stock, points and donations."""
    for _event in range(5):
        seed_registrations(world, {}, ROWS)
    past = _course(world, "往期课程", world.now - timedelta(days=400), sessions=4, seats=5_000)
    sessions = [s.id for s in past.sessions]
    ids = _applications(world, past.id, 2 * ROWS, COMPLETED)
    insert(
        Attendance,
        (
            dict(session=session, application=application, method="code", recorded_at=world.now)
            for application in ids
            for session in sessions
        ),
    )
    households = _households(world, ROWS)
    state = {}
    seed_month(world, state, ROWS)  # this month: the households above stay without rows
    writer = Writer(world.staff.id, world.staff.username)
    last_year = world.now - timedelta(days=370)
    donor = state["donor"]
    for i, household in enumerate(households):
        at = last_year + timedelta(minutes=i)
        writer.append(PointsEntry, at, household=household, points=30, kind="allowance")
        donation = writer.document(
            Donation,
            at,
            receipt_year=local(at).year,
            receipt_seq=_receipt(world),
            donor=donor,
            donated_on=local(at).date(),
            goods_value=1000,
            money=0,
        )
        writer.append(
            StockMovement,
            at,
            item=state["item"],
            quantity=1,
            kind="donation",
            unit_value=1000,
            donation=donation,
        )
    writer.flush()
    # Volunteers: hours decided long ago, other activities' sign-ups, other teams' members and
    # requests already decided.
    from db.volunteers.models import HourRecord, JoinRequest

    for _round in range(3):
        seed_volunteer_hours(world, {}, ROWS)
        seed_volunteer_roster(world, {}, ROWS)
        seed_volunteer_members(world, {}, ROWS)
        seed_volunteer_requests(world, {}, ROWS)
    HourRecord.update(status="approved", decided_at=world.now - timedelta(days=30)).execute()
    JoinRequest.update(status="approved", decided_at=world.now - timedelta(days=30)).execute()


@pytest.fixture
def seeded(app, login_as):
    """Every page's rows, background rows, and planner statistics; {page name: url}."""
    from db.accounts import User

    staff = User.create(username="plan-staff", name="计划工作人员", role="staff", password_hash="x")
    world = World(staff)
    urls = {}
    with database.atomic():
        background(world)
        for name, _role, seed, url, _htmx in PAGES:
            state = {}
            seed(world, state, ROWS)
            urls[name] = url(state)
    database.execute_sql("ANALYZE")
    return urls


def test_main_pages_use_indexes(app, login_as, seeded):
    """No SELECT of the main list and report pages scans a big table without an index."""
    clients = {}
    problems = []
    explained = 0
    for name, role, _seed, _url, htmx in PAGES:
        client = clients.get(role) or clients.setdefault(role, login_as(role))
        headers = {"HX-Request": "true"} if htmx else {}
        client.get(seeded[name], headers=headers)  # warm up, as a worker in steady state
        if cache := app.extensions.get("page_cache"):
            cache.clear()  # a cached public page explained as rendered (views/caching.py)
        with capture() as log:
            response = client.get(seeded[name], headers=headers)
        assert response.status_code == 200, f"{name}: {response.status_code}"
        for sql, params in log.statements:
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            explained += 1
            for table in full_scans(sql, params):
                problems.append(f"{name}: SCAN {table} in {sql[:300]}")
    assert explained >= len(PAGES), "the pages ran no SELECT to explain"
    assert not problems, "\n".join(problems)
