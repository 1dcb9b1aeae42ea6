"""Register on the spot: an event of this week open for registration, then a short form."""

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.validators import DataRequired

from db import kiosk
from db.accounts import Enterprise
from db.events import registrations
from db.events.errors import EventError
from db.events.queries import counts_for, questions_of
from db.validators import mask_name
from views.auth import MobileField, mobile_number
from views.events.common import add_error, event_or_404, person_from
from views.events.forms import (
    SubmissionKeyMixin,
    answers_from,
    optional_text,
    required_text,
    with_questions,
)
from views.forms import refused
from views.kiosk import bp
from views.kiosk.common import kiosk_required
from views.pages import render_page

PARTNER_CHIPS = 8  # partner enterprises offered by touch


class WalkUpForm(FlaskForm, SubmissionKeyMixin):
    """Registering on the spot: few fields, the mobile from the keypad."""

    name = required_text(_l("Name"), 50)
    mobile = MobileField(_l("Mobile number"), [DataRequired(), mobile_number])
    enterprise = required_text(_l("Enterprise"), 100)
    position = optional_text(_l("Position (optional)"), 50)
    consent = BooleanField(
        _l("I agree to my details being used for this event, as the privacy notice says."),
        [DataRequired(message=_l("Please agree to the privacy notice to register."))],
    )


@bp.route("/register")
@kiosk_required
def register_choose():
    """Choose an event whose registration is open, this week."""
    events = kiosk.events_open_for_walk_up()
    figures = counts_for([e.id for e in events])
    states = {e.id: kiosk.seat_state(e, figures.get(e.id)) for e in events}
    return render_page("kiosk/register_choose.html", events=events, states=states)


@bp.route("/register/<int:event_id>", methods=["GET", "POST"])
@kiosk_required
def register(event_id):
    """Register on the spot: name, mobile on the keypad, enterprise by touch or typed."""
    event = event_or_404(event_id)
    form = with_questions(WalkUpForm, questions_of(event))()
    if form.validate_on_submit():
        language = "en" if str(get_locale()) == "en" else "zh_CN"
        try:
            registration, created = registrations.register(
                event.id,
                person_from(form),
                answers_from(form),
                source="kiosk",
                language=language,
                submission_key=form.submission_key.data,
            )
        except EventError as exc:
            add_error(form, exc)
        else:
            return render_page(
                "kiosk/registered.html",
                registration=registration,
                created=created,
                name=mask_name(registration.name),
                event=event,
            )
    partners = (
        Enterprise.select(Enterprise.name)
        .where(Enterprise.is_partner)
        .order_by(Enterprise.name)
        .limit(PARTNER_CHIPS)
    )
    context = dict(
        event=event,
        form=form,
        partners=partners,
        state=event.registration_state(),
        seats=kiosk.seat_state(event, counts_for([event.id])[event.id]),
    )
    if form.is_submitted():
        return refused("kiosk/register.html", **context)
    return render_page("kiosk/register.html", **context)
