"""Staff pages: events (create, edit, publish, close, cancel), registrations and their
decisions, walk-ins, exports, the sign-in sheet and attendance figures."""

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from db.events import STATUSES, EventError, manage, queries, registrations
from db.events.models import EVENT_STATUSES, SEATING, Registration
from db.pagination import paginate
from views.access import staff_required
from views.caching import cached_page, changes_at
from views.events import bp
from views.events.common import (
    ERRORS,
    SOURCE_NAMES,
    STATUS_NAMES,
    add_error,
    error_text,
    event_or_404,
    form_page,
    registration_or_404,
)
from views.events.forms import EventForm, ReasonForm, WalkInForm, answers_from, with_questions
from views.pages import ButtonForm, is_fragment_request, render_page, safe_next
from views.params import page_number, parse_int

EVENTS_PAGE_SIZE = 50
ROWS_PAGE_SIZE = 50  # registrations in one response (heavy rows: 100 made 180 KB pages)

# The words of the registrations table, as one table: a render looks each up once (not
# once a row) through `row_labels()`.
ROW_LABELS = {
    "approve": _l("Approve"),
    "check_in": _l("Check in"),
    "undo_check_in": _l("Undo check-in"),
    "more": _l("More"),
    "cancel": _l("Cancel registration"),
    "cancel_confirm": _l(
        "Cancel this registration? The person is told and the seat goes to the next waiting."
    ),
    "reason": _l("Reason for rejecting"),
    "reject": _l("Reject"),
    "answers": _l("Answers"),
    "no_answer": _l("(no answer)"),
    "checked_in": _l("Checked in"),
    "waiting_position": _l("Number %(position)s on the waiting list"),
}


def row_labels():
    """The registrations table's words in the request's language, each translated once:
    {key: text}, with `statuses` and `sources` {code: name}."""
    labels = {key: str(text) for key, text in ROW_LABELS.items()}
    labels["statuses"] = {code: str(name) for code, name in STATUS_NAMES.items()}
    labels["sources"] = {code: str(name) for code, name in SOURCE_NAMES.items()}
    return labels


@bp.route("/manage/events")
@staff_required
def manage_index():
    """Every event, newest first, filtered by status and searchable."""
    status = request.args.get("status", "")
    status = status if status in EVENT_STATUSES else ""
    q = request.args.get("q", "").strip()[:50]
    listing = paginate(
        queries.staff_events(status=status, q=q), page_number(request.args), EVENTS_PAGE_SIZE
    )
    return render_page(
        "events/manage_index.html",
        block="results",
        listing=listing,
        figures=queries.counts_for([event.id for event in listing.rows]),
        status_filter=status,
        statuses=EVENT_STATUSES,
        q=q,
    )


@bp.route("/manage/events/new", methods=["GET", "POST"])
@staff_required
def create():
    """Create a draft event."""
    form = EventForm()
    if not form.is_submitted():
        form.kind.data, form.seats.data = "forum", 50
    if form.validate_on_submit():
        try:
            event = manage.create_event(form.event_data(), form.question_data(), actor=current_user)
        except EventError as exc:
            add_error(form, exc)
        else:
            flash(_("Draft saved. Check it, then publish it to open registration."), "success")
            return redirect(url_for("events.manage_event", event_id=event.id), code=303)
    return form_page(
        "events/event_form.html", form.is_submitted(), form=form, event=None, questions_locked=False
    )


