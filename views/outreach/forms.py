"""The forms of the outreach pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from db.outreach.feedback import MAX_ANSWER
from views.forms import LocalDateTimeField, single_line

RATING_NAMES = {
    "5": _l("5 — excellent"),
    "4": _l("4 — good"),
    "3": _l("3 — fair"),
    "2": _l("2 — poor"),
    "1": _l("1 — very poor"),
}
SOURCE_NAMES = {
    "attendees": _l("Guests who attended a past event (checked in)"),
    "confirmed": _l("Every confirmed guest of a past event"),
    "graduates": _l("Graduates of a course"),
    "partners": _l("Partner enterprises' contacts"),
}


class SmsChoiceForm(FlaskForm):
    """A person's own SMS choice (signed in)."""

    receive = BooleanField(_l("Send me notices by SMS"))


class FeedbackForm(FlaskForm):
    """The feedback survey: a rating and the survey's questions (added per survey)."""

    rating = RadioField(
        _l("How would you rate it overall?"),
        [InputRequired(_l("Choose a rating from 1 to 5."))],
        choices=[SelectChoice(value, label) for value, label in RATING_NAMES.items()],
    )


def feedback_form(questions, formdata=None):
    """A FeedbackForm with one text field per question (answer_0, answer_1 …)."""

    class SurveyAnswers(FeedbackForm):
        pass

    for index, question in enumerate(questions):
        setattr(
            SurveyAnswers,
            f"answer_{index}",
            TextAreaField(question, [Optional(), Length(max=MAX_ANSWER)]),
        )
    return SurveyAnswers(formdata=formdata) if formdata is not None else SurveyAnswers()


class SurveyForm(FlaskForm):
    """Staff set up the survey of an event or course."""

    questions = TextAreaField(
        _l("Questions (optional, one a line, at most three)"), [Optional(), Length(max=700)]
    )
    is_open = BooleanField(_l("Open for answers"), default=True)


class CopyForm(FlaskForm):
    """Copy an event or course to a new date."""

    title = StringField(
        _l("Title of the copy"), [DataRequired(), Length(max=120)], filters=[single_line]
    )
    starts_at = LocalDateTimeField(
        _l("Starts (the first session of a course)"),
        [InputRequired(_l("Enter the date and time the copy starts."))],
    )


class InviteSourceForm(FlaskForm):
    """Where the invited people come from (GET: the list of candidates)."""

    class Meta:
        csrf = False

    source = RadioField(
        _l("Invite"),
        choices=[SelectChoice(value, label) for value, label in SOURCE_NAMES.items()],
        default="attendees",
    )
    event = SelectField(_l("Past event"), choices=[], validate_choice=False)
    course = SelectField(_l("Course"), choices=[], validate_choice=False)
    enterprise = SelectField(_l("Partner enterprise"), choices=[], validate_choice=False)
