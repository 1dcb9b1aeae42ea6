"""What the service-hall kiosk looks up: today's and this week's events, and a visitor's
registrations for today. Writes go through the events and training modules' own actions."""

from datetime import timedelta

from db.base import utcnow
from db.errors import DomainError
from db.events.models import CONFIRMED, Event, Registration
from db.events.queries import PUBLIC_STATUSES, today_bounds
from db.events.registrations import check_in, find_by_code

KIOSK_LIST_LIMIT = 4  # at most four choices a screen


class KioskRefusal(DomainError):
    """A friendly refusal that reveals nothing about anyone; `code` picks the message."""


def happening_today(event, now=None):
    """True when the event takes place today (Shanghai) and has not ended."""
    start, end = today_bounds(now)
    now = now or utcnow()
    return event.starts_at < end and event.ends_at > max(start, now)


def events_today(now=None, limit=KIOSK_LIST_LIMIT):
    """Published events taking place today (Shanghai) that have not ended, soonest first.

    One under way is listed too: its people still check in at the kiosk.
    """
    start, end = today_bounds(now)
    now = now or utcnow()
    return list(
        Event.select()
        .where(
            Event.status.in_(PUBLIC_STATUSES),
            Event.starts_at < end,
            Event.ends_at > max(start, now),
        )
        .order_by(Event.starts_at)
        .limit(limit)
    )


def events_this_week(now=None, limit=KIOSK_LIST_LIMIT, after_today=False):
    """Published events that have not started, up to seven days ahead, soonest first: the
    ones a visitor may still register for. `after_today` leaves today's out."""
    start, end = today_bounds(now)
    now = now or utcnow()
    # Asked even when today's events fill the screen (limit 0), so the start screen runs the
    # same statements however many events there are (tests/test_query_budget.py).
    return list(
        Event.select()
        .where(
            Event.status.in_(PUBLIC_STATUSES),
            Event.starts_at > (max(end, now) if after_today else now),
            Event.starts_at < start + timedelta(days=7),
        )
        .order_by(Event.starts_at)
        .limit(max(limit, 0))
    )


def events_open_for_walk_up(now=None, limit=KIOSK_LIST_LIMIT):
    """This week's events whose registration is open now."""
    return [
        event
        for event in events_this_week(now, limit=limit * 3)
        if event.registration_state(now) == "open"
    ][:limit]


def seat_state(event, figures, now=None):
    """What a visitor can do about `event` now, for its line on a kiosk screen.

    (code, params): "under_way" (started: check in only), "seats" (open, seats left),
    "full_join" (open and full: registering joins the waiting list), "full" (full, and
    registration not open), "not_yet" or "closed". `figures` is its entry of `counts_for`.
    """
    state = event.registration_state(now)
    if state == "started":
        return "under_way", {}
    confirmed = figures["confirmed"] if figures else 0
    waiting = figures["waiting"] if figures else 0
    left = max(event.seats - confirmed, 0)
    if left == 0 or waiting:
        return ("full_join" if state == "open" else "full"), dict(waiting=waiting)
    if state == "open":
        return "seats", dict(left=left, seats=event.seats)
    return ("not_yet" if state == "not_yet" else "closed"), {}


def todays_registrations(mobile, now=None):
    """The confirmed registrations of this mobile number for events taking place today."""
    start, end = today_bounds(now)
    now = now or utcnow()
    return list(
        Registration.select(Registration, Event)
        .join(Event)
        .where(
            Registration.mobile == mobile,
            Registration.status == CONFIRMED,
            Event.status.in_(PUBLIC_STATUSES),
            Event.starts_at < end,
            Event.ends_at > max(start, now),
        )
        .order_by(Event.starts_at)
        .limit(KIOSK_LIST_LIMIT)
    )


def check_in_registration(registration, now=None):
    """Check a registration in at the kiosk; KioskRefusal for anything but a valid one today.

    Returns the registration, already or newly checked in (`newly` on the result).
    """
    if registration is None:
        raise KioskRefusal("unknown_code")
    if registration.status != CONFIRMED or registration.event.status == "cancelled":
        raise KioskRefusal("not_checkable")
    if not happening_today(registration.event, now):
        raise KioskRefusal("not_today")
    if registration.checked_in_at is not None:
        raise KioskRefusal("already_checked_in")
    current, newly = check_in(registration, now=now)
    current.newly = newly
    return current


def check_in_by_code(text, now=None):
    """Check in the registration whose code was typed or scanned."""
    return check_in_registration(find_by_code(text or ""), now)


def sessions_this_week(now=None, limit=KIOSK_LIST_LIMIT):
    """Course sessions from today to seven days ahead that have not ended."""
    from db.training.queries import sessions_between

    start, _ = today_bounds(now)
    now = now or utcnow()
    upcoming = [s for s in sessions_between(start, start + timedelta(days=7)) if s.ends_at > now]
    return upcoming[:limit]
