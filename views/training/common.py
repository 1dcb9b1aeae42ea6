"""What the training views share: labels, error messages, loading rows, form helpers."""

from flask import abort, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from db.training import Application, Course, CourseSession
from db.training.labels import METHOD_NAMES, STATUS_NAMES
from views.forms import ErrorMessages, refused
from views.pages import render_page
from views.params import int_list
from views.training import bp

STATUS_BADGES = {
    "pending": "pending",
    "approved": "confirmed",
    "waiting": "waiting",
    "rejected": "refused",
    "withdrawn": "cancelled",
    "completed": "confirmed",
    "not_completed": "cancelled",
}
APPLICATION_STATES = {
    "open": _l("Open for applications"),
    "not_yet": _l("Applications open soon"),
    "closed": _l("Applications closed"),
    "no_sessions": _l("Dates to be announced"),
    "draft": _l("Not published"),
}
ERRORS = {
    "required": _l("Fill this in."),
    "bad_seats": _l("Between 1 and 10,000."),
    "bad_share": _l("A whole percentage between 1 and 100."),
    "closes_before_opens": _l("Applications must close after they open."),
    "too_many_questions": _l("At most five questions, one a line."),
    "question_too_long": _l("Keep each question under 200 characters."),
    "below_approved": _l(
        "%(approved)s people are approved already: the seats cannot be fewer than that."
    ),
    "ends_before_start": _l("The end must be after the start."),
    "attendance_taken": _l(
        "Attendance was taken at this session (%(count)s marks), so it cannot move to a time "
        "that has not come yet. Correct the topic or room, or add a new session instead."
    ),
    "certificates_issued": _l(
        "Certificates have been issued for this course, and they state its dates and hours: "
        "its sessions can no longer be added, changed or removed."
    ),
    "too_long": _l("A session cannot last longer than a day."),
    "applications_not_yet": _l("Applications for this course have not opened yet."),
    "applications_closed": _l("Applications for this course are closed."),
    "applications_no_sessions": _l(
        "This course has no dates yet, so it does not take applications."
    ),
    "applications_draft": _l("This course is not published."),
    "answer_required": _l("Answer this question."),
    "answer_too_long": _l("Keep the answer under 500 characters."),
    "motivation_too_long": _l("Keep it under 1,000 characters."),
    "consent_required": _l("Please agree to the privacy notice to apply."),
    "bad_action": _l("Choose approve or reject."),
    "reason_required": _l("Give a reason; the applicant will read it."),
    "reason_too_long": _l("Keep the reason under 300 characters."),
    "nothing_chosen": _l("Choose at least one application."),
    "not_found": _l("Not found."),
    "not_withdrawable": _l("This application can no longer be withdrawn."),
    "withdraw_closed": _l(
        "The course has started, so the application can no longer be withdrawn here. "
        "Please contact the centre."
    ),
    "transition_refused": _l("This application cannot change that way."),
    "changed": _l("Someone changed this application meanwhile. Reload the page and try again."),
    "unknown_code": _l("There is no session with this code. Check the code shown in the room."),
    "not_enrolled": _l(
        "You are not approved for this course, so you cannot sign in to its sessions."
    ),
    "sign_in_not_yet": _l("Signing in opens 30 minutes before the session starts."),
    "sign_in_closed": _l(
        "This session has ended, so signing in by code is closed. Staff can record a late sign-in."
    ),
    "not_approved": _l("Only approved people have attendance taken."),
    "session_not_started": _l("Attendance can be taken from 30 minutes before the session."),
    "note_required": _l("The session has ended: a late sign-in needs a note."),
    "note_too_long": _l("Keep the note under 300 characters."),
    "course_not_ended": _l("Completion is decided once the last session has ended."),
    "already_revoked": _l("This certificate is already revoked."),
    "already_completed": _l(
        "This person has completed the course and holds a certificate, so they cannot be "
        "marked as not completed. If the certificate was issued by mistake, revoke it."
    ),
    "already_not_completed": _l("This person is already marked as not completed."),
    "not_approved_for_completion": _l(
        "Only approved people are decided on at completion; this application is not approved."
    ),
    "meets_rule": _l("This person met the attendance rule: confirm their completion instead."),
    "not_marked_not_completed": _l(
        "This person is not marked as not completed, so there is nothing to undo."
    ),
}


MESSAGES = ErrorMessages(ERRORS)
error_text = MESSAGES.text  # the user's-language message for a domain error
add_error = MESSAGES.add  # put it next to its field, or at the top of the form


@bp.app_context_processor
def training_labels():
    """The training labels every template (and the home page sections) may use."""
    return dict(
        application_status_names=STATUS_NAMES,
        application_status_badges=STATUS_BADGES,
        course_application_states=APPLICATION_STATES,
        attendance_method_names=METHOD_NAMES,
    )


def form_page(template, submitted, block=None, **context):
    """A page holding a form: refused (422, with its errors) when it was `submitted` and is
    shown again, else the ordinary page."""
    if submitted:
        return refused(template, block=block, **context)
    return render_page(template, block=block, **context)


def viewer_is_staff():
    """True for a signed-in staff member or administrator."""
    return current_user.is_authenticated and current_user.is_staff


def course_or_404(course_id, staff_view=False):
    """The course; an unpublished one exists only for staff."""
    course = Course.get_or_none(Course.id == course_id)
    if course is None or (not course.published and not (staff_view or viewer_is_staff())):
        abort(404)
    return course


def session_or_404(session_id):
    """A course session by id (staff pages)."""
    session = CourseSession.get_or_none(CourseSession.id == session_id)
    if session is None:
        abort(404)
    return session


def own_application_or_404(application_id):
    """The signed-in person's own application (anyone else's is not found)."""
    application = Application.get_or_none(Application.id == application_id)
    if application is None or application.user_id != current_user.id:
        abort(404)
    return application


def ids_from(name):
    """The integer ids posted under `name` (checkboxes), ignoring anything else."""
    return int_list(request.form.getlist(name))
