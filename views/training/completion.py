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
from views.pages import ButtonForm, render_page
from views.training import bp
from views.training.common import (
    METHOD_NAMES,
    STATUS_NAMES,
    add_error,
    course_or_404,
    ids_from,
)
from views.training.forms import ReasonForm


def _completion_page(course, confirm_form=None, revoke_form=None, revoking=None, status=200):
    """The completion page of a course."""
    rows = completion_list(course)
    return render_page(
        "training/completion.html",
        course=course,
        timing=queries.timing(course),
        rows=rows,
        confirm_form=confirm_form or ButtonForm(),
        revoke_form=revoke_form or ReasonForm(),
        revoking=revoking,
        status=status,
    )


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
