"""Completion: who met the rule, confirming it (certificates), revoking, and the exports."""

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from db.training import SEATING, TrainingError, queries
from db.training import completion as completion_db
from db.training.completion import completion_list
from db.validators import mask_mobile
from views.access import staff_required
from views.calendar import utc_to_local
from views.exports import csv_response, xlsx_response
from views.forms import refused
from views.pages import ButtonForm, is_fragment_request, render_page
from views.training import bp
from views.training.common import (
    METHOD_NAMES,
    STATUS_NAMES,
    add_error,
    course_or_404,
    ids_from,
)
from views.training.forms import NotCompletedForm, ReasonForm

_AUTO = object()  # decision_form(): read the request's form data


def _completion_page(
    course, confirm_form=None, revoke_form=None, revoking=None, decision=None, status=200
):
    """The completion page of a course (refused forms answer 422 with their errors).

    `decision` is (application id, NotCompletedForm) of a refused "did not complete".
    """
    context = dict(
        course=course,
        timing=queries.timing(course),
        rows=completion_list(course),
        confirm_form=confirm_form or ButtonForm(),
        revoke_form=revoke_form or ReasonForm(),
        revoking=revoking,
        deciding=decision[0] if decision else None,
        decision_form=decision[1] if decision else None,
    )
    if status == 422:
        return refused("training/completion.html", **context)
    return render_page("training/completion.html", **context)


@bp.route("/manage/courses/<int:course_id>/completion")
@staff_required
def completion(course_id):
    """After the last session: who met the attendance rule, and their certificates."""
    return _completion_page(course_or_404(course_id, staff_view=True))


@bp.route("/manage/courses/<int:course_id>/completion", methods=["POST"])
@staff_required
def confirm_completion(course_id):
    """Confirm completion for the chosen people: each gets a numbered certificate."""
    course = course_or_404(course_id, staff_view=True)
    form = ButtonForm()
    if form.validate_on_submit():
        try:
            issued = completion_db.confirm_completion(
                course.id, ids_from("application"), actor=current_user
            )
        except TrainingError as exc:
            add_error(form, exc)
        else:
            flash(
                ngettext("%(num)s certificate issued.", "%(num)s certificates issued.", len(issued))
                if issued
                else _("No certificate issued: nobody chosen still needed one."),
                "success",
            )
            return redirect(url_for("training.completion", course_id=course.id))
    return _completion_page(course, confirm_form=form, status=422)


def decision_form(application_id, formdata=_AUTO):
    """The "did not complete" form of one person (its fields named after them, so that each
    row's reason box has its own id)."""
    prefix = f"person-{application_id}"
    if formdata is _AUTO:
        return NotCompletedForm(prefix=prefix)
    return NotCompletedForm(prefix=prefix, formdata=formdata)


def _row_of(course, application_id):
    """The completion row of one application of the course, or None."""
    return next((r for r in completion_list(course) if r.application.id == application_id), None)


def _decision(course_id, application_id, action):
    """Run a "did not complete" decision (or its undo) on one person of the course.

    htmx gets the person's row of the decisions table again (with their status cell in the
    main table, out of band), or the row with the refusal (422); without JavaScript the page
    reloads with the outcome, or shows the refusal at the top (422).
    """
    course = course_or_404(course_id, staff_view=True)
    form = decision_form(application_id)
    if form.validate_on_submit():
        try:
            application, message = action(course, form.reason.data or "")
        except TrainingError as exc:
            add_error(form, exc)
        else:
            if not is_fragment_request():
                flash(message, "success")
                return redirect(url_for("training.completion", course_id=course.id) + "#decisions")
            return render_page(
                "training/completion.html",
                block="decision_row",
                course=course,
                row=_row_of(course, application.id),
                decision_form=decision_form(application.id, formdata=None),
                oob=True,
            )
    elif set(form.errors) - {"reason"}:
        abort(400)  # no CSRF token: not a form of ours
    row = _row_of(course, application_id)
    if is_fragment_request() and row is not None:
        return refused(
            "training/completion.html",
            block="decision_row",
            course=course,
            row=row,
            decision_form=form,
            oob=False,
        )
    return _completion_page(course, decision=(application_id, form), status=422)


@bp.route(
    "/manage/courses/<int:course_id>/completion/<int:application_id>/not-completed",
    methods=["POST"],
)
@staff_required
def mark_not_completed(course_id, application_id):
    """Record that an approved person below the attendance rule did not complete (they are
    told, with the optional reason); the completion to-do then no longer waits for them."""

    def action(course, reason):
        """Mark the person; say what happened."""
        application = completion_db.mark_not_completed(
            course.id, application_id, reason, actor=current_user
        )
        message = _(
            "%(name)s is recorded as not completed and has been told.",
            name=application.user.name,
        )
        return application, message

    return _decision(course_id, application_id, action)


