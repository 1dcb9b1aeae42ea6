"""The staff side of courses: create and edit (sessions inline), the roster, the review queue."""

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from db.training import SEATING, TrainingError, applications, courses, queries
from db.training.labels import STATUS_NAMES
from db.training.models import Application
from views.access import staff_required
from views.caching import cached_page, clock
from views.pages import ButtonForm, htmx_redirect, is_fragment_request, render_page
from views.params import page_number, parse_int
from views.training import bp
from views.training.common import (
    add_error,
    course_or_404,
    error_text,
    form_page,
    ids_from,
    session_or_404,
)
from views.training.forms import CourseForm, ReasonForm, SessionForm


@bp.route("/manage/courses")
@staff_required
def manage_index():
    """Every course with its dates, seats and applications."""
    return render_page(
        "training/manage_index.html",
        rows=queries.all_courses(),
        pending=queries.pending_count(),
    )


@bp.route("/manage/courses/new", methods=["GET", "POST"])
@staff_required
def create_course():
    """Create a course; its sessions are added on the next page."""
    form = CourseForm()
    if form.validate_on_submit():
        try:
            course = courses.create_course(form.values(), actor=current_user)
        except TrainingError as exc:
            add_error(form, exc)
        else:
            flash(_("Course created. Now add its sessions."), "success")
            return redirect(url_for("training.edit_course", course_id=course.id) + "#sessions")
    return form_page("training/course_form.html", form.is_submitted(), form=form, course=None)


def _sessions_page(course, form, session_form=None, editing=None, edit_form=None, status=200):
    """The course edit page, or only its sessions block for htmx (refused: status 422)."""
    return form_page(
        "training/course_form.html",
        status == 422,
        block="sessions",
        course=course,
        form=form,
        sessions=queries.sessions_of(course),
        sessions_locked=queries.has_certificates(course),
        session_form=session_form or SessionForm(prefix="new"),
        editing=editing,
        edit_form=edit_form,
    )


