"""An index for the notices of one private page (`/r/<token>` lists them by link, newest
first): without it each visit read the whole outbox.

Named as peewee names the model index it backs (`notice_link_created_at`).
"""


def up(db):
    """Create the index and refresh the statistics."""
    db.execute_sql(
        'CREATE INDEX IF NOT EXISTS "notice_link_created_at" ON "notice" ("link", "created_at")'
    )
    db.execute_sql("ANALYZE")
