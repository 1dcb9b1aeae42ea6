"""Numbered schema migrations and the schema-version table.

Each file `db/migrations/NNNN_name.py` defines `up(db)`, which declares the tables it creates
as frozen models of its own (never the application models, which move on) and creates them.
`upgrade()` applies, in order and each in its own transaction, every file whose number is
not yet recorded in `schema_version` (so migrations of modules developed side by side all
apply, whatever order they landed in).
"""

import importlib
import pkgutil

from peewee import CharField, IntegerField, Model, OperationalError, ProgrammingError

from db import database
from db import migrations as migrations_package
from db.base import UTCDateTimeField, utcnow


class SchemaNewerThanCode(RuntimeError):
    """The database was migrated by newer code than this checkout."""


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
        with database.atomic():
            module.up(database)
            SchemaVersion.create(version=number, name=name)
        applied.append(name)
    return applied
