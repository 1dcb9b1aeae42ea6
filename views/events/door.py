"""The door: search as you type or scan a code, one tap to check in, undo, live counts."""

from flask import flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from db.events import EventError, Registration, queries, registrations
from db.events.models import SEATING
from views.access import staff_required
from views.events import bp
from views.events.common import STATUS_NAMES, event_or_404, form_page
from views.events.forms import ScanForm
from views.i18n import time_filter
from views.pages import ButtonForm, is_fragment_request

RESULTS_LIMIT = 20
RECENT_LIMIT = 8
SUCCESS = ("checked_in", "already")
OUTCOMES = {
    "checked_in": _l("Checked in: %(name)s."),
    "already": _l("%(name)s was already checked in at %(time)s."),
    "unknown": _l("No registration has this code. Check it, or search by name."),
    "other_event": _l("This code belongs to another event: %(title)s."),
    "not_confirmed": _l("%(name)s is not confirmed (%(status)s), so cannot be checked in."),
    "empty": _l("Type or scan a code."),
}


def outcome_text(outcome, registration):
    """The sentence the door screen shows after a scan."""
    if registration is None:
        return str(OUTCOMES[outcome])
    return str(OUTCOMES[outcome]) % dict(
        name=registration.name,
        time=time_filter(registration.checked_in_at),
        title=registration.event.title,
        status=STATUS_NAMES[registration.status],
    )


def _results(event, q):
    """Matches for the search box, or the latest check-ins (to undo) when it is empty."""
    if q:
        return list(queries.search_registrations(event, q=q).limit(RESULTS_LIMIT))
    return list(
        queries.search_registrations(event, present=True)
        .order_by(Registration.checked_in_at.desc())
        .limit(RECENT_LIMIT)
    )


def _scan(event, code):
    """Check in by code; return (outcome, registration)."""
    registration = registrations.find_by_code(code)
    if registration is None:
        return "unknown", None
    if registration.event_id != event.id:
        return "other_event", registration
    try:
        _current, newly = registrations.check_in(registration, actor=current_user)
    except EventError:
        return "not_confirmed", registration
    return ("checked_in" if newly else "already"), Registration.get_by_id(registration.id)


@bp.route("/manage/events/<int:event_id>/door", methods=["GET", "POST"])
@staff_required
def door(event_id):
    """The check-in screen. GET searches (as you type); POST takes a typed or scanned code
    (a USB scanner types the code and Enter)."""
    event = event_or_404(event_id)
    form = ScanForm()
    outcome, scanned = None, None
    if request.method == "POST":
        outcome, scanned = _scan(event, form.code.data) if form.validate() else ("empty", None)
        if not is_fragment_request():
            flash(outcome_text(outcome, scanned), "success" if outcome in SUCCESS else "error")
            return redirect(url_for("events.door", event_id=event.id), code=303)
        form = ScanForm(formdata=None)
    q = request.args.get("q", "").strip()[:50]
    rows = [] if request.method == "POST" else _results(event, q)
    response = form_page(
        "events/door.html",
        outcome is not None and outcome not in SUCCESS,  # a refused scan answers 422
        block="scan" if request.method == "POST" else "results",
        event=event,
        form=form,
        outcome=outcome,
        message=outcome_text(outcome, scanned) if outcome else "",
        success=outcome in SUCCESS,
        q=q,
        rows=rows,
        # The waiting list read only when rows are shown (a scan answers with none).
        positions=SEATING.waiting_positions(event.id) if rows else {},
        figures=queries.counts(event),
        button_form=ButtonForm(),
    )
    if request.method == "POST":
        response.headers["HX-Trigger"] = "counts-changed"
    return response
