"""The model base class and time helpers shared by every module."""

from datetime import UTC, datetime

from peewee import DateTimeField, Model

from db import database


def utcnow():
    """The current time in UTC, naive (stored as UTC everywhere; shown in Asia/Shanghai)."""
    return datetime.now(UTC).replace(tzinfo=None)


class BaseModel(Model):
    """Every model binds to the one database proxy."""

    class Meta:
        database = database
        legacy_table_names = False


class UTCDateTimeField(DateTimeField):
    """A naive UTC datetime; microseconds kept so ordering by time is stable."""
