"""Reading events and registrations: lists, search, seat counts and attendance figures.

Every function runs a small, bounded number of queries whatever the number of rows.
"""

from datetime import UTC, datetime, time, timedelta

from peewee import JOIN, Case, fn

from db.accounts import Enterprise
from db.base import utcnow
from db.codes import normalise_code
from db.events.models import (
    CONFIRMED,
    PENDING,
    WAITING,
    Event,
    EventQuestion,
    Registration,
    RegistrationAnswer,
)
from db.events.texts import SHANGHAI

PUBLIC_STATUSES = ("published", "closed")


def public_events(kind=None, q="", past=False, now=None):
    """Published events, upcoming (soonest first) or past (newest first), by kind and text."""
    now = now or utcnow()
    query = Event.select().where(Event.status.in_(PUBLIC_STATUSES))
    if past:
        query = query.where(Event.ends_at <= now).order_by(Event.starts_at.desc(), Event.id)
    else:
        query = query.where(Event.ends_at > now).order_by(Event.starts_at, Event.id)
    if kind:
        query = query.where(Event.kind == kind)
    if q:
        like = f"%{q}%"
        query = query.where(Event.title**like | Event.venue**like | Event.description**like)
    return query


def staff_events(status="", q=""):
    """Every event for staff, newest first, by status and by text in the title or venue."""
    query = Event.select().order_by(Event.starts_at.desc(), Event.id.desc())
    if status:
        query = query.where(Event.status == status)
    if q:
        like = f"%{q}%"
        query = query.where(Event.title**like | Event.venue**like)
    return query


def partner_names(limit=200):
    """The partner enterprises' names, for the registration form's suggestions (a query,
    read only where the form shows them)."""
    return (
        Enterprise.select(Enterprise.name)
        .where(Enterprise.is_partner)
        .order_by(Enterprise.name)
        .limit(limit)
    )


def open_events(limit, now=None):
    """Events open for registration now, soonest first."""
    now = now or utcnow()
    candidates = (
        Event.select()
        .where(
            Event.status == "published",
            Event.starts_at > now,
            Event.opens_at.is_null() | (Event.opens_at <= now),
            Event.closes_at.is_null() | (Event.closes_at > now),
        )
        .order_by(Event.starts_at, Event.id)
        .limit(limit)
    )
    return list(candidates)


def counts_for(event_ids):
    """{event id: dict(confirmed, waiting, pending, checked_in)} in one grouped query."""
    counts = {
        event_id: dict(confirmed=0, waiting=0, pending=0, checked_in=0) for event_id in event_ids
    }
    if not counts:
        return counts
    rows = (
        Registration.select(
            Registration.event,
            Registration.status,
            fn.COUNT(Registration.id).alias("n"),
            fn.COUNT(Registration.checked_in_at).alias("present"),
        )
        .where(
            Registration.event.in_(list(counts)),
            Registration.status.in_((CONFIRMED, WAITING, PENDING)),
        )
        .group_by(Registration.event, Registration.status)
        .tuples()
    )
    for event_id, status, n, present in rows:
        counts[event_id][status] = n
        if status == CONFIRMED:
            counts[event_id]["checked_in"] = present
    return counts


def counts(event):
    """Seat figures of one event: seats, confirmed, waiting, pending, checked_in, left."""
    figures = counts_for([event.id])[event.id]
    figures["seats"] = event.seats
    figures["left"] = max(0, event.seats - figures["confirmed"])
    return figures


def questions_of(event):
    """The event's extra questions in order."""
    return list(
        EventQuestion.select()
        .where(EventQuestion.event == event.id)
        .order_by(EventQuestion.position)
    )


def answers_for(registration_ids):
    """{registration id: {question id: answer}} in one query."""
    answers = {}
    if not registration_ids:
        return answers
    rows = RegistrationAnswer.select().where(
        RegistrationAnswer.registration.in_(list(registration_ids))
    )
    for row in rows:
        answers.setdefault(row.registration_id, {})[row.question_id] = row.value
    return answers


def search_registrations(event, q="", status="", present=None):
    """Staff search within an event: name, last digits of the mobile, enterprise or code.

    `present` True/False filters by check-in. Rows come with their enterprise joined, in
    order of registration.
    """
    query = (
        Registration.select(Registration, Enterprise)
        .join(Enterprise, JOIN.LEFT_OUTER)
        .where(Registration.event == event.id)
        .order_by(Registration.created_at, Registration.id)
    )
    q = (q or "").strip()[:50]
    if q:
        conditions = (Registration.name ** f"%{q}%") | (Enterprise.name ** f"%{q}%")
        if q.isdigit():
            conditions |= Registration.mobile.endswith(q)
        code = normalise_code(q)
        if len(code) >= 4:
            conditions |= Registration.code.startswith(code)
        query = query.where(conditions)
    if status:
        query = query.where(Registration.status == status)
    if present is True:
        query = query.where(Registration.checked_in_at.is_null(False))
    elif present is False:
        query = query.where(Registration.checked_in_at.is_null())
    return query


