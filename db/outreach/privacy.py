"""What the outreach module holds about people: a mobile number's SMS choice (opt-out),
invitations sent to them, and their feedback answers. Handed over, erased on request and
purged once old (db/privacy.py). It runs before the events and training providers (order
10), which anonymise the registrations and accounts through which answers are found.

Erasing deletes the SMS preference, blanks an invitation's name, mobile and e-mail (kept for
the counts), and blanks the free text of feedback answers; ratings stay for the survey's
figures, no longer tied to anyone. An opt-out is not forgotten with the number: it stays as
an `SmsSuppression`, a keyed hash of the number (HMAC under SECRET_KEY) that cannot be read
back, so nobody who asked for no SMS is texted again after being erased; it is never purged,
and lifted only when the person, signed in with that number, asks for SMS again.
"""

import json

from flask_babel import lazy_gettext as _l

from db import privacy
from db.accounts import User
from db.events import Event, Registration
from db.outreach import sms
from db.outreach.feedback import answer_values
from db.outreach.models import (
    FeedbackAnswer,
    FeedbackSurvey,
    Invitation,
    SmsPreference,
    SmsSuppression,
)
from db.training import Application, Course

SOURCE_NAMES = {
    "link": _l("Opt-out link"),
    "reply": _l("SMS reply"),
    "account": _l("Own account"),
}


def _respondents(mobile):
    """The respondent keys of the person's registrations and applications."""
    registrations = Registration.select(Registration.id).where(Registration.mobile == mobile)
    account = User.select(User.id).where(User.mobile == mobile)
    applications = Application.select(Application.id).where(Application.user.in_(account))
    return [f"registration:{row.id}" for row in registrations] + [
        f"application:{row.id}" for row in applications
    ]


def _answers(mobile):
    keys = _respondents(mobile)
    if not keys:
        return FeedbackAnswer.select().where(FeedbackAnswer.id == 0)
    return FeedbackAnswer.select().where(FeedbackAnswer.respondent.in_(keys))


def _target_title(key):
    kind, _, number = key.partition(":")
    model = Event if kind == "event" else Course
    row = model.get_or_none(model.id == int(number or 0))
    return row.title if row else key


def export(mobile):
    """The person's SMS choice, invitations and feedback answers."""
    preference = SmsPreference.get_or_none(SmsPreference.mobile == mobile)
    suppressed = (
        SmsSuppression.get_or_none(SmsSuppression.digest == sms.suppression_digest(mobile))
        if mobile
        else None
    )
    invitations = list(
        Invitation.select().where(Invitation.mobile == mobile).order_by(Invitation.id)
    )
    answers = list(_answers(mobile).select(FeedbackAnswer, FeedbackSurvey).join(FeedbackSurvey))
    sections = []
    if preference is not None:
        sections.append(
            (
                _l("SMS"),
                [
                    {
                        _l("Mobile number"): preference.mobile,
                        _l("SMS stopped"): preference.opted_out_at,
                        _l("Stopped by"): SOURCE_NAMES.get(preference.source, ""),
                    }
                ],
            )
        )
    elif suppressed is not None:
        sections.append(
            (
                _l("SMS"),
                [
                    {
                        _l("Mobile number"): mobile,
                        _l("SMS stopped"): suppressed.created_at,
                        _l("Stopped by"): _l("Kept after erasure (as a keyed hash)"),
                    }
                ],
            )
        )
    sections.append(
        (
            _l("Invitations"),
            [
                {
                    _l("To"): _target_title(row.target),
                    _l("Name"): row.name,
                    _l("Mobile number"): row.mobile,
                    _l("E-mail"): row.email,
                    _l("Invited"): row.created_at,
                }
                for row in invitations
            ],
        )
    )
    sections.append(
        (
            _l("Feedback"),
            [
                {
                    _l("About"): _target_title(row.survey.target),
                    _l("Rating"): row.rating,
                    _l("Answers"): "\n".join(value for value in answer_values(row) if value),
                    _l("Answered"): row.created_at,
                }
                for row in answers
            ],
        )
    )
    return sections


def _blank_answers(query):
    ids = [row.id for row in query.select(FeedbackAnswer.id)]
    if ids:
        FeedbackAnswer.update(answers=json.dumps([])).where(FeedbackAnswer.id.in_(ids)).execute()
    return len(ids)


def _anonymise_invitations(query):
    rows = list(query.select(Invitation.id))
    for row in rows:
        Invitation.update(
            name=privacy.ERASED_NAME, mobile=privacy.erased_mobile(row.id), email=""
        ).where(Invitation.id == row.id).execute()
    return len(rows)


def erase(mobile):
    """Forget the number's SMS choice (an opt-out kept as a hash); blank invitations, answers."""
    if not mobile:
        return 0
    preference = SmsPreference.get_or_none(SmsPreference.mobile == mobile)
    if preference is not None and preference.opted_out_at is not None:
        sms.suppress(mobile, preference.opted_out_at)
    count = SmsPreference.delete().where(SmsPreference.mobile == mobile).execute()
    count += _anonymise_invitations(Invitation.select().where(Invitation.mobile == mobile))
    return count + _blank_answers(_answers(mobile))


def purge(before):
    """Blank invitations and feedback text older than `before`; forget unused preferences."""
    count = (
        SmsPreference.delete()
        .where(SmsPreference.created_at < before, SmsPreference.opted_out_at.is_null())
        .execute()
    )
    count += _anonymise_invitations(
        Invitation.select().where(
            Invitation.created_at < before, Invitation.name != privacy.ERASED_NAME
        )
    )
    return count + _blank_answers(
        FeedbackAnswer.select().where(
            FeedbackAnswer.created_at < before, FeedbackAnswer.answers != "[]"
        )
    )


PROVIDER = privacy.PersonalData("outreach", export, erase, purge, order=10)
