"""The directory, its spreadsheet, an enterprise's profile, and its details, contacts and
party organisation."""

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from db import partners
from db.market.periods import local_today
from db.partners import queries
from db.partners.labels import SECTOR_NAMES, STATUS_NAMES
from db.partners.models import PartnerProfile, PartyOrganisation
from db.partners.rules import SECTORS, STATUSES
from views.access import staff_required
from views.exports import xlsx_response
from views.forms import refused
from views.pages import render_page
from views.params import page_number, parse_int
from views.partners import bp
from views.partners.common import (
    REFUSALS,
    contact_or_404,
    enterprise_or_404,
    live_enterprise_or_404,
)
from views.partners.forms import ContactForm, EnterpriseForm, PartyOrganisationForm


def _filters():
    """The directory's search and filters from the query string (unknown values ignored)."""
    q = " ".join(request.args.get("q", "").split())[:50]
    sector = request.args.get("sector", "")
    status = request.args.get("status", "")
    return q, sector if sector in SECTORS else "", status if status in STATUSES else ""


@bp.route("/")
@staff_required
def directory():
    """The directory of enterprises: search as you type, sector and partnership filters."""
    q, sector, status = _filters()
    page = queries.directory(q, sector, status, page_number(request.args))
    return render_page(
        "partners/directory.html",
        block="rows",
        page=page,
        q=q,
        sector=sector,
        partnership=status,
        sectors=SECTORS,
        statuses=STATUSES,
    )


@bp.route("/export.xlsx")
@staff_required
def export():
    """The directory as filtered, as a spreadsheet (formula-safe)."""
    q, sector, status = _filters()
    rows = queries.directory_export(q, sector, status)
    header = [
        _("Enterprise"),
        _("Unified social credit code"),
        _("Sector"),
        _("Partnership"),
        _("Building or park"),
        _("Business address"),
        _("Agreement signed on"),
        _("Agreement runs until"),
        _("Current contacts"),
        _("Last visit"),
    ]
    lines = [
        [
            row.enterprise.name,
            row.enterprise.credit_code or "",
            str(SECTOR_NAMES.get(row.profile.sector or "", "")),
            str(STATUS_NAMES.get(row.profile.status or "none", "")),
            row.profile.location,
            row.profile.address,
            row.profile.agreement_signed_on,
            row.profile.agreement_ends_on,
            row.contacts,
            row.last_visit,
        ]
        for row in rows
    ]
    return xlsx_response(
        _("Partner enterprises %(date)s", date=local_today().isoformat()) + ".xlsx",
        [(_("Partner enterprises"), header, lines)],
    )


def _save(form, enterprise=None):
    """Save the form's enterprise; the enterprise, or None with the errors on the form."""
    try:
        return partners.save_enterprise(
            form.name.data,
            form.credit_code.data or "",
            enterprise.id if enterprise else None,
            sector=form.sector.data or "",
            status=form.status.data or "none",
            location=form.location.data or "",
            address=form.address.data or "",
            agreement_signed_on=form.agreement_signed_on.data,
            agreement_ends_on=form.agreement_ends_on.data,
            notes=form.notes.data or "",
        )
    except partners.PartnerError as error:
        REFUSALS.add(form, error)
        return None


@bp.route("/new", methods=["GET", "POST"])
@staff_required
def create():
    """Add an enterprise to the ledger."""
    form = EnterpriseForm()
    if form.validate_on_submit():
        enterprise = _save(form)
        if enterprise is not None:
            flash(_("%(name)s is in the ledger.", name=enterprise.name), "success")
            return redirect(url_for("partners.profile", enterprise_id=enterprise.id))
    if form.is_submitted():
        return refused("partners/enterprise_form.html", form=form, enterprise=None)
    return render_page("partners/enterprise_form.html", form=form, enterprise=None)


@bp.route("/<int:enterprise_id>/edit", methods=["GET", "POST"])
@staff_required
def update(enterprise_id):
    """Change an enterprise's name, credit code and details."""
    enterprise = live_enterprise_or_404(enterprise_id)
    profile = PartnerProfile.get_or_none(PartnerProfile.enterprise == enterprise.id)
    form = EnterpriseForm(obj=profile if request.method == "GET" else None)
    if request.method == "GET":
        form.name.data, form.credit_code.data = enterprise.name, enterprise.credit_code or ""
        form.status.data = profile.status if profile else "none"
    if form.validate_on_submit() and _save(form, enterprise) is not None:
        flash(_("The details of %(name)s are saved.", name=form.name.data), "success")
        return redirect(url_for("partners.profile", enterprise_id=enterprise.id))
    if form.is_submitted():
        return refused("partners/enterprise_form.html", form=form, enterprise=enterprise)
    return render_page("partners/enterprise_form.html", form=form, enterprise=enterprise)


