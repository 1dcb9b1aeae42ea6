"""Staff handle requests about personal data: see and export everything held about one
person (found by mobile number, e-mail address or both), correct account details, or erase
them.

The mobile number and e-mail address travel only in POST bodies, never in a URL. Staff
handle entrepreneurs; an administrator, staff or kiosk account's data is corrected or erased
only by an admin.
"""

import re
from datetime import date, datetime

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from db import privacy
from db.accounts import account_by_mobile
from views.access import staff_required
from views.auth import MobileField, mobile_number
from views.calendar import utc_to_local
from views.exports import xlsx_response
from views.forms import refused, single_line
from views.i18n import date_filter, datetime_filter
from views.pages import render_page

bp = Blueprint("privacy", __name__, url_prefix="/staff/personal-data")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@bp.app_template_global()
def shown(value):
    """A value of a personal-data record as the lookup page shows it: times in
    Asia/Shanghai like every page, nothing for None."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return datetime_filter(value)
    if isinstance(value, date):
        return date_filter(value)
    return value


def admin_only(form):
    """The lookup page saying that only an administrator handles this account (403)."""
    form.form_errors.append(
        _("Only an administrator can correct or erase the details of a staff or admin account.")
    )
    return render_page("privacy/lookup.html", status=403, **lookup_context(form))


def email_address(form, field):
    """A plausible e-mail address, kept in lower case (addresses are matched without case)."""
    field.data = (field.data or "").strip().lower()
    if field.data and not EMAIL_RE.match(field.data):
        raise ValidationError(_("Enter an e-mail address like name@example.com."))


class LookupForm(FlaskForm):
    """Who the request is about: a mobile number, an e-mail address, or both (someone known
    only by an address, such as an enterprise's contact, has no mobile number on file)."""

    mobile = MobileField(_l("Mobile number"), [Optional(), mobile_number])
    email = StringField(
        _l("E-mail address"),
        [Optional(), Length(max=254), email_address],
        filters=[single_line],
    )

    def validate(self, extra_validators=None):
        """Valid fields, and at least one way to find the person."""
        valid = super().validate(extra_validators)
        if valid and not self.mobile.data and not self.email.data:
            self.mobile.errors = [_("Enter a mobile number or an e-mail address.")]
            return False
        return valid


class EraseForm(LookupForm):
    reason = StringField(_l("Reason (the person's request)"), [DataRequired(), Length(max=200)])
    confirm = BooleanField(
        _l("I understand that names, numbers and answers will be removed for good."),
        [DataRequired(message=_l("Tick the box to confirm."))],
    )


class CorrectForm(LookupForm):
    name = StringField(_l("Name"), [DataRequired(), Length(max=50)])
    position = StringField(_l("Position"), [Length(max=50)])


@bp.route("/", methods=["GET", "POST"])
@staff_required
def lookup():
    """Find everything held about one person."""
    form = LookupForm()
    sections, account = None, None
    if form.validate_on_submit():
        sections = privacy.export_person(
            form.mobile.data, audited_as="privacy.lookup", email=form.email.data
        )
        account = account_by_mobile(form.mobile.data) if form.mobile.data else None
    may_change = privacy.may_handle(current_user, account)
    return (refused if form.is_submitted() and form.errors else render_page)(
        "privacy/lookup.html",
        form=form,
        sections=sections,
        masked=privacy.masked_person(form.mobile.data, form.email.data),
        may_change=may_change,
        erase_form=EraseForm(mobile=form.mobile.data, email=form.email.data, formdata=None),
        correct_form=CorrectForm(
            mobile=form.mobile.data,
            name=account.name if account else "",
            position=account.position if account else "",
            formdata=None,
        )
        if account and may_change
        else None,
    )


@bp.route("/export", methods=["POST"])
@staff_required
def export():
    """Download everything held about one person as a spreadsheet (times in Asia/Shanghai)."""
    form = LookupForm()
    if not form.validate_on_submit():
        return lookup_again(form)
    sheets = []
    found = privacy.export_person(
        form.mobile.data, audited_as="privacy.export", email=form.email.data
    )
    for title, rows in found:
        header = [str(label) for label in rows[0]]
        sheets.append((str(title), header, [[local(v) for v in r.values()] for r in rows]))
    if not sheets:
        sheets = [("none", [_("Nothing is held about this person.")], [])]
    return xlsx_response("personal-data.xlsx", sheets)


def local(value):
    """A stored (UTC) time as Shanghai wall-clock time for a spreadsheet cell."""
    return utc_to_local(value).replace(microsecond=0) if isinstance(value, datetime) else value


@bp.route("/correct", methods=["POST"])
@staff_required
def correct():
    """Correct the name and position on a person's account."""
    form = CorrectForm()
    account = account_by_mobile(form.mobile.data) if form.mobile.data else None
    if account is None or not form.validate_on_submit():
        return lookup_again(form)
    try:
        privacy.correct_account(
            account, form.name.data, form.position.data or "", actor=current_user
        )
    except privacy.PrivacyRefused:
        return admin_only(form)
    flash(_("The account details were corrected."), "success")
    return redirect(url_for("privacy.lookup"))


@bp.route("/erase", methods=["POST"])
@staff_required
def erase():
    """Erase a person's details everywhere; counts and ledgers stay."""
    form = EraseForm()
    if not form.validate_on_submit():
        return lookup_again(form)
    try:
        counts = privacy.erase_person(
            form.mobile.data, form.reason.data, actor=current_user, email=form.email.data
        )
    except privacy.PrivacyRefused:
        return admin_only(form)
    flash(
        _("Erased: %(count)s records anonymised.", count=sum(counts.values())),
        "success",
    )
    return redirect(url_for("privacy.lookup"))


def lookup_context(form):
    """The lookup page around a refused form: its errors, nobody's details."""
    return dict(
        form=form, sections=None, masked="", may_change=False, erase_form=None, correct_form=None
    )


def lookup_again(form):
    """The lookup page with the refused form's errors (422)."""
    return refused("privacy/lookup.html", **lookup_context(form))
