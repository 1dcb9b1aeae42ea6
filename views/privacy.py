"""Staff handle requests about personal data: see and export everything held about one
person (found by mobile number), correct account details, or erase them.

The mobile number travels only in POST bodies, never in a URL. Staff handle entrepreneurs;
an administrator, staff or kiosk account's data is corrected or erased only by an admin.
"""

from datetime import date, datetime

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length

from db import privacy
from db.accounts import account_by_mobile
from db.validators import mask_mobile
from views.access import staff_required
from views.auth import MobileField, mobile_number
from views.calendar import utc_to_local
from views.exports import xlsx_response
from views.forms import refused
from views.i18n import date_filter, datetime_filter
from views.pages import render_page

bp = Blueprint("privacy", __name__, url_prefix="/staff/personal-data")


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


class LookupForm(FlaskForm):
    mobile = MobileField(_l("Mobile number"), [DataRequired(), mobile_number])


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
        sections = privacy.export_person(form.mobile.data, audited_as="privacy.lookup")
        account = account_by_mobile(form.mobile.data)
    may_change = privacy.may_handle(current_user, account)
    return (refused if form.is_submitted() and form.errors else render_page)(
        "privacy/lookup.html",
        form=form,
        sections=sections,
        masked=mask_mobile(form.mobile.data or ""),
        may_change=may_change,
        erase_form=EraseForm(mobile=form.mobile.data, formdata=None),
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
    for title, rows in privacy.export_person(form.mobile.data, audited_as="privacy.export"):
        header = [str(label) for label in rows[0]]
        sheets.append((str(title), header, [[local(v) for v in r.values()] for r in rows]))
    if not sheets:
        sheets = [("none", [_("Nothing is held about this mobile number.")], [])]
    return xlsx_response("personal-data.xlsx", sheets)


def local(value):
    """A stored (UTC) time as Shanghai wall-clock time for a spreadsheet cell."""
    return utc_to_local(value).replace(microsecond=0) if isinstance(value, datetime) else value


@bp.route("/correct", methods=["POST"])
@staff_required
def correct():
    """Correct the name and position on a person's account."""
    form = CorrectForm()
    account = account_by_mobile(form.mobile.data)
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
        counts = privacy.erase_person(form.mobile.data, form.reason.data, actor=current_user)
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
