"""Staff reports of an event: CSV and XLSX exports, the printable sign-in sheet, and the
attendance figures of past events."""

from flask import request
from flask_babel import gettext as _

from db.events import queries
from db.events.models import SEATING
from db.validators import mask_mobile
from views.access import staff_required
from views.calendar import utc_to_local
from views.events import bp
from views.events.common import SOURCE_NAMES, STATUS_NAMES, event_or_404
from views.exports import csv_response, xlsx_response
from views.pages import render_page
from views.params import page_number

EVENTS_PAGE_SIZE = 50
BLANK_SIGN_IN_ROWS = 8


def _export_rows(event):
    """(header, rows) of an event's registrations with their answers."""
    questions = queries.questions_of(event)
    rows = list(queries.search_registrations(event))
    answers = queries.answers_for([row.id for row in rows])
    positions = SEATING.waiting_positions(event.id)
    header = [
        _("Code"),
        _("Status"),
        _("Waiting list position"),
        _("Name"),
        _("Mobile number"),
        _("Enterprise"),
        _("Position"),
        _("E-mail"),
        _("Registered at"),
        _("Checked in at"),
        _("Source"),
        *[question.label for question in questions],
    ]

    def local(moment):
        """A UTC time as Shanghai wall-clock time for a spreadsheet cell."""
        return utc_to_local(moment).replace(microsecond=0) if moment else ""

    body = [
        [
            row.code,
            str(STATUS_NAMES[row.status]),
            positions.get(row.id, ""),
            row.name,
            row.mobile,
            row.enterprise.name if row.enterprise_id else "",
            row.position,
            row.email,
            local(row.created_at),
            local(row.checked_in_at),
            str(SOURCE_NAMES.get(row.source, row.source)),
            *[answers.get(row.id, {}).get(question.id, "") for question in questions],
        ]
        for row in rows
    ]
    return header, body


@bp.route("/manage/events/<int:event_id>/export.csv")
@staff_required
def export_csv(event_id):
    """Registrations with answers as CSV (formula-safe)."""
    event = event_or_404(event_id)
    header, rows = _export_rows(event)
    return csv_response(f"{event.title}-{event.id}.csv", header, rows)


@bp.route("/manage/events/<int:event_id>/export.xlsx")
@staff_required
def export_xlsx(event_id):
    """Registrations with answers as XLSX (formula-safe)."""
    event = event_or_404(event_id)
    header, rows = _export_rows(event)
    return xlsx_response(f"{event.title}-{event.id}.xlsx", [(_("Registrations"), header, rows)])


@bp.route("/manage/events/<int:event_id>/sign-in-sheet")
@staff_required
def sign_in_sheet(event_id):
    """A printable A4 sign-in sheet of the confirmed, with a signature column."""
    event = event_or_404(event_id)
    rows = sorted(
        queries.search_registrations(event, status="confirmed"),
        key=lambda row: (row.enterprise.name if row.enterprise_id else "\uffff", row.name),
    )
    return render_page(
        "events/sign_in_sheet.html",
        event=event,
        rows=rows,
        masked={row.id: mask_mobile(row.mobile) for row in rows},
        blank_rows=BLANK_SIGN_IN_ROWS,
    )


@bp.route("/manage/events/attendance")
@staff_required
def attendance():
    """Attendance and no-shows of past events, per event and per enterprise."""
    page = page_number(request.args)
    rows = queries.attendance_by_event(EVENTS_PAGE_SIZE + 1, offset=(page - 1) * EVENTS_PAGE_SIZE)
    return render_page(
        "events/attendance.html",
        events=rows[:EVENTS_PAGE_SIZE],
        has_more=len(rows) > EVENTS_PAGE_SIZE,
        page=page,
        enterprises=queries.attendance_by_enterprise(50),
    )
