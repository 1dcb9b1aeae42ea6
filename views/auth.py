"""Signing up, in and out; the account page; the language switch."""

from flask import Blueprint, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError

from db import accounts
from db.accounts import LANGUAGES, AccountError, Enterprise, User
from db.validators import is_credit_code, is_mobile, normalise_mobile
from views.forms import ErrorMessages
from views.i18n import LANGUAGE_COOKIE, LANGUAGE_NAMES
from views.pages import render_page, safe_next

bp = Blueprint("auth", __name__)

ACCOUNT_MESSAGES = ErrorMessages(
    {
        "username_invalid": _l("Use letters, digits, dot, dash or underscore."),
        "username_taken": _l("This username is already in use."),
        "name_invalid": _l("Enter a name of at most 50 characters."),
        "mobile_invalid": _l("Enter an 11-digit mainland mobile number, like 13800001234."),
        "mobile_taken": _l("An account with this mobile number already exists. Log in instead."),
        "password_too_short": _l("Use at least 8 characters."),
        "wrong_password": _l("The current password is not right."),
        "credit_code_mismatch": _l(
            "An enterprise with this name is registered with a different credit code."
        ),
        "throttled": _l(
            "Too many failed attempts. Logging in is paused for 15 minutes; please try again later."
        ),
        "cannot_deactivate_self": _l("You cannot deactivate your own account."),
        "unknown_role": _l("Choose a role."),
        "unknown_language": _l("Choose a language."),
    }
)


class MobileField(StringField):
    """A mainland mobile number, normalised (spaces, dashes, +86 removed) before validation."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.data = normalise_mobile(self.data)


def mobile_number(form, field):
    if not is_mobile(field.data):
        raise ValidationError(_("Enter an 11-digit mainland mobile number, like 13800001234."))


def credit_code(form, field):
    field.data = (field.data or "").strip().upper()
    if field.data and not is_credit_code(field.data):
        raise ValidationError(
            _("This is not a valid unified social credit code (18 characters; check the last).")
        )


class LoginForm(FlaskForm):
    username = StringField(_l("Mobile number or username"), [DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), [DataRequired(), Length(max=200)])


class SignupForm(FlaskForm):
    name = StringField(_l("Your name"), [DataRequired(), Length(max=50)])
    mobile = MobileField(_l("Mobile number"), [DataRequired(), mobile_number])
    enterprise = StringField(_l("Enterprise name"), [DataRequired(), Length(max=100)])
    credit_code = StringField(
        _l("Unified social credit code (optional)"), [Optional(), Length(max=18), credit_code]
    )
    position = StringField(_l("Position (optional)"), [Optional(), Length(max=50)])
    password = PasswordField(
        _l("Password"),
        [DataRequired(), Length(min=8, max=200, message=_l("Use at least 8 characters."))],
    )
    consent = BooleanField(
        _l("I have read the privacy notice and agree to my details being used for registration."),
        [DataRequired(message=_l("Please agree to the privacy notice to sign up."))],
    )

    def validate_mobile(self, field):
        if User.select().where(User.mobile == field.data).exists():
            raise ValidationError(ACCOUNT_MESSAGES.messages["mobile_taken"])


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), [DataRequired()])
    password = PasswordField(
        _l("New password"),
        [DataRequired(), Length(min=8, max=200, message=_l("Use at least 8 characters."))],
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        [DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )


class LanguageForm(FlaskForm):
    language = RadioField(
        _l("Language"), choices=[SelectChoice(code, LANGUAGE_NAMES[code]) for code in LANGUAGES]
    )


def start_session(user):
    """Sign `user` in on a fresh session (no fixation); the kiosk stays signed in for days."""
    language_cookie = session.get("_lang")
    session.clear()
    if language_cookie:
        session["_lang"] = language_cookie
    is_kiosk = user.role == "kiosk"
    session.permanent = not is_kiosk
    login_user(user, remember=is_kiosk)


def client_address():
    """The client's address as the throttle sees it: behind a proxy, its X-Forwarded-For is
    trusted only when PROXY_FIX_X_FOR is set (app.py applies werkzeug's ProxyFix)."""
    return request.remote_addr or "unknown"


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in with a mobile number (entrepreneurs) or a username (staff, kiosk)."""
    form = LoginForm()
    next_url = request.args.get("next", "")
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.username.data, form.password.data, client_address())
        except AccountError as exc:
            ACCOUNT_MESSAGES.add(form, exc)
            return render_page("auth/login.html", form=form, next_url=next_url, status=429)
        if user is None:
            form.form_errors.append(_("The mobile number/username or password is not right."))
            return render_page("auth/login.html", form=form, next_url=next_url, status=422)
        start_session(user)
        if user.role == "kiosk":
            return redirect(url_for("kiosk.start"))
        return redirect(safe_next(next_url))
    status = 422 if form.is_submitted() else 200
    return render_page("auth/login.html", form=form, next_url=next_url, status=status)


@bp.route("/logout", methods=["POST"])
def logout():
    """End the session (POST only; CSRFProtect checks the token), server side too."""
    if current_user.is_authenticated:
        accounts.end_login_session(current_user)
    logout_user()
    session.clear()
    flash(_("You have logged out."), "success")
    return redirect(url_for("main.home"))


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    """An entrepreneur creates their own account."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignupForm()
    if form.validate_on_submit():
        try:
            user = accounts.sign_up_entrepreneur(
                name=form.name.data,
                mobile=form.mobile.data,
                enterprise_name=form.enterprise.data,
                password=form.password.data,
                credit_code=form.credit_code.data,
                position=form.position.data or "",
            )
        except AccountError as exc:
            ACCOUNT_MESSAGES.add(form, exc)
        else:
            start_session(user)
            flash(_("Welcome, %(name)s. Your account is ready.", name=user.name), "success")
            return redirect(url_for("main.home"))
    status = 422 if form.is_submitted() else 200
    partners = (
        Enterprise.select(Enterprise.name).where(Enterprise.is_partner).order_by(Enterprise.name)
    )
    return render_page("auth/signup.html", form=form, partners=partners.limit(200), status=status)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """Change one's password or language preference."""
    password_form = PasswordForm(prefix="pw")
    language_form = LanguageForm(prefix="lang", language=current_user.language or "zh_CN")
    status = 200
    if request.method == "POST":
        if "pw-password" in request.form and password_form.validate_on_submit():
            try:
                accounts.change_password(
                    current_user, password_form.current_password.data, password_form.password.data
                )
            except AccountError as exc:
                ACCOUNT_MESSAGES.add(password_form, exc)
            else:
                flash(_("Your password has been changed."), "success")
                return redirect(url_for("auth.account"))
        elif "lang-language" in request.form and language_form.validate_on_submit():
            accounts.set_language(current_user, language_form.language.data)
            g.language_override = language_form.language.data
            flash(_("Language preference saved."), "success")
            return redirect(url_for("auth.account"))
        status = 422
    return render_page(
        "auth/account.html",
        password_form=password_form,
        language_form=language_form,
        status=status,
    )


@bp.route("/language/<code>", methods=["POST"])
def language(code):
    """Switch language: remembered in a cookie, and as the preference of a signed-in user."""
    if code not in LANGUAGES:
        return redirect(url_for("main.home"))
    # The kiosk is shared: its language lives in the cookie only, never in the account.
    if current_user.is_authenticated and current_user.role != "kiosk":
        accounts.set_language(current_user, code)
    response = redirect(safe_next(request.form.get("next")))
    response.set_cookie(
        LANGUAGE_COOKIE,
        code,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        httponly=True,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response
