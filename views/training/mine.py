"""The entrepreneur's side: "My courses", the timetable download, withdrawing, signing in
by code, and the printable certificate."""

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from db.training import SEATING, TrainingError, applications, queries
from db.training.attendance import open_sessions_for, sign_in_by_code
from db.training.completion import certificate_by_number
from db.training.status import WITHDRAWN, sources
from views.access import role_required
from views.calendar import CalendarEntry, ics_response
from views.pages import ButtonForm, render_page
from views.training import bp
from views.training.common import add_error, error_text, form_page, own_application_or_404
from views.training.forms import SignInForm


def external_url(endpoint, **values):
    """An absolute URL for printing or calendars (PUBLIC_BASE_URL when configured)."""
    base = current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/")
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


@bp.route("/my/courses")
@role_required("entrepreneur")
def mine():
    """The signed-in person's applications with their status."""
    rows = queries.applications_of(current_user)
    course_timings = queries.timings({a.course_id for a in rows})
    return render_page(
        "training/mine.html",
        rows=rows,
        timings=course_timings,
        positions=queries.waiting_positions_for(rows),
    )


@bp.route("/my/courses/<int:application_id>")
@role_required("entrepreneur")
def my_course(application_id):
    """One application: status, timetable, attendance against the rule, certificate."""
    application = own_application_or_404(application_id)
    course = application.course
    course_timing = queries.timing(course)
    sessions = queries.sessions_of(course)
    attended = queries.attended_sessions(application)
    can_withdraw = application.status in sources(WITHDRAWN) and not course_timing.has_started()
    return render_page(
        "training/my_course.html",
        application=application,
        course=course,
        timing=course_timing,
        sessions=sessions,
        attended=attended,
        attended_count=sum(1 for s in sessions if s.id in attended),
        position=SEATING.waiting_position(application),
        certificate=queries.certificate_of(application),
        answers=queries.answers_of(application),
        can_withdraw=can_withdraw,
        applied=request.args.get("applied") == "1",
        withdraw_form=ButtonForm(),
    )


@bp.route("/my/courses/<int:application_id>/calendar.ics")
@role_required("entrepreneur")
def calendar(application_id):
    """The course's sessions as an .ics file for the person's calendar."""
    application = own_application_or_404(application_id)
    course = application.course
    link = external_url("training.my_course", application_id=application.id)
    entries = [
        CalendarEntry(
            uid=f"course-session-{session.id}@lianjian-desk",
            title=f"{course.title}: {session.topic}",
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            location=session.room,
            description=course.institution,
            url=link,
        )
        for session in queries.sessions_of(course)
    ]
    return ics_response(f"course-{course.id}.ics", entries)


@bp.route("/my/courses/<int:application_id>/withdraw", methods=["POST"])
@role_required("entrepreneur")
def withdraw(application_id):
    """Withdraw before the course starts; the seat goes to the next person waiting."""
    application = own_application_or_404(application_id)
    form = ButtonForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        applications.withdraw(application.id, current_user)
    except TrainingError as exc:
        flash(error_text(exc), "error")
    else:
        flash(_("Your application is withdrawn."), "success")
    return redirect(url_for("training.my_course", application_id=application.id))


@bp.route("/courses/sign-in", methods=["GET", "POST"])
@role_required("entrepreneur")
def sign_in():
    """Sign in to a session by the code shown in the room (from 30 minutes before)."""
    form = SignInForm()
    if not form.is_submitted() and request.args.get("code"):
        form.code.data = request.args.get("code", "")[:40]
    done = None
    if form.validate_on_submit():
        try:
            mark, created = sign_in_by_code(form.code.data, current_user)
        except TrainingError as exc:
            add_error(form, exc)
        else:
            done = dict(session=mark.session, created=created)
    return form_page(
        "training/sign_in.html",
        form.is_submitted() and done is None,
        form=form,
        done=done,
        open_sessions=open_sessions_for(current_user),
    )


@bp.route("/certificates/<number>/print")
@role_required("entrepreneur", "staff", "admin")
def certificate(number):
    """The printable certificate (A4 landscape), for its holder and for staff."""
    found = certificate_by_number(number)
    if found is None:
        abort(404)
    if not current_user.is_staff and found.application.user_id != current_user.id:
        abort(404)
    return render_page(
        "training/certificate.html",
        certificate=found,
        verify_url=external_url("training.verify", number=found.number),
    )
