"""What the events module holds about people (registrations and their answers), handed over,
erased on request, and purged once the event is long over (see db/privacy.py).

Anonymising keeps every registration row with its event, status, source, enterprise, times
and check-in, so seat counts, attendance figures and reports stay as they were. Names,
mobiles, e-mail addresses, positions, staff reasons and free-text answers go; answers to
single-choice questions (one of the event's fixed options) stay for the statistics.
"""

from flask_babel import lazy_gettext as _l
from peewee import JOIN

from db import privacy
from db.accounts import User
from db.base import utcnow
from db.codes import new_token
from db.events import registrations
from db.events.labels import STATUS_NAMES
from db.events.models import (
    LIVE_STATUSES,
    Event,
    EventQuestion,
    Registration,
    RegistrationAnswer,
)

ERASED_BY = "erasure"  # cancelled_by of a registration cancelled because it was erased


def _of_person(mobile):
    """Registrations made with this mobile number or by the account that has it."""
    account = User.select(User.id).where(User.mobile == mobile)
    return Registration.select().where(
        (Registration.mobile == mobile) | Registration.user.in_(account)
    )


def export(mobile):
    """Every registration of the person, with its event, consent and answers."""
    rows = list(
        _of_person(mobile)
        .select(Registration, Event)
        .join(Event)
        .order_by(Event.starts_at, Registration.id)
    )
    answers = {}
    query = (
        RegistrationAnswer.select(RegistrationAnswer, EventQuestion)
        .join(EventQuestion)
        .where(RegistrationAnswer.registration.in_([row.id for row in rows]))
        .order_by(EventQuestion.position)
    )
    for answer in query:
        answers.setdefault(answer.registration_id, []).append(
            f"{answer.question.label}: {answer.value}"
        )
    return [
        (
            _l("Event registrations"),
            [
                {
                    _l("Event"): row.event.title,
                    _l("Starts"): row.event.starts_at,
                    _l("Status"): STATUS_NAMES.get(row.status, row.status),
                    _l("Name"): row.name,
                    _l("Mobile number"): row.mobile,
                    _l("Enterprise"): row.enterprise.name if row.enterprise_id else "",
                    _l("Position"): row.position,
                    _l("E-mail"): row.email,
                    _l("Code"): row.code,
                    _l("Answers"): "\n".join(answers.get(row.id, [])),
                    _l("Registered"): row.created_at,
                    _l("Checked in at"): row.checked_in_at,
                    _l("Consent given"): row.consent_at,
                    _l("Privacy notice version"): row.consent_version,
                }
                for row in rows
            ],
        )
    ]


def _anonymise(ids):
    """Remove the personal data of these registrations; the rows and their figures stay.

    Each row gets a mobile placeholder of its own (never a real number: those start with 1)
    so the unique index on live (event, mobile) still holds, and a new private-link token, so
    an old link opens nothing.
    """
    ids = list(ids)
    for registration_id in ids:
        Registration.update(
            name=privacy.ERASED_NAME,
            mobile=privacy.erased_mobile(registration_id),
            email="",
            position="",
            reason="",
            user=None,
            token=new_token(),
            updated_at=utcnow(),
        ).where(Registration.id == registration_id).execute()
    text_questions = EventQuestion.select(EventQuestion.id).where(EventQuestion.kind != "choice")
    RegistrationAnswer.update(value="").where(
        RegistrationAnswer.registration.in_(ids), RegistrationAnswer.question.in_(text_questions)
    ).execute()
    return len(ids)


def erase(mobile):
    """Erase the person's registrations. A seat still held for an event not yet over is given
    up first (the waiting list moves up as after any cancellation); then every registration
    is anonymised."""
    now = utcnow()
    live = (
        _of_person(mobile)
        .join(Event)
        .where(
            Registration.status.in_(LIVE_STATUSES),
            Event.ends_at > now,
            Event.status != "cancelled",
        )
    )
    for registration in live:
        registrations.cancel(registration, by=ERASED_BY, now=now)
    ids = [row.id for row in _of_person(mobile).select(Registration.id)]
    return _anonymise(ids)


def purge(before):
    """Anonymise the registrations of events that ended before `before`."""
    ids = [
        row.id
        for row in Registration.select(Registration.id)
        .join(Event, JOIN.INNER)
        .where(Event.ends_at < before, ~privacy.is_erased_mobile(Registration.mobile))
    ]
    return _anonymise(ids)


PROVIDER = privacy.PersonalData("events", export, erase, purge, order=20)
