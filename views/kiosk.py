"""The service-hall kiosk: check in, register on the spot, course sign-in, notice board.

A locked-down account opens only these screens (views/access.py fences it in). Screens are
touch-first, show names masked and mobiles shortened, put nothing personal in a URL, and are
never cached (`no-store`), so Back cannot show the previous person's data.
"""

from flask import Blueprint, current_app, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, URLSafeTimedSerializer
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import DataRequired, Length, Optional

from db import kiosk
from db.accounts import Enterprise
from db.events import registrations
from db.events.errors import EventError
from db.events.models import Registration
from db.events.queries import counts_for, questions_of
from db.validators import mask_mobile, mask_name
from views.access import role_required
from views.auth import MobileField, mobile_number
from views.events.common import add_error, event_or_404, person_from
from views.events.forms import (
    SubmissionKeyMixin,
    answers_from,
    optional_text,
    required_text,
    with_questions,
)
from views.i18n import LANGUAGE_COOKIE
from views.pages import render_page

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")

kiosk_required = role_required("kiosk", "admin", "staff")
CHECK_IN_TOKEN_SECONDS = 120
DEFAULT_LANGUAGE = "zh_CN"  # what the next visitor sees after an automatic return to start

REFUSALS = {
    "unknown_code": _l("We could not find this code. Check it and try again, or ask at the desk."),
    "not_today": _l("This code is not for an event taking place today."),
    "not_checkable": _l("This registration cannot be checked in here. Please ask at the desk."),
    "already_checked_in": _l("This registration is already checked in. Welcome!"),
    "no_registration_today": _l("No registration for today was found for this mobile number."),
    "expired": _l("That took a little too long. Please start again."),
    # Course sign-in: one answer for an unknown mobile and for someone not on the course,
    # so the screen reveals nothing about who is enrolled.
    "course_not_found": _l(
        "We could not sign you in with this code and mobile number. Check both, or ask at the desk."
    ),
    "sign_in_not_yet": _l("Signing in opens 30 minutes before the session starts."),
    "sign_in_closed": _l("Signing in for this session has closed. Please ask the course staff."),
    # Sign-in by mobile alone: one answer for an unknown mobile, someone not enrolled and
    # nothing open now.
    "course_nothing_open": _l(
        "We found no course session open for sign-in now with this mobile number. "
        "Check it, or ask at the desk."
    ),
}


class CodeForm(FlaskForm):
    code = StringField(_l("Registration code"), [DataRequired(), Length(max=40)])


class MobileForm(FlaskForm):
    mobile = MobileField(_l("Mobile number"), [DataRequired(), mobile_number])


class ConfirmForm(FlaskForm):
    token = HiddenField(validators=[DataRequired()])


class CourseSignInForm(FlaskForm):
    """The mobile on the keypad; the session code shown in the room is optional."""

    mobile = MobileField(_l("Mobile number"), [DataRequired(), mobile_number])
    code = StringField(
        _l("Session code (optional, shown in the room)"), [Optional(), Length(max=40)]
    )


class WalkUpForm(FlaskForm, SubmissionKeyMixin):
    """Registering on the spot: few fields, the mobile from the keypad."""

    name = required_text(_l("Name"), 50)
    mobile = MobileField(_l("Mobile number"), [DataRequired(), mobile_number])
    enterprise = required_text(_l("Enterprise"), 100)
    position = optional_text(_l("Position (optional)"), 50)
    consent = BooleanField(
        _l("I agree to my details being used for this event (see the privacy notice)."),
        [DataRequired(message=_l("Please agree to the privacy notice to register."))],
    )


