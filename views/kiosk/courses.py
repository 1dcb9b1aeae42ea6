"""Courses: sign in to a session (mobile on the keypad, with the session code or not), and
the courses open for applications, each with a QR code to its form on a phone."""

from flask import current_app, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from itsdangerous import BadSignature
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional

from db import kiosk
from db.accounts import User
from db.kiosk import KioskRefusal
from db.training.attendance import open_sessions_for, person_by_mobile, sign_in_by_code
from db.training.errors import TrainingError
from db.training.models import CourseSession
from db.training.queries import open_courses
from db.validators import mask_mobile, mask_name
from views.auth import MobileField, mobile_number
from views.forms import refused
from views.kiosk import bp
from views.kiosk.common import (
    MESSAGES,
    TOKEN_SECONDS,
    ConfirmForm,
    kiosk_required,
    signer,
)
from views.pages import render_page

SALT = "kiosk-course"


class CourseSignInForm(FlaskForm):
    """The mobile on the keypad; the session code shown in the room is optional."""

    mobile = MobileField(_l("Mobile number"), [DataRequired(), mobile_number])
    code = StringField(
        _l("Session code (optional, shown in the room)"), [Optional(), Length(max=40)]
    )


def course_refusal(error):
    """The message for a refused sign-in: the window's own, else one answer for an unknown
    mobile, someone not on the course and an unknown code alike."""
    if error.code not in MESSAGES.messages:
        error = KioskRefusal("course_not_found")
    return MESSAGES.text(error)


@bp.route("/course", methods=["GET", "POST"])
@kiosk_required
def course():
    """Sign in to a course session: the mobile on the keypad, with the session code or not.

    With a code: that session. Without: the person's sessions open for sign-in now, to tap.
    Unknown mobile, not enrolled and nothing open get the same answer.
    """
    form = CourseSignInForm()
    if not form.validate_on_submit():
        form.code.data = ""
        if form.is_submitted():
            return refused("kiosk/course.html", form=form)
        return render_page("kiosk/course.html", form=form)
    person = person_by_mobile(form.mobile.data)
    choices, refusal = [], None
    if form.code.data:
        try:
            if person is None:
                raise TrainingError("not_enrolled")
            return signed_in(person, _sign_in(form.code.data, person).session)
        except TrainingError as exc:
            refusal = course_refusal(exc)
    else:
        sessions = open_sessions_for(person)[: kiosk.KIOSK_LIST_LIMIT] if person else []
        tokens = signer(SALT)
        choices = [dict(token=tokens.dumps([person.id, s.id]), session=s) for s in sessions]
        if not choices:
            refusal = MESSAGES.text(KioskRefusal("course_nothing_open"))
    form.code.data = ""
    if refusal:
        form.mobile.data = ""  # a refusal leaves no mobile number on the screen
        return refused("kiosk/course.html", form=form, refusal=refusal)
    return render_page(
        "kiosk/course.html",
        form=form,
        choices=choices,
        name=mask_name(person.name),
        masked=mask_mobile(form.mobile.data),
        confirm_form=ConfirmForm(),
    )


@bp.route("/course/confirm", methods=["POST"])
@kiosk_required
def confirm_course_sign_in():
    """Sign in to one of the sessions found by mobile (a signed, short-lived token)."""
    form = ConfirmForm()
    back = url_for("kiosk.course")
    try:
        person_id, session_id = signer(SALT).loads(form.token.data or "", max_age=TOKEN_SECONDS)
        person = User.get_or_none(User.id == int(person_id), User.active == True)  # noqa: E712
        session = CourseSession.get_or_none(CourseSession.id == int(session_id))
        if person is None or session is None:
            raise TrainingError("not_enrolled")
        mark = _sign_in(session.code, person)
    except TrainingError as exc:  # before ValueError: a DomainError is one
        return refused("kiosk/refused.html", message=course_refusal(exc), again=back)
    except (BadSignature, ValueError, TypeError):
        message = MESSAGES.text(KioskRefusal("expired"))
        return refused("kiosk/refused.html", message=message, again=back)
    return signed_in(person, mark.session)


def _sign_in(code, person):
    """Sign in through the training module's action, the kiosk account recorded as actor."""
    kiosk_account = current_user._get_current_object()
    mark, _created = sign_in_by_code(code, person, actor=kiosk_account, method="kiosk")
    return mark


def signed_in(person, session):
    """The success screen: masked name and the session, then back to start."""
    return render_page("kiosk/signed_in.html", name=mask_name(person.name), session=session)


@bp.route("/courses")
@kiosk_required
def courses():
    """Open courses, each with a QR code that opens its application form on a phone."""
    base = current_app.config.get("PUBLIC_BASE_URL") or request.url_root
    return render_page(
        "kiosk/courses.html",
        courses=open_courses(limit=kiosk.KIOSK_LIST_LIMIT),
        base_url=base.rstrip("/"),
    )
