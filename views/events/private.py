"""A person's own registration: the private link page, corrections, cancelling, .ics, and
"My registrations" for account holders. The token is the only key: nothing personal is in a
URL, and the page is never cached."""

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from db import notices
from db.codes import is_token
from db.events import EventError, Registration, queries, registrations
from db.events.models import SEATING
from views.calendar import CalendarEntry, ics_response
from views.events import bp
from views.events.common import add_error, error_text, form_page, person_from
from views.events.forms import AccountDetailsForm, GuestDetailsForm, answers_from, with_questions
from views.pages import ButtonForm, render_page


def registration_by_token(token):
    """The registration a private link opens, or 404 (same answer for any unknown token)."""
    registration = (
        Registration.get_or_none(Registration.token == token) if is_token(token) else None
    )
    if registration is None:
        abort(404)
    return registration


def _details_form(registration, questions, stored):
    """The correction form, filled with what is stored unless this is a submission."""
    base = AccountDetailsForm if registration.user_id else GuestDetailsForm
    form_class = with_questions(base, questions)
    form = form_class()
    if not form.is_submitted():
        form.name.data = registration.name
        if "mobile" in form._fields:
            form.mobile.data = registration.mobile
        form.enterprise.data = registration.enterprise.name if registration.enterprise_id else ""
        form.position.data = registration.position
        form.email.data = registration.email
        for name in form.question_names:
            form[name].data = stored.get(int(name[1:]), "")
    return form


def _stored_answers(registration):
    """{question id: answer} stored for the registration."""
    return queries.answers_for([registration.id]).get(registration.id, {})


def _page(registration, form, questions, answers, status=200):
    """Render the private page (refused corrections: status 422)."""
    event = registration.event
    return form_page(
        "events/registration.html",
        status == 422,
        registration=registration,
        event=event,
        questions=questions,
        answers=answers,
        form=form,
        cancel_form=ButtonForm(prefix="cancel"),
        position=SEATING.waiting_position(registration),
        can_change=registrations.can_change(registration),
        can_cancel=registrations.can_cancel(registration),
        notices=notices.for_link(registration.private_path),
    )


@bp.route("/r/<token>", methods=["GET", "POST"])
def registration(token):
    """The private page: status, code and QR, calendar file, corrections, cancel."""
    current = registration_by_token(token)
    questions = queries.questions_of(current.event)
    answers = _stored_answers(current)
    form = _details_form(current, questions, answers)
    if form.is_submitted():
        if form.validate():
            try:
                registrations.update_details(current, person_from(form), answers_from(form))
            except EventError as exc:
                add_error(form, exc)
            else:
                flash(_("Your details have been saved."), "success")
                return redirect(url_for("events.registration", token=token), code=303)
        return _page(current, form, questions, answers, status=422)
    return _page(current, form, questions, answers)


@bp.route("/r/<token>/cancel", methods=["POST"])
def cancel(token):
    """Cancel one's own registration (asked once on the page)."""
    current = registration_by_token(token)
    try:
        registrations.cancel(current, by="self")
    except EventError as exc:
        flash(error_text(exc), "error")
    else:
        flash(_("Your registration has been cancelled."), "success")
    return redirect(url_for("events.registration", token=token), code=303)


@bp.route("/r/<token>/event.ics")
def calendar(token):
    """The event as an .ics file to add to a calendar."""
    current = registration_by_token(token)
    event = current.event
    entry = CalendarEntry(
        uid=f"event-{event.id}-{current.code}@lianjian-desk",
        title=event.title,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        location=event.venue,
        description=_("Your code: %(code)s", code=current.code),
        url=url_for("events.registration", token=token, _external=True),
    )
    return ics_response(f"event-{event.id}.ics", [entry])


@bp.route("/my/registrations")
@login_required
def mine():
    """An account holder's registrations, each linking to its private page."""
    rows = queries.registrations_of_user(current_user)
    positions = {row.id: SEATING.waiting_position(row) for row in rows if row.status == "waiting"}
    return render_page("events/mine.html", rows=rows, positions=positions)
