"""The roll-call grid (people × sessions, one tap a cell) and the session code screen."""

from flask import abort, flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from db.base import utcnow
from db.pagination import paginate_list
from db.training import TrainingError, queries
from db.training import attendance as attendance_db
from db.training.labels import METHOD_NAMES
from db.training.models import Application, CourseSession
from views.access import staff_required
from views.caching import cached_page, changes_at
from views.pages import is_fragment_request, render_page
from views.params import page_number, parse_int
from views.training import bp
from views.training.common import course_or_404, error_text, form_page, session_or_404
from views.training.mine import external_url

GRID_PAGE_SIZE = 50  # people a page (a row holds a cell per session)

# The grid's words, as one table: a render looks each up once, not once a cell.
GRID_LABELS = {
    "present": _l("Present"),
    "present_who": _l("Present: %(who)s"),
    "not_marked_who": _l("Not marked: %(who)s"),
    "not_yet": _l("Not yet"),
    "late": _l("late"),
    "note": _l("Note for the late sign-in"),
    "save": _l("Save"),
    "cancel": _l("Cancel"),
    "meets_rule": _l("Meets the rule"),
}


def grid_labels():
    """The grid's words in the request's language, each translated once: {key: text}, with
    `methods` {attendance method: name}."""
    labels = {key: str(text) for key, text in GRID_LABELS.items()}
    labels["methods"] = {code: str(name) for code, name in METHOD_NAMES.items()}
    return labels


def _opened(sessions, now):
    """{session id: True once marking has opened (30 minutes before the start)}."""
    return {s.id: now >= s.sign_in_opens for s in sessions}


@bp.route("/manage/courses/<int:course_id>/attendance")
@staff_required
@cached_page()  # per staff member, until a session opens for marking (`_grid_page`)
def attendance(course_id):
    """The roll-call grid: every approved person × every session, GRID_PAGE_SIZE people a
    page."""
    course = course_or_404(course_id, staff_view=True)
    return _grid_page(course, page_number(request.args))


def _grid_page(course, page=1, asking=None, note_error=None, note="", status=200):
    """The grid page; `asking` (session id, application id) is the cell that asks for a
    late sign-in's note, with `note_error` and the `note` typed so far (the page holding
    that person is shown)."""
    rows = queries.grid_people(course)
    if asking is not None:
        index = next((i for i, row in enumerate(rows) if row.id == asking[1]), 0)
        page = index // GRID_PAGE_SIZE + 1
    listing = paginate_list(rows, page, GRID_PAGE_SIZE)
    people = [row.id for row in listing.rows]
    sessions = queries.sessions_of(course)
    now = utcnow()
    changes_at(*(s.sign_in_opens for s in sessions))  # "not open yet" turns into a button
    return form_page(
        "training/attendance.html",
        status == 422,
        course=course,
        sessions=sessions,
        opened=_opened(sessions, now),
        listing=listing,
        marks=queries.grid_marks(course.id, people),
        counts=queries.attendance_counts(course.id, people),
        sessions_total=len(sessions),
        labels=grid_labels(),
        asking_note=asking,
        note_error=note_error,
        note=note,
    )


def _cell(course_session, application_id, note_error=None, note="", status=200, retarget=False):
    """One grid cell (and its row's total, out of band) after a change.

    `retarget`: the change came from the grid's one form, whose htmx request targets no
    cell of its own, so the answer names the cell it replaces (`HX-Retarget`).
    """
    course = course_session.course
    person = queries.grid_person(course.id, application_id)
    marks = queries.grid_marks(course.id, [application_id])
    asking = (course_session.id, application_id) if note_error is not None else None
    response = form_page(
        "training/attendance.html",
        status == 422,
        block="cell_update",
        course=course,
        sessions=[course_session],
        opened=_opened([course_session], utcnow()),
        application=person,
        marks={key: mark for key, mark in marks.items() if key[0] == course_session.id},
        counts=queries.attendance_counts(course.id, [application_id]),
        sessions_total=queries.timing(course).count,
        labels=grid_labels(),
        oob=True,
        note_error=note_error,
        asking_note=asking,
        note=note,
    )
    if retarget:
        response.headers["HX-Retarget"] = f"#cell-{course_session.id}-{application_id}"
        response.headers["HX-Reswap"] = "outerHTML"
    return response


def _mark(course_session, application, present, note, page=None, retarget=False):
    """Mark a person present or absent at a session and answer: the cell (htmx) or the grid
    again; a late mark without a note asks for one, in the cell or on the grid page."""
    grid = url_for("training.attendance", course_id=course_session.course_id, page=page)
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
            return redirect(grid)
        return _cell(
            course_session,
            application.id,
            note_error=error_text(exc),
            note=note,
            status=422,
            retarget=retarget,
        )
    if not is_fragment_request():
        return redirect(grid)
    return _cell(course_session, application.id, retarget=retarget)


@bp.route("/manage/courses/<int:course_id>/attendance", methods=["POST"])
@staff_required
def mark_in_grid(course_id):
    """The grid's one form (one CSRF token for the page): the button pressed is `mark` or
    `unmark`, its value the cell, "<session id>-<application id>"; a late mark's note comes
    as `note-<session id>-<application id>`. A session or a person of another course is not
    found (404), so a cell typed into the form reaches nothing outside this course."""
    course = course_or_404(course_id, staff_view=True)
    pressed = [name for name in ("mark", "unmark") if name in request.form]
    if len(pressed) != 1:
        abort(400)
    cell = request.form[pressed[0]]
    session_part, _dash, application_part = cell.partition("-")
    session_id, application_id = parse_int(session_part), parse_int(application_part)
    course_session = application = None
    if session_id is not None and application_id is not None:
        course_session = CourseSession.get_or_none(
            CourseSession.id == session_id, CourseSession.course == course.id
        )
        application = Application.get_or_none(
            Application.id == application_id, Application.course == course.id
        )
    if course_session is None or application is None:
        abort(404)
    course_session.course = course
    note = request.form.get(f"note-{session_id}-{application_id}", "")[:400]
    page = page_number(request.form)
    return _mark(
        course_session,
        application,
        pressed[0] == "mark",
        note,
        page=page if page > 1 else None,
        retarget=True,
    )


@bp.route(
    "/manage/sessions/<int:session_id>/attendance/<int:application_id>", methods=["GET", "POST"]
)
@staff_required
def mark(session_id, application_id):
    """One cell's URL: GET the cell alone (htmx, a note's "Cancel"); POST `present` 1 or 0
    to mark a person present or absent at a session (a late mark asks for a `note`)."""
    course_session = session_or_404(session_id)
    application = Application.get_or_none(
        Application.id == application_id, Application.course == course_session.course_id
    )
    if application is None:
        abort(404)
    if request.method == "GET":
        if not is_fragment_request():  # the cell alone is for htmx (a "Cancel"); else the grid
            return redirect(url_for("training.attendance", course_id=course_session.course_id))
        return _cell(course_session, application.id)
    present = request.form.get("present") == "1"
    note = request.form.get("note", "")[:400]
    return _mark(course_session, application, present, note)


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