@bp.route(
    "/manage/courses/<int:course_id>/completion/<int:application_id>/reopen", methods=["POST"]
)
@staff_required
def reopen_completion(course_id, application_id):
    """Undo a "did not complete" made by mistake: the person is approved again and told."""

    def action(course, _reason):
        """Take the decision back; say what happened."""
        application = completion_db.reopen_completion(course.id, application_id, actor=current_user)
        message = _(
            "%(name)s is approved again: confirm their completion, or decide again.",
            name=application.user.name,
        )
        return application, message

    return _decision(course_id, application_id, action)


@bp.route("/manage/certificates/<number>/revoke", methods=["POST"])
@staff_required
def revoke(number):
    """Revoke a certificate with a reason (the verification page then says so)."""
    certificate = completion_db.certificate_by_number(number)
    if certificate is None:
        abort(404)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            completion_db.revoke_certificate(certificate.number, form.reason.data, current_user)
        except TrainingError as exc:
            add_error(form, exc)
        else:
            flash(_("Certificate %(number)s revoked.", number=certificate.number), "success")
            return redirect(url_for("training.completion", course_id=certificate.course_id))
    return _completion_page(
        certificate.course, revoke_form=form, revoking=certificate.number, status=422
    )


EXPORTS = ("roster.csv", "roster.xlsx", "attendance.xlsx", "completion.csv", "completion.xlsx")


def _roster_table(course):
    """(header, rows) of the roster export."""
    positions = SEATING.waiting_positions(course.id)
    header = [
        _("Name"),
        _("Mobile number"),
        _("Enterprise"),
        _("Position"),
        _("Status"),
        _("Waiting list position"),
        _("Applied"),
        _("Reason"),
    ]
    rows = [
        [
            a.user.name,
            a.user.mobile or "",
            a.enterprise.name if a.enterprise else "",
            a.position,
            str(STATUS_NAMES[a.status]),
            positions.get(a.id, ""),
            utc_to_local(a.created_at),
            a.reason,
        ]
        for a in queries.roster(course)
    ]
    return header, rows


def _attendance_table(course):
    """(header, rows) of the attendance matrix: people × sessions, then totals."""
    sessions = queries.sessions_of(course)
    marks = queries.attendance_marks(course.id)
    header = [_("Name"), _("Enterprise")]
    header += [f"{utc_to_local(s.starts_at):%Y-%m-%d %H:%M} {s.topic}" for s in sessions]
    header += [_("Attended"), _("Sessions"), _("Meets the rule")]
    rows = []
    for application in queries.grid_rows(course):
        row = [application.user.name, application.enterprise.name if application.enterprise else ""]
        attended = 0
        for course_session in sessions:
            mark = marks.get((course_session.id, application.id))
            attended += bool(mark)
            row.append(str(METHOD_NAMES[mark.method]) if mark else "")
        row += [
            attended,
            len(sessions),
            _("Yes") if course.meets_rule(attended, len(sessions)) else _("No"),
        ]
        rows.append(row)
    return header, rows


def _completion_table(course):
    """(header, rows) of the completion list."""
    header = [
        _("Name"),
        _("Mobile number"),
        _("Enterprise"),
        _("Attended"),
        _("Sessions"),
        _("Share (%)"),
        _("Meets the rule"),
        _("Status"),
        _("Certificate"),
        _("Certificate status"),
    ]
    rows = []
    for row in completion_list(course):
        certificate = row.certificate
        state = ""
        if certificate is not None:
            state = _("Valid") if certificate.is_valid else _("Revoked")
        rows.append(
            [
                row.application.user.name,
                mask_mobile(row.application.user.mobile or ""),
                row.application.enterprise.name if row.application.enterprise else "",
                row.attended,
                row.total,
                row.share,
                _("Yes") if row.meets_rule else _("No"),
                str(STATUS_NAMES[row.application.status]),
                certificate.number if certificate else "",
                state,
            ]
        )
    return header, rows


@bp.route("/manage/courses/<int:course_id>/export/<kind>")
@staff_required
def export(course_id, kind):
    """Roster CSV/XLSX, the attendance matrix XLSX, the completion list CSV/XLSX."""
    course = course_or_404(course_id, staff_view=True)
    if kind not in EXPORTS:
        abort(404)
    name, extension = kind.split(".")
    table, title = {
        "roster": (_roster_table, _("Roster")),
        "attendance": (_attendance_table, _("Attendance record")),
        "completion": (_completion_table, _("Completion list")),
    }[name]
    header, rows = table(course)
    filename = f"{course.title}-{title}.{extension}"  # made header-safe by views.exports
    if extension == "csv":
        return csv_response(filename, header, rows)
    return xlsx_response(filename, [(title, header, rows)])
