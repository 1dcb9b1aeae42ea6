"""What the volunteer views share: refusal messages, labels, and looking records up."""

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from db.validators import mask_mobile
from db.volunteers import Activity, HourRecord, JoinRequest, Membership, Signup, Team, labels
from db.volunteers.models import DRAFT
from views.forms import ErrorMessages
from views.volunteers import bp

REFUSALS = ErrorMessages(
    {
        "unknown_kind": _l("Choose the kind of team."),
        "team_name_required": _l("Enter the team's name."),
        "too_long": _l("This can have at most %(limit)s characters."),
        "team_name_taken": _l("A team with this name already exists."),
        "division_required": _l("Choose the division (分队) the squad belongs to."),
        "enterprise_required": _l("Choose the enterprise of the squad."),
        "team_inactive": _l("This team no longer takes members."),
        "name_required": _l("Enter the person's name."),
        "mobile_invalid": _l("Enter a mainland mobile number of 11 digits starting with 1."),
        "mobile_required": _l(
            "Volunteering needs an account with a mobile number. Staff accounts have none."
        ),
        "mobile_taken": _l(
            "This mobile number belongs to another account's volunteer record. Ask the centre."
        ),
        "consent_required": _l(
            "Volunteer details are kept only with the person's consent to the privacy notice."
        ),
        "unknown_role": _l("Choose member or leader."),
        "unknown_member": _l("This person is no longer in the team."),
        "already_member": _l("You are already a member of this team."),
        "unknown_request": _l("This join request does not exist."),
        "request_decided": _l("This request has already been decided. Nothing was changed."),
        "title_required": _l("Enter the activity's title."),
        "place_required": _l("Enter where the activity takes place."),
        "team_required": _l("Choose the team that runs the activity."),
        "starts_required": _l("Enter when the activity starts."),
        "ends_before_start": _l("The activity must end after it starts."),
        "too_long_duration": _l("An activity can last at most seven days."),
        "slots_range": _l("Enter from 1 to %(limit)s places."),
        "cap_range": _l("Enter from 1 to %(limit)s minutes."),
        "below_seated": _l(
            "%(seated)s people already have a place; the activity needs at least that many."
        ),
        "activity_cancelled": _l("This activity has been cancelled."),
        "signup_draft": _l("This activity is not published yet."),
        "signup_started": _l("The activity has started; sign up with the staff on the spot."),
        "signup_ended": _l("The activity is over."),
        "signup_cancelled": _l("This activity has been cancelled."),
        "unknown_signup": _l("This sign-up does not exist."),
        "unknown_volunteer": _l("This volunteer does not exist."),
        "no_volunteer_with_mobile": _l(
            "No volunteer has this mobile number. Add the person to a team first."
        ),
        "signed_in": _l("This person has signed in already; their sign-up cannot be cancelled."),
        "cancel_closed": _l("The activity has started; a place can no longer be cancelled here."),
        "sign_in_not_yet": _l("Sign-in opens an hour before the activity starts."),
        "sign_in_closed": _l("The activity is over; sign-in is closed."),
        "sign_in_draft": _l("This activity is not published yet."),
        "sign_in_cancelled": _l("This activity has been cancelled."),
        "not_confirmed": _l("Only people with a confirmed place can sign in."),
        "already_signed_in": _l("This person has signed in already."),
        "not_signed_in": _l("This person has not signed in."),
        "already_signed_out": _l("This person has signed out already."),
        "sign_out_before_sign_in": _l("Sign-out cannot come before sign-in."),
        "full": _l("Every place is taken. Ask the staff."),
        "what_required": _l("Say what you did."),
        "date_required": _l("Enter the day."),
        "date_in_future": _l("The day cannot be in the future."),
        "date_too_old": _l("Hours can be reported up to %(days)s days later."),
        "minutes_range": _l("Enter from 1 minute to %(limit)s minutes."),
        "rate_range": _l("Enter from 0 to %(limit)s points."),
        "above_cap": _l("Record %(record)s: enter from 0 to %(limit)s minutes."),
        "unknown_action": _l("Record %(record)s: choose keep, approve or reject."),
        "unknown_record": _l("Record %(record)s does not exist. Reload the page."),
        "points_spent": _l(
            "Record %(record)s: the correction would take back %(points)s points, but the "
            "passbook holds only %(balance)s; the volunteer has spent them at the love "
            "supermarket. Nothing was changed."
        ),
        "points_not_booked": _l(
            "Record %(record)s: the points could not be booked into the volunteer's passbook "
            "(the volunteer's details may have been erased). Nothing was changed."
        ),
        "passbook_closed": _l(
            "Record %(record)s: the volunteer's passbook is closed, so it cannot earn points. "
            "Nothing was changed."
        ),
    }
)


# The staff pages of the module (the sub-navigation of templates/volunteers/_layout.html).
STAFF_SUBNAV = [
    ("volunteers.manage", _l("Activities")),
    ("volunteers.teams", _l("Teams")),
    ("volunteers.requests", _l("Join requests")),
    ("volunteers.hours_list", _l("Service hours")),
    ("volunteers.settings", _l("Points rate")),
]


@bp.context_processor
def volunteer_labels():
    """The names of the module's codes, for every volunteer template."""
    return dict(
        team_kind_names=labels.TEAM_KIND_NAMES,
        role_names=labels.ROLE_NAMES,
        request_status_names=labels.REQUEST_STATUS_NAMES,
        activity_status_names=labels.ACTIVITY_STATUS_NAMES,
        activity_status_badges=labels.ACTIVITY_STATUS_BADGES,
        signup_status_names=labels.SIGNUP_STATUS_NAMES,
        signup_status_badges=labels.SIGNUP_STATUS_BADGES,
        signup_source_names=labels.SIGNUP_SOURCE_NAMES,
        hour_status_names=labels.HOUR_STATUS_NAMES,
        hour_status_badges=labels.HOUR_STATUS_BADGES,
        hour_source_names=labels.HOUR_SOURCE_NAMES,
        staff_subnav=STAFF_SUBNAV,
        mask_mobile=mask_mobile,
    )


def viewer_is_staff():
    """True for staff and admins."""
    return current_user.is_authenticated and current_user.role in ("staff", "admin")


def _or_404(model, record_id):
    """The row of `model` with this id, or 404."""
    row = model.get_or_none(model.id == record_id)
    if row is None:
        abort(404)
    return row


def team_or_404(team_id):
    """The team, or 404."""
    return _or_404(Team, team_id)


def activity_or_404(activity_id, staff_view=False):
    """The activity, or 404 (a draft is 404 to everyone but staff)."""
    activity = _or_404(Activity, activity_id)
    if activity.status == DRAFT and not (staff_view or viewer_is_staff()):
        abort(404)
    return activity


def signup_or_404(signup_id):
    """The sign-up, or 404."""
    return _or_404(Signup, signup_id)


def membership_or_404(membership_id):
    """The membership, or 404."""
    return _or_404(Membership, membership_id)


def request_or_404(request_id):
    """The join request, or 404."""
    return _or_404(JoinRequest, request_id)


def record_or_404(record_id):
    """The hour record, or 404."""
    return _or_404(HourRecord, record_id)
