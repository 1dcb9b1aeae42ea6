"""Check in for today's event: a registration code typed or scanned, or the mobile number."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from itsdangerous import BadSignature
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from db import kiosk
from db.events.models import Registration
from db.kiosk import KioskRefusal
from db.validators import mask_mobile, mask_name
from views.auth import MobileField, mobile_number
from views.forms import refused
from views.kiosk import bp
from views.kiosk.common import (
    MESSAGES,
    TOKEN_SECONDS,
    ConfirmForm,
    kiosk_required,
    refusal_screen,
    signer,
)
from views.pages import render_page

SALT = "kiosk-check-in"


class CodeForm(FlaskForm):
    code = StringField(_l("Registration code"), [DataRequired(), Length(max=40)])


class MobileForm(FlaskForm):
    mobile = MobileField(_l("Mobile number"), [DataRequired(), mobile_number])


@bp.route("/check-in", methods=["GET", "POST"])
@kiosk_required
def check_in():
    """Check in with a registration code, typed or scanned (a scanner types it and Enter)."""
    form = CodeForm()
    refusal = None
    if form.validate_on_submit():
        try:
            return checked_in(kiosk.check_in_by_code(form.code.data))
        except KioskRefusal as exc:
            refusal = MESSAGES.text(exc)
    form.code.data = ""  # never echo a code back onto the screen
    if form.is_submitted():
        return refused("kiosk/check_in.html", form=form, refusal=refusal)
    return render_page("kiosk/check_in.html", form=form)


@bp.route("/check-in/mobile", methods=["GET", "POST"])
@kiosk_required
def check_in_by_mobile():
    """Find today's registrations by mobile number typed on the keypad."""
    form = MobileForm()
    if not form.validate_on_submit():
        if form.is_submitted():
            return refused("kiosk/check_in_mobile.html", form=form)
        return render_page("kiosk/check_in_mobile.html", form=form)
    found = kiosk.todays_registrations(form.mobile.data)
    if not found:
        form.mobile.data = ""  # a refusal leaves no mobile number on the screen
        refusal = MESSAGES.text(KioskRefusal("no_registration_today"))
        return refused("kiosk/check_in_mobile.html", form=form, refusal=refusal)
    tokens = signer(SALT)
    choices = [
        dict(
            token=tokens.dumps(r.id),
            name=mask_name(r.name),
            event=r.event,
            checked_in=r.checked_in_at is not None,
        )
        for r in found
    ]
    return render_page(
        "kiosk/check_in_mobile.html",
        form=form,
        choices=choices,
        masked=mask_mobile(form.mobile.data),
        confirm_form=ConfirmForm(),
    )


@bp.route("/check-in/confirm", methods=["POST"])
@kiosk_required
def confirm_check_in():
    """Check in one of the registrations found by mobile (a signed, short-lived token)."""
    form = ConfirmForm()
    try:
        registration_id = signer(SALT).loads(form.token.data or "", max_age=TOKEN_SECONDS)
        registration = Registration.get_or_none(Registration.id == int(registration_id))
        registration = kiosk.check_in_registration(registration)
    except KioskRefusal as exc:  # before ValueError: a DomainError is one
        return refusal_screen(exc.code)
    except (BadSignature, ValueError, TypeError):
        return refusal_screen("expired")
    return checked_in(registration)


def checked_in(registration):
    """The success screen: masked name and the event, then back to start."""
    return render_page(
        "kiosk/checked_in.html",
        name=mask_name(registration.name),
        event=registration.event,
    )
