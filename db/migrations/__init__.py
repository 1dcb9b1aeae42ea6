"""Numbered migrations, applied in order by `db.migrate.upgrade()`."""
