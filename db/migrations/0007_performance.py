"""Indexes for the lists and reports at district scale (found with `python -m bench.profile`),
and fresh planner statistics.

Each index is named as peewee names the model index it backs (`<table>_<columns>`), so the
models declare the same ones. An index that a wider one now covers is dropped.
"""

INDEXES = (
    # Upcoming public events: status IN (published, closed) AND ends_at > now.
    ("event", ("status", "ends_at")),
    # Seat figures count by status and check-in without reading the registration rows.
    ("registration", ("event_id", "status", "checked_in_at")),
)
REPLACED = ("registration_event_id_status",)


def up(db):
    """Create the indexes, drop the ones they replace, refresh the statistics."""
    for table, columns in INDEXES:
        name = f"{table}_{'_'.join(columns)}"
        db.execute_sql(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ({", ".join(columns)})')
    for name in REPLACED:
        db.execute_sql(f'DROP INDEX IF EXISTS "{name}"')
    db.execute_sql("ANALYZE")
