"""Teams: the list of the 分队 and its 小分队, asking to join; staff's team pages, members
(added by mobile number with consent, made leader, taken out) and join requests."""

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from db.volunteers import VolunteerError, queries
from db.volunteers import teams as team_actions
from db.volunteers.models import DIVISION, LEADER, MEMBER
from views.access import role_required, staff_required
from views.forms import refused
from views.pages import ButtonForm, render_page
from views.params import page_number, parse_int
from views.volunteers import bp
from views.volunteers.common import (
    REFUSALS,
    membership_or_404,
    request_or_404,
    team_or_404,
    viewer_is_staff,
)
from views.volunteers.forms import JoinForm, MemberForm, TeamForm


@bp.route("/teams")
def teams():
    """The division(s) and their enterprise squads, with member counts."""
    overview, members = queries.teams_overview()
    volunteer = team_actions.volunteer_of(current_user)
    mine = set()
    if volunteer is not None:
        mine = {membership.team_id for membership in volunteer.memberships}
    return render_page(
        "volunteers/teams.html",
        overview=overview,
        members=members,
        mine=mine,
        is_staff=viewer_is_staff(),
        pending=queries.pending_count() if viewer_is_staff() else 0,
    )


def _team_form_choices(form):
    """The divisions and enterprises the team form offers."""
    form.parent.choices = [SelectChoice("", _("Choose a division"))] + [
        SelectChoice(str(team.id), team.name) for team in queries.division_choices()
    ]
    form.enterprise.choices = [SelectChoice("", _("Choose an enterprise"))] + [
        SelectChoice(str(enterprise.id), enterprise.name)
        for enterprise in queries.enterprise_choices()
    ]


@bp.route("/teams/new", methods=["GET", "POST"])
@staff_required
def create_team():
    """Set up a division (分队) or an enterprise squad (小分队)."""
    form = TeamForm()
    _team_form_choices(form)
    if form.validate_on_submit():
        try:
            team = team_actions.create_team(
                form.kind.data,
                form.name.data,
                parent_id=parse_int(form.parent.data or ""),
                enterprise_id=parse_int(form.enterprise.data or ""),
                description=form.description.data,
                actor=current_user,
            )
        except VolunteerError as error:
            REFUSALS.add(form, error)
        else:
            flash(_("The team %(name)s is set up.", name=team.name), "success")
            return redirect(url_for("volunteers.team", team_id=team.id), code=303)
    if form.is_submitted():
        return refused("volunteers/team_form.html", form=form, team=None)
    return render_page("volunteers/team_form.html", form=form, team=None)