@bp.route("/manage/events/<int:event_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(event_id):
    """Edit an event; the questions are fixed once someone has registered."""
    event = event_or_404(event_id)
    locked = manage.has_registrations(event)
    form = EventForm()
    if not form.is_submitted():
        form.fill_from(event, queries.questions_of(event))
    elif form.validate():
        try:
            saved, promoted = manage.update_event(
                event.id,
                form.event_data(),
                None if locked else form.question_data(),
                actor=current_user,
            )
        except EventError as exc:
            add_error(form, exc)
        else:
            flash(_("Event saved."), "success")
            if saved.admitted:
                flash(
                    _(
                        "Approval is off: %(count)s pending registrations were let in by "
                        "arrival (a seat, or the waiting list) and told.",
                        count=len(saved.admitted),
                    ),
                    "success",
                )
            if promoted:
                flash(
                    _(
                        "%(count)s people moved from the waiting list to confirmed and were told.",
                        count=len(promoted),
                    ),
                    "success",
                )
            return redirect(url_for("events.manage_event", event_id=event.id), code=303)
    return form_page(
        "events/event_form.html",
        form.is_submitted(),
        form=form,
        event=event,
        questions_locked=locked,
        locked_questions=queries.questions_of(event) if locked else [],
    )


STATUS_ACTIONS = {
    "publish": (manage.publish, _l("Published: registration is open within its window.")),
    "close": (manage.close, _l("Registration closed.")),
    "reopen": (manage.reopen, _l("Registration reopened.")),
}


@bp.route("/manage/events/<int:event_id>/status", methods=["POST"])
@staff_required
def set_status(event_id):
    """Publish, close or reopen an event."""
    event = event_or_404(event_id)
    action = STATUS_ACTIONS.get(request.form.get("action", ""))
    if action is None:
        flash(str(ERRORS["bad_status"]), "error")
    else:
        function, message = action
        try:
            function(event.id, actor=current_user)
        except EventError as exc:
            flash(error_text(exc), "error")
        else:
            flash(str(message), "success")
    return redirect(url_for("events.manage_event", event_id=event.id), code=303)


@bp.route("/manage/events/<int:event_id>/cancel", methods=["GET", "POST"])
@staff_required
def cancel_event(event_id):
    """Cancel an event after confirming; everyone registered is told."""
    event = event_or_404(event_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            told = manage.cancel_event(event.id, form.reason.data, actor=current_user)
        except EventError as exc:
            add_error(form, exc)
        else:
            flash(_("Event cancelled; %(count)s people were told.", count=told), "success")
            return redirect(url_for("events.manage_event", event_id=event.id), code=303)
    return form_page(
        "events/cancel_event.html",
        form.is_submitted(),
        event=event,
        form=form,
        figures=queries.counts(event),
    )


def _filters():
    """The search text and status filter of a registrations list."""
    q = request.args.get("q", "").strip()[:50]
    status = request.args.get("status", "")
    return q, status if status in STATUSES else ""


@bp.route("/manage/events/<int:event_id>")
@staff_required
@cached_page()  # per staff member; a write is seen at once, the event's end changes the page
def manage_event(event_id):
    """An event's registrations: search as you type, filter, scroll for more (50 a time)."""
    event = event_or_404(event_id)
    changes_at(event.ends_at)  # attendance by enterprise appears once it is over
    q, status = _filters()
    asked = page_number(request.args)
    listing = paginate(
        queries.search_registrations(event, q=q, status=status), asked, ROWS_PAGE_SIZE
    )
    # Page 1 answers the search box (count and table); later pages, fetched by htmx, only
    # add rows (none when the list shrank meanwhile: the rows shown already are not repeated).
    # Without htmx a later page is a whole page, count included.
    block = "results" if asked == 1 else "rows"
    rows = listing.rows if listing.page == asked or block == "results" else []
    return render_page(
        "events/manage_event.html",
        block=block,
        event=event,
        rows=rows,
        total=listing.total,
        has_more=listing.has_next and listing.page == asked,
        page=asked,
        q=q,
        status_filter=status,
        statuses=STATUSES,
        figures=queries.counts(event),
        positions=SEATING.waiting_positions(event.id),
        answers=queries.answers_for([row.id for row in rows]),
        questions=queries.questions_of(event),
        by_enterprise=queries.attendance_by_enterprise(20, event=event) if event.is_past() else [],
        labels=row_labels(),
        reason_form=ReasonForm(),
        button_form=ButtonForm(),
    )


@bp.route("/manage/events/<int:event_id>/counts")
@staff_required
def counts(event_id):
    """The live counts panel alone (polled, and refreshed after every change)."""
    event = event_or_404(event_id)
    if not is_fragment_request():
        return redirect(url_for("events.manage_event", event_id=event.id))
    return render_page(
        "events/manage_event.html", block="counts", event=event, figures=queries.counts(event)
    )


def _row_response(registration, error=None, retarget=False):
    """After a row action: the row again (htmx) or back to the page it came from.

    `retarget`: the action came from the table's one form, whose htmx request targets no
    row of its own, so the answer names the row it replaces (`HX-Retarget`).
    """
    screen = request.form.get("screen", "")
    if is_fragment_request():
        event = registration.event  # the decision changed the registration, not its event
        registration = queries.registration_row(registration.id)
        registration.event = event
        template, block = (
            ("events/door.html", "door_row")
            if screen == "door"
            else ("events/manage_event.html", "row")
        )
        # Only this row's figures: its place on the waiting list (a count, and only while it
        # waits; not the whole list, thousands at a big forum) and, when the event asks
        # questions, its answers.
        position = SEATING.waiting_position(registration)
        questions = queries.questions_of(event)
        response = form_page(
            template,
            bool(error),
            block=block,
            event=event,
            row=registration,
            positions={registration.id: position} if position else {},
            answers=queries.answers_for([registration.id]) if questions else {},
            questions=questions,
            labels=row_labels(),
            row_error=error,
            reason_form=ReasonForm(),
            button_form=ButtonForm(),
        )
        response.headers["HX-Trigger"] = "counts-changed"
        if retarget:
            response.headers["HX-Retarget"] = f"#registration-{registration.id}"
            response.headers["HX-Reswap"] = "outerHTML"
        return response
    if error:
        flash(error, "error")
    default = url_for("events.manage_event", event_id=registration.event_id)
    target = request.form.get("next") or default
    return redirect(safe_next(target, default="events.manage_index"), code=303)


def _decide(registration, decision, *args, retarget=False):
    """Run one staff decision on a registration and answer with its row."""
    try:
        message = decision(registration, *args)
    except EventError as exc:
        return _row_response(registration, error_text(exc), retarget=retarget)
    if message and not is_fragment_request():
        flash(message, "success")
    return _row_response(registration, retarget=retarget)


def _promoted_message(promoted):
    """A line about who moved up from the waiting list, if anyone."""
    if not promoted:
        return ""
    return " " + _("The next on the waiting list (%(count)s) got a seat.", count=len(promoted))


def _approve(registration):
    """Approve a pending registration: a seat if free, else the waiting list; names the new
    status."""
    result = registrations.approve(registration, actor=current_user)
    return str(STATUS_NAMES[result.status])


def _reject(registration, reason):
    """Reject with a reason (1-300 characters, one line); a freed seat goes to the next
    waiting."""
    form = ReasonForm(formdata=MultiDict({"reason": reason}), meta={"csrf": False})
    if not form.validate():
        raise EventError("reason_required", field="reason")
    _result, promoted = registrations.reject(registration, form.reason.data, actor=current_user)
    return _("Registration rejected.") + _promoted_message(promoted)


def _cancel(registration):
    """Cancel on the person's behalf (they are told)."""
    _result, promoted = registrations.cancel(
        registration, by="staff", reason=request.form.get("reason", ""), actor=current_user
    )
    return _("Registration cancelled.") + _promoted_message(promoted)


def _check_in(registration):
    """Check a confirmed person in."""
    registrations.check_in(registration, actor=current_user)
    return _("Checked in.")


def _undo_check_in(registration):
    """Take back a check-in made by mistake."""
    registrations.undo_check_in(registration, actor=current_user)
    return _("Check-in undone.")


# The buttons of the registrations table's one form: the button's name is the decision,
# its value the registration's id (`check_in=123`). Reject reads the row's `reason-<id>`.
ROW_DECISIONS = {
    "approve": _approve,
    "reject": _reject,
    "cancel": _cancel,
    "check_in": _check_in,
    "undo_check_in": _undo_check_in,
}


@bp.route("/manage/events/<int:event_id>/registrations", methods=["POST"])
@staff_required
def act(event_id):
    """The registrations table's one form (one CSRF token for the page): the button pressed
    names the decision and carries the registration's id. A registration of another event
    is not found (404), so an id typed into the form reaches nothing outside this event."""
    event = event_or_404(event_id)
    pressed = [name for name in ROW_DECISIONS if name in request.form]
    if len(pressed) != 1:
        abort(400)
    registration_id = parse_int(request.form[pressed[0]])
    registration = (
        Registration.get_or_none(Registration.id == registration_id, Registration.event == event.id)
        if registration_id is not None
        else None
    )
    if registration is None:
        abort(404)
    registration.event = event
    decision = ROW_DECISIONS[pressed[0]]
    args = (request.form.get(f"reason-{registration.id}", ""),) if pressed[0] == "reject" else ()
    return _decide(registration, decision, *args, retarget=True)


# One URL a decision and a registration: the door screen's buttons and htmx clients post
# here; the registrations table posts its one form to `act`.
@bp.route("/manage/registrations/<int:registration_id>/approve", methods=["POST"])
@staff_required
def approve(registration_id):
    """Approve a pending registration: a seat if free, else the waiting list."""
    return _decide(registration_or_404(registration_id), _approve)


@bp.route("/manage/registrations/<int:registration_id>/reject", methods=["POST"])
@staff_required
def reject(registration_id):
    """Reject a registration with a reason; a freed seat goes to the next waiting."""
    return _decide(registration_or_404(registration_id), _reject, request.form.get("reason", ""))


@bp.route("/manage/registrations/<int:registration_id>/cancel", methods=["POST"])
@staff_required
def staff_cancel(registration_id):
    """Cancel a registration on the person's behalf (they are told)."""
    return _decide(registration_or_404(registration_id), _cancel)


@bp.route("/manage/registrations/<int:registration_id>/check-in", methods=["POST"])
@staff_required
def check_in(registration_id):
    """Check a confirmed person in."""
    return _decide(registration_or_404(registration_id), _check_in)


@bp.route("/manage/registrations/<int:registration_id>/undo-check-in", methods=["POST"])
@staff_required
def undo_check_in(registration_id):
    """Take back a check-in made by mistake."""
    return _decide(registration_or_404(registration_id), _undo_check_in)


@bp.route("/manage/events/<int:event_id>/walk-in", methods=["GET", "POST"])
@staff_required
def walk_in(event_id):
    """Add a person who arrives at the door: a free seat, checked in at once."""
    event = event_or_404(event_id)
    form = with_questions(WalkInForm, queries.questions_of(event), all_optional=True)()
    if form.validate_on_submit():
        person = dict(
            name=form.name.data,
            mobile=form.mobile.data,
            enterprise_name=form.enterprise.data or "",
            position=form.position.data or "",
        )
        try:
            registration, created = registrations.register(
                event.id, person, answers_from(form), source="walk_in", actor=current_user
            )
        except EventError as exc:
            add_error(form, exc)
        else:
            if created:
                flash(
                    _(
                        "%(name)s added and checked in (code %(code)s).",
                        name=registration.name,
                        code=registration.code,
                    ),
                    "success",
                )
            else:
                flash(
                    _("%(name)s was already registered: see the list.", name=registration.name),
                    "info",
                )
            return redirect(url_for("events.door", event_id=event.id), code=303)
    return form_page(
        "events/walk_in.html",
        form.is_submitted(),
        event=event,
        form=form,
        figures=queries.counts(event),
    )
