"""Volunteers sign in and out at the kiosk: an activity open now, then the mobile number on
the keypad. One tap does what is due: sign in (taking a free place for someone not signed up)
or, once in, sign out (the hours then wait for staff approval). Names are shown masked."""

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms.validators import DataRequired

from db.validators import mask_name
from db.volunteers import Activity, VolunteerError
from db.volunteers.attendance import kiosk_sign
from db.volunteers.models import PUBLISHED
from db.volunteers.queries import open_for_sign_in
from db.volunteers.teams import volunteer_by_mobile
from views.auth import MobileField, mobile_number
from views.forms import ErrorMessages, refused
from views.kiosk import bp
from views.kiosk.common import kiosk_required
from views.pages import render_page

REFUSALS = ErrorMessages(
    {
        # One answer for a number that is no volunteer's: the screen reveals nothing more.
        "not_found": _l(
            "We could not find a volunteer with this mobile number. Please ask the staff."
        ),
        "full": _l("Every place is taken. Please ask the staff."),
        "not_confirmed": _l(
            "You are on the waiting list, so you cannot sign in yet. Please ask the staff."
        ),
        "already_signed_out": _l("You have signed out already. Thank you!"),
        "sign_in_not_yet": _l("Signing in opens an hour before the activity starts."),
        "sign_in_closed": _l("The activity is over; signing in has closed."),
        "sign_in_cancelled": _l("This activity has been cancelled."),
        "sign_in_draft": _l("This activity is not open."),
    }
)


class VolunteerMobileForm(FlaskForm):
    """The mobile number typed on the keypad."""

    mobile = MobileField(_l("Mobile number"), [DataRequired(), mobile_number])


@bp.route("/volunteers")
@kiosk_required
def volunteers():
    """The volunteer activities open for sign-in or sign-out now (at most four)."""
    return render_page("kiosk/volunteers.html", activities=open_for_sign_in())


@bp.route("/volunteers/<int:activity_id>", methods=["GET", "POST"])
@kiosk_required
def volunteer_sign(activity_id):
    """Sign in or out of one activity with the mobile number typed on the keypad."""
    activity = Activity.get_or_none(Activity.id == activity_id, Activity.status == PUBLISHED)
    if activity is None:
        abort(404)
    form = VolunteerMobileForm()
    if not form.validate_on_submit():
        if form.is_submitted():
            return refused("kiosk/volunteer_sign.html", form=form, activity=activity)
        return render_page("kiosk/volunteer_sign.html", form=form, activity=activity)
    volunteer = volunteer_by_mobile(form.mobile.data)
    form.mobile.data = ""  # the next screen never shows the number
    try:
        if volunteer is None:
            raise VolunteerError("not_found")
        signup, done, record = kiosk_sign(
            activity.id, volunteer, actor=current_user._get_current_object()
        )
    except VolunteerError as error:
        if error.code not in REFUSALS.messages:
            error = VolunteerError("not_found")
        return refused(
            "kiosk/volunteer_sign.html",
            form=form,
            activity=activity,
            refusal=REFUSALS.text(error),
        )
    return render_page(
        "kiosk/volunteer_signed.html",
        activity=activity,
        name=mask_name(volunteer.name),
        done=done,
        signup=signup,
        record=record,
    )
