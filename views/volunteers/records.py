"""Volunteer records: a volunteer's own page (hours, passbook points, activities, certificates),
the same page for staff with corrections on request, hour certificates (issue, print,
withdraw) and their public verification page."""

from flask import abort, current_app, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from db.market.periods import local_today
from db.validators import mask_name
from db.volunteers import Volunteer, VolunteerError
from db.volunteers import certificates as certificates_db
from db.volunteers.privacy import ERASED_NAME, correct_volunteer
from db.volunteers.records import volunteer_record
from db.volunteers.teams import volunteer_of
from views import navigation
from views.access import kiosk_allowed, role_required, staff_required
from views.auth import MobileField, mobile_number
from views.forms import ErrorMessages, refused, single_line
from views.pages import render_page
from views.volunteers import bp

navigation.add("volunteers.mine", _l("My volunteering"), roles=("entrepreneur",))

MESSAGES = ErrorMessages(
    {
        "date_required": _l("Enter the date."),
        "period_reversed": _l("The last day must not be before the first day."),
        "date_in_future": _l("The period cannot end after today."),
        "period_too_long": _l("A certificate covers at most %(years)s years."),
        "no_approved_hours": _l(
            "No approved hours fall in this period. Hours count once staff have approved them."
        ),
        "volunteer_erased": _l("This volunteer's details were erased."),
        "unknown_volunteer": _l("This volunteer no longer exists."),
        "unknown_certificate": _l("No certificate has this number."),
        "reason_required": _l("Give the reason."),
        "too_long": _l("At most %(limit)s characters."),
        "already_withdrawn": _l("This certificate was already withdrawn."),
        "name_required": _l("Enter the name."),
        "mobile_invalid": _l("Enter an 11-digit mobile number starting with 1."),
        "mobile_taken": _l("Another volunteer already has this mobile number."),
    }
)

ENTRY_KIND_NAMES = {
    "earned": _l("Earned by approved hours"),
    "correction": _l("Hours corrected"),
    "redeemed": _l("Spent at the love supermarket"),
    "reversal": _l("Redemption reversed"),
}

STATE_NAMES = {
    certificates_db.VALID: _l("Valid"),
    certificates_db.REVISED: _l("No longer current: hours revised"),
    certificates_db.ERASED: _l("No longer current: details erased"),
    certificates_db.WITHDRAWN: _l("Withdrawn"),
}


class CertificateForm(FlaskForm):
    """The period of a new hour certificate."""

    first_day = DateField(_l("First day"), [InputRequired(message=_l("Enter the date."))])
    last_day = DateField(_l("Last day"), [InputRequired(message=_l("Enter the date."))])


class WithdrawForm(FlaskForm):
    """Why staff withdraw a certificate."""

    reason = StringField(
        _l("Reason for withdrawing"),
        [DataRequired(message=_l("Give the reason.")), Length(max=300)],
        filters=[single_line],
    )


class CorrectForm(FlaskForm):
    """A volunteer's corrected name and mobile number (on their request)."""

    name = StringField(
        _l("Name"),
        [DataRequired(message=_l("Enter the name.")), Length(max=50)],
        filters=[single_line],
    )
    mobile = MobileField(_l("Mobile number"), [DataRequired(), mobile_number])


@bp.app_template_filter("hours_of")
def hours_of(minutes):
    """Minutes as hours for people: 3, 2.5 (one decimal)."""
    return certificates_db.hours_text(minutes)


def external_url(endpoint, **values):
    """An absolute URL for printing (PUBLIC_BASE_URL when configured)."""
    base = current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/")
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def certificate_form():
    """The certificate form, offered for this year up to today."""
    first, last = certificates_db.default_period()
    return CertificateForm(formdata=None, first_day=first, last_day=last)


def _record_page(volunteer, staff_view, form=None, correct_form=None, status=200):
    """The record page of `volunteer` (refused forms answer 422 with their errors)."""
    context = dict(
        volunteer=volunteer,
        record=volunteer_record(volunteer, local_today()),
        staff_view=staff_view,
        form=form or certificate_form(),
        correct_form=correct_form
        or (
            CorrectForm(formdata=None, name=volunteer.name, mobile=volunteer.mobile)
            if staff_view and volunteer.name != ERASED_NAME
            else None
        ),
        state_names=STATE_NAMES,
        entry_kind_names=ENTRY_KIND_NAMES,
        erased=volunteer.name == ERASED_NAME,
    )
    if status == 422:
        return refused("volunteers/record.html", **context)
    return render_page("volunteers/record.html", **context)


