"""Where an endpoint's time goes, measured in one process (no load generator, no network).

    python -m bench.profile [--quick] [--repeat 20] [--cprofile [--sort tottime]] [NAME …]

Runs the bench's endpoints (those whose name contains one of NAME, or all) through the
Flask test client against a fresh copy of the generated database, and prints per request:
CPU milliseconds, wall milliseconds, SQL statements and the milliseconds spent in SQL,
commits (each one fsync of the WAL on SQLite), and the response size. The POSTs send what
their wrk scripts send (bench/endpoints.py), in the bench's order: distinct guests register
for the forum, staff check its confirmed people in and out again, the counter redeems a towel
with one love card after another (refused, 422, once the stock is out: those answers are the
statuses shown). `--sql` adds the three slowest statements; `--cprofile` adds the 25 most
expensive functions of each endpoint. CPU time is what the worker spends; it does not
depend on other work on the machine the way requests/s do.
"""

import argparse
import cProfile
import logging
import os
import pstats
import time

from bench import endpoints, generate
from bench.run import DATA, fresh_copy


class SQLTimer(logging.Handler):
    """Counts the statements peewee logs (their time is measured around cursor execution)."""

    def __init__(self):
        super().__init__()
        self.statements = []

    def emit(self, record):
        self.statements.append(record.getMessage())


class TimedCursor:
    """A DB-API cursor whose fetches add their time to its statement's (SQLite runs most of
    a statement — an aggregate, a sort — in the first fetch, not in execute)."""

    def __init__(self, cursor, add):
        self._cursor, self._add = cursor, add

    def __getattr__(self, name):
        return getattr(self._cursor, name)

    def __iter__(self):
        return iter(self.fetchall())

    def _timed(self, method, *args):
        started = time.perf_counter()
        try:
            return getattr(self._cursor, method)(*args)
        finally:
            self._add(time.perf_counter() - started)

    def fetchone(self):
        return self._timed("fetchone")

    def fetchmany(self, *args):
        return self._timed("fetchmany", *args)

    def fetchall(self):
        return self._timed("fetchall")


def timed_execute(database, seconds, slowest):
    """Wrap database.execute_sql to add the time spent in SQL (execute and fetches) to
    seconds[0] and keep {sql: most milliseconds} in `slowest`."""
    original = database.execute_sql

    def execute_sql(sql, params=None, *args, **kwargs):
        spent = [0.0]

        def add(elapsed):
            spent[0] += elapsed
            seconds[0] += elapsed
            slowest[sql] = max(slowest.get(sql, 0), 1000 * spent[0])

        started = time.perf_counter()
        try:
            cursor = original(sql, params, *args, **kwargs)
        finally:
            add(time.perf_counter() - started)
        return TimedCursor(cursor, add)

    database.execute_sql = execute_sql


def login(client, username):
    """Sign `username` in on the test client (CSRF is off in this app instance)."""
    response = client.post(
        "/login", data={"username": username, "password": generate.BENCH_PASSWORD}
    )
    assert response.status_code in (302, 303), f"login of {username} failed"


