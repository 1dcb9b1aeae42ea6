"""The public side: open courses, a course's page, applying, certificate verification."""

from flask import flash, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from db.pagination import paginate_list
from db.training import TrainingError, applications, queries
from db.training.completion import certificate_by_number
from db.validators import mask_name
from views.access import kiosk_allowed, role_required
from views.caching import cached_page, clock
from views.pages import render_page
from views.params import page_number
from views.training import bp
from views.training.common import add_error, course_or_404, form_page
from views.training.forms import apply_form_for

COURSES_PAGE_SIZE = 24


@bp.route("/courses")
@cached_page(clock("courses"))
def index():
    """Courses taking applications now, with seats left, institution, dates and hours
    (COURSES_PAGE_SIZE a page)."""
    listing = paginate_list(queries.open_courses(), page_number(request.args), COURSES_PAGE_SIZE)
    return render_page("training/index.html", listing=listing, seats_left=queries.seats_left)


@bp.route("/courses/<int:course_id>")
def detail(course_id):
    """A course: description, lecturers, timetable, who may apply, and the apply button."""
    course = course_or_404(course_id)
    course_timing = queries.timing(course)
    figures = queries.seat_figures([course.id])[course.id]
    mine = None
    if current_user.is_authenticated and current_user.role == "entrepreneur":
        mine = queries.live_application(course.id, current_user.id)
    return render_page(
        "training/detail.html",
        course=course,
        timing=course_timing,
        sessions=queries.sessions_of(course),
        state=course.application_state(course_timing),
        seats_left=queries.seats_left(course, figures),
        figures=figures,
        mine=mine,
    )


@bp.route("/courses/<int:course_id>/apply", methods=["GET", "POST"])
@role_required("entrepreneur")
def apply(course_id):
    """Apply for a course (signed in: the application is followed over weeks)."""
    course = course_or_404(course_id)
    existing = queries.live_application(course.id, current_user.id)
    if existing is not None:
        flash(_("You have already applied for this course."), "info")
        return redirect(url_for("training.my_course", application_id=existing.id))
    course_timing = queries.timing(course)
    form = apply_form_for(course.question_list)
    if not form.is_submitted() and current_user.position:
        form.position.data = current_user.position
    state = course.application_state(course_timing)
    if form.validate_on_submit():
        try:
            application, created = applications.apply(
                course.id,
                current_user,
                position=form.position.data,
                motivation=form.motivation.data,
                answers=[field.data for field in form.question_fields],
                consent=form.consent.data,
                language="en" if str(get_locale()) == "en" else "zh_CN",
            )
        except TrainingError as exc:
            add_error(form, exc)
        else:
            if not created:
                flash(_("You have already applied for this course."), "info")
                return redirect(url_for("training.my_course", application_id=application.id))
            return redirect(url_for("training.my_course", application_id=application.id, applied=1))
    return form_page(
        "training/apply.html",
        form.is_submitted(),
        course=course,
        timing=course_timing,
        state=state,
        form=form,
    )


@bp.route("/certificates/<number>")
@kiosk_allowed
def verify(number):
    """Public verification of a certificate: valid or revoked, course, dates, masked name."""
    certificate = certificate_by_number(number)
    return render_page(
        "training/verify.html",
        certificate=certificate,
        number=number[:40],
        masked_name=mask_name(certificate.holder_name) if certificate else "",
        status=200 if certificate else 404,
    )