@bp.route("/manage/courses/<int:course_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_course(course_id):
    """Edit a course's details; its sessions are added, edited and removed inline."""
    course = course_or_404(course_id, staff_view=True)
    form = CourseForm()
    if form.validate_on_submit():
        try:
            courses.update_course(course.id, form.values(), actor=current_user)
        except TrainingError as exc:
            add_error(form, exc)
        else:
            flash(_("Course saved."), "success")
            return redirect(url_for("training.manage_course", course_id=course.id))
    elif not form.is_submitted():
        form.fill(course)
    editing, edit_form = None, None
    session_id = parse_int(request.args.get("session", ""))
    if session_id is not None:
        session = session_or_404(session_id)
        if session.course_id == course.id:
            editing = session.id
            edit_form = SessionForm(prefix="edit", formdata=None)
            edit_form.fill(session)
    status = 422 if form.is_submitted() else 200
    return _sessions_page(course, form, editing=editing, edit_form=edit_form, status=status)


@bp.route("/manage/courses/<int:course_id>/sessions", methods=["POST"])
@staff_required
def add_session(course_id):
    """Add a session (inline: answers with the sessions block)."""
    course = course_or_404(course_id, staff_view=True)
    session_form = SessionForm(prefix="new")
    form = CourseForm(formdata=None)
    form.fill(course)
    if session_form.validate_on_submit():
        starts_at, ends_at = session_form.times()
        try:
            courses.add_session(
                course.id,
                starts_at,
                ends_at,
                session_form.topic.data,
                session_form.room.data,
                actor=current_user,
            )
        except TrainingError as exc:
            add_error(session_form, exc)
        else:
            if not is_fragment_request():
                flash(_("Session added."), "success")
                return redirect(url_for("training.edit_course", course_id=course.id) + "#sessions")
            return _sessions_page(course, form)
    return _sessions_page(course, form, session_form=session_form, status=422)


@bp.route("/manage/sessions/<int:session_id>", methods=["POST"])
@staff_required
def edit_session(session_id):
    """Save a session's date, times, topic and room (inline)."""
    session = session_or_404(session_id)
    course = session.course
    edit_form = SessionForm(prefix="edit")
    form = CourseForm(formdata=None)
    form.fill(course)
    if edit_form.validate_on_submit():
        starts_at, ends_at = edit_form.times()
        try:
            courses.update_session(
                session.id,
                starts_at,
                ends_at,
                edit_form.topic.data,
                edit_form.room.data,
                actor=current_user,
            )
        except TrainingError as exc:
            add_error(edit_form, exc)
        else:
            if not is_fragment_request():
                flash(_("Session saved."), "success")
                return redirect(url_for("training.edit_course", course_id=course.id) + "#sessions")
            return _sessions_page(course, form)
    return _sessions_page(course, form, editing=session.id, edit_form=edit_form, status=422)


@bp.route("/manage/sessions/<int:session_id>/delete", methods=["POST"])
@staff_required
def delete_session(session_id):
    """Remove a session and its attendance marks (inline)."""
    session = session_or_404(session_id)
    course = session.course
    form = CourseForm(formdata=None)
    form.fill(course)
    try:
        courses.remove_session(session.id, actor=current_user)
    except TrainingError as exc:
        if not is_fragment_request():
            flash(error_text(exc), "error")
            return redirect(url_for("training.edit_course", course_id=course.id) + "#sessions")
        session_form = SessionForm(prefix="new")
        add_error(session_form, exc)
        return _sessions_page(course, form, session_form=session_form, status=422)
    if not is_fragment_request():
        flash(_("Session removed."), "success")
        return redirect(url_for("training.edit_course", course_id=course.id) + "#sessions")
    return _sessions_page(course, form)


def _roster_page(course, reason_form, status=200):
    """The course overview with its roster (refused decisions: status 422)."""
    course_timing = queries.timing(course)
    return form_page(
        "training/manage_course.html",
        status == 422,
        course=course,
        timing=course_timing,
        figures=queries.seat_figures([course.id])[course.id],
        roster=queries.roster(course),
        positions=SEATING.waiting_positions(course.id),
        counts=queries.attendance_counts(course.id),
        sessions_total=course_timing.count,
        reason_form=reason_form,
    )


@bp.route("/manage/courses/<int:course_id>")
@staff_required
def manage_course(course_id):
    """A course for staff: figures, links to every task, and the roster."""
    course = course_or_404(course_id, staff_view=True)
    return _roster_page(course, ReasonForm())


@bp.route("/manage/courses/<int:course_id>/close-out", methods=["POST"])
@staff_required
def close_out(course_id):
    """Close out the pending and waiting applications of a course that has started."""
    course = course_or_404(course_id, staff_view=True)
    if not ButtonForm().validate_on_submit():
        abort(400)
    closed = applications.close_out_course(course.id, actor=current_user)
    if closed:
        flash(
            ngettext(
                "%(num)s application closed out; the person is told.",
                "%(num)s applications closed out; each person is told.",
                len(closed),
            ),
            "success",
        )
    else:
        flash(_("Nothing to close out: the course has not started, or nobody is left."), "info")
    return redirect(url_for("training.manage_course", course_id=course.id))


# The review queue's words, as one table: a render looks each up once, not once a row.
REVIEW_LABELS = {
    "course": _l("Course"),
    "enterprise": _l("Enterprise"),
    "no_enterprise": _l("(none given)"),
    "position": _l("Position"),
    "motivation": _l("Motivation"),
    "earlier": _l("Earlier courses"),
    "none": _l("None"),
    "applied": _l("Applied"),
}


def review_labels():
    """The review queue's words in the request's language, each translated once: {key:
    text}, with `statuses` {application status: name}."""
    labels = {key: str(text) for key, text in REVIEW_LABELS.items()}
    labels["statuses"] = {code: str(name) for code, name in STATUS_NAMES.items()}
    return labels


def _review_page(course_id, reason_form, status=200):
    """The review queue (a page of it), optionally for one course or a search (refused
    decisions: status 422)."""
    search = request.values.get("q", "").strip()[: queries.MAX_SEARCH]
    queue = queries.review_queue(course_id, search=search, page=page_number(request.values))
    rows = queue.rows
    return form_page(
        "training/review.html",
        status == 422,
        block="queue",
        queue=queue,
        rows=rows,
        q=search,
        course_id=course_id,
        courses=queries.course_choices(),
        earlier=queries.earlier_courses([a.user_id for a in rows]),
        answers=queries.answers_for(a.id for a in rows),
        labels=review_labels(),
        reason_form=reason_form,
    )


def _course_filter():
    """The `course` query or form parameter as an id, or None."""
    value = request.values.get("course", "")
    return parse_int(value)


@bp.route("/manage/applications")
@staff_required
@cached_page(clock("courses"))  # a course leaves the queue when its first session starts
def review():
    """Applications awaiting review across courses, oldest first."""
    return _review_page(_course_filter(), ReasonForm())


def _outcome_message(result, action):
    """What a batch of decisions did, one short sentence per outcome."""
    parts = []
    if action == "approve":
        if result.approved:
            count = len(result.approved)
            parts.append(
                ngettext("%(num)s approved with a seat.", "%(num)s approved with a seat.", count)
            )
        if result.waiting:
            count = len(result.waiting)
            parts.append(
                ngettext(
                    "%(num)s approved onto the waiting list.",
                    "%(num)s approved onto the waiting list.",
                    count,
                )
            )
    elif result.done:
        parts.append(ngettext("%(num)s rejected.", "%(num)s rejected.", len(result.done)))
    if result.started:
        parts.append(
            ngettext(
                "%(num)s not decided: the course has already started, so nobody more is "
                "admitted (pending and waiting applications are closed out).",
                "%(num)s not decided: the course has already started, so nobody more is "
                "admitted (pending and waiting applications are closed out).",
                len(result.started),
            )
        )
    if result.skipped:
        parts.append(
            ngettext(
                "%(num)s already decided, left as it was.",
                "%(num)s already decided, left as they were.",
                len(result.skipped),
            )
        )
    return " ".join(parts)


@bp.route("/manage/applications/decide", methods=["POST"])
@staff_required
def decide():
    """Approve or reject the chosen applications (one or many) at once.

    The queue is one form (one CSRF token): each row's box carries its application's id.
    A form for one course (the queue filtered by course, the course's roster) decides
    applications of that course only: an id of another course is not found (404) and
    nothing is decided.
    """
    reason_form = ReasonForm()
    action = request.form.get("action", "")
    origin = request.form.get("from", "")
    course_id = _course_filter()
    chosen = ids_from("application")
    if course_id and chosen:
        elsewhere = Application.select().where(
            Application.id.in_(chosen), Application.course != course_id
        )
        if elsewhere.exists():
            abort(404)
    if reason_form.validate_on_submit():
        try:
            result = applications.decide(
                chosen, action, reason_form.reason.data, actor=current_user
            )
        except TrainingError as exc:
            add_error(reason_form, exc)
        else:
            flash(_outcome_message(result, action), "success")
            if origin == "course" and course_id:
                target = url_for("training.manage_course", course_id=course_id)
            else:
                search = request.form.get("q", "").strip()[: queries.MAX_SEARCH]
                target = url_for("training.review", course=course_id, q=search or None)
            return htmx_redirect(target) if is_fragment_request() else redirect(target)
    if origin == "course" and course_id:
        return _roster_page(course_or_404(course_id, staff_view=True), reason_form, status=422)
    return _review_page(course_id, reason_form, status=422)