@bp.route("/teams/<int:team_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_team(team_id):
    """Change a team's name, division, enterprise or description, or retire it."""
    team = team_or_404(team_id)
    form = TeamForm(obj=team if request.method == "GET" else None)
    _team_form_choices(form)
    if request.method == "GET":
        form.parent.data = str(team.parent_id or "")
        form.enterprise.data = str(team.enterprise_id or "")
    form.kind.data = team.kind  # the kind never changes
    if form.validate_on_submit():
        try:
            team_actions.update_team(
                team.id,
                form.name.data,
                parent_id=parse_int(form.parent.data or ""),
                enterprise_id=parse_int(form.enterprise.data or ""),
                description=form.description.data,
                active=form.active.data,
                actor=current_user,
            )
        except VolunteerError as error:
            REFUSALS.add(form, error)
        else:
            flash(_("The team is saved."), "success")
            return redirect(url_for("volunteers.team", team_id=team.id), code=303)
    if form.is_submitted():
        return refused("volunteers/team_form.html", form=form, team=team)
    return render_page("volunteers/team_form.html", form=form, team=team)


def _team_page(team, member_form=None, members_form=None, status=200, outcome=None):
    """A team's page (or its members block for htmx), 422 when refused."""
    context = dict(
        team=team,
        listing=queries.members_of(team.id, page_number(request.args)),
        waiting_requests=queries.pending_count(team.id),
        squads=list(team.squads) if team.kind == DIVISION else [],
        member_form=member_form or MemberForm(formdata=None),
        members_form=members_form or ButtonForm(formdata=None),
        outcome=outcome,
    )
    if status == 422:
        return refused("volunteers/team.html", block="members", **context)
    return render_page("volunteers/team.html", block="members", **context)


@bp.route("/teams/<int:team_id>")
@staff_required
def team(team_id):
    """A team: its leaders and members, pending join requests, and adding a member."""
    return _team_page(team_or_404(team_id))


@bp.route("/teams/<int:team_id>/members", methods=["POST"])
@staff_required
def add_member(team_id):
    """Add a person to the team by name and mobile number, with their consent."""
    team = team_or_404(team_id)
    form = MemberForm()
    if form.validate_on_submit():
        try:
            membership, created = team_actions.add_member(
                team.id,
                form.name.data,
                form.mobile.data,
                form.consent.data,
                role=form.role.data,
                actor=current_user,
            )
        except VolunteerError as error:
            REFUSALS.add(form, error)
        else:
            if created:
                flash(_("%(name)s is in the team.", name=membership.volunteer.name), "success")
            else:
                flash(
                    _("%(name)s is already in the team.", name=membership.volunteer.name),
                    "info",
                )
            return redirect(url_for("volunteers.team", team_id=team.id), code=303)
    return _team_page(team, member_form=form, status=422)


MEMBER_ACTIONS = ("leader", "member", "remove")


@bp.route("/teams/<int:team_id>/members/change", methods=["POST"])
@staff_required
def change_members(team_id):
    """The members table's one form: each row's buttons carry the membership's id (make
    leader, make member, take out of the team)."""
    team = team_or_404(team_id)
    form = ButtonForm()
    if not form.validate_on_submit():
        abort(400)
    chosen = [(key, request.form[key]) for key in MEMBER_ACTIONS if key in request.form]
    if len(chosen) != 1:
        abort(400)
    action, value = chosen[0]
    membership_id = parse_int(value)
    if membership_id is None:
        abort(404)
    membership = membership_or_404(membership_id)
    if membership.team_id != team.id:
        abort(404)
    name = membership.volunteer.name
    try:
        if action == "remove":
            team_actions.remove_member(membership.id, actor=current_user)
            outcome = _("%(name)s is no longer in the team.", name=name)
        else:
            role = LEADER if action == "leader" else MEMBER
            team_actions.set_role(membership.id, role, actor=current_user)
            outcome = (
                _("%(name)s is now a leader.", name=name)
                if role == LEADER
                else _("%(name)s is now a member.", name=name)
            )
    except VolunteerError as error:
        REFUSALS.add(form, error)
        return _team_page(team, members_form=form, status=422)
    if request.headers.get("HX-Request") == "true":
        return _team_page(team, outcome=outcome)
    flash(outcome, "success")
    return redirect(url_for("volunteers.team", team_id=team.id), code=303)


@bp.route("/teams/<int:team_id>/join", methods=["GET", "POST"])
@role_required("entrepreneur", "staff", "admin")
def join(team_id):
    """Ask to join a team; staff decide."""
    team = team_or_404(team_id)
    volunteer = team_actions.volunteer_of(current_user)
    needs_consent = volunteer is None or volunteer.consent_at is None
    form = JoinForm()
    if form.validate_on_submit():
        try:
            team_actions.request_join(
                team.id, current_user, note=form.note.data, consent=form.consent.data
            )
        except VolunteerError as error:
            REFUSALS.add(form, error)
        else:
            flash(
                _(
                    "Your request to join %(name)s is sent. The centre's staff will reply.",
                    name=team.name,
                ),
                "success",
            )
            return redirect(url_for("volunteers.teams"), code=303)
    context = dict(team=team, form=form, needs_consent=needs_consent)
    if form.is_submitted():
        return refused("volunteers/join.html", **context)
    return render_page("volunteers/join.html", **context)


def _requests_page(form, status=200, outcome=None):
    """The join requests page (or its block for htmx), 422 when refused."""
    context = dict(
        listing=queries.pending_requests(page_number(request.args)), form=form, outcome=outcome
    )
    if status == 422:
        return refused("volunteers/requests.html", block="requests", **context)
    return render_page("volunteers/requests.html", block="requests", **context)


@bp.route("/requests", methods=["GET", "POST"])
@staff_required
def requests():
    """Join requests waiting for a decision: one form for the table, each row's approve and
    decline buttons carry the request's id, with an optional note a row."""
    form = ButtonForm()
    if not form.is_submitted():
        return _requests_page(form)
    if not form.validate_on_submit():
        abort(400)
    chosen = [(key, request.form[key]) for key in ("approve", "decline") if key in request.form]
    if len(chosen) != 1:
        abort(400)
    action, value = chosen[0]
    request_id = parse_int(value)
    if request_id is None:
        abort(404)
    join_request = request_or_404(request_id)
    note = request.form.get(f"note-{join_request.id}", "")[:300]
    try:
        team_actions.decide_join_request(
            join_request.id, action == "approve", note=note, actor=current_user
        )
    except VolunteerError as error:
        REFUSALS.add(form, error)
        return _requests_page(form, 422)
    name, team_name = join_request.volunteer.name, join_request.team.name
    if action == "approve":
        outcome = _("%(name)s has joined %(team)s.", name=name, team=team_name)
    else:
        outcome = _("The request of %(name)s is declined.", name=name)
    if request.headers.get("HX-Request") == "true":
        return _requests_page(ButtonForm(), outcome=outcome)
    flash(outcome, "success")
    return redirect(url_for("volunteers.requests"), code=303)