def _issue(volunteer, staff_view):
    """Issue a certificate from the submitted form; to its print page, or the refusal."""
    form = CertificateForm()
    if form.validate_on_submit():
        try:
            certificate, created = certificates_db.issue_certificate(
                volunteer.id, form.first_day.data, form.last_day.data, actor=current_user
            )
        except VolunteerError as error:
            MESSAGES.add(form, error)
        else:
            if created:
                flash(_("Certificate %(number)s issued.", number=certificate.number), "success")
            else:
                flash(
                    _(
                        "Certificate %(number)s already covers these hours: here it is.",
                        number=certificate.number,
                    ),
                    "info",
                )
            return redirect(url_for("volunteers.print_certificate", number=certificate.number))
    elif "csrf_token" in form.errors:
        abort(400)
    return _record_page(volunteer, staff_view, form=form, status=422)


@bp.route("/me")
@role_required("entrepreneur", "staff", "admin")
def mine():
    """The signed-in person's volunteering: hours, points, activities, certificates."""
    volunteer = volunteer_of(current_user)
    if volunteer is None:
        return render_page("volunteers/record.html", volunteer=None, record=None, staff_view=False)
    return _record_page(volunteer, staff_view=False)


@bp.route("/me/certificates", methods=["POST"])
@role_required("entrepreneur", "staff", "admin")
def issue_mine():
    """The signed-in volunteer asks for an hour certificate over a period."""
    volunteer = volunteer_of(current_user)
    if volunteer is None:
        abort(404)
    return _issue(volunteer, False)


def volunteer_or_404(volunteer_id):
    """The volunteer with this id, or 404."""
    volunteer = Volunteer.get_or_none(Volunteer.id == volunteer_id)
    if volunteer is None:
        abort(404)
    return volunteer


@bp.route("/records/<int:volunteer_id>")
@staff_required
def record(volunteer_id):
    """A volunteer's record for staff: the volunteer's own page, certificates, corrections."""
    return _record_page(volunteer_or_404(volunteer_id), staff_view=True)


@bp.route("/records/<int:volunteer_id>/certificates", methods=["POST"])
@staff_required
def issue_for(volunteer_id):
    """Staff issue an hour certificate for a volunteer."""
    volunteer = volunteer_or_404(volunteer_id)
    return _issue(volunteer, True)


@bp.route("/records/<int:volunteer_id>/correct", methods=["POST"])
@staff_required
def correct(volunteer_id):
    """Correct a volunteer's name and mobile number on their request (audited)."""
    volunteer = volunteer_or_404(volunteer_id)
    form = CorrectForm()
    if form.validate_on_submit():
        try:
            correct_volunteer(volunteer.id, form.name.data, form.mobile.data, actor=current_user)
        except VolunteerError as error:
            MESSAGES.add(form, error)
        else:
            flash(_("The volunteer's details were corrected."), "success")
            return redirect(url_for("volunteers.record", volunteer_id=volunteer.id))
    elif "csrf_token" in form.errors:
        abort(400)
    return _record_page(volunteer, True, correct_form=form, status=422)


def certificate_or_404(number):
    """The certificate with this number, or 404."""
    certificate = certificates_db.certificate_by_number(number)
    if certificate is None:
        abort(404)
    return certificate


@bp.route("/certificates/<number>")
@kiosk_allowed
def verify_certificate(number):
    """Public check of an hour certificate: current or not, period, hours, masked name."""
    certificate = certificates_db.certificate_by_number(number)
    return render_page(
        "volunteers/verify.html",
        certificate=certificate,
        state=certificates_db.certificate_state(certificate) if certificate else None,
        number=number[:40],
        masked_name=mask_name(certificate.holder_name)
        if certificate and certificate.holder_name != ERASED_NAME
        else "",
        status=200 if certificate else 404,
    )


@bp.route("/certificates/<number>/print")
@role_required("entrepreneur", "staff", "admin")
def print_certificate(number):
    """The printable hour certificate (A4 landscape), for its holder and for staff."""
    certificate = certificate_or_404(number)
    if not current_user.is_staff:
        mine = volunteer_of(current_user)
        if mine is None or mine.id != certificate.volunteer_id:
            abort(404)
    return render_page(
        "volunteers/certificate.html",
        certificate=certificate,
        state=certificates_db.certificate_state(certificate),
        state_names=STATE_NAMES,
        verify_url=external_url("volunteers.verify_certificate", number=certificate.number),
        withdraw_form=WithdrawForm(formdata=None),
    )


@bp.route("/certificates/<number>/withdraw", methods=["POST"])
@staff_required
def withdraw_certificate(number):
    """Staff withdraw a certificate with a reason (the verification page then says so)."""
    certificate = certificate_or_404(number)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            certificates_db.revoke_certificate(certificate.number, form.reason.data, current_user)
        except VolunteerError as error:
            MESSAGES.add(form, error)
        else:
            flash(_("Certificate %(number)s withdrawn.", number=certificate.number), "success")
            return redirect(url_for("volunteers.print_certificate", number=certificate.number))
    elif "csrf_token" in form.errors:
        abort(400)
    return refused(
        "volunteers/certificate.html",
        certificate=certificate,
        state=certificates_db.certificate_state(certificate),
        state_names=STATE_NAMES,
        verify_url=external_url("volunteers.verify_certificate", number=certificate.number),
        withdraw_form=form,
    )
