"""When the public pages change by the clock alone, with no write: the next moment a public
event or a course opens, closes, starts or ends, and the next midnight in Shanghai.

A cached page (views/caching.py) is kept until the first of these after it was rendered, so
"registration opens at 10:00" turns into the button at 10:00, not a while later. One
statement (a UNION ALL of aggregates over the rows still ahead, index ranges), run only when a page
is rendered, never when it is served from the cache.
"""

import operator
from datetime import UTC, datetime, time, timedelta
from functools import reduce

from peewee import SQL, Case, fn

from db.events.models import Event
from db.events.queries import PUBLIC_STATUSES, today_bounds
from db.events.texts import SHANGHAI
from db.training.models import Course, CourseSession

NULL = SQL("NULL")


def _first(field, now):
    """MIN of `field` over the rows where it is still ahead of `now`."""
    return fn.MIN(Case(None, [(field > now, field)]))


def _event_times(now):
    """A public event's registration opens or closes, it starts or it ends (what the event
    list, an event's page and the kiosk show by the clock)."""
    return [
        Event.select(
            _first(Event.opens_at, now),
            _first(Event.closes_at, now),
            _first(Event.starts_at, now),
            fn.MIN(Event.ends_at),
        ).where(Event.status.in_(PUBLIC_STATUSES), Event.ends_at > now)
    ]


def _course_times(now):
    """A published course's applications open or close; a session starts, or one of today's
    or later ends (the course list and the kiosk's sessions of the week)."""
    start_of_today, _ = today_bounds(now)
    return [
        Course.select(
            _first(Course.opens_at, now), _first(Course.closes_at, now), NULL, NULL
        ).where(Course.published == True),  # noqa: E712
        CourseSession.select(
            _first(CourseSession.starts_at, now), _first(CourseSession.ends_at, now), NULL, NULL
        ).where(CourseSession.starts_at >= start_of_today),
    ]


KINDS = {"events": _event_times, "courses": _course_times}


def next_change(now, *kinds):
    """The first moment after `now` at which a page showing `kinds` ("events", "courses")
    changes by the clock, or None when nothing ahead would change it."""
    parts = [query for kind in kinds for query in KINDS[kind](now)]
    rows = reduce(operator.add, parts).tuples()  # UNION ALL: one statement
    times = [Event.starts_at.python_value(v) for row in rows for v in row if v is not None]
    return min(times) if times else None


def next_midnight(now):
    """The next midnight in Shanghai (today's lists, this month's notice), naive UTC."""
    local_date = now.replace(tzinfo=UTC).astimezone(SHANGHAI).date() + timedelta(days=1)
    midnight = datetime.combine(local_date, time(0), tzinfo=SHANGHAI).astimezone(UTC)
    return midnight.replace(tzinfo=None)
