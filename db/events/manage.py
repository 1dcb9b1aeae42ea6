"""Staff actions on events: create, edit, publish, close, reopen, cancel; day-before reminders."""

from datetime import timedelta

from db import audit, database, notices, write_lock
from db.base import utcnow
from db.events.errors import EventError
from db.events.models import (
    CANCELLED,
    CONFIRMED,
    KINDS,
    LIVE_STATUSES,
    MAX_QUESTIONS,
    QUESTION_KINDS,
    SEATING,
    Event,
    EventQuestion,
    Registration,
)
from db.events.registrations import admit_pending, promote_waiting
from db.events.texts import notify
from db.seating import SeatingError

EVENT_FIELDS = (
    "kind",
    "title",
    "description",
    "venue",
    "starts_at",
    "ends_at",
    "seats",
    "opens_at",
    "closes_at",
    "approval_required",
    "audience_note",
)
# A change to one of these on a published event is announced to everyone registered.
ANNOUNCED_FIELDS = ("starts_at", "ends_at", "venue")
MAX_SEATS = 100_000


def check_event_data(data):
    """Raise EventError for event details the rules refuse (the form checks them first)."""
    if data["kind"] not in KINDS:
        raise EventError("bad_kind", field="kind")
    if not 1 <= data["seats"] <= MAX_SEATS:
        raise EventError("bad_seats", field="seats")
    if data["ends_at"] <= data["starts_at"]:
        raise EventError("ends_before_start", field="ends_at")
    opens, closes = data.get("opens_at"), data.get("closes_at")
    if opens is not None and opens >= data["starts_at"]:
        raise EventError("opens_after_start", field="opens_at")
    if closes is not None and closes > data["starts_at"]:
        raise EventError("closes_after_start", field="closes_at")
    if opens is not None and closes is not None and closes <= opens:
        raise EventError("closes_before_opens", field="closes_at")


def check_questions(questions):
    """Raise EventError for question definitions the rules refuse."""
    if len(questions) > MAX_QUESTIONS:
        raise EventError("too_many_questions")
    for index, question in enumerate(questions):
        if question["kind"] not in QUESTION_KINDS:
            raise EventError("bad_question_kind", field=f"questions-{index}-kind")
        options = [line.strip() for line in question.get("choices", "").splitlines()]
        if question["kind"] == "choice" and len([o for o in options if o]) < 2:
            raise EventError("choice_needs_options", field=f"questions-{index}-choices")


def _save_questions(event, questions):
    """Replace an event's questions (only while nobody has registered)."""
    EventQuestion.delete().where(EventQuestion.event == event.id).execute()
    for position, question in enumerate(questions, start=1):
        EventQuestion.create(
            event=event,
            position=position,
            label=question["label"].strip()[:200],
            kind=question["kind"],
            choices="\n".join(
                line.strip() for line in question.get("choices", "").splitlines() if line.strip()
            )
            if question["kind"] == "choice"
            else "",
            required=bool(question.get("required")),
        )


def create_event(data, questions, actor=None):
    """Create a draft event with its extra questions; return it."""
    check_event_data(data)
    check_questions(questions)
    with database.atomic():
        event = Event.create(
            **{name: data.get(name) for name in EVENT_FIELDS}, status="draft", created_by=actor
        )
        _save_questions(event, questions)
        audit.record("event.create", event, event.title, actor=actor)
    return event


def has_registrations(event):
    """True once anyone has registered (the questions are then fixed)."""
    return Registration.select().where(Registration.event == event.id).exists()


def update_event(event_id, data, questions=None, actor=None, now=None):
    """Change an event's details; announce time or place changes; seat the waiting list.

    Lowering the seats below the confirmed count is refused; raising them promotes the
    waiting list in order. Switching approval off lets every pending application in, in
    order of arrival (they are `event.admitted`). `questions` (None: unchanged) can change
    only while nobody has registered. Returns (event, promoted registrations).
    """
    now = now or utcnow()
    check_event_data(data)
    if questions is not None:
        check_questions(questions)
    with write_lock(Event, event_id) as event:
        if event.status == CANCELLED:
            raise EventError("event_cancelled")
        try:
            SEATING.check_capacity(event.id, data["seats"])
        except SeatingError as exc:
            raise EventError("below_confirmed", field="seats", confirmed=exc.seated) from exc
        if questions is not None:
            if has_registrations(event):
                raise EventError("questions_locked")
            _save_questions(event, questions)
        changed = [name for name in ANNOUNCED_FIELDS if getattr(event, name) != data[name]]
        approval_dropped = event.approval_required and not data["approval_required"]
        for name in EVENT_FIELDS:
            setattr(event, name, data.get(name))
        event.updated_at = now
        event.save()
        audit.record("event.update", event, ", ".join(changed) or "details", actor=actor)
        if changed and event.status != "draft":
            live = event.registrations.where(Registration.status.in_(LIVE_STATUSES))
            for registration in live:
                registration.event = event
                notify("event.changed", registration)
        # Nobody is left pending once approval is off: the applications are let in by
        # arrival (a seat or their place on the waiting list), before anyone newer can come.
        event.admitted = admit_pending(event, actor=actor, now=now) if approval_dropped else []
        promoted = promote_waiting(event, now)
    return event, promoted


