"""What the outreach views share: refusal messages and looking targets up."""

from flask import abort
from flask_babel import lazy_gettext as _l

from db.events import Event
from db.training import Course
from views.forms import ErrorMessages

REFUSALS = ErrorMessages(
    {
        "not_found": _l("This event or course does not exist."),
        "no_sessions": _l("The course has no sessions to copy."),
        "copy_refused": _l(
            "The copy cannot start then: its registration window would not fit. Choose a "
            "later start, or copy and then change the registration dates."
        ),
        "too_many_questions": _l("A survey has at most %(most)s questions."),
        "question_too_long": _l("A question can have at most 200 characters."),
        "questions_locked": _l("People have answered already: the questions can no longer change."),
        "survey_closed": _l("This survey is closed. Thank you all the same."),
        "bad_rating": _l("Choose a rating from 1 to 5."),
        "already_answered": _l("You have answered this survey already. Thank you!"),
        "bad_source": _l("Choose whom to invite."),
        "target_not_open": _l(
            "Invitations go out only for a published event that has not started (a published "
            "course)."
        ),
        "nobody_chosen": _l("Tick at least one person to invite."),
        "too_many": _l("At most %(most)s people can be invited at once."),
    }
)


def target_or_404(kind, number):
    """The event or course of a staff page, or 404."""
    model = {"event": Event, "course": Course}.get(kind)
    if model is None:
        abort(404)
    row = model.get_or_none(model.id == number)
    if row is None:
        abort(404)
    return row
