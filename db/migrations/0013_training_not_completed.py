"""Training: "did not complete" is an outcome that stays the person's one application.

The partial unique index that keeps one live application per person and course now also
covers `not_completed` (db.training.status.LIVE_STATUSES), so a decision taken back to
"approved" can never meet a second application of the same person. The index keeps the
name peewee gives the model's index; no row holds the new status yet, so it rebuilds as is.
It is written in SQL because `SchemaMigrator.add_index` makes no partial index (no WHERE).
"""

INDEX = "application_course_id_user_id"
LIVE_STATUSES = ("pending", "approved", "waiting", "completed", "not_completed")


def up(db):
    """Rebuild the one-live-application index with the new live status."""
    statuses = ", ".join(f"'{status}'" for status in LIVE_STATUSES)
    db.execute_sql(f'DROP INDEX IF EXISTS "{INDEX}"')
    db.execute_sql(
        f'CREATE UNIQUE INDEX "{INDEX}" ON "application" ("course_id", "user_id") '
        f'WHERE ("status" IN ({statuses}))'
    )
