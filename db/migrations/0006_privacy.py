"""Personal data: consent (time and notice version) on love-supermarket households and person
donors, and the time a household's card was closed (the purge counts from it)."""

from peewee import CharField, DateTimeField
from playhouse.migrate import SchemaMigrator, migrate


def up(db):
    """Add the consent and closing columns; a card closed before this migration counts as
    closed at its last change."""
    migrator = SchemaMigrator.from_database(db)
    migrate(
        migrator.add_column("market_household", "consent_at", DateTimeField(null=True)),
        migrator.add_column(
            "market_household", "consent_version", CharField(max_length=16, null=True)
        ),
        migrator.add_column("market_household", "closed_at", DateTimeField(null=True)),
        migrator.add_column("market_donor", "consent_at", DateTimeField(null=True)),
        migrator.add_column("market_donor", "consent_version", CharField(max_length=16, null=True)),
    )
    db.execute_sql("UPDATE market_household SET closed_at = updated_at WHERE status = 'closed'")
