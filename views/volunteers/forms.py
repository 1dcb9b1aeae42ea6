"""The volunteer module's forms: teams, members, joining, activities, sign-up, hours, rate."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from db.volunteers.activities import MAX_MINUTES, MAX_SLOTS
from db.volunteers.hours import MAX_RATE
from db.volunteers.labels import ROLE_NAMES, TEAM_KIND_NAMES
from db.volunteers.models import ROLES, TEAM_KINDS
from views.auth import MobileField, mobile_number
from views.forms import LocalDateTimeField, WholeNumberField, single_line


def text(label, limit, required=False, message=None):
    """A single-line text field of at most `limit` characters."""
    checks = [DataRequired(message=message)] if required else [Optional()]
    return StringField(label, [*checks, Length(max=limit)], filters=[single_line])


def consent_field(label):
    """The consent checkbox (the db layer refuses a missing consent, in words)."""
    return BooleanField(label)


class TeamForm(FlaskForm):
    """A division (分队) or an enterprise's squad (小分队)."""

    kind = SelectField(
        _l("Kind of team"),
        choices=[SelectChoice(kind, TEAM_KIND_NAMES[kind]) for kind in TEAM_KINDS],
        validate_choice=False,  # checked by db.volunteers (unknown_kind)
    )
    name = text(_l("Team name"), 100, True, _l("Enter the team's name."))
    parent = SelectField(_l("Division (for a squad)"), coerce=str, validate_choice=False)
    enterprise = SelectField(_l("Enterprise (for a squad)"), coerce=str, validate_choice=False)
    description = TextAreaField(_l("What the team does (optional)"), [Length(max=2000)])
    active = BooleanField(_l("Takes members and activities"), default=True)


class MemberForm(FlaskForm):
    """Staff add a person to a team."""

    name = text(_l("Name"), 50, True, _l("Enter the person's name."))
    mobile = MobileField(_l("Mobile number"), [DataRequired(), mobile_number])
    role = SelectField(
        _l("Role"),
        choices=[SelectChoice(role, ROLE_NAMES[role]) for role in ROLES],
        validate_choice=False,
    )
    consent = consent_field(
        _l("The person has seen the privacy notice and agrees to their details being kept")
    )


class JoinForm(FlaskForm):
    """A signed-in person asks to join a team."""

    note = text(_l("A word to the staff (optional)"), 300)
    consent = consent_field(
        _l("I have read the privacy notice and agree to my details being kept as a volunteer")
    )


class SignUpForm(FlaskForm):
    """A signed-in person takes a place (consent the first time)."""

    consent = consent_field(
        _l("I have read the privacy notice and agree to my details being kept as a volunteer")
    )


class ActivityForm(FlaskForm):
    """A volunteer activity."""

    title = text(_l("Title"), 120, True, _l("Enter the activity's title."))
    team = SelectField(_l("Team"), coerce=str, validate_choice=False)
    place = text(_l("Place"), 200, True, _l("Enter where the activity takes place."))
    what_to_do = TextAreaField(_l("What volunteers do"), [Length(max=4000)])
    starts_at = LocalDateTimeField(_l("Starts"), [InputRequired(_l("Enter when it starts."))])
    ends_at = LocalDateTimeField(_l("Ends"), [InputRequired(_l("Enter when it ends."))])
    slots = WholeNumberField(
        _l("Places"),
        [
            InputRequired(_l("Enter how many people can take part.")),
            NumberRange(1, MAX_SLOTS, _l("Enter from 1 to %(max)s places.")),
        ],
    )
    max_minutes = WholeNumberField(
        _l("Most minutes counted for one person (optional)"),
        [Optional(), NumberRange(1, MAX_MINUTES, _l("Enter from 1 to %(max)s minutes."))],
    )
    publish = BooleanField(_l("Publish now (people can sign up)"))


class ReportHoursForm(FlaskForm):
    """A volunteer reports hours served outside a signed activity."""

    served_on = DateField(_l("Day served"), [InputRequired(_l("Enter the day."))])
    hours = WholeNumberField(
        _l("Hours"), [Optional(), NumberRange(0, 12, _l("Enter from 0 to 12 hours."))]
    )
    minutes = WholeNumberField(
        _l("Minutes"), [Optional(), NumberRange(0, 59, _l("Enter from 0 to 59 minutes."))]
    )
    note = text(_l("What you did"), 300, True, _l("Say what you did."))
    consent = consent_field(
        _l("I have read the privacy notice and agree to my details being kept as a volunteer")
    )

    def total_minutes(self):
        """Hours and minutes together."""
        return (self.hours.data or 0) * 60 + (self.minutes.data or 0)


class RateForm(FlaskForm):
    """The points one approved hour earns."""

    rate = WholeNumberField(
        _l("Points for one approved hour"),
        [
            InputRequired(_l("Enter the points.")),
            NumberRange(0, MAX_RATE, _l("Enter from 0 to %(max)s points.")),
        ],
    )
