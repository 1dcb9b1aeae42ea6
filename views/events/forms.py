"""The forms of the events pages: registering, correcting, running events, the door."""

import re
import secrets

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from db.events import KINDS, MAX_QUESTIONS
from views.auth import MobileField, mobile_number
from views.forms import LocalDateTimeField, WholeNumberField, single_line

KIND_NAMES = {
    "forum": _l("Forum"),
    "report": _l("Report meeting"),
    "annual": _l("Annual meeting"),
    "salon": _l("Salon"),
}
QUESTION_KIND_NAMES = {"text": _l("Short text"), "choice": _l("Single choice")}
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SUBMISSION_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_submission_key():
    """A fresh one-time key for a registration form (about 128 random bits)."""
    return secrets.token_urlsafe(16)


class SubmissionKeyField(HiddenField):
    """The one-time key a registration form is rendered with.

    A double click or a retried request sends the form's key again, and so is answered with
    the registration it made; a new visit gets a new key. A missing or malformed key is
    replaced by a fresh one, which matches nothing.
    """

    def process_formdata(self, valuelist):
        """Keep a well-formed submitted key; anything else gets a fresh one."""
        value = valuelist[0] if valuelist else ""
        self.data = value if SUBMISSION_KEY_RE.match(value or "") else new_submission_key()


class SubmissionKeyMixin:
    """A hidden one-time key, so that resubmitting the same form creates nothing."""

    submission_key = SubmissionKeyField(default=new_submission_key)


def email_address(form, field):
    """An optional e-mail address of a plausible shape."""
    field.data = (field.data or "").strip()
    if field.data and not EMAIL_RE.match(field.data):
        raise ValidationError(
            _("Enter an e-mail address like name@example.com, or leave it empty.")
        )


def email_field():
    """An optional e-mail address field."""
    return StringField(
        _l("E-mail (optional)"),
        [Optional(), Length(max=254), email_address],
        filters=[single_line],
    )


def required_text(label, max_length):
    """A required text field with a clear message."""
    return StringField(
        label,
        [DataRequired(message=_l("Fill this in.")), Length(max=max_length)],
        filters=[single_line],
    )


def optional_text(label, max_length):
    """An optional single-line text field."""
    return StringField(label, [Optional(), Length(max=max_length)], filters=[single_line])


class PersonMixin:
    """The details a guest gives (shared by registering, correcting and walk-ins)."""

    name = required_text(_l("Name"), 50)
    mobile = MobileField(
        _l("Mobile number"), [DataRequired(message=_l("Fill this in.")), mobile_number]
    )
    enterprise = required_text(_l("Enterprise"), 100)
    position = required_text(_l("Position"), 50)
    email = email_field()


class ConsentMixin:
    """Consent to the privacy notice, recorded with the registration."""

    consent = BooleanField(
        _l("I have read the privacy notice and agree to my details being used for this event."),
        [DataRequired(message=_l("Please agree to the privacy notice to register."))],
    )


def with_questions(base, questions, all_optional=False):
    """A subclass of the form `base` with one field per extra question (named q<id>).

    `all_optional` offers every question without requiring an answer (walk-ins at the door:
    staff ask, but are never blocked by someone who will not say).
    """
    fields = {}
    for question in questions:
        required = question.required and not all_optional
        label = (
            question.label if required else _l("%(question)s (optional)", question=question.label)
        )
        validators = (
            [InputRequired(message=_l("Answer this question."))] if required else [Optional()]
        )
        if question.kind == "choice":
            fields[f"q{question.id}"] = RadioField(
                label,
                validators,
                choices=[SelectChoice(option, option) for option in question.choice_list],
                validate_choice=False,
            )
        else:
            fields[f"q{question.id}"] = StringField(
                label, [*validators, Length(max=500)], filters=[single_line]
            )
    form_class = type(base.__name__ + "WithQuestions", (base,), fields)
    form_class.question_names = [f"q{question.id}" for question in questions]
    return form_class


def answers_from(form):
    """{question id: answer text} from a form made by `with_questions`."""
    return {int(name[1:]): form[name].data or "" for name in form.question_names}


class GuestRegistrationForm(FlaskForm, PersonMixin, ConsentMixin, SubmissionKeyMixin):
    """A guest's registration."""


class AccountRegistrationForm(FlaskForm, SubmissionKeyMixin):
    """A signed-in entrepreneur's one-step registration (details come from the account)."""

    position = optional_text(_l("Position"), 50)
    email = email_field()


class AccountConsentForm(AccountRegistrationForm, ConsentMixin):
    """The one-step form for an account that has not yet agreed to the current notice."""


class GuestDetailsForm(FlaskForm, PersonMixin):
    """A guest corrects their registration."""


class AccountDetailsForm(FlaskForm):
    """An account holder corrects their registration (the mobile number is the account's)."""

    name = required_text(_l("Name"), 50)
    enterprise = required_text(_l("Enterprise"), 100)
    position = required_text(_l("Position"), 50)
    email = email_field()


