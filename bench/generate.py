"""District-scale data for the benchmarks: years of events, tens of thousands of people,
hundreds of thousands of ledger rows — made with bulk inserts, through the product's models.

    python -m bench.generate [--scale district|quick]    (DATABASE_URL picks the database)

Each module contributes a generator below; they run in order in one connection, each in its
own transaction. The `bench_scale` setting marks a finished database, so `ensure()` reuses it.
"""

import argparse
import os
import random
import time
from datetime import timedelta

from peewee import fn
from werkzeug.security import generate_password_hash

from db import database, init_database, is_sqlite, migrate
from db.accounts import Enterprise, User
from db.base import utcnow
from db.settings import get_setting, set_setting

BENCH_PASSWORD = "bench-password-1"
STAFF_USERNAME = "bench-staff"
SCALES = {
    "district": dict(
        enterprises=5_000,
        accounts=20_000,
        events=2_000,
        registrations=200_000,
        courses=300,
        sessions=3_000,
        applications=30_000,
        attendance=100_000,
        households=3_000,
        stock_movements=300_000,
        points_entries=150_000,
        donations=5_000,
    ),
}
SCALES["quick"] = {name: max(10, count // 50) for name, count in SCALES["district"].items()}
BATCH = 2_000
MAX_PARAMETERS = 30_000  # below SQLite's 32,766 bound variables per statement
GENERATORS = []


def generator(function):
    """Register a module's generator: function(scale: dict, rng: Random) -> {name: count}."""
    GENERATORS.append(function)
    return function


def bulk_insert(model, rows):
    """Insert dict rows in batches (inside the caller's transaction), in the given order.

    A batch holds at most BATCH rows and MAX_PARAMETERS bound values, so wide tables go in
    smaller batches.
    """
    rows = list(rows)
    if not rows:
        return 0
    batch = max(1, min(BATCH, MAX_PARAMETERS // len(rows[0])))
    for start in range(0, len(rows), batch):
        model.insert_many(rows[start : start + batch]).execute()
    return len(rows)


def first_id(model):
    """The id the next row of `model` gets when generators number rows themselves."""
    return (model.select(fn.MAX(model.id)).scalar() or 0) + 1


def reset_sequences():
    """PostgreSQL: move every id sequence past the ids generators wrote explicitly."""
    if is_sqlite():
        return
    rows = database.execute_sql(
        "SELECT table_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND column_name = 'id' "
        "AND column_default LIKE 'nextval(%%'"
    ).fetchall()
    for (table,) in rows:
        database.execute_sql(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
            f'COALESCE((SELECT MAX(id) FROM "{table}"), 0) + 1, false)'
        )


def mobile_for(n):
    """A distinct invented mobile number (the 139 range; demo data uses 1380000xxxx)."""
    return f"139{n:08d}"


@generator
def accounts(scale, rng):
    """Enterprises (a few hundred partners) and accounts (mostly entrepreneurs, some staff)."""
    now = utcnow()
    bulk_insert(
        Enterprise,
        (
            dict(name=f"基准企业{n:05d}", is_partner=n % 20 == 0, created_at=now)
            for n in range(scale["enterprises"])
        ),
    )
    enterprise_ids = [e.id for e in Enterprise.select(Enterprise.id)]
    password_hash = generate_password_hash(BENCH_PASSWORD, method="scrypt")
    staff = [
        dict(
            username=STAFF_USERNAME,
            name="基准工作人员",
            role="staff",
            password_hash=password_hash,
            created_at=now,
            active=True,
            position="",
        ),
        dict(
            username="bench-admin",
            name="基准管理员",
            role="admin",
            password_hash=password_hash,
            created_at=now,
            active=True,
            position="",
        ),
        dict(
            username="bench-kiosk",
            name="基准自助终端",
            role="kiosk",
            password_hash=password_hash,
            created_at=now,
            active=True,
            position="",
        ),
    ]
    people = (
        dict(
            username=mobile_for(n),
            name=f"基准用户{n:05d}",
            mobile=mobile_for(n),
            role="entrepreneur",
            password_hash=password_hash,
            enterprise=rng.choice(enterprise_ids),
            position="经理",
            active=True,
            created_at=now - timedelta(days=rng.randrange(1500)),
        )
        for n in range(scale["accounts"] - len(staff))
    )
    bulk_insert(User, staff)
    bulk_insert(User, people)
    return {"enterprises": scale["enterprises"], "accounts": scale["accounts"]}


def _import_module_generators():
    """Each module's generator lives in bench/generate_<module>.py."""
    import importlib
    import pkgutil

    import bench

    for info in sorted(pkgutil.iter_modules(bench.__path__), key=lambda i: i.name):
        if info.name.startswith("generate_"):
            importlib.import_module(f"bench.{info.name}")


def ensure(database_url, scale_name="district", seed=20261126):
    """A database at `scale_name`, generated unless it already is; returns the counts."""
    init_database(database_url)
    with database.connection_context():
        migrate.upgrade()
        done = get_setting("bench_scale")
        if done and done.startswith(scale_name + ":"):
            return {k: int(v) for k, v in (p.split("=") for p in done.split(":", 1)[1].split(","))}
        if User.select().exists():
            raise SystemExit(f"{database_url} holds other data; give bench an empty database")
        _import_module_generators()
        rng = random.Random(seed)
        scale = SCALES[scale_name]
        counts = {}
        for function in GENERATORS:
            started = time.monotonic()
            with database.atomic():
                counts.update(function(scale, rng))
            print(
                f"  {function.__module__}.{function.__name__}: {time.monotonic() - started:.1f} s"
            )
        # Planner statistics, as a database that grew over years has them (SQLite: sampled,
        # see db.SQLITE_PRAGMAS; PostgreSQL's autovacuum would get there after a while).
        database.execute_sql("ANALYZE")
        with database.atomic():
            reset_sequences()
            summary = ",".join(f"{k}={v}" for k, v in counts.items())
            set_setting("bench_scale", f"{scale_name}:{summary}")
        return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), default="district")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or f"sqlite:///bench/data/{args.scale}.sqlite3"
    os.makedirs("bench/data", exist_ok=True)
    # Module generators register with `bench.generate`, not with this file run as __main__.
    from bench import generate

    counts = generate.ensure(url, args.scale)
    print(", ".join(f"{n:,} {k}" for k, n in counts.items()))


if __name__ == "__main__":
    main()
