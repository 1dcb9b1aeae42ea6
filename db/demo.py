"""Demo data from GLOSSARY.md: invented people, partner enterprises, demo accounts.

Each module lists its seeders as `demo_seeders` (see db/modules.py). `seed()` runs the
seeders not yet applied (their names are kept in the `demo_seeded` setting), so it is
idempotent and a module that lands later adds its demo data to an existing demo database. It
refuses a database that holds any data (accounts, enterprises, events, courses, households, …)
but was never seeded as a demo.
"""

from db import database
from db.accounts.demo import DEMO_ACCOUNTS, DEMO_ACCOUNTS_PRINTABLE  # noqa: F401
from db.base import BaseModel
from db.settings import get_setting, set_setting

DEMO_MARKER = "demo_seeded"

# Bookkeeping every database gathers before anyone enters data (settings, the audit log,
# login attempts and sessions); rows there do not make a database "real".
BOOKKEEPING_TABLES = frozenset({"setting", "audit_entry", "login_attempt", "login_session"})


class NotADemoDatabase(RuntimeError):
    """The database holds real data; demo data must not be mixed in."""


def _models(cls=BaseModel):
    for sub in cls.__subclasses__():
        yield sub
        yield from _models(sub)


def tables_with_data():
    """The tables (of every registered model) that hold rows, bookkeeping aside."""
    tables = {m._meta.table_name: m for m in _models()}
    existing = set(database.get_tables()) - BOOKKEEPING_TABLES
    return sorted(n for n, m in tables.items() if n in existing and m.select().exists())


def is_demo():
    """True when this database was seeded with demo data."""
    return get_setting(DEMO_MARKER) is not None


def seed():
    """Run the seeders not yet applied; return True if anything was added."""
    from db.modules import contributions  # imports every data module (see db/modules.py)

    with database.atomic():
        done = get_setting(DEMO_MARKER)
        if done is None and (found := tables_with_data()):
            raise NotADemoDatabase(
                f"This database already holds data that is not demo data ({', '.join(found)}); "
                "seed-demo only runs on an empty or demo database."
            )
        applied = set(filter(None, (done or "").split(",")))
        pending = [(name, fn) for name, fn in contributions("demo_seeders") if name not in applied]
        for name, function in pending:
            function()
            applied.add(name)
        set_setting(DEMO_MARKER, ",".join(sorted(applied)))
    return bool(pending)