class WalkInForm(FlaskForm):
    """A person who arrives at the door without registering."""

    name = required_text(_l("Name"), 50)
    mobile = MobileField(
        _l("Mobile number"), [DataRequired(message=_l("Fill this in.")), mobile_number]
    )
    enterprise = optional_text(_l("Enterprise (optional)"), 100)
    position = optional_text(_l("Position (optional)"), 50)
    consent = BooleanField(
        _l("The person has seen the privacy notice and agrees to their details being used."),
        [DataRequired(message=_l("The person must agree to the privacy notice."))],
    )


class QuestionForm(Form):
    """One extra question of an event (left empty when unused)."""

    label = optional_text(_l("Question text"), 200)
    kind = SelectField(
        _l("Answer type"),
        choices=[SelectChoice(code, name) for code, name in QUESTION_KIND_NAMES.items()],
        default="text",
    )
    choices = TextAreaField(_l("Options (one per line)"), [Optional(), Length(max=1000)])
    required = BooleanField(_l("An answer is required"))


class EventForm(FlaskForm):
    """Create or edit an event; times are Asia/Shanghai."""

    kind = SelectField(_l("Kind"), choices=[SelectChoice(code, KIND_NAMES[code]) for code in KINDS])
    title = required_text(_l("Title"), 120)
    description = TextAreaField(
        _l("Description"), [Optional(), Length(max=5000)], render_kw={"rows": 6}
    )
    venue = required_text(_l("Venue"), 200)
    starts_at = LocalDateTimeField(
        _l("Starts"), [DataRequired(message=_l("Enter a date and time."))]
    )
    ends_at = LocalDateTimeField(_l("Ends"), [DataRequired(message=_l("Enter a date and time."))])
    seats = WholeNumberField(
        _l("Seats"),
        [
            InputRequired(message=_l("Enter a whole number.")),
            NumberRange(min=1, max=100_000, message=_l("Between 1 and 100,000.")),
        ],
    )
    opens_at = LocalDateTimeField(_l("Registration opens (optional)"), [Optional()])
    closes_at = LocalDateTimeField(_l("Registration closes (optional)"), [Optional()])
    approval_required = BooleanField(_l("Staff approve each registration"))
    audience_note = optional_text(_l("Audience note (optional)"), 300)
    questions = FieldList(FormField(QuestionForm), min_entries=MAX_QUESTIONS, max_entries=5)

    def validate_ends_at(self, field):
        """The end comes after the start."""
        if self.starts_at.data and field.data and field.data <= self.starts_at.data:
            raise ValidationError(_("The end must be after the start."))

    def validate_opens_at(self, field):
        """Registration opens before the event starts."""
        if field.data and self.starts_at.data and field.data >= self.starts_at.data:
            raise ValidationError(_("Registration must open before the event starts."))

    def validate_closes_at(self, field):
        """Registration closes by the start, and after it opens."""
        if field.data and self.starts_at.data and field.data > self.starts_at.data:
            raise ValidationError(_("Registration must close by the start of the event."))
        if field.data and self.opens_at.data and field.data <= self.opens_at.data:
            raise ValidationError(_("Registration must close after it opens."))

    def validate_questions(self, field):
        """A single-choice question has at least two options."""
        for entry in field.entries:
            question = entry.form
            options = [line for line in (question.choices.data or "").splitlines() if line.strip()]
            if question.label.data and question.kind.data == "choice" and len(options) < 2:
                question.choices.errors = [_("Give at least two options, one per line.")]
                raise ValidationError(_("A single-choice question needs at least two options."))

    def event_data(self):
        """The event's fields as the db layer takes them (times in UTC)."""
        return dict(
            kind=self.kind.data,
            title=self.title.data.strip(),
            description=(self.description.data or "").strip(),
            venue=self.venue.data.strip(),
            starts_at=self.starts_at.utc,
            ends_at=self.ends_at.utc,
            seats=self.seats.data,
            opens_at=self.opens_at.utc,
            closes_at=self.closes_at.utc,
            approval_required=self.approval_required.data,
            audience_note=(self.audience_note.data or "").strip(),
        )

    def question_data(self):
        """The questions with a label, in order."""
        return [
            dict(
                label=entry.form.label.data.strip(),
                kind=entry.form.kind.data,
                choices=entry.form.choices.data or "",
                required=entry.form.required.data,
            )
            for entry in self.questions.entries
            if (entry.form.label.data or "").strip()
        ]

    def fill_from(self, event, questions):
        """Show an event's stored values (times back in Shanghai)."""
        for name in ("kind", "title", "description", "venue", "seats", "approval_required"):
            getattr(self, name).data = getattr(event, name)
        self.audience_note.data = event.audience_note
        for name in ("starts_at", "ends_at", "opens_at", "closes_at"):
            getattr(self, name).set_utc(getattr(event, name))
        for entry, question in zip(self.questions.entries, questions, strict=False):
            entry.form.label.data = question.label
            entry.form.kind.data = question.kind
            entry.form.choices.data = question.choices
            entry.form.required.data = question.required


class ReasonForm(FlaskForm):
    """A reason, required (rejections, cancelling an event)."""

    reason = StringField(
        _l("Reason"),
        [DataRequired(message=_l("Give a reason.")), Length(max=300)],
        filters=[single_line],
    )


class ScanForm(FlaskForm):
    """A registration code typed or scanned at the door."""

    code = StringField(_l("Code"), [DataRequired(message=_l("Fill this in.")), Length(max=40)])
