"""What happens to a registration: register, correct, cancel, approve, reject, check in.

Each function owns its transaction. Anything that can take or free a seat runs under
`write_lock(Event, event_id)` and counts rows after taking it (db.seating), so confirmed
registrations never exceed the seats and the waiting list is served strictly in order.
"""

from peewee import SQL, IntegrityError, fn

from db import audit, database, write_lock
from db.accounts import PRIVACY_NOTICE_VERSION, Enterprise, User, find_or_create_enterprise
from db.base import utcnow
from db.codes import is_code, new_token, normalise_code, random_code
from db.events.errors import EventError
from db.events.models import (
    CANCELLED,
    CONFIRMED,
    LIVE_STATUSES,
    PENDING,
    REJECTED,
    SEATING,
    SOURCES,
    WAITING,
    Event,
    EventQuestion,
    Registration,
    RegistrationAnswer,
)
from db.events.texts import compose, notify
from db.notices import queue as queue_notice

# Registrations entered by staff, who may be pointed at an existing one.
STAFF_SOURCES = ("staff", "walk_in")
# Which statuses each staff decision may start from.
TRANSITIONS = {
    "approve": (PENDING,),
    "reject": (PENDING, WAITING, CONFIRMED),
    "cancel": (PENDING, WAITING, CONFIRMED),
}


def clean_answers(questions, raw, required=True):
    """{question id: answer} checked against the questions; raises EventError for a gap.

    `raw` maps question ids to the submitted text. Required questions need an answer (unless
    `required` is False: staff adding a walk-in at the door are never blocked by a question
    the person does not want to answer); a single-choice answer must be one of the options.
    """
    answers = {}
    for question in questions:
        value = (raw.get(question.id) or "").strip()[:500]
        if not value:
            if question.required and required:
                raise EventError("answer_required", field=f"q{question.id}")
            continue
        if question.kind == "choice" and value not in question.choice_list:
            raise EventError("bad_choice", field=f"q{question.id}")
        answers[question.id] = value
    return answers


def _save_answers(registration, answers, new=False):
    """Replace a registration's answers (a new one has none yet: one insert)."""
    if not new:
        RegistrationAnswer.delete().where(
            RegistrationAnswer.registration == registration.id
        ).execute()
    if answers:
        RegistrationAnswer.insert_many(
            [
                dict(registration=registration.id, question=question_id, value=value)
                for question_id, value in answers.items()
            ]
        ).execute()


def _enterprise(name):
    """The enterprise of this name, created when new (None for no name).

    Registrations for different events run side by side on PostgreSQL, so two of them may
    create the same new enterprise at once: the loser of that race takes the winner's row.
    """
    name = (name or "").strip()
    if not name:
        return None
    try:
        with database.atomic():
            return find_or_create_enterprise(name)
    except IntegrityError:
        return Enterprise.get(Enterprise.name == name)


def _known_enterprise(name):
    """The enterprise of this name if it exists (the record kept, for a merged duplicate),
    read before the lock; None when there is none yet (it is created inside it)."""
    name = (name or "").strip()
    enterprise = Enterprise.get_or_none(Enterprise.name == name) if name else None
    if enterprise is not None and enterprise.merged_into_id:
        enterprise = Enterprise.get_by_id(enterprise.merged_into_id)
    return enterprise


def _check_can_register(event, source, now):
    """Raise EventError unless `event` takes a registration from `source` now."""
    if source == "walk_in":
        if event.status not in ("published", "closed") or now >= event.ends_at:
            raise EventError("walk_in_closed")
        return
    state = event.registration_state(now)
    if state != "open":
        raise EventError("registration_" + state)


# The live statuses written into the SQL as they are, not as parameters: SQLite uses the
# partial unique index on live (event, mobile) only when the query's own terms match the
# index's WHERE, so with parameters it read every live registration of the event instead
# (2,000 at the bench's forum, inside the lock).
LIVE_LITERALS = [SQL(f"'{status}'") for status in LIVE_STATUSES]


def live_by_mobile_query(event_id, mobile):
    """The id of the live registration of this mobile number for the event."""
    return Registration.select(Registration.id).where(
        Registration.event == event_id,
        Registration.mobile == mobile,
        Registration.status.in_(LIVE_LITERALS),
    )