@bp.route("/<int:enterprise_id>")
@staff_required
def profile(enterprise_id):
    """One enterprise across every module: details, contacts, party organisation, visits,
    events and attendance, courses and certificates, donations, with totals by year."""
    data = queries.enterprise_profile(enterprise_id)
    if data is None:
        return enterprise_or_404(enterprise_id)
    activity = queries.enterprise_activity(enterprise_id)
    return render_page("partners/profile.html", activity=activity, **data)


@bp.route("/<int:enterprise_id>/contacts/new", methods=["GET", "POST"])
@staff_required
def add_contact(enterprise_id):
    """Add a contact person (with their consent)."""
    enterprise = live_enterprise_or_404(enterprise_id)
    form = ContactForm()
    if form.validate_on_submit():
        try:
            partners.add_contact(
                enterprise.id,
                form.name.data,
                form.mobile.data,
                form.email.data,
                form.duty.data,
                form.position.data,
                consent=form.consent.data,
            )
            flash(_("The contact is saved."), "success")
            return redirect(url_for("partners.profile", enterprise_id=enterprise.id) + "#contacts")
        except partners.PartnerError as error:
            REFUSALS.add(form, error)
    if form.is_submitted():
        return refused("partners/contact_form.html", form=form, enterprise=enterprise, contact=None)
    return render_page("partners/contact_form.html", form=form, enterprise=enterprise, contact=None)


@bp.route("/contacts/<int:contact_id>/edit", methods=["GET", "POST"])
@staff_required
def update_contact(contact_id):
    """Correct a contact's details (consent asked again)."""
    contact = contact_or_404(contact_id)
    enterprise = enterprise_or_404(contact.enterprise_id)
    if not contact.active:
        return redirect(url_for("partners.profile", enterprise_id=enterprise.id))
    form = ContactForm(obj=contact if request.method == "GET" else None)
    if request.method == "GET":
        form.consent.data = False
    if form.validate_on_submit():
        try:
            partners.update_contact(
                contact.id,
                form.name.data,
                form.mobile.data,
                form.email.data,
                form.duty.data,
                form.position.data,
                consent=form.consent.data,
            )
            flash(_("The contact is saved."), "success")
            return redirect(url_for("partners.profile", enterprise_id=enterprise.id) + "#contacts")
        except partners.PartnerError as error:
            REFUSALS.add(form, error)
    if form.is_submitted():
        return refused(
            "partners/contact_form.html", form=form, enterprise=enterprise, contact=contact
        )
    return render_page(
        "partners/contact_form.html", form=form, enterprise=enterprise, contact=contact
    )


@bp.route("/contacts/<int:contact_id>/end", methods=["POST"])
@staff_required
def end_contact(contact_id):
    """Record that a person is no longer the enterprise's contact."""
    contact = contact_or_404(contact_id)
    try:
        partners.end_contact(contact.id)
        flash(_("The person is no longer listed as a contact."), "success")
    except partners.PartnerError as error:
        flash(REFUSALS.text(error), "error")
    return redirect(url_for("partners.profile", enterprise_id=contact.enterprise_id) + "#contacts")


@bp.route("/<int:enterprise_id>/party", methods=["GET", "POST"])
@staff_required
def party(enterprise_id):
    """Record an enterprise's party, league and union organisations for a year."""
    enterprise = live_enterprise_or_404(enterprise_id)
    year = parse_int(request.args.get("year"), local_today().year, minimum=2000, maximum=2100)
    existing = PartyOrganisation.get_or_none(
        PartyOrganisation.enterprise == enterprise.id, PartyOrganisation.year == year
    )
    form = PartyOrganisationForm(obj=existing if request.method == "GET" else None)
    if request.method == "GET" and existing is None:
        form.year.data = year
    if form.validate_on_submit():
        try:
            partners.record_party_organisation(
                enterprise.id,
                form.year.data,
                form.party_org.data,
                party_members=form.party_members.data or 0,
                none_reason=form.none_reason.data or "",
                none_note=form.none_note.data or "",
                youth_league=form.youth_league.data,
                youth_members=form.youth_members.data or 0,
                union=form.union.data,
                union_members=form.union_members.data or 0,
                employees=form.employees.data,
            )
            flash(
                _("The party-building figures for %(year)s are saved.", year=form.year.data),
                "success",
            )
            return redirect(url_for("partners.profile", enterprise_id=enterprise.id) + "#party")
        except partners.PartnerError as error:
            REFUSALS.add(form, error)
    if form.is_submitted():
        return refused("partners/party_form.html", form=form, enterprise=enterprise)
    return render_page("partners/party_form.html", form=form, enterprise=enterprise)
