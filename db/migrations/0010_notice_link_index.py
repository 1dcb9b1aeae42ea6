"""An index for the notices of one private page (`/r/<token>` lists them by link, newest
first): without it each visit read the whole outbox.

Named as peewee names the model index it backs (`notice_link_created_at`).
"""

from playhouse.migrate import SchemaMigrator, migrate


def up(db):
    """Create the index and refresh the statistics."""
    migrate(SchemaMigrator.from_database(db).add_index("notice", ("link", "created_at")))
    db.execute_sql("ANALYZE")