# Codes are drawn without asking the database first (31^8 of them: at a million
# registrations one draw in 850,000 repeats one); the unique index refuses a repeat and the
# registration is tried again with a new code.
CODE_ATTEMPTS = 5


def _code_taken(code):
    """True when a registration already holds this code."""
    return Registration.select().where(Registration.code == code).exists()


def _live_by_mobile(event_id, mobile):
    """The live registration of this mobile number for the event, if any (its id looked up
    first: nearly always there is none, and a one-column query is quicker to build)."""
    found = live_by_mobile_query(event_id, mobile).scalar()
    return None if found is None else Registration.get_by_id(found)


def _existing(existing, user, submission_key, source):
    """Decide what a second registration with a known mobile number gets.

    The private link is the only key to a registration, so the existing one is handed back
    only to whoever already holds it: a resubmission of the very form that made it (the same
    one-time submission key: a double click, a retried request), the account it belongs to,
    or staff (a walk-in, or staff registering someone, who see every registration anyway).
    Anyone else, even with the same name and mobile number, learns only that the number is
    taken.
    """
    same_form = bool(submission_key) and existing.submission_key == submission_key
    own_account = user is not None and existing.user_id == user.id
    if not (same_form or own_account or source in STAFF_SOURCES):
        raise EventError("mobile_registered", field="mobile")
    return existing


def _promote(event, now):
    """Seat the head of the waiting list for every free seat (inside the event's lock)."""
    if event.status == "cancelled" or now >= event.ends_at:
        return []

    def stamp(row):
        """Stamp, audit and tell one promoted registration."""
        Registration.update(confirmed_at=now, updated_at=now).where(
            Registration.id == row.id
        ).execute()
        row.event = event
        audit.record("registration.promote", row, f"waiting #{row.waiting_number} seated")
        notify("event.promoted", row)

    return SEATING.promote(event.id, event.seats, on_promote=stamp)


def _outcomes(event, source):
    """The statuses a registration from `source` may get at `event` (its notices are
    composed for each before the lock)."""
    if source == "walk_in":
        return (CONFIRMED,)
    if event.approval_required:
        return (PENDING,)
    return (CONFIRMED, WAITING)


def _checked_answers(questions, raw, source):
    """(answers, None), or (None, the EventError) for answers that do not fit the questions:
    checked before the lock, refused inside it after the checks that come first."""
    try:
        return clean_answers(questions, raw, required=source != "walk_in"), None
    except EventError as exc:
        return None, exc