def registration_row(registration_id):
    """One registration with its enterprise joined, as a row of the staff list shows it."""
    return (
        Registration.select(Registration, Enterprise)
        .join(Enterprise, JOIN.LEFT_OUTER)
        .where(Registration.id == registration_id)
        .get()
    )


def registrations_of_user(user):
    """An account holder's registrations with their events, upcoming first."""
    return list(
        Registration.select(Registration, Event)
        .join(Event)
        .where(Registration.user == user.id)
        .order_by(Event.starts_at.desc(), Registration.id.desc())
        .limit(200)
    )


def _rate(confirmed, present):
    """Whole per cent of the confirmed who came, or None when nobody was confirmed."""
    return round(100 * present / confirmed) if confirmed else None


def attendance_by_event(limit, offset=0, now=None):
    """Past events with confirmed, present, no-show and walk-in figures, newest first."""
    now = now or utcnow()
    confirmed = Registration.status == CONFIRMED
    present = confirmed & Registration.checked_in_at.is_null(False)
    walk_in = confirmed & (Registration.source == "walk_in")
    query = (
        Event.select(
            Event,
            fn.SUM(Case(None, [(confirmed, 1)], 0)).alias("confirmed"),
            fn.SUM(Case(None, [(present, 1)], 0)).alias("present"),
            fn.SUM(Case(None, [(walk_in, 1)], 0)).alias("walk_ins"),
        )
        .join(Registration, JOIN.LEFT_OUTER)
        .where(Event.status.in_(PUBLIC_STATUSES), Event.ends_at <= now)
        .group_by(Event.id)
        .order_by(Event.starts_at.desc(), Event.id)
        .limit(limit)
        .offset(offset)
    )
    rows = []
    for event in query:
        confirmed_n, present_n = int(event.confirmed or 0), int(event.present or 0)
        rows.append(
            dict(
                event=event,
                confirmed=confirmed_n,
                present=present_n,
                no_shows=confirmed_n - present_n,
                walk_ins=int(event.walk_ins or 0),
                rate=_rate(confirmed_n, present_n),
            )
        )
    return rows


def attendance_by_enterprise(limit, event=None, now=None):
    """Per enterprise over past events (or one event): confirmed, present, no-shows."""
    now = now or utcnow()
    confirmed = Registration.status == CONFIRMED
    present_sum = fn.SUM(Case(None, [(Registration.checked_in_at.is_null(False), 1)], 0))
    query = (
        Registration.select(
            Enterprise.name.alias("enterprise"),
            fn.COUNT(Registration.id).alias("confirmed"),
            present_sum.alias("present"),
        )
        .join_from(Registration, Enterprise, JOIN.LEFT_OUTER)
        .join_from(Registration, Event)
        .where(confirmed, Event.status.in_(PUBLIC_STATUSES), Event.ends_at <= now)
        .group_by(Enterprise.name)
        .order_by(fn.COUNT(Registration.id).desc(), Enterprise.name)
        .limit(limit)
    )
    if event is not None:
        query = query.where(Registration.event == event.id)
    rows = []
    for row in query.dicts():
        confirmed_n, present_n = int(row["confirmed"] or 0), int(row["present"] or 0)
        rows.append(
            dict(
                enterprise=row["enterprise"] or "",
                confirmed=confirmed_n,
                present=present_n,
                no_shows=confirmed_n - present_n,
                rate=_rate(confirmed_n, present_n),
            )
        )
    return rows


def today_bounds(now=None):
    """(start, end) in naive UTC of the current day in Shanghai."""
    now = now or utcnow()
    local_date = now.replace(tzinfo=UTC).astimezone(SHANGHAI).date()
    start = datetime.combine(local_date, time(0), tzinfo=SHANGHAI).astimezone(UTC)
    start = start.replace(tzinfo=None)
    return start, start + timedelta(days=1)


def today_events(now=None):
    """Events happening today in Shanghai (not cancelled), for the staff dashboard."""
    start, end = today_bounds(now)
    return list(
        Event.select()
        .where(Event.status.in_(PUBLIC_STATUSES), Event.starts_at < end, Event.ends_at > start)
        .order_by(Event.starts_at)
        .limit(10)
    )


def pending_approvals(limit=10):
    """[(event, pending count)] of events with registrations awaiting review."""
    rows = (
        Event.select(Event, fn.COUNT(Registration.id).alias("pending"))
        .join(Registration)
        .where(Registration.status == PENDING, Event.status.in_(PUBLIC_STATUSES))
        .group_by(Event.id)
        .order_by(Event.starts_at)
        .limit(limit)
    )
    return [(row, row.pending) for row in rows]
