"""Activities: the public list and page, signing up and withdrawing; staff's list, the
activity form, publishing, cancelling and the roster (sign-in and sign-out)."""

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from db.base import utcnow
from db.volunteers import VolunteerError, activities, attendance, queries
from db.volunteers.models import ACTIVITY_STATUSES, CONFIRMED
from db.volunteers.teams import volunteer_by_mobile, volunteer_of
from views.access import role_required, staff_required
from views.forms import refused
from views.pages import ButtonForm, render_page
from views.params import page_number, parse_int
from views.volunteers import bp
from views.volunteers.common import (
    REFUSALS,
    activity_or_404,
    signup_or_404,
    viewer_is_staff,
)
from views.volunteers.forms import ActivityForm, SignUpForm

signed_in_required = role_required("entrepreneur", "staff", "admin")


# Public pages ---------------------------------------------------------------------------


@bp.route("/")
def index():
    """Volunteer activities coming up, soonest first, with places left."""
    listing = queries.public_activities(page_number(request.args))
    ids = [activity.id for activity in listing.rows]
    return render_page(
        "volunteers/index.html",
        listing=listing,
        figures=queries.counts_for(ids),
        mine=queries.signups_of(volunteer_of(current_user), ids),
    )


def _activity_page(activity, form=None, status=200):
    """An activity's page with the viewer's place and the sign-up form."""
    volunteer = volunteer_of(current_user)
    signup = queries.signup_of(activity.id, volunteer)
    context = dict(
        activity=activity,
        figures=queries.counts_for([activity.id])[activity.id],
        signup=signup,
        position=activities.SEATING.waiting_position(signup) if signup else None,
        needs_consent=volunteer is None or volunteer.consent_at is None,
        form=form or SignUpForm(),
        state=activity.signup_state(),
        is_staff=viewer_is_staff(),
    )
    if status == 422:
        return refused("volunteers/activity.html", **context)
    return render_page("volunteers/activity.html", **context)


@bp.route("/activities/<int:activity_id>")
def activity(activity_id):
    """An activity: when, where, what to do, places left, and the viewer's place."""
    return _activity_page(activity_or_404(activity_id))


@bp.route("/activities/<int:activity_id>/sign-up", methods=["POST"])
@signed_in_required
def sign_up(activity_id):
    """Take a place (or a waiting-list number) at an activity."""
    activity = activity_or_404(activity_id)
    form = SignUpForm()
    if not form.validate_on_submit():
        return _activity_page(activity, form, 422)
    try:
        signup, created = activities.sign_up(activity.id, current_user, consent=form.consent.data)
    except VolunteerError as error:
        REFUSALS.add(form, error)
        return _activity_page(activity, form, 422)
    if not created:
        flash(_("You have already signed up: here is your place."), "info")
    elif signup.status == CONFIRMED:
        flash(_("Your place is confirmed. Please sign in on the day."), "success")
    else:
        flash(
            _(
                "Every place is taken: you are number %(number)s on the waiting list. "
                "We will tell you if a place becomes free.",
                number=activities.SEATING.waiting_position(signup),
            ),
            "info",
        )
    return redirect(url_for("volunteers.activity", activity_id=activity.id), code=303)


@bp.route("/activities/<int:activity_id>/withdraw", methods=["POST"])
@signed_in_required
def withdraw(activity_id):
    """Give up one's own place or waiting-list number."""
    activity = activity_or_404(activity_id)
    signup = queries.signup_of(activity.id, volunteer_of(current_user))
    if signup is None:
        abort(404)
    form = ButtonForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        activities.cancel_signup(signup.id, by="self", actor=current_user)
    except VolunteerError as error:
        sign_form = SignUpForm()
        REFUSALS.add(sign_form, error)
        return _activity_page(activity, sign_form, 422)
    flash(_("Your sign-up is cancelled. Thank you for letting us know."), "success")
    return redirect(url_for("volunteers.activity", activity_id=activity.id), code=303)


# Staff pages ----------------------------------------------------------------------------


