"""The partner ledger's forms: enterprise details, contacts, party organisation, visits,
follow-up, the reminder setting and a merge."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from db.partners.labels import (
    FOLLOW_UP_NAMES,
    NONE_REASON_NAMES,
    PARTY_ORG_NAMES,
    SECTOR_NAMES,
    STATUS_NAMES,
    VISIT_KIND_NAMES,
)
from db.partners.rules import (
    FIRST_YEAR,
    FOLLOW_UP_STATES,
    LAST_YEAR,
    MAX_VISIT_MONTHS,
    NONE_REASONS,
    PARTY_ORG_KINDS,
    SECTORS,
    STATUSES,
    VISIT_KINDS,
)
from views.events.forms import email_field
from views.forms import WholeNumberField, single_line

COUNT = [Optional(), NumberRange(min=0, max=1_000_000, message=_l("Enter a number from 0."))]


def text(label, limit, required=False, message=None):
    """A single-line text field of at most `limit` characters."""
    checks = [DataRequired(message=message)] if required else [Optional()]
    return StringField(label, [*checks, Length(max=limit)], filters=[single_line])


class EnterpriseForm(FlaskForm):
    """An enterprise's record and its details in the ledger."""

    name = text(_l("Enterprise name"), 100, True, _l("Enter the enterprise's name."))
    credit_code = StringField(
        _l("Unified social credit code (optional)"), [Optional(), Length(max=40)]
    )
    sector = SelectField(
        _l("Sector"),
        choices=[SelectChoice("", _l("Choose a sector"))]
        + [SelectChoice(s, SECTOR_NAMES[s]) for s in SECTORS],
        validate_choice=False,  # checked by db.partners (unknown_sector), blank allowed
    )
    location = text(_l("Building or park (optional)"), 100)
    address = text(_l("Address (optional)"), 200)
    status = RadioField(
        _l("Partnership"),
        choices=[SelectChoice(s, STATUS_NAMES[s]) for s in STATUSES],
        default="none",
        validate_choice=False,  # checked by db.partners (unknown_status); blank means none
    )
    agreement_signed_on = DateField(_l("Agreement signed on (optional)"), [Optional()])
    agreement_ends_on = DateField(_l("Agreement runs until (optional)"), [Optional()])
    notes = TextAreaField(_l("Notes (optional)"), [Optional(), Length(max=2000)])


class ContactForm(FlaskForm):
    """A contact person at an enterprise, with consent."""

    name = text(_l("Name"), 50, True, _l("Enter the contact's name."))
    duty = text(_l("Role in the joint building (optional)"), 50)
    position = text(_l("Position (optional)"), 50)
    mobile = StringField(_l("Mobile number"), [Optional(), Length(max=20)])
    email = email_field()  # the events forms' rule: optional, a plausible address
    consent = BooleanField(
        _l("The person has read the privacy notice and agrees to these details being kept")
    )


class PartyOrganisationForm(FlaskForm):
    """An enterprise's organisations in one year: kinds and counts, never names."""

    year = WholeNumberField(
        _l("Year"),
        [
            DataRequired(message=_l("Enter the year.")),
            NumberRange(
                min=FIRST_YEAR, max=LAST_YEAR, message=_l("Enter a year from 2000 to 2100.")
            ),
        ],
    )
    party_org = RadioField(
        _l("Party organisation"),
        choices=[SelectChoice(k, PARTY_ORG_NAMES[k]) for k in PARTY_ORG_KINDS],
        default="independent",
    )
    party_members = WholeNumberField(_l("Party members (number)"), COUNT, default=0)
    none_reason = SelectField(
        _l("Why there is none"),
        choices=[SelectChoice("", _l("Choose a reason"))]
        + [SelectChoice(r, NONE_REASON_NAMES[r]) for r in NONE_REASONS],
    )
    none_note = text(_l("More about the reason (optional)"), 200)
    youth_league = BooleanField(_l("Has a Communist Youth League organisation"))
    youth_members = WholeNumberField(_l("League members (number)"), COUNT, default=0)
    union = BooleanField(_l("Has a trade union"))
    union_members = WholeNumberField(_l("Union members (number)"), COUNT, default=0)
    employees = WholeNumberField(_l("Employees (number, optional)"), COUNT)


class VisitForm(FlaskForm):
    """A visit or contact with an enterprise."""

    visited_on = DateField(_l("Date"), [DataRequired(message=_l("Enter the date."))])
    kind = RadioField(
        _l("Kind"),
        choices=[SelectChoice(k, VISIT_KIND_NAMES[k]) for k in VISIT_KINDS],
        default="frontline",
    )
    contact = SelectField(_l("Met (optional)"), choices=[], validate_choice=False)
    topic = text(_l("Topic"), 200, True, _l("Enter what the visit was about."))
    needs = TextAreaField(_l("Needs raised (optional)"), [Optional(), Length(max=2000)])


class FollowUpForm(FlaskForm):
    """Where the needs raised at a visit stand."""

    follow_up = SelectField(
        _l("Follow-up"), choices=[SelectChoice(s, FOLLOW_UP_NAMES[s]) for s in FOLLOW_UP_STATES]
    )
    note = text(_l("What was done (optional)"), 500)


class SettingsForm(FlaskForm):
    """N of "partners not visited in N months"."""

    months = WholeNumberField(
        _l("Remind about partners not visited for (months)"),
        [
            DataRequired(message=_l("Enter a number of months.")),
            NumberRange(min=1, max=MAX_VISIT_MONTHS, message=_l("Enter 1 to 36 months.")),
        ],
    )


class MergeForm(FlaskForm):
    """Which of two records to keep (the other is merged into it)."""

    survivor = HiddenField()
    loser = HiddenField()
    confirm = BooleanField(
        _l("I have checked that both records are the same enterprise"),
        [DataRequired(message=_l("Confirm that both records are the same enterprise."))],
    )


class PairForm(FlaskForm):
    """Two enterprises (for "not the same")."""

    first = HiddenField()
    second = HiddenField()
