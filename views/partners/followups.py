"""Follow-up work: the visit log (一线跟进, 大回访), recording a visit, moving its needs
along, the reminders of partners not visited for N months, and N itself."""

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from db import partners
from db.market.periods import local_today
from db.partners import queries
from db.partners.models import PartnerContact
from db.partners.rules import FOLLOW_UP_STATES, VISIT_KINDS
from views.access import staff_required
from views.forms import refused
from views.pages import render_page
from views.params import page_number
from views.partners import bp
from views.partners.common import REFUSALS, enterprise_or_404, live_enterprise_or_404, visit_or_404
from views.partners.forms import FollowUpForm, SettingsForm, VisitForm


@bp.route("/visits")
@staff_required
def visits():
    """The visit log, newest first; filter by follow-up state (open: open or in progress)."""
    follow_up = request.args.get("follow_up", "")
    follow_up = follow_up if follow_up in (*FOLLOW_UP_STATES, "open") else ""
    kind = request.args.get("kind", "")
    kind = kind if kind in VISIT_KINDS else ""
    page = queries.visits(follow_up, kind, page_number(request.args))
    return render_page(
        "partners/visits.html",
        block="rows",
        page=page,
        follow_up=follow_up,
        kind=kind,
        kinds=VISIT_KINDS,
        states=FOLLOW_UP_STATES,
    )


@bp.route("/<int:enterprise_id>/visits/new", methods=["GET", "POST"])
@staff_required
def add_visit(enterprise_id):
    """Log a visit or contact with an enterprise."""
    enterprise = live_enterprise_or_404(enterprise_id)
    form = VisitForm()
    contacts = list(
        PartnerContact.select()
        .where(PartnerContact.enterprise == enterprise.id, PartnerContact.active)
        .order_by(PartnerContact.id)
    )
    form.contact.choices = [SelectChoice("", _("Nobody in particular"))] + [
        SelectChoice(str(c.id), f"{c.name}{' · ' + c.duty if c.duty else ''}") for c in contacts
    ]
    if request.method == "GET":
        form.visited_on.data = local_today()
    if form.validate_on_submit():
        contact_id = next((c.id for c in contacts if str(c.id) == form.contact.data), None)
        if form.contact.data and contact_id is None:
            form.contact.errors = [_("Choose one of the enterprise's current contacts.")]
        else:
            try:
                partners.record_visit(
                    enterprise.id,
                    form.visited_on.data,
                    form.kind.data,
                    form.topic.data,
                    form.needs.data,
                    contact_id=contact_id,
                )
                flash(_("The visit is in the log."), "success")
                return redirect(
                    url_for("partners.profile", enterprise_id=enterprise.id) + "#visits"
                )
            except partners.PartnerError as error:
                REFUSALS.add(form, error)
    if form.is_submitted():
        return refused("partners/visit_form.html", form=form, enterprise=enterprise)
    return render_page("partners/visit_form.html", form=form, enterprise=enterprise)


@bp.route("/visits/<int:visit_id>", methods=["GET", "POST"])
@staff_required
def follow_up(visit_id):
    """One visit, and where its needs stand."""
    visit = visit_or_404(visit_id)
    enterprise = enterprise_or_404(visit.enterprise_id)
    form = FollowUpForm(obj=visit if request.method == "GET" else None)
    if request.method == "GET":
        form.note.data = visit.follow_up_note
    if form.validate_on_submit():
        try:
            partners.update_follow_up(visit.id, form.follow_up.data, form.note.data)
            flash(_("The follow-up is saved."), "success")
            return redirect(url_for("partners.follow_up", visit_id=visit.id))
        except partners.PartnerError as error:
            REFUSALS.add(form, error)
    if form.is_submitted():
        return refused("partners/visit.html", form=form, visit=visit, enterprise=enterprise)
    return render_page("partners/visit.html", form=form, visit=visit, enterprise=enterprise)


@bp.route("/reminders")
@staff_required
def reminders():
    """Partner enterprises not visited for N months (never visited first)."""
    rows, months, cutoff = queries.reminders()
    return render_page("partners/reminders.html", rows=rows, months=months, cutoff=cutoff)


@bp.route("/settings", methods=["GET", "POST"])
@staff_required
def settings():
    """Set N of the visit reminder."""
    form = SettingsForm()
    if request.method == "GET":
        form.months.data = queries.visit_months()
    if form.validate_on_submit():
        try:
            partners.set_visit_months(form.months.data)
            flash(
                _(
                    "Reminders now list partners not visited for %(months)s months.",
                    months=form.months.data,
                ),
                "success",
            )
            return redirect(url_for("partners.reminders"))
        except partners.PartnerError as error:
            REFUSALS.add(form, error)
    if form.is_submitted():
        return refused("partners/settings.html", form=form)
    return render_page("partners/settings.html", form=form)
