"""Months and days as the centre lives them (Asia/Shanghai), for times stored in naive UTC."""

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from db.base import utcnow

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def local(at):
    """A naive UTC datetime as an aware Asia/Shanghai one."""
    return at.replace(tzinfo=UTC).astimezone(SHANGHAI)


def to_utc(local_dt):
    """A naive Asia/Shanghai datetime as naive UTC."""
    return local_dt.replace(tzinfo=SHANGHAI).astimezone(UTC).replace(tzinfo=None)


def period_of(at):
    """The Asia/Shanghai month of a naive UTC time: '2026-11'."""
    return local(at).strftime("%Y-%m")


def local_today(at=None):
    """Today's date in Asia/Shanghai (or the local date of `at`)."""
    return local(at or utcnow()).date()


def current_period(at=None):
    """This month in Asia/Shanghai."""
    return period_of(at or utcnow())


def is_period(text):
    """True for a well-formed month string like 2026-11."""
    return bool(MONTH_RE.match(text or ""))


def month_start(period):
    """The first day of a 'YYYY-MM' month."""
    year, month = (int(part) for part in period.split("-"))
    return date(year, month, 1)


def shift_period(period, months):
    """The month `months` after (negative: before) `period`."""
    start = month_start(period)
    index = start.year * 12 + start.month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def last_periods(period, count):
    """The `count` months ending with `period`, oldest first."""
    return [shift_period(period, offset) for offset in range(1 - count, 1)]


def day_bounds_utc(day):
    """[start, end) of an Asia/Shanghai calendar day, in naive UTC."""
    start = to_utc(datetime(day.year, day.month, day.day))
    return start, start + timedelta(days=1)