def post_requests(context):
    """{endpoint name: next()} for the POSTs: each call gives (role, path, form, headers) of
    the next request, as the endpoint's wrk script makes them."""
    counter = {"registration": 0, "check-in": 0, "redemption": 0}
    fixed = {"name": "基准访客", "enterprise": "基准企业00001", "position": "经理"}

    def registration():
        counter["registration"] += 1
        form = dict(fixed, email="", consent="y", mobile=f"13799{counter['registration']:06d}")
        return "guest", f"/events/{context['event_id']}/register", form, {}

    def check_in():
        n, ids = counter["check-in"], context["check_in_ids"]
        counter["check-in"] += 1
        action = "check-in" if (n // len(ids)) % 2 == 0 else "undo-check-in"
        path = f"/manage/registrations/{ids[n % len(ids)]}/{action}"
        return "staff", path, {"screen": "list"}, {"HX-Request": "true"}

    def redemption():
        cards = context["cards"]
        card = cards[counter["redemption"] % len(cards)]
        counter["redemption"] += 1
        return "staff", f"/market/counter/{card}", {f"qty-{context['item_id']}": "1"}, {}

    return {
        "registration POST": registration,
        "check-in toggle (htmx)": check_in,
        "redemption POST": redemption,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--cprofile", action="store_true")
    parser.add_argument("--sql", action="store_true")
    parser.add_argument("--sort", default="cumulative", help="pstats order (e.g. tottime)")
    args = parser.parse_args()
    scale = "quick" if args.quick else "district"
    DATA.mkdir(exist_ok=True)
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{DATA / f'{scale}.sqlite3'}"
    generate.ensure(url, scale)
    run_url = fresh_copy(url, scale)
    context = endpoints.lookup_ids(run_url)

    from app import create_app
    from db import database

    app = create_app(dict(DATABASE_URL=run_url, SECRET_KEY="bench", WTF_CSRF_ENABLED=False))
    sql_seconds, slowest = [0.0], {}
    timed_execute(database.obj, sql_seconds, slowest)
    commits, real_commit = [0], database.obj.commit

    def commit(*args, **kwargs):
        commits[0] += 1
        return real_commit(*args, **kwargs)

    database.obj.commit = commit
    posts = post_requests(context)
    clients = {}
    for role, username in (
        ("staff", generate.STAFF_USERNAME),
        ("kiosk", endpoints.KIOSK_USERNAME),
        ("guest", None),
    ):
        clients[role] = app.test_client()
        if username:
            login(clients[role], username)
    counter = SQLTimer()
    logger = logging.getLogger("peewee")
    logger.addHandler(counter)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    print(
        f"{'endpoint':40} {'cpu ms':>8} {'wall ms':>8} {'sql':>5} {'sql ms':>7} {'commits':>7} "
        f"{'bytes':>8}"
    )
    for endpoint in endpoints.ENDPOINTS:
        if args.names and not any(n in endpoint.name for n in args.names):
            continue
        if endpoint.post:
            make = posts[endpoint.name]
        else:
            path = endpoint.path(context)
            headers = {"HX-Request": "true"} if endpoint.fragment else {}
            make = lambda e=endpoint, p=path, h=headers: (e.role, p, None, h)  # noqa: E731

        def send(make=make):
            role, path, form, headers = make()
            client = clients[role]
            if form is None:
                return client.get(path, headers=headers)
            return client.post(path, data=form, headers=headers)

        send()  # warm caches, as a worker in steady state
        counter.statements.clear()
        sql_seconds[0], commits[0] = 0.0, 0
        slowest.clear()
        statuses = {}
        profiler = cProfile.Profile() if args.cprofile else None
        cpu, wall = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        for _ in range(args.repeat):
            response = send()
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        if profiler:
            profiler.disable()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        expected = {200, 303, 302, *endpoint.refusals} if endpoint.post else {200}
        assert set(statuses) <= expected, f"{endpoint.name}: {statuses}"
        shown = (
            ""
            if set(statuses) == {200}
            else "  " + ", ".join(f"{n}× {status}" for status, n in sorted(statuses.items()))
        )
        print(
            f"{endpoint.name:40} {1000 * cpu / args.repeat:8.1f} {1000 * wall / args.repeat:8.1f} "
            f"{len(counter.statements) / args.repeat:5.1f} "
            f"{1000 * sql_seconds[0] / args.repeat:7.1f} {commits[0] / args.repeat:7.2f} "
            f"{len(response.data):8,}{shown}"
        )
        if args.sql:
            for sql, ms in sorted(slowest.items(), key=lambda pair: -pair[1])[:3]:
                print(f"    {ms:7.1f} ms  {sql[:300]}")
        if profiler:
            pstats.Stats(profiler).sort_stats(args.sort).print_stats(25)


if __name__ == "__main__":
    main()
