"""What the kiosk screens share: who may open them, the refusal messages, signed tokens."""

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from itsdangerous import URLSafeTimedSerializer
from wtforms import HiddenField
from wtforms.validators import DataRequired

from db.kiosk import KioskRefusal
from views.access import role_required
from views.forms import ErrorMessages, refused

kiosk_required = role_required("kiosk", "admin", "staff")
TOKEN_SECONDS = 120  # a choice found by mobile must be tapped within two minutes

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
MESSAGES = ErrorMessages(REFUSALS)


class ConfirmForm(FlaskForm):
    """One tap on a choice found by mobile: its signed, short-lived token."""

    token = HiddenField(validators=[DataRequired()])


def signer(salt):
    """Signs the choices a screen offers, so a token names nothing and expires."""
    return URLSafeTimedSerializer(current_app.secret_key, salt=salt)


def refusal_screen(code, again=None):
    """The refusal screen (422) for a tapped choice that no longer holds."""
    return refused("kiosk/refused.html", message=MESSAGES.text(KioskRefusal(code)), again=again)
