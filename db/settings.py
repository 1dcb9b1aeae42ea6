"""Key/value settings kept in the database (demo marker, module thresholds)."""

from peewee import CharField, TextField

from db.base import BaseModel


class Setting(BaseModel):
    """One named setting; values are text, callers convert."""

    key = CharField(primary_key=True, max_length=64)
    value = TextField()


def get_setting(key, default=None):
    """The stored value of `key`, or `default`."""
    row = Setting.get_or_none(Setting.key == key)
    return row.value if row else default


def set_setting(key, value):
    """Store `value` under `key` (inside the caller's transaction)."""
    Setting.insert(key=key, value=str(value)).on_conflict(
        conflict_target=[Setting.key], update={Setting.value: str(value)}
    ).execute()