@bp.route("/manage")
@staff_required
def manage():
    """Every activity, latest first, filtered by status, with places and sign-ins."""
    status = request.args.get("status", "")
    status = status if status in ACTIVITY_STATUSES else ""
    q = " ".join(request.args.get("q", "").split())[:50]
    listing = queries.staff_activities(page_number(request.args), status, q)
    return render_page(
        "volunteers/manage.html",
        block="rows",
        listing=listing,
        figures=queries.counts_for([activity.id for activity in listing.rows]),
        shown_status=status,
        statuses=ACTIVITY_STATUSES,
        q=q,
        now=utcnow(),
    )


def _team_choices(form):
    """The active teams an activity may belong to, for the form."""
    form.team.choices = [SelectChoice("", _("Choose a team"))] + [
        SelectChoice(str(team.id), team.name) for team in queries.team_choices()
    ]


def _fields(form):
    """The activity form's fields as db.volunteers.activities takes them."""
    return dict(
        team_id=parse_int(form.team.data or ""),
        title=form.title.data,
        place=form.place.data,
        what_to_do=form.what_to_do.data,
        starts_at=form.starts_at.utc,
        ends_at=form.ends_at.utc,
        slots=form.slots.data,
        max_minutes=form.max_minutes.data,
    )


@bp.route("/activities/new", methods=["GET", "POST"])
@staff_required
def create():
    """Publish a volunteer activity (or keep it as a draft)."""
    form = ActivityForm()
    _team_choices(form)
    if request.method == "GET" and request.args.get("team"):
        form.team.data = request.args["team"]
    if form.validate_on_submit():
        try:
            activity = activities.create_activity(
                _fields(form), publish=form.publish.data, actor=current_user
            )
        except VolunteerError as error:
            REFUSALS.add(form, error)
        else:
            flash(_("The activity %(title)s is saved.", title=activity.title), "success")
            return redirect(url_for("volunteers.roster", activity_id=activity.id), code=303)
    if form.is_submitted():
        return refused("volunteers/activity_form.html", form=form, activity=None)
    return render_page("volunteers/activity_form.html", form=form, activity=None)


@bp.route("/activities/<int:activity_id>/edit", methods=["GET", "POST"])
@staff_required
def update(activity_id):
    """Change an activity (places cannot go below those taken)."""
    activity = activity_or_404(activity_id)
    form = ActivityForm(obj=activity if request.method == "GET" else None)
    _team_choices(form)
    if request.method == "GET":
        form.team.data = str(activity.team_id)
        form.starts_at.set_utc(activity.starts_at)
        form.ends_at.set_utc(activity.ends_at)
    del form.publish
    if form.validate_on_submit():
        try:
            _activity, promoted = activities.update_activity(
                activity.id, _fields(form), actor=current_user
            )
        except VolunteerError as error:
            REFUSALS.add(form, error)
        else:
            flash(_("The activity is saved."), "success")
            if promoted:
                flash(
                    ngettext(
                        "%(num)s person moved from the waiting list to a place.",
                        "%(num)s people moved from the waiting list to a place.",
                        len(promoted),
                    ),
                    "info",
                )
            return redirect(url_for("volunteers.roster", activity_id=activity.id), code=303)
    if form.is_submitted():
        return refused("volunteers/activity_form.html", form=form, activity=activity)
    return render_page("volunteers/activity_form.html", form=form, activity=activity)


