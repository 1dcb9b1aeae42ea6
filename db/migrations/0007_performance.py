"""Indexes for the lists and reports at district scale (found with `python -m bench.profile`),
and fresh planner statistics.

Each index gets the name peewee gives the model index it backs (`<table>_<columns>`), so the
models declare the same ones. An index that a wider one now covers is dropped.
"""

from playhouse.migrate import SchemaMigrator, migrate

INDEXES = (
    # Upcoming public events: status IN (published, closed) AND ends_at > now.
    ("event", ("status", "ends_at")),
    # Seat figures count by status and check-in without reading the registration rows.
    ("registration", ("event_id", "status", "checked_in_at")),
)
REPLACED = (("registration", "registration_event_id_status"),)


def up(db):
    """Create the indexes, drop the ones they replace, refresh the statistics."""
    migrator = SchemaMigrator.from_database(db)
    migrate(
        *(migrator.add_index(table, columns) for table, columns in INDEXES),
        *(migrator.drop_index(table, name) for table, name in REPLACED),
    )
    db.execute_sql("ANALYZE")