def register(
    event_id,
    person,
    answers=None,
    source="web",
    user=None,
    language="zh_CN",
    actor=None,
    now=None,
    submission_key=None,
    event=None,
    questions=None,
):
    """Register a person; return (registration, created).

    `person` holds name, mobile, enterprise_name, position and email (already validated
    by the form; the enterprise is found or created by name). A signed-in entrepreneur
    passes `user`. The outcome is confirmed, waiting (with the next number) or, on an
    approval event, pending. An account holder's consent to the current privacy notice is
    recorded on the account too. `submission_key` is the one-time key of the form submitted:
    a live registration with the same mobile number is returned unchanged (created is
    False) to a resubmission of the same form, to its own account and to staff, and is
    refused to anyone else (see `_existing`). A
    walk-in (source "walk_in", entered by staff at the door) takes a free seat and is
    checked in at once, or is refused when no seat is free.

    Only the allocation runs inside the event's lock: the duplicate check, the state check,
    the seat count, and the writes (registration, answers, audit entry, notice: the outbox
    keeps its rule, the notice is written in the same transaction). What allocates nothing is
    done before it — the answers checked, the code drawn, the enterprise looked up, the
    notice composed for each possible outcome — from `event` and `questions` as the caller
    read them (the view did, for its form; read here otherwise). Questions change only with
    the event's `updated_at` (db/events/manage.py: update_event), so when the locked row's
    differs, the answers are checked and the notices composed again inside the lock.
    """
    if source not in SOURCES:
        raise ValueError(f"unknown registration source {source!r}")
    now = now or utcnow()
    raw_answers = answers or {}
    # Before the lock: nothing below allocates anything.
    if event is None or event.id != event_id:
        event = Event.get_by_id(event_id)
    if questions is None:
        questions = list(event.questions.order_by(EventQuestion.position))
    answers, refusal = _checked_answers(questions, raw_answers, source)
    draft = Registration(
        event=event,
        user=user,
        code=random_code(),
        token=new_token(),
        name=person["name"].strip(),
        mobile=person["mobile"],
        position=(person.get("position") or "").strip(),
        email=(person.get("email") or "").strip(),
        source=source,
        language=language,
        consent_at=now,
        consent_version=PRIVACY_NOTICE_VERSION,
        created_at=now,
        updated_at=now,
        checked_in_at=now if source == "walk_in" else None,
        checked_in_by=actor if source == "walk_in" else None,
        submission_key=(submission_key or None) and submission_key[:64],
    )
    enterprise = _known_enterprise(person.get("enterprise_name"))
    composed = {status: compose("event." + status, draft) for status in _outcomes(event, source)}
    seen_at = event.updated_at
    for attempt in range(CODE_ATTEMPTS):
        try:
            with write_lock(Event, event_id) as event:
                # A retried request (or a second click) gets the registration it already made,
                # even when registration has closed in between.
                existing = _live_by_mobile(event.id, person["mobile"])
                if existing is not None:
                    return _existing(existing, user, submission_key, source), False
                _check_can_register(event, source, now)
                if event.updated_at != seen_at:  # changed since it was read: check again
                    questions = list(event.questions.order_by(EventQuestion.position))
                    answers, refusal = _checked_answers(questions, raw_answers, source)
                    draft.event, composed = event, {}
                if refusal is not None:
                    raise refusal
                if source == "walk_in":
                    if SEATING.seated_count(event.id) >= event.seats:
                        raise EventError("full")
                    status, number = CONFIRMED, None
                elif event.approval_required:
                    status, number = PENDING, None
                else:
                    status, number = SEATING.place(event.id, event.seats)
                draft.event = event
                draft.enterprise = enterprise or _enterprise(person.get("enterprise_name"))
                draft.status, draft.waiting_number = status, number
                draft.confirmed_at = now if status == CONFIRMED else None
                draft.save(force_insert=True)
                registration = draft
                _save_answers(registration, answers, new=True)
                if user is not None and user.consent_version != PRIVACY_NOTICE_VERSION:
                    User.update(consent_at=now, consent_version=PRIVACY_NOTICE_VERSION).where(
                        User.id == user.id
                    ).execute()
                summary = f"{status} via {source}" + (f", waiting #{number}" if number else "")
                audit.record("registration.create", registration, summary, actor=actor)
                subject, body = composed.get(status) or compose("event." + status, registration)
                queue_notice(
                    "event." + status,
                    subject,
                    body,
                    recipient=registration.user_id,
                    mobile=registration.mobile,
                    email=registration.email,
                    link=registration.private_path,
                )
                return registration, True
        except IntegrityError:
            # A live registration of this mobile (only when the lock is switched off in
            # tests: the unique index on live (event, mobile) caught what the lock prevents)
            # is handed back; a code drawn twice (the unique index on codes) draws again.
            existing = _live_by_mobile(event_id, person["mobile"])
            if existing is not None:
                return _existing(existing, user, submission_key, source), False
            if attempt + 1 == CODE_ATTEMPTS or not _code_taken(draft.code):
                raise
            draft.code, composed = random_code(), {}  # the notices name the code
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def _locked_registration(event_id, registration_id):
    """The registration re-read inside its event's lock; EventError if it moved."""
    registration = Registration.get_or_none(
        Registration.id == registration_id, Registration.event == event_id
    )
    if registration is None:
        raise EventError("not_found")
    return registration


def can_change(registration, now=None):
    """True while the person may still correct their details and answers."""
    return registration.is_live and registration.event.is_open(now)


def can_cancel(registration, now=None):
    """True while the person may still cancel (a live registration, before the start)."""
    event = registration.event
    return (
        registration.is_live and event.status != "cancelled" and (now or utcnow()) < event.starts_at
    )