@bp.route("/activities/<int:activity_id>/publish", methods=["POST"])
@staff_required
def publish(activity_id):
    """Publish a draft: people can sign up from now on."""
    activity = activity_or_404(activity_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        activities.publish_activity(activity.id, actor=current_user)
    except VolunteerError as error:
        flash(REFUSALS.text(error), "error")
        return redirect(url_for("volunteers.roster", activity_id=activity.id), code=303)
    flash(_("The activity is published."), "success")
    return redirect(url_for("volunteers.roster", activity_id=activity.id), code=303)


@bp.route("/activities/<int:activity_id>/cancel", methods=["GET", "POST"])
@staff_required
def cancel(activity_id):
    """Cancel an activity after a confirmation: everyone signed up is told."""
    activity = activity_or_404(activity_id)
    form = ButtonForm()
    if form.validate_on_submit():
        activities.cancel_activity(
            activity.id, request.form.get("reason", "")[:300], actor=current_user
        )
        flash(_("The activity is cancelled; everyone signed up is told."), "success")
        return redirect(url_for("volunteers.roster", activity_id=activity.id), code=303)
    if form.is_submitted():
        abort(400)
    return render_page(
        "volunteers/cancel.html",
        activity=activity,
        figures=queries.counts_for([activity.id])[activity.id],
        form=form,
    )


ROSTER_ACTIONS = ("sign_in", "sign_out", "undo", "withdraw")


def _roster_page(activity, form, status=200, mobile="", outcome=None):
    """The roster page (or its block for htmx), refused with 422 when `status` says so."""
    context = dict(
        outcome=outcome,
        activity=activity,
        listing=queries.roster(activity.id, page_number(request.args)),
        figures=queries.counts_for([activity.id])[activity.id],
        sign_in_state=attendance.sign_in_state(activity),
        form=form,
        mobile=mobile,
        now=utcnow(),
    )
    if status == 422:
        return refused("volunteers/roster.html", block="roster", **context)
    return render_page("volunteers/roster.html", block="roster", **context)


def _roster_action(activity, action, signup_id):
    """Run one row button's action for a sign-up of this activity; the flash line."""
    signup = signup_or_404(signup_id)
    if signup.activity_id != activity.id:
        abort(404)
    name = signup.volunteer.name
    if action == "sign_in":
        attendance.sign_in(signup.id, actor=current_user)
        return _("%(name)s is signed in.", name=name)
    if action == "sign_out":
        _signup, record = attendance.sign_out(signup.id, actor=current_user)
        return _(
            "%(name)s is signed out: %(minutes)s minutes wait for approval.",
            name=name,
            minutes=record.minutes,
        )
    if action == "undo":
        attendance.undo_sign_in(signup.id, actor=current_user)
        return _("The sign-in of %(name)s is taken back.", name=name)
    activities.cancel_signup(signup.id, by="staff", actor=current_user)
    return _("The sign-up of %(name)s is cancelled.", name=name)


@bp.route("/activities/<int:activity_id>/roster", methods=["GET", "POST"])
@staff_required
def roster(activity_id):
    """The roster: one form for the table; each row's buttons carry the sign-up's id (sign in,
    sign out, take back a sign-in, cancel); a known volunteer is added by mobile number."""
    activity = activity_or_404(activity_id)
    form = ButtonForm()
    if not form.is_submitted():
        return _roster_page(activity, form)
    if not form.validate_on_submit():
        abort(400)
    mobile = request.form.get("mobile", "")[:20]
    try:
        if "add" in request.form:
            volunteer = volunteer_by_mobile(mobile)
            if volunteer is None:
                raise VolunteerError("no_volunteer_with_mobile", field="mobile")
            signup, _created = activities.add_to_activity(
                activity.id, volunteer.id, actor=current_user
            )
            message = _(
                "%(name)s is on the roster: %(status)s.",
                name=volunteer.name,
                status=_("Place confirmed")
                if signup.status == CONFIRMED
                else _("On the waiting list"),
            )
            mobile = ""
        else:
            chosen = [(key, request.form[key]) for key in ROSTER_ACTIONS if key in request.form]
            if len(chosen) != 1:
                abort(400)
            action, value = chosen[0]
            signup_id = parse_int(value)
            if signup_id is None:
                abort(404)
            message = _roster_action(activity, action, signup_id)
    except VolunteerError as error:
        REFUSALS.add(form, error)
        return _roster_page(activity, form, 422, mobile=mobile)
    if request.headers.get("HX-Request") == "true":
        return _roster_page(activity, ButtonForm(), outcome=message)
    flash(message, "success")
    return redirect(url_for("volunteers.roster", activity_id=activity.id), code=303)