def _set_status(event_id, allowed_from, status, action, actor):
    """Move an event between statuses; EventError when it is not in `allowed_from`."""
    with write_lock(Event, event_id) as event:
        if event.status not in allowed_from:
            raise EventError("bad_status", status=event.status)
        Event.update(status=status, updated_at=utcnow()).where(Event.id == event.id).execute()
        event.status = status
        audit.record(action, event, event.title, actor=actor)
    return event


def publish(event_id, actor=None):
    """Make a draft event visible and open for registration within its window."""
    return _set_status(event_id, ("draft",), "published", "event.publish", actor)


def close(event_id, actor=None):
    """Stop taking registrations before the window ends."""
    return _set_status(event_id, ("published",), "closed", "event.close", actor)


def reopen(event_id, actor=None):
    """Take registrations again after closing early."""
    return _set_status(event_id, ("closed",), "published", "event.reopen", actor)


def cancel_event(event_id, reason, actor=None, now=None):
    """Cancel an event: every live registration is cancelled and its person told.

    Returns the number of people told.
    """
    now = now or utcnow()
    reason = (reason or "").strip()[:300]
    if not reason:
        raise EventError("reason_required", field="reason")
    with write_lock(Event, event_id) as event:
        if event.status == CANCELLED:
            raise EventError("bad_status", status=event.status)
        live = list(event.registrations.where(Registration.status.in_(LIVE_STATUSES)))
        Event.update(status=CANCELLED, cancel_reason=reason, updated_at=now).where(
            Event.id == event.id
        ).execute()
        event.status, event.cancel_reason = CANCELLED, reason
        Registration.update(
            status=CANCELLED, cancelled_by="event", reason=reason, updated_at=now
        ).where(Registration.id.in_([r.id for r in live])).execute()
        for registration in live:
            registration.event = event
            notify("event.cancelled", registration, reason)
        audit.record("event.cancel", event, f"{len(live)} people told", actor=actor)
    return len(live)


def _unreminded(event_id):
    """The event's confirmed registrations that have not had their reminder yet.

    A reminder is a notice of kind "event.reminder" linked to the registration's private
    page, so someone confirmed or promoted after an earlier run still gets theirs, once.
    """
    confirmed = list(
        Registration.select().where(
            Registration.event == event_id, Registration.status == CONFIRMED
        )
    )
    if not confirmed:
        return []
    paths = [registration.private_path for registration in confirmed]
    reminded = set()
    for start in range(0, len(paths), 500):
        reminded.update(
            row.link
            for row in notices.Notice.select(notices.Notice.link).where(
                notices.Notice.kind == "event.reminder",
                notices.Notice.link.in_(paths[start : start + 500]),
            )
        )
    return [r for r in confirmed if r.private_path not in reminded]


@notices.producer
def queue_reminders(now):
    """Queue a reminder to everyone confirmed for an event starting within 24 hours, once each.

    Runs from every `send-notices`: people confirmed or promoted after an event's first run
    are reminded by the next one. The wording names the day and time, so a reminder sent on
    the day of the event never says "tomorrow".
    """
    soon = Event.select(Event.id).where(
        Event.status.in_(("published", "closed")),
        Event.starts_at > now,
        Event.starts_at <= now + timedelta(hours=24),
    )
    queued = 0
    for row in list(soon):
        if not _unreminded(row.id):
            continue
        with write_lock(Event, row.id) as event:
            if event.status not in ("published", "closed"):
                continue
            due = _unreminded(event.id)
            for registration in due:
                registration.event = event
                notify("event.reminder", registration)
            queued += len(due)
            if due:
                Event.update(reminded_at=now).where(Event.id == event.id).execute()
                audit.record("event.remind", event, f"{len(due)} reminders queued", actor=None)
    return queued
