"""The one-time key of the form a registration came from.

A second submission of the same registration form (a double click, a retried request)
carries the same key and gets the registration it made; someone else typing the same name
and mobile number does not. Registrations made before this migration have no key.
"""

from peewee import CharField
from playhouse.migrate import SchemaMigrator, migrate


def up(db):
    """Add the nullable key column to registrations."""
    migrator = SchemaMigrator.from_database(db)
    migrate(
        migrator.add_column("registration", "submission_key", CharField(max_length=64, null=True))
    )
