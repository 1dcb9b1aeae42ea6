"""Love supermarket: volunteers' passbooks (爱心存折) and their points ledger, and redemptions
paid from a passbook instead of a love card.

- market_passbook: the holder (personal data, edited in place like a household).
- market_passbook_entry: the passbook's append-only points ledger (its own hash chain), with
  the guards of migrations 0004 (no UPDATE, no DELETE) and 0008 (no INSERT over an existing
  row on SQLite, no TRUNCATE on PostgreSQL).
- market_redemption gains `passbook_id` (null) and its `household_id` becomes nullable:
  exactly one of the two is set. SQLite cannot drop a NOT NULL in place, so SchemaMigrator
  rebuilds the table (copy, drop, rename, indexes again; the migration runs with foreign-key
  enforcement off, see db/migrate.py); dropping the table drops its triggers, so the
  append-only guards of market_redemption are installed again here.
"""

import importlib

from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, Model, SqliteDatabase
from playhouse.migrate import SchemaMigrator, migrate

# Frozen: the functions of the migrations that first installed the guards.
_market = importlib.import_module("db.migrations.0004_market")
_guards = importlib.import_module("db.migrations.0008_ledger_guards")

NEW_APPEND_ONLY = ("market_passbook_entry",)
REBUILT = "market_redemption"


def _install_guards(db, table, sqlite):
    """The append-only triggers of 0004 and 0008 on one table."""
    _market.install_append_only_triggers(db, (table,))
    if sqlite:
        db.execute_sql(_guards.sqlite_insert_guard(db, table))
    else:
        db.execute_sql(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION market_append_only()"
        )


def up(db):
    """Create the passbook tables and let a redemption be paid from a passbook."""
    target = getattr(db, "obj", db)
    sqlite = isinstance(target, SqliteDatabase)

    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class User(Base):
        class Meta:
            table_name = "user"

    class Redemption(Base):
        class Meta:
            table_name = "market_redemption"

    class Reversal(Base):
        class Meta:
            table_name = "market_reversal"

    class Passbook(Base):
        passbook_no = CharField(max_length=12, unique=True)
        holder_name = CharField(max_length=50)
        mobile = CharField(max_length=11, default="")
        status = CharField(max_length=12, index=True, default="active")
        created_at = DateTimeField()
        consent_at = DateTimeField(null=True)
        consent_version = CharField(max_length=16, null=True)
        closed_at = DateTimeField(null=True)

        class Meta:
            table_name = "market_passbook"

    class PassbookEntry(Base):
        at = DateTimeField()
        period = CharField(max_length=7, index=True)
        note = CharField(max_length=500, default="")
        actor = ForeignKeyField(User, null=True)
        actor_label = CharField(max_length=100, default="")
        hash = CharField(max_length=64)
        passbook = ForeignKeyField(Passbook)
        points = IntegerField()
        kind = CharField(max_length=12, index=True)
        source_key = CharField(max_length=40, null=True, unique=True)
        redemption = ForeignKeyField(Redemption, null=True)
        reversal = ForeignKeyField(Reversal, null=True)
        reverses = ForeignKeyField("self", null=True, unique=True)

        class Meta:
            table_name = "market_passbook_entry"

    db.create_tables([Passbook, PassbookEntry])
    for table in NEW_APPEND_ONLY:
        _install_guards(db, table, sqlite)

    migrator = SchemaMigrator.from_database(target)
    passbook = ForeignKeyField(Passbook, null=True, field=Passbook.id)
    # The column first, so the SQLite rebuild below copies it with the rest; its index
    # (market_redemption_passbook_id) is created with it and recreated by the rebuild.
    migrate(migrator.add_column(REBUILT, "passbook_id", passbook))
    migrate(migrator.drop_not_null(REBUILT, "household_id"))
    if sqlite:
        # (A SQLite that drops NOT NULL in place, 3.53 on, keeps them: installed once.)
        for suffix in ("no_update", "no_delete", "no_replace"):
            db.execute_sql(f"DROP TRIGGER IF EXISTS {REBUILT}_{suffix}")
        _install_guards(db, REBUILT, sqlite)
