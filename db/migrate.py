"""Numbered schema migrations and the schema-version table.

Each file `db/migrations/NNNN_name.py` defines `up(db)`, which declares the tables it creates
as frozen models of its own (never the application models, which move on) and creates them;
changes to existing tables (columns, indexes) go through peewee's schema operations,
`playhouse.migrate.SchemaMigrator.from_database(db)`. `upgrade()` applies, in order and each
in its own transaction, every file whose number is not yet recorded in `schema_version` (so
migrations of modules developed side by side all apply, whatever order they landed in), and
refuses a database migrated by newer code than this checkout.

Why not peewee's own runner (`playhouse.migrations.Runner`, shipped with peewee 4.5): it
skips history rows whose files it does not have (a database migrated by newer code) instead
of refusing them; on PostgreSQL it runs a migration and its history row outside any
transaction (`PostgresqlMigrator.transactional_ddl` is False), so a failing migration leaves
half a schema behind; and it keeps its history by file name in another table
(`schema_migration`, local time), so every existing database would need its history moved.
What it does well on SQLite is kept here: a migration runs with foreign-key enforcement off
(a table rebuild would otherwise cascade into the tables referring to it), and here the
references are checked before it commits.
"""

import importlib
import pkgutil
from contextlib import contextmanager

from peewee import CharField, IntegerField, Model, OperationalError, ProgrammingError
from playhouse.migrate import SchemaMigrator

from db import database, is_sqlite
from db import migrations as migrations_package
from db.base import UTCDateTimeField, utcnow


class SchemaNewerThanCode(RuntimeError):
    """The database was migrated by newer code than this checkout."""


class BrokenReferences(RuntimeError):
    """A migration left rows pointing at rows that do not exist (it is rolled back)."""


class SchemaVersion(Model):
    """One applied migration."""

    version = IntegerField(primary_key=True)
    name = CharField(max_length=100)
    applied_at = UTCDateTimeField(default=utcnow)

    class Meta:
        database = database
        table_name = "schema_version"


def available_migrations():
    """[(number, name, module)] of the migration files, in order."""
    found = []
    for info in pkgutil.iter_modules(migrations_package.__path__):
        number, _, _name = info.name.partition("_")
        if number.isdigit():
            module = importlib.import_module(f"db.migrations.{info.name}")
            found.append((int(number), info.name, module))
    return sorted(found, key=lambda item: item[0])


def code_version():
    """The highest migration number this code knows."""
    migrations = available_migrations()
    return migrations[-1][0] if migrations else 0


def database_version():
    """The highest migration applied to the database (0 for an empty one)."""
    if not database.table_exists("schema_version"):
        return 0
    latest = SchemaVersion.select(SchemaVersion.version).order_by(SchemaVersion.version.desc())
    row = latest.first()
    return row.version if row else 0


def pending_migrations():
    """Names of the migrations this code has that the database has not applied."""
    done = set()
    if database.table_exists("schema_version"):
        done = {row.version for row in SchemaVersion.select(SchemaVersion.version)}
    return [name for number, name, _ in available_migrations() if number not in done]


def check_not_newer():
    """Raise SchemaNewerThanCode when the database is ahead of the code."""
    db_version, ours = database_version(), code_version()
    if db_version > ours:
        raise SchemaNewerThanCode(
            f"The database schema is at version {db_version}, newer than this code "
            f"(version {ours}). Run the newer release, or restore a backup made by this one."
        )


def refuse_newer_schema(logger):
    """At start-up: raise if the database is newer than the code; warn if migrations are due.

    An unreachable database is only logged: /healthz reports it and requests fail cleanly.
    """
    try:
        with database.connection_context():
            check_not_newer()
            pending = len(pending_migrations())
    except (OperationalError, ProgrammingError) as exc:
        logger.warning("database not reachable at start-up: %s", exc)
        return
    if pending > 0:
        logger.warning("%d migration(s) pending: run `flask --app app db upgrade`", pending)


def upgrade():
    """Apply pending migrations; return the names applied."""
    database.create_tables([SchemaVersion], safe=True)
    check_not_newer()
    done = {row.version for row in SchemaVersion.select(SchemaVersion.version)}
    applied = []
    for number, name, module in available_migrations():
        if number in done:
            continue
        with migration_transaction(name):
            module.up(database)
            SchemaVersion.create(version=number, name=name)
        applied.append(name)
    return applied


@contextmanager
def migration_transaction(name):
    """One migration, all or nothing.

    PostgreSQL: one transaction (its DDL is transactional). SQLite: SchemaMigrator's context,
    which switches foreign-key enforcement off before the transaction begins: a column change
    that SQLite cannot make in place rebuilds the table (copy, drop, rename), and dropping a
    table with enforcement on deletes or blanks every row that refers to it. Before the
    transaction commits, `PRAGMA foreign_key_check` must find no broken reference.
    """
    if not is_sqlite():
        with database.atomic():
            yield
        return
    with SchemaMigrator.from_database(database).migration_context():
        yield
        broken = database.execute_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise BrokenReferences(
                f"migration {name} left {len(broken)} broken reference(s), "
                f"first in table {broken[0][0]}; nothing was applied"
            )
