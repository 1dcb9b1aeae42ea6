"""Hours: staff approve or correct them in bulk (one form for the table), volunteers report
hours for approval, and the points rate."""

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from db.volunteers import VolunteerError, hours, queries
from db.volunteers.models import HOUR_STATUSES, PENDING
from db.volunteers.teams import volunteer_for_user, volunteer_of
from views.access import role_required, staff_required
from views.forms import refused
from views.pages import ButtonForm, render_page
from views.params import int_list, page_number, parse_int
from views.volunteers import bp
from views.volunteers.common import REFUSALS
from views.volunteers.forms import RateForm, ReportHoursForm


def _filters(args):
    """The status (pending unless one of the statuses or all) and search of the hours page."""
    status = args.get("status", PENDING)
    status = status if status in HOUR_STATUSES or status == "all" else PENDING
    q = " ".join(args.get("q", "").split())[:50]
    return status, q


def _hours_page(form, status, q, page, code=200, outcome=None, typed=None):
    """The hours page (or its block for htmx), 422 when refused."""
    listing = queries.hour_records("" if status == "all" else status, page, q)
    context = dict(
        listing=listing,
        form=form,
        shown_status=status,
        statuses=HOUR_STATUSES,
        q=q,
        rate=hours.points_rate(),
        outcome=outcome,
        typed=typed or {},
    )
    if code == 422:
        return refused("volunteers/hours.html", block="hours", **context)
    return render_page("volunteers/hours.html", block="hours", **context)


def _decisions(form_data, approve_all):
    """[(id, action, minutes, note)] from the table's one form; raises VolunteerError for
    minutes that are not a whole number."""
    decisions = []
    for record_id in int_list(form_data.getlist("record")):
        action = form_data.get(f"action-{record_id}", "keep")
        if approve_all and action == "keep":
            action = "approve"
        text = (form_data.get(f"minutes-{record_id}") or "").strip()
        minutes = None
        if text:
            minutes = parse_int(text, maximum=100_000)
            if minutes is None:
                raise VolunteerError(
                    "above_cap",
                    field=f"minutes-{record_id}",
                    record=record_id,
                    limit=hours.MAX_DAY_MINUTES,
                )
        note = form_data.get(f"note-{record_id}")
        decisions.append((record_id, action, minutes, note[:300] if note is not None else None))
    return decisions


@bp.route("/hours", methods=["GET", "POST"])
@staff_required
def hours_list():
    """Hour records (waiting for approval first): one form for the table, a row's minutes
    and decision (keep, approve, reject); "approve all shown" approves every row left on
    keep. Approved hours earn points in the volunteer's passbook at once."""
    status, q = _filters(request.args)
    page = page_number(request.args)
    form = ButtonForm()
    if not form.is_submitted():
        return _hours_page(form, status, q, page)
    if not form.validate_on_submit():
        abort(400)
    typed = {key: value[:20] for key, value in request.form.items() if key.startswith("minutes-")}
    try:
        decisions = _decisions(request.form, "approve_all" in request.form)
        counts = hours.decide_hours(decisions, actor=current_user)
    except VolunteerError as error:
        REFUSALS.add(form, error)
        return _hours_page(form, status, q, page, 422, typed=typed)
    outcome = _(
        "%(approved)s approved, %(corrected)s corrected, %(rejected)s rejected, "
        "%(unchanged)s unchanged.",
        **counts,
    )
    if request.headers.get("HX-Request") == "true":
        return _hours_page(ButtonForm(), status, q, page, outcome=outcome)
    flash(outcome, "success")
    return redirect(url_for("volunteers.hours_list", status=status, q=q, page=page), code=303)


@bp.route("/hours/report", methods=["GET", "POST"])
@role_required("entrepreneur", "staff", "admin")
def report_hours():
    """A volunteer reports hours served outside a signed activity, for staff to approve."""
    volunteer = volunteer_of(current_user)
    needs_consent = volunteer is None or volunteer.consent_at is None
    form = ReportHoursForm()
    if form.validate_on_submit():
        try:
            volunteer = volunteer_for_user(current_user, consent=form.consent.data)
            hours.report_hours(
                volunteer,
                form.served_on.data,
                form.total_minutes(),
                form.note.data,
                actor=current_user,
            )
        except VolunteerError as error:
            REFUSALS.add(form, error)
        else:
            flash(
                _("Your hours are sent. Staff approve them, then the points are yours."), "success"
            )
            return redirect(url_for("volunteers.report_hours"), code=303)
    context = dict(
        form=form,
        needs_consent=needs_consent,
        records=queries.own_hour_records(volunteer),
    )
    if form.is_submitted():
        return refused("volunteers/report_hours.html", **context)
    return render_page("volunteers/report_hours.html", **context)


@bp.route("/settings", methods=["GET", "POST"])
@staff_required
def settings():
    """The points one approved hour earns (whole points, rounded down)."""
    form = RateForm(rate=hours.points_rate()) if request.method == "GET" else RateForm()
    if form.validate_on_submit():
        try:
            hours.set_points_rate(form.rate.data, actor=current_user)
        except VolunteerError as error:
            REFUSALS.add(form, error)
        else:
            flash(
                _("Points for an approved hour from now on: %(rate)s.", rate=form.rate.data),
                "success",
            )
            return redirect(url_for("volunteers.settings"), code=303)
    if form.is_submitted():
        return refused("volunteers/settings.html", form=form)
    return render_page("volunteers/settings.html", form=form)
