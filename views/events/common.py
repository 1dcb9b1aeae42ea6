"""What the events views share: labels, error messages, loading events, reading forms."""

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from db.events import Event, Registration
from db.events.labels import STATUS_NAMES
from views.events import bp
from views.events.forms import KIND_NAMES
from views.forms import ErrorMessages, refused
from views.pages import render_page

STATUS_BADGES = {
    "pending": "pending",
    "confirmed": "confirmed",
    "waiting": "waiting",
    "cancelled": "cancelled",
    "rejected": "refused",
}
EVENT_STATUS_NAMES = {
    "draft": _l("Draft"),
    "published": _l("Published"),
    "closed": _l("Registration closed"),
    "cancelled": _l("Cancelled"),
}
EVENT_STATUS_BADGES = {
    "draft": "pending",
    "published": "confirmed",
    "closed": "waiting",
    "cancelled": "cancelled",
}
REGISTRATION_STATES = {
    "open": _l("Open for registration"),
    "not_yet": _l("Registration opens soon"),
    "closed": _l("Registration closed"),
    "started": _l("Started"),
    "cancelled": _l("Cancelled"),
    "draft": _l("Draft"),
}
SOURCE_NAMES = {
    "web": _l("Online"),
    "account": _l("Own account"),
    "staff": _l("By staff"),
    "walk_in": _l("Walk-in"),
    "kiosk": _l("Kiosk"),
}
ERRORS = {
    "registration_not_yet": _l("Registration for this event has not opened yet."),
    "registration_closed": _l("Registration for this event is closed."),
    "registration_started": _l("This event has already started; registration is closed."),
    "registration_cancelled": _l("This event has been cancelled."),
    "registration_draft": _l("This event is not published yet."),
    "walk_in_closed": _l("Walk-ins can be added only to a published event that has not ended."),
    "full": _l(
        "Every seat is taken, so a walk-in cannot be added. Raise the seats or cancel a "
        "registration first."
    ),
    "mobile_registered": _l(
        "This mobile number is already registered for this event. Use the private link from "
        "your confirmation to view or change it, or ask the centre's staff."
    ),
    "answer_required": _l("Answer this question."),
    "bad_choice": _l("Choose one of the options."),
    "changes_closed": _l(
        "Registration has closed, so details can no longer be changed here. Please contact "
        "the centre."
    ),
    "not_live": _l("This registration is no longer active."),
    "cancel_closed": _l("The event has started or was cancelled: this can no longer be cancelled."),
    "not_pending": _l("Only a registration awaiting review can be approved."),
    "not_rejectable": _l("This registration cannot be rejected."),
    "reason_required": _l("Give a reason."),
    "not_confirmed": _l("Only a confirmed registration can be checked in."),
    "not_found": _l("Registration not found."),
    "event_cancelled": _l("This event has been cancelled and can no longer be changed."),
    "below_confirmed": _l(
        "%(confirmed)s people are confirmed already: the seats cannot be fewer than that."
    ),
    "questions_locked": _l("People have registered already, so the questions cannot change."),
    "bad_status": _l("This cannot be done to the event in its current state."),
    "bad_kind": _l("Choose a kind."),
    "bad_seats": _l("Between 1 and 100,000."),
    "ends_before_start": _l("The end must be after the start."),
    "closes_after_start": _l("Registration must close by the start of the event."),
    "opens_after_start": _l("Registration must open before the event starts."),
    "closes_before_opens": _l("Registration must close after it opens."),
    "too_many_questions": _l("At most five extra questions."),
    "bad_question_kind": _l("Choose an answer type."),
    "choice_needs_options": _l("Give at least two options, one per line."),
}


MESSAGES = ErrorMessages(ERRORS)
error_text = MESSAGES.text  # the user's-language message for a domain error
add_error = MESSAGES.add  # put it next to its field, or at the top of the form


@bp.record_once
def register_labels(state):
    """Make the events labels template globals (macros and home sections use them too)."""
    state.app.jinja_env.globals.update(
        event_kind_names=KIND_NAMES,
        registration_status_names=STATUS_NAMES,
        registration_status_badges=STATUS_BADGES,
        event_status_names=EVENT_STATUS_NAMES,
        event_status_badges=EVENT_STATUS_BADGES,
        registration_states=REGISTRATION_STATES,
        registration_source_names=SOURCE_NAMES,
    )


def form_page(template, submitted, block=None, **context):
    """A page holding a form: refused (422, with its errors) when it was `submitted` and is
    shown again, else the ordinary page."""
    if submitted:
        return refused(template, block=block, **context)
    return render_page(template, block=block, **context)


def viewer_is_staff():
    """True for a signed-in staff member or administrator."""
    return current_user.is_authenticated and current_user.is_staff


def event_or_404(event_id):
    """The event; a draft exists only for staff."""
    event = Event.get_or_none(Event.id == event_id)
    if event is None or (event.status == "draft" and not viewer_is_staff()):
        abort(404)
    return event


def registration_or_404(registration_id):
    """A registration by id with its event (staff pages: the answer renders both)."""
    registration = (
        Registration.select(Registration, Event)
        .join(Event)
        .where(Registration.id == registration_id)
        .get_or_none()
    )
    if registration is None:
        abort(404)
    return registration


def person_from(form):
    """The person's details from a registration or details form, as the db layer takes them."""
    person = {}
    for name, key in (
        ("name", "name"),
        ("mobile", "mobile"),
        ("enterprise", "enterprise_name"),
        ("position", "position"),
        ("email", "email"),
    ):
        if name in form._fields:
            person[key] = form[name].data or ""
    return person