@bp.after_request
def no_store(response):
    """Back or history must never show the previous person's screen."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.context_processor
def kiosk_settings():
    """The idle timeout every kiosk screen counts down from."""
    return dict(idle_seconds=current_app.config["KIOSK_IDLE_SECONDS"])


def _signer(salt="kiosk-check-in"):
    return URLSafeTimedSerializer(current_app.secret_key, salt=salt)


@bp.route("/")
@kiosk_required
def start():
    """The start screen: today's and this week's events, and the four actions.

    `?reset=1` (an automatic return: idle, or after a result) puts the kiosk back in its
    default language, so the next visitor does not get the previous person's choice.
    """
    if request.args.get("reset"):
        response = redirect(url_for("kiosk.start"))
        response.set_cookie(
            LANGUAGE_COOKIE,
            DEFAULT_LANGUAGE,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            httponly=True,
        )
        return response
    events = kiosk.events_this_week()
    return render_page(
        "kiosk/start.html",
        events=events,
        figures=counts_for([e.id for e in events]),
        sessions=kiosk.sessions_this_week(),
    )


@bp.route("/check-in", methods=["GET", "POST"])
@kiosk_required
def check_in():
    """Check in with a registration code, typed or scanned (a scanner types it and Enter)."""
    form = CodeForm()
    refusal = None
    if form.validate_on_submit():
        try:
            registration = kiosk.check_in_by_code(form.code.data)
        except kiosk.KioskRefusal as exc:
            refusal = REFUSALS[exc.code]
        else:
            return checked_in(registration)
    status = 422 if form.is_submitted() else 200
    form.code.data = ""  # never echo a code back onto the screen
    return render_page("kiosk/check_in.html", form=form, refusal=refusal, status=status)


@bp.route("/check-in/mobile", methods=["GET", "POST"])
@kiosk_required
def check_in_by_mobile():
    """Find today's registrations by mobile number typed on the keypad."""
    form = MobileForm()
    found, refusal = None, None
    if form.validate_on_submit():
        found = kiosk.todays_registrations(form.mobile.data)
        if not found:
            refusal = REFUSALS["no_registration_today"]
    masked = mask_mobile(form.mobile.data or "") if found else ""
    if refusal:
        form.mobile.data = ""  # a refusal leaves no mobile number on the screen
    status = 422 if form.is_submitted() and not found else 200
    signer = _signer()
    choices = [
        dict(
            token=signer.dumps(r.id),
            name=mask_name(r.name),
            event=r.event,
            checked_in=r.checked_in_at is not None,
        )
        for r in found or []
    ]
    return render_page(
        "kiosk/check_in_mobile.html",
        form=form,
        choices=choices,
        masked=masked,
        confirm_form=ConfirmForm(),
        refusal=refusal,
        status=status,
    )


@bp.route("/check-in/confirm", methods=["POST"])
@kiosk_required
def confirm_check_in():
    """Check in one of the registrations found by mobile (a signed, short-lived token)."""
    form = ConfirmForm()
    try:
        registration_id = _signer().loads(form.token.data or "", max_age=CHECK_IN_TOKEN_SECONDS)
        registration = Registration.get_or_none(Registration.id == int(registration_id))
        registration = kiosk.check_in_registration(registration)
    except (BadSignature, ValueError, TypeError):
        return render_page("kiosk/refused.html", message=REFUSALS["expired"], status=422)
    except kiosk.KioskRefusal as exc:
        return render_page("kiosk/refused.html", message=REFUSALS[exc.code], status=422)
    return checked_in(registration)


def checked_in(registration):
    """The success screen: masked name and the event, then back to start."""
    return render_page(
        "kiosk/checked_in.html",
        name=mask_name(registration.name),
        event=registration.event,
    )


@bp.route("/register")
@kiosk_required
def register_choose():
    """Choose an event whose registration is open, this week."""
    events = kiosk.events_open_for_walk_up()
    return render_page(
        "kiosk/register_choose.html", events=events, figures=counts_for([e.id for e in events])
    )


@bp.route("/register/<int:event_id>", methods=["GET", "POST"])
@kiosk_required
def register(event_id):
    """Register on the spot: name, mobile on the keypad, enterprise by touch or typed."""
    event = event_or_404(event_id)
    questions = questions_of(event)
    form = with_questions(WalkUpForm, questions)()
    if form.validate_on_submit():
        language = "en" if str(get_locale()) == "en" else "zh_CN"
        try:
            registration, created = registrations.register(
                event.id,
                person_from(form),
                answers_from(form),
                source="kiosk",
                language=language,
                submission_key=form.submission_key.data,
            )
        except EventError as exc:
            add_error(form, exc)
        else:
            return render_page(
                "kiosk/registered.html",
                registration=registration,
                created=created,
                name=mask_name(registration.name),
                event=event,
            )
    status = 422 if form.is_submitted() else 200
    partners = (
        Enterprise.select(Enterprise.name)
        .where(Enterprise.is_partner)
        .order_by(Enterprise.name)
        .limit(8)
    )
    return render_page(
        "kiosk/register.html",
        event=event,
        form=form,
        partners=partners,
        state=event.registration_state(),
        status=status,
    )