def update_details(registration, person, answers, now=None):
    """Correct a registration's details and answers while registration is open.

    The mobile number of an account holder's registration stays that of the account.
    """
    now = now or utcnow()
    with write_lock(Event, registration.event_id) as event:
        current = _locked_registration(event.id, registration.id)
        current.event = event
        if not can_change(current, now):
            raise EventError("changes_closed")
        mobile = current.mobile if current.user_id else person["mobile"]
        if mobile != current.mobile and _live_by_mobile(event.id, mobile) is not None:
            raise EventError("mobile_registered", field="mobile")
        questions = list(event.questions.order_by(EventQuestion.position))
        answers = clean_answers(questions, answers)
        Registration.update(
            name=person["name"].strip(),
            mobile=mobile,
            enterprise=_enterprise(person.get("enterprise_name")),
            position=(person.get("position") or "").strip(),
            email=(person.get("email") or "").strip(),
            updated_at=now,
        ).where(Registration.id == current.id).execute()
        _save_answers(current, answers)
        audit.record("registration.update", current, "details corrected")
    return Registration.get_by_id(current.id)


def cancel(registration, by="self", reason="", actor=None, now=None):
    """Cancel a live registration; a freed seat goes to the head of the waiting list.

    `by` is "self" (the person, allowed until the event starts) or "staff". Cancelling a
    registration already cancelled changes nothing and returns it (a double click).
    Returns (registration, promoted registrations).
    """
    now = now or utcnow()
    with write_lock(Event, registration.event_id) as event:
        current = _locked_registration(event.id, registration.id)
        current.event = event
        if current.status == CANCELLED:
            return current, []
        if current.status not in TRANSITIONS["cancel"]:
            raise EventError("not_live")
        if by == "self" and not can_cancel(current, now):
            raise EventError("cancel_closed")
        was_seated = current.status == CONFIRMED
        reason = reason.strip()[:300]
        # A cancelled registration is not attending: any check-in it had is taken back.
        Registration.update(
            status=CANCELLED,
            cancelled_by=by,
            reason=reason,
            updated_at=now,
            checked_in_at=None,
            checked_in_by=None,
        ).where(Registration.id == current.id).execute()
        current.status, current.reason, current.checked_in_at = CANCELLED, reason, None
        audit.record("registration.cancel", current, f"by {by}", actor=actor)
        notify("event.cancelled_registration", current, reason)
        promoted = _promote(event, now) if was_seated else []
    return current, promoted


def _place_by_arrival(event, current):
    """(status, waiting number) for a pending registration being let in, by its arrival.

    A free seat is taken when nobody waits. Otherwise the person joins the waiting list at
    the place their arrival gives them: ahead of anyone waiting who registered after them
    (those move down one number), so the list stays in order of arrival whatever order the
    applications are approved in. Numbers stay unique; runs inside the event's lock.
    """
    status, number = SEATING.place(event.id, event.seats)
    if status == CONFIRMED:
        return status, None
    arrived_later = (Registration.created_at > current.created_at) | (
        (Registration.created_at == current.created_at) & (Registration.id > current.id)
    )
    first_later = (
        Registration.select(fn.MIN(Registration.waiting_number))
        .where(Registration.event == event.id, Registration.status == WAITING, arrived_later)
        .scalar()
    )
    if first_later is None:
        return WAITING, number
    Registration.update(waiting_number=Registration.waiting_number + 1).where(
        Registration.event == event.id, Registration.waiting_number >= first_later
    ).execute()
    return WAITING, first_later


def _let_in(event, current, now, action, summary, actor):
    """Seat or queue a pending registration (inside the event's lock) and tell the person."""
    status, number = _place_by_arrival(event, current)
    Registration.update(
        status=status,
        waiting_number=number,
        confirmed_at=now if status == CONFIRMED else None,
        updated_at=now,
    ).where(Registration.id == current.id).execute()
    current.status, current.waiting_number = status, number
    current.event = event
    audit.record(action, current, summary or status, actor=actor)
    notify("event.approved" if status == CONFIRMED else "event.approved_waiting", current)
    return current


def approve(registration, actor=None, now=None):
    """Approve a pending registration: it takes a free seat or joins the waiting list."""
    now = now or utcnow()
    with write_lock(Event, registration.event_id) as event:
        current = _locked_registration(event.id, registration.id)
        current.event = event
        if current.status not in TRANSITIONS["approve"]:
            raise EventError("not_pending")
        return _let_in(event, current, now, "registration.approve", None, actor)


