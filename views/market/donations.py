"""Donations (record, list, detail, printable acknowledgement) and donors (list, history)."""

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from db import market
from db.market import queries
from db.market.donations import donation_lines, donor_history, enterprise_names
from db.market.ledger import MarketError
from db.market.models import Donation, Donor
from db.market.numerals import capital_amount
from db.market.periods import local_today
from views.access import staff_required
from views.forms import MoneyField, WholeNumberField, refused
from views.market import bp
from views.market.common import DONOR_KIND_NAMES, MESSAGES, acting_user, item_label
from views.pages import render_page
from views.params import page_number, parse_int

MIN_LINES = 3
MAX_LINES = 30


class GoodsLineForm(Form):
    """One line of goods: item, quantity, value per unit (blank: the item's reference value)."""

    item = SelectField(_l("Item"), choices=[], validate_choice=False)
    quantity = WholeNumberField(
        _l("Quantity"),
        [Optional(), NumberRange(min=1, max=100_000, message=_l("Enter 1 or more."))],
    )
    unit_value = MoneyField(_l("Value per unit (yuan)"), [Optional()])

    def validate(self, extra_validators=None):
        """Each field on its own, then: an item needs a quantity and a quantity an item."""
        valid = super().validate(extra_validators)
        if self.item.data and parse_int(self.item.data) is None:
            self.item.errors.append(_("Choose an item from the catalogue."))
            valid = False
        if self.item.data and self.quantity.data is None and not self.quantity.errors:
            self.quantity.errors.append(_("Enter the quantity."))
            valid = False
        if self.quantity.data is not None and not self.item.data:
            self.item.errors.append(_("Choose the item for this quantity."))
            valid = False
        return valid


class DonationForm(FlaskForm):
    """A donation: donor, date, goods lines, money, note, and naming in the notice."""

    donor_kind = RadioField(
        _l("The donor is"),
        choices=[SelectChoice(k, DONOR_KIND_NAMES[k]) for k in ("enterprise", "person")],
        default="enterprise",
    )
    donor_name = StringField(
        _l("Donor name"), [DataRequired(message=_l("Enter the donor's name.")), Length(max=100)]
    )
    contact = StringField(_l("Contact (optional)"), [Optional(), Length(max=100)])
    donated_on = DateField(
        _l("Date of the donation"), [DataRequired(message=_l("Enter the date."))]
    )
    lines = FieldList(FormField(GoodsLineForm), min_entries=MIN_LINES, max_entries=MAX_LINES)
    money = MoneyField(_l("Money (yuan, optional)"), [Optional()])
    consent = BooleanField(
        _l("The donor has seen the privacy notice and agrees to their name and contact being kept")
    )
    named = BooleanField(_l("Name the donor in the public notice (the donor agreed)"))
    note = TextAreaField(_l("Note (optional)"), [Optional(), Length(max=300)])

    def validate_consent(self, field):
        """A person's name and contact are kept only with their consent to the notice."""
        if self.donor_kind.data == "person" and not field.data:
            raise ValidationError(_("A person donor must agree to the privacy notice."))

    def validate_donated_on(self, field):
        """No donation dated after today (Asia/Shanghai)."""
        if field.data and field.data > local_today():
            raise ValidationError(_("The date cannot be in the future."))


def fill_item_choices(lines_field, active_only=True):
    """Give every goods line the catalogue as its choices."""
    goods = list(queries.catalogue_items(active_only))
    choices = [("", _("Choose an item"))] + [(str(item.id), item_label(item)) for item in goods]
    references = {str(item.id): item.reference_value for item in goods}
    for entry in lines_field:
        entry.item.choices = choices
    return references


def goods_lines(lines_field, references):
    """[(item id, quantity, unit value fen)] of the filled-in lines."""
    lines = []
    for entry in lines_field:
        if entry.item.data and entry.quantity.data:
            value = entry.unit_value.data
            if value is None:
                value = references.get(entry.item.data, 0)
            lines.append((int(entry.item.data), entry.quantity.data, value))
    return lines


def add_line_requested(form):
    """True when the person pressed "add a line" (the form comes back with one more)."""
    if "add_line" in request.form and len(form.lines) < MAX_LINES:
        form.lines.append_entry()
        return True
    return False


@bp.route("/donations")
@staff_required
def donations():
    """Donations, newest first; search by donor or receipt number."""
    q = request.args.get("q", "").strip()[: queries.MAX_SEARCH]
    listing, reversed_ids = queries.donations_page(page_number(request.args), search=q)
    return render_page(
        "market/donations.html", block="rows", listing=listing, reversed_ids=reversed_ids, q=q
    )


@bp.route("/donations/new", methods=["GET", "POST"])
@staff_required
def create_donation():
    """Record a donation of goods and/or money; the receipt number is given on saving."""
    form = DonationForm(donated_on=local_today())
    references = fill_item_choices(form.lines)
    if request.method == "POST" and add_line_requested(form):
        fill_item_choices(form.lines)
        return render_page("market/donation_form.html", form=form, enterprises=enterprise_names())
    if form.validate_on_submit():
        lines = goods_lines(form.lines, references)
        try:
            if not lines and not form.money.data:
                raise MarketError("empty_donation")
            donation = market.record_donation(
                form.donor_kind.data,
                form.donor_name.data,
                form.donated_on.data,
                lines=lines,
                money=form.money.data or 0,
                named=form.named.data,
                note=form.note.data or "",
                contact=form.contact.data or "",
                consent=form.donor_kind.data == "person" and form.consent.data,
                actor=acting_user(),
            )
        except MarketError as exc:
            MESSAGES.add(form, exc)
        else:
            flash(
                _("Donation recorded with receipt number %(number)s.", number=donation.receipt_no),
                "success",
            )
            return redirect(url_for("market.donation", donation_id=donation.id))
    context = dict(form=form, enterprises=enterprise_names())
    if form.is_submitted():
        return refused("market/donation_form.html", **context)
    return render_page("market/donation_form.html", **context)


def get_donation(donation_id):
    """The donation with its donor and the account that recorded it, or 404."""
    return queries.document(Donation, donation_id) or abort(404)


@bp.route("/donations/<int:donation_id>")
@staff_required
def donation(donation_id):
    """One donation: donor, goods, money, total, and its reversal if it has one."""
    donation = get_donation(donation_id)
    return render_page(
        "market/donation.html",
        donation=donation,
        lines=donation_lines(donation),
        reversal=queries.reversal_of(donation=donation.id),
    )


@bp.route("/donations/<int:donation_id>/certificate")
@staff_required
def certificate(donation_id):
    """The printable A4 acknowledgement (捐赠证书), the total also in Chinese capitals."""
    donation = get_donation(donation_id)
    return render_page(
        "market/certificate.html",
        donation=donation,
        lines=donation_lines(donation),
        reversal=queries.reversal_of(donation=donation.id),
        capitals=capital_amount(donation.total_value),
    )


@bp.route("/donors")
@staff_required
def donors():
    """Donors by cumulative value, with their honour level."""
    q = request.args.get("q", "").strip()[: queries.MAX_SEARCH]
    listing = queries.donors_page(page_number(request.args), search=q)
    return render_page("market/donors.html", block="rows", listing=listing, q=q)


@bp.route("/donors/<int:donor_id>")
@staff_required
def donor(donor_id):
    """A donor's history, cumulative value and honour level."""
    donor = Donor.get_or_none(Donor.id == donor_id) or abort(404)
    history, count, value, level = donor_history(donor)
    return render_page(
        "market/donor.html",
        donor=donor,
        history=history,
        count=count,
        value=value,
        level=level,
    )