@bp.route("/course", methods=["GET", "POST"])
@kiosk_required
def course():
    """Sign in to a course session: the mobile on the keypad, with the session code or not.

    With a code: that session. Without: the person's sessions open for sign-in now, to tap.
    Unknown mobile, not enrolled and nothing open get the same answer.
    """
    from db.training.attendance import open_sessions_for, person_by_mobile
    from db.training.errors import TrainingError

    form = CourseSignInForm()
    refusal, choices = None, []
    if form.validate_on_submit():
        person = person_by_mobile(form.mobile.data)
        if form.code.data:
            try:
                if person is None:
                    raise TrainingError("not_enrolled")
                mark = _sign_in(form.code.data, person)
            except TrainingError as exc:
                refusal = REFUSALS.get(exc.code, REFUSALS["course_not_found"])
            else:
                return signed_in(person, mark.session)
        else:
            sessions = open_sessions_for(person)[: kiosk.KIOSK_LIST_LIMIT] if person else []
            signer = _signer("kiosk-course")
            choices = [dict(token=signer.dumps([person.id, s.id]), session=s) for s in sessions]
            if not choices:
                refusal = REFUSALS["course_nothing_open"]
    status = 422 if form.is_submitted() and not choices else 200
    masked = mask_mobile(form.mobile.data or "") if choices else ""
    form.code.data = ""
    if refusal:
        form.mobile.data = ""  # a refusal leaves no mobile number on the screen
    return render_page(
        "kiosk/course.html",
        form=form,
        choices=choices,
        name=mask_name(person.name) if choices else "",
        masked=masked,
        confirm_form=ConfirmForm(),
        refusal=refusal,
        status=status,
    )


@bp.route("/course/confirm", methods=["POST"])
@kiosk_required
def confirm_course_sign_in():
    """Sign in to one of the sessions found by mobile (a signed, short-lived token)."""
    from db.accounts import User
    from db.training.errors import TrainingError
    from db.training.models import CourseSession

    form = ConfirmForm()
    back = url_for("kiosk.course")
    try:
        person_id, session_id = _signer("kiosk-course").loads(
            form.token.data or "", max_age=CHECK_IN_TOKEN_SECONDS
        )
        person = User.get_or_none(User.id == int(person_id), User.active == True)  # noqa: E712
        session = CourseSession.get_or_none(CourseSession.id == int(session_id))
        if person is None or session is None:
            raise TrainingError("not_enrolled")
        mark = _sign_in(session.code, person)
    except (BadSignature, ValueError, TypeError):
        return render_page(
            "kiosk/refused.html", message=REFUSALS["expired"], again=back, status=422
        )
    except TrainingError as exc:
        message = REFUSALS.get(exc.code, REFUSALS["course_not_found"])
        return render_page("kiosk/refused.html", message=message, again=back, status=422)
    return signed_in(person, mark.session)


def _sign_in(code, person):
    """Sign in through the training module's action, the kiosk account recorded as actor."""
    from db.training.attendance import sign_in_by_code

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
    from db.training.queries import open_courses

    base = current_app.config.get("PUBLIC_BASE_URL") or request.url_root
    return render_page(
        "kiosk/courses.html",
        courses=open_courses(limit=kiosk.KIOSK_LIST_LIMIT),
        base_url=base.rstrip("/"),
    )


@bp.route("/notices")
@kiosk_required
def notices():
    """The notice board: upcoming events and the love supermarket's notice for this month."""
    from db.market import reports
    from db.market.periods import current_period

    events = kiosk.events_this_week(limit=6)
    return render_page(
        "kiosk/notices.html",
        events=events,
        disclosure=reports.disclosure(current_period()),
        request_path=request.path,
    )


@bp.route("/notices/market")
@kiosk_required
def market_notice():
    """The love supermarket's monthly notice in the kiosk's frame: large type, charts of six
    months, and a month back or forward by touch (the web page's twelve months)."""
    from db.market.periods import current_period, shift_period
    from views.market.charts import LARGE
    from views.market.common import chosen_period
    from views.market.reports import disclosure_context, month_label

    period, this_month = chosen_period(), current_period()
    earlier, later = shift_period(period, -1), shift_period(period, 1)
    oldest = shift_period(this_month, -11)
    return render_page(
        "kiosk/market_notice.html",
        earlier=(earlier, month_label(earlier)) if earlier >= oldest else None,
        later=(later, month_label(later)) if later <= this_month else None,
        **disclosure_context(period, months=6, size=LARGE),
    )