def admit_pending(event, actor=None, now=None):
    """Let every pending registration in, oldest first (approval was switched off).

    Runs inside the caller's lock of `event`: each takes a free seat or its place on the
    waiting list by arrival, and is told. Returns the registrations let in.
    """
    now = now or utcnow()
    pending = (
        Registration.select()
        .where(Registration.event == event.id, Registration.status == PENDING)
        .order_by(Registration.created_at, Registration.id)
    )
    return [
        _let_in(event, row, now, "registration.approve", "approval switched off", actor)
        for row in list(pending)
    ]


def reject(registration, reason, actor=None, now=None):
    """Reject a registration with a reason (approval events); a freed seat is passed on."""
    now = now or utcnow()
    reason = (reason or "").strip()[:300]
    if not reason:
        raise EventError("reason_required", field="reason")
    with write_lock(Event, registration.event_id) as event:
        current = _locked_registration(event.id, registration.id)
        current.event = event
        if not event.approval_required or current.status not in TRANSITIONS["reject"]:
            raise EventError("not_rejectable")
        was_seated = current.status == CONFIRMED
        Registration.update(status=REJECTED, reason=reason, updated_at=now).where(
            Registration.id == current.id
        ).execute()
        current.status, current.reason = REJECTED, reason
        audit.record("registration.reject", current, "rejected", actor=actor)
        notify("event.rejected", current, reason)
        promoted = _promote(event, now) if was_seated else []
    return current, promoted


def check_in(registration, actor=None, now=None):
    """Mark a confirmed registration as present; return (registration, newly checked in).

    Runs under the event's lock, so a check-in and a cancellation of the same person are
    decided one after the other. The update itself checks the event, status and check-in
    time, so the usual case (a confirmed person not yet in) is one statement; only the
    request whose update changed the row reports a new check-in and writes the audit. When
    it changed nothing, the row is read to say why (not confirmed, or already in).
    """
    now = now or utcnow()
    with write_lock(Event, registration.event_id) as event:
        changed = 0
        if event.status != "cancelled":
            changed = (
                Registration.update(checked_in_at=now, checked_in_by=actor)
                .where(
                    Registration.id == registration.id,
                    Registration.event == event.id,
                    Registration.status == CONFIRMED,
                    Registration.checked_in_at.is_null(),
                )
                .execute()
            )
        if changed == 1:
            registration.status, registration.checked_in_at = CONFIRMED, now
            registration.event = event
            audit.record("registration.checkin", registration, "checked in", actor=actor)
            return registration, True
        current = _locked_registration(event.id, registration.id)
        stale = current.status == CONFIRMED and current.checked_in_at is None
        if stale and event.status != "cancelled":  # read older than the update: again
            current = Registration.get_by_id(current.id)
        current.event = event
        if current.status != CONFIRMED:
            raise EventError("not_confirmed", status=current.status)
        if event.status == "cancelled":
            raise EventError("registration_cancelled")
    return current, False


def undo_check_in(registration, actor=None):
    """Take back a check-in made by mistake (once, however many taps arrive together): the
    update finds the row only while it is checked in, and only the one that cleared it is
    audited."""
    with write_lock(Event, registration.event_id) as event:
        changed = (
            Registration.update(checked_in_at=None, checked_in_by=None)
            .where(
                Registration.id == registration.id,
                Registration.event == event.id,
                Registration.checked_in_at.is_null(False),
            )
            .execute()
        )
        if changed == 1:
            registration.checked_in_at, registration.checked_in_by = None, None
            registration.event = event
            audit.record("registration.checkin_undo", registration, "check-in undone", actor=actor)
            return registration
        current = _locked_registration(event.id, registration.id)
        current.event = event
    return current


def find_by_code(text):
    """The registration whose code was typed or scanned (any case, spaces, dashes), or None."""
    code = normalise_code(text)
    if not is_code(code):
        return None
    return Registration.get_or_none(Registration.code == code)


def promote_waiting(event, now=None):
    """Fill free seats from the waiting list (used after seats are raised)."""
    return _promote(event, now or utcnow())
