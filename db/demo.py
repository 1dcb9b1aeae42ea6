"""Demo data from GLOSSARY.md: invented people, partner enterprises, demo accounts.

Each module registers a seeder with `@seeder("name")`. `seed()` runs the seeders not yet
applied (their names are kept in the `demo_seeded` setting), so it is idempotent and a module
that lands later adds its demo data to an existing demo database. It refuses a database that
holds any data (accounts, enterprises, events, courses, households, …) but was never seeded
as a demo.
"""

from db import database
from db.accounts import Enterprise, User
from db.base import BaseModel
from db.settings import get_setting, set_setting

DEMO_MARKER = "demo_seeded"

PARTNER_ENTERPRISES = (
    ("绿地建设集团", "91310000132149237G"),
    ("花园坊上汽集团", None),
    ("宝华集团", None),
    ("华谊集团", None),
    ("明凯集团", None),
    ("爱景置业", None),
)
SMALL_FIRMS = (
    "中广科技园创客工坊",
    "北孚楼宇餐饮管理有限公司",
    "广中路市场鲜果行",
    "虹口园区设计事务所",
    "同心文化传播有限公司",
)

# (username, name, role, mobile, enterprise, position, password)
DEMO_ACCOUNTS = (
    ("admin", "系统管理员", "admin", None, None, "", "demo-admin-1"),
    ("staff", "王晓红", "staff", None, None, "", "demo-staff-1"),
    (
        "13800000001",
        "李建国",
        "entrepreneur",
        "13800000001",
        "绿地建设集团",
        "总经理",
        "demo-entre-1",
    ),
    (
        "13800000002",
        "陈佳怡",
        "entrepreneur",
        "13800000002",
        "宝华集团",
        "人力资源总监",
        "demo-entre-1",
    ),
    ("kiosk", "服务大厅自助终端", "kiosk", None, None, "", "demo-kiosk-1"),
)
DEMO_ACCOUNTS_PRINTABLE = tuple((a[0], a[6], a[2]) for a in DEMO_ACCOUNTS)

SEEDERS = []


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


def seeder(name):
    """Register a module's demo seeder, run once per database in registration order."""

    def decorator(function):
        SEEDERS.append((name, function))
        return function

    return decorator


def is_demo():
    """True when this database was seeded with demo data."""
    return get_setting(DEMO_MARKER) is not None


def seed():
    """Run the seeders not yet applied; return True if anything was added."""
    import db.modules  # noqa: F401  (imports every module so their seeders register)

    with database.atomic():
        done = get_setting(DEMO_MARKER)
        if done is None and (found := tables_with_data()):
            raise NotADemoDatabase(
                f"This database already holds data that is not demo data ({', '.join(found)}); "
                "seed-demo only runs on an empty or demo database."
            )
        applied = set(filter(None, (done or "").split(",")))
        pending = [(name, fn) for name, fn in SEEDERS if name not in applied]
        for name, function in pending:
            function()
            applied.add(name)
        set_setting(DEMO_MARKER, ",".join(sorted(applied)))
    return bool(pending)


@seeder("accounts")
def seed_accounts():
    """Partner enterprises, small firms and the five demo accounts."""
    for name, credit_code in PARTNER_ENTERPRISES:
        Enterprise.create(name=name, credit_code=credit_code, is_partner=True)
    for name in SMALL_FIRMS:
        Enterprise.create(name=name)
    for username, name, role, mobile, enterprise, position, password in DEMO_ACCOUNTS:
        user = User(
            username=username,
            name=name,
            role=role,
            mobile=mobile,
            enterprise=Enterprise.get(Enterprise.name == enterprise) if enterprise else None,
            position=position,
        )
        user.set_password(password)
        user.save()
