"""The roll-call grid (people × sessions, one tap a cell) and the session code screen."""

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from db.base import utcnow
from db.pagination import paginate_list
from db.training import TrainingError, queries
from db.training import attendance as attendance_db
from db.training.models import Application, Attendance
from views.access import staff_required
from views.pages import is_fragment_request, render_page
from views.params import page_number
from views.training import bp
from views.training.common import course_or_404, error_text, form_page, session_or_404
from views.training.mine import external_url

GRID_PAGE_SIZE = 50  # people a page (a row holds a cell per session)


@bp.route("/manage/courses/<int:course_id>/attendance")
@staff_required
def attendance(course_id):
    """The roll-call grid: every approved person × every session, GRID_PAGE_SIZE people a
    page."""
    course = course_or_404(course_id, staff_view=True)
    return _grid_page(course, page_number(request.args))


def _grid_page(course, page=1, asking=None, note_error=None, note="", status=200):
    """The grid page; `asking` (session id, application id) is the cell that asks for a
    late sign-in's note, with `note_error` and the `note` typed so far (the page holding
    that person is shown)."""
    rows = queries.grid_rows(course)
    if asking is not None:
        index = next((i for i, row in enumerate(rows) if row.id == asking[1]), 0)
        page = index // GRID_PAGE_SIZE + 1
    return form_page(
        "training/attendance.html",
        status == 422,
        course=course,
        sessions=queries.sessions_of(course),
        listing=paginate_list(rows, page, GRID_PAGE_SIZE),
        marks=queries.attendance_marks(course.id),
        counts=queries.attendance_counts(course.id),
        sessions_total=queries.timing(course).count,
        asking_note=asking,
        note_error=note_error,
        note=note,
        now=utcnow(),
    )


def _cell(course_session, application, note_error=None, note="", status=200):
    """One grid cell (and its row's total, out of band) after a change."""
    course = course_session.course
    mark = Attendance.get_or_none(
        Attendance.session == course_session.id, Attendance.application == application.id
    )
    marks = {(course_session.id, application.id): mark} if mark else {}
    return form_page(
        "training/attendance.html",
        status == 422,
        block="cell_update",
        course=course,
        course_session=course_session,
        application=application,
        marks=marks,
        counts=queries.attendance_counts(course.id),
        sessions_total=queries.timing(course).count,
        note_error=note_error,
        asking_note=(course_session.id, application.id) if note_error is not None else None,
        note=note,
        now=utcnow(),
    )


@bp.route(
    "/manage/sessions/<int:session_id>/attendance/<int:application_id>", methods=["GET", "POST"]
)
@staff_required
def mark(session_id, application_id):
    """Mark a person present or absent at a session; a late mark asks for a note."""
    course_session = session_or_404(session_id)
    application = Application.get_or_none(
        Application.id == application_id, Application.course == course_session.course_id
    )
    if application is None:
        abort(404)
    if request.method == "GET":
        if not is_fragment_request():  # the cell alone is for htmx (a "Cancel"); else the grid
            return redirect(url_for("training.attendance", course_id=course_session.course_id))
        return _cell(course_session, application)
    present = request.form.get("present") == "1"
    note = request.form.get("note", "")[:400]
    try:
        attendance_db.mark(
            course_session.id, application.id, present, actor=current_user, note=note
        )
    except TrainingError as exc:
        if not is_fragment_request() and exc.field == "note":
            # Without JavaScript: the whole grid, with this one cell asking for the note.
            return _grid_page(
                course_session.course,
                asking=(course_session.id, application.id),
                note_error=error_text(exc),
                note=note,
                status=422,
            )
        if not is_fragment_request():
            flash(error_text(exc), "error")
            return redirect(url_for("training.attendance", course_id=course_session.course_id))
        return _cell(course_session, application, note_error=error_text(exc), note=note, status=422)
    if not is_fragment_request():
        return redirect(url_for("training.attendance", course_id=course_session.course_id))
    return _cell(course_session, application)


@bp.route("/manage/sessions/<int:session_id>/code")
@staff_required
def session_code(session_id):
    """A screen to show in the room: the session's sign-in code and a QR code to sign in."""
    course_session = session_or_404(session_id)
    return render_page(
        "training/session_code.html",
        course_session=course_session,
        course=course_session.course,
        sign_in_url=external_url("training.sign_in", code=course_session.code),
    )
