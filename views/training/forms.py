"""The forms of the training pages."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from db.training.models import DEFAULT_COMPLETION_SHARE
from views.calendar import local_to_utc, utc_to_local
from views.forms import LocalDateTimeField, WholeNumberField, single_line

FILL_IN = _l("Fill this in.")
# Single-line fields end up in notice subjects, file names and sign-in sheets: line breaks
# and control characters become spaces and runs of spaces collapse, as the form is read.
ONE_LINE = [single_line]


def one_item_a_line(value):
    """A list typed one item a line: each line made single-line, blank lines dropped."""
    if value is None:
        return value
    return "\n".join(line for line in map(single_line, value.splitlines()) if line)


class CourseForm(FlaskForm):
    """A course's details, as staff create or edit it (sessions are edited inline)."""

    title = StringField(
        _l("Title"), [DataRequired(message=FILL_IN), Length(max=120)], filters=ONE_LINE
    )
    institution = StringField(
        _l("Partner institution"),
        [DataRequired(message=FILL_IN), Length(max=120)],
        filters=ONE_LINE,
    )
    lecturers = StringField(_l("Lecturers"), [Optional(), Length(max=300)], filters=ONE_LINE)
    description = TextAreaField(_l("Course description"), [Optional(), Length(max=5000)])
    seats = WholeNumberField(
        _l("Seats"),
        [
            InputRequired(message=FILL_IN),
            NumberRange(min=1, max=10_000, message=_l("Between 1 and 10,000.")),
        ],
    )
    opens_at = LocalDateTimeField(_l("Applications open (optional)"), [Optional()])
    closes_at = LocalDateTimeField(_l("Applications close (optional)"), [Optional()])
    review_required = BooleanField(_l("Staff review every application"), default=True)
    eligibility_note = TextAreaField(_l("Who may apply"), [Optional(), Length(max=500)])
    completion_share = WholeNumberField(
        _l("Attendance needed to complete (%)"),
        [
            InputRequired(message=FILL_IN),
            NumberRange(min=1, max=100, message=_l("A whole percentage between 1 and 100.")),
        ],
        default=DEFAULT_COMPLETION_SHARE,
    )
    questions = TextAreaField(
        _l("Questions for applicants (optional)"), [Optional()], filters=[one_item_a_line]
    )
    published = BooleanField(_l("Published: entrepreneurs can see the course"))

    def values(self):
        """The fields as the db layer takes them (times in UTC)."""
        return dict(
            title=self.title.data,
            institution=self.institution.data,
            lecturers=self.lecturers.data,
            description=self.description.data,
            seats=self.seats.data,
            opens_at=self.opens_at.utc,
            closes_at=self.closes_at.utc,
            review_required=self.review_required.data,
            eligibility_note=self.eligibility_note.data,
            completion_share=self.completion_share.data,
            questions=self.questions.data,
            published=self.published.data,
        )

    def fill(self, course):
        """Show a stored course in the form."""
        for name in (
            "title",
            "institution",
            "lecturers",
            "description",
            "seats",
            "review_required",
            "eligibility_note",
            "completion_share",
            "questions",
            "published",
        ):
            getattr(self, name).data = getattr(course, name)
        self.opens_at.set_utc(course.opens_at)
        self.closes_at.set_utc(course.closes_at)


class SessionForm(FlaskForm):
    """One session's date, times, topic and room (Asia/Shanghai wall-clock)."""

    day = DateField(_l("Date"), [InputRequired(message=_l("Choose a date."))])
    starts = TimeField(_l("Start"), [InputRequired(message=_l("Choose a time."))])
    ends = TimeField(_l("End"), [InputRequired(message=_l("Choose a time."))])
    topic = StringField(
        _l("Topic"), [DataRequired(message=FILL_IN), Length(max=200)], filters=ONE_LINE
    )
    room = StringField(_l("Room"), [Optional(), Length(max=100)], filters=ONE_LINE)

    def times(self):
        """(starts_at, ends_at) in UTC."""
        return (
            local_to_utc(datetime.combine(self.day.data, self.starts.data)),
            local_to_utc(datetime.combine(self.day.data, self.ends.data)),
        )

    def fill(self, session):
        """Show a stored session in the form."""
        starts, ends = utc_to_local(session.starts_at), utc_to_local(session.ends_at)
        self.day.data = starts.date()
        self.starts.data = starts.time()
        self.ends.data = ends.time()
        self.topic.data = session.topic
        self.room.data = session.room


class ApplyForm(FlaskForm):
    """An application: position, a short motivation, the course's questions, consent."""

    position = StringField(
        _l("Your position"), [DataRequired(message=FILL_IN), Length(max=50)], filters=ONE_LINE
    )
    motivation = TextAreaField(
        _l("Why do you want to take this course?"),
        [
            DataRequired(message=FILL_IN),
            Length(max=1000, message=_l("Keep it under 1,000 characters.")),
        ],
    )
    consent = BooleanField(
        _l(
            "I have read the privacy notice and agree to my details being used for this "
            "course and its certificate."
        ),
        [DataRequired(message=_l("Please agree to the privacy notice to apply."))],
    )


def apply_form_for(questions, **kwargs):
    """An ApplyForm with one required answer field per course question (q0, q1, …)."""
    fields = {
        f"q{index}": TextAreaField(
            question,
            [DataRequired(message=_l("Answer this question.")), Length(max=500)],
        )
        for index, question in enumerate(questions)
    }
    form_class = type("CourseApplyForm", (ApplyForm,), fields)
    form = form_class(**kwargs)
    form.question_fields = [form[f"q{index}"] for index in range(len(questions))]
    return form


class SignInForm(FlaskForm):
    """The session code a person reads in the room."""

    code = StringField(_l("Session code"), [DataRequired(message=FILL_IN), Length(max=40)])


class ReasonForm(FlaskForm):
    """A reason (rejecting, revoking)."""

    reason = TextAreaField(_l("Reason"), [Optional(), Length(max=300)])


class NotCompletedForm(FlaskForm):
    """Staff record that someone below the attendance rule did not complete the course."""

    reason = StringField(
        _l("Reason (optional)"),
        [Optional(), Length(max=300, message=_l("Keep the reason under 300 characters."))],
        filters=ONE_LINE,
    )
