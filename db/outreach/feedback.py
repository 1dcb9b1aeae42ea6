"""Feedback: an optional short survey after an event or a course, one answer a person.

A survey belongs to one event or course (its `target`): a rating from 1 to 5 and up to
three questions. When the event has ended (the course's last session), the send command
queues each confirmed person a notice with the link to the survey (once, through a
`ReminderSent` row of kind "feedback"). Guests answer from their registration's private
link; course participants from their account. One answer per registration (application)
is a unique index: a second answer, even one sent at the same moment, is refused.
"""

import json
from datetime import timedelta

from peewee import IntegrityError, fn

from db import audit, database, notices
from db.base import utcnow
from db.events import CONFIRMED, Event, Registration
from db.outreach.errors import OutreachError
from db.outreach.models import (
    MAX_FEEDBACK_QUESTIONS,
    FeedbackAnswer,
    FeedbackSurvey,
    ReminderSent,
    insert_once,
)
from db.outreach.texts import letter, translator
from db.training import APPROVED, COMPLETED, NOT_COMPLETED, Application, Course, CourseSession

MAX_ANSWER = 500
ASK_WITHIN = timedelta(days=14)  # only recent occasions are asked about
RATINGS = (1, 2, 3, 4, 5)
# Those who took part in a course and are asked for feedback.
COURSE_PARTICIPANTS = (APPROVED, COMPLETED, NOT_COMPLETED)


def survey_for(target):
    """The survey of "event:12" or "course:3", or None."""
    return FeedbackSurvey.get_or_none(FeedbackSurvey.target == target)


def save_survey(target, questions, is_open=True, actor=None):
    """Create or change the survey of `target`; questions are one a line (at most three)."""
    lines = [line.strip() for line in (questions or "").splitlines() if line.strip()]
    if len(lines) > MAX_FEEDBACK_QUESTIONS:
        raise OutreachError("too_many_questions", field="questions", most=MAX_FEEDBACK_QUESTIONS)
    if any(len(line) > 200 for line in lines):
        raise OutreachError("question_too_long", field="questions")
    with database.atomic():
        survey = survey_for(target)
        if survey is None:
            survey = FeedbackSurvey.create(
                target=target, questions="\n".join(lines), is_open=is_open, created_by=actor
            )
        else:
            if survey.answers.exists() and "\n".join(lines) != survey.questions:
                raise OutreachError("questions_locked", field="questions")
            survey.questions, survey.is_open = "\n".join(lines), is_open
            survey.save()
        audit.record("feedback.survey", survey, target, actor=actor)
    return survey


def answer(survey, respondent, rating, texts):
    """Record one person's answer; OutreachError('already_answered') for a second one."""
    if not survey.is_open:
        raise OutreachError("survey_closed")
    if rating not in RATINGS:
        raise OutreachError("bad_rating", field="rating")
    questions = survey.question_list
    values = [(text or "").strip()[:MAX_ANSWER] for text in list(texts)[: len(questions)]]
    values += [""] * (len(questions) - len(values))
    try:
        with database.atomic():
            row = FeedbackAnswer.create(
                survey=survey,
                respondent=respondent,
                rating=rating,
                answers=json.dumps(values, ensure_ascii=False),
                created_at=utcnow(),
            )
            audit.record("feedback.answer", row, survey.target, actor=None)
    except IntegrityError:
        raise OutreachError("already_answered") from None
    return row


def has_answered(survey, respondent):
    """True once this registration (application) has answered."""
    return (
        FeedbackAnswer.select()
        .where(FeedbackAnswer.survey == survey.id, FeedbackAnswer.respondent == respondent)
        .exists()
    )


def results(survey):
    """The survey's figures: count, average, answers per rating, and the text answers."""
    rows = list(survey.answers.order_by(FeedbackAnswer.created_at))
    counts = {rating: 0 for rating in RATINGS}
    for row in rows:
        counts[row.rating] = counts.get(row.rating, 0) + 1
    total = len(rows)
    average = sum(row.rating for row in rows) / total if total else None
    texts = [[] for _ in survey.question_list]
    for row in rows:
        for index, value in enumerate(json.loads(row.answers or "[]")[: len(texts)]):
            if value:
                texts[index].append(value)
    return dict(total=total, average=average, counts=counts, texts=texts, rows=rows)


def answer_values(row):
    """A stored answer's text values."""
    return json.loads(row.answers or "[]")


def _ask(occasion, person, language, name, title, link, recipient, mobile, email=""):
    """Queue one feedback request, once per occasion and person."""
    inserted = insert_once(
        ReminderSent.insert(occasion=occasion, person=person, kind="feedback", created_at=utcnow())
    )
    if not inserted:
        return 0
    _ = translator(language)
    notices.queue(
        "outreach.feedback",
        _("How was it? %(title)s", title=title),
        letter(
            language,
            name,
            _("Thank you for taking part. Would you tell us how it went? It takes a minute."),
            [_("Your feedback: %(link)s", link=link)],
        ),
        recipient=recipient,
        mobile=mobile,
        email=email,
        link=link,
    )
    return 1


@notices.producer
def queue_feedback_requests(now):
    """After an event (a course's last session) with an open survey: ask each participant."""
    now = now or utcnow()
    recent = now - ASK_WITHIN
    queued = 0
    for survey in FeedbackSurvey.select().where(FeedbackSurvey.is_open):
        kind, _, number = survey.target.partition(":")
        if kind == "event":
            event = Event.get_or_none(Event.id == int(number))
            if event is None or event.status == "cancelled" or not recent <= event.ends_at <= now:
                continue
            people = Registration.select().where(
                Registration.event == event.id, Registration.status == CONFIRMED
            )
            for registration in people:
                with database.atomic():
                    queued += _ask(
                        survey.target,
                        f"registration:{registration.id}",
                        registration.language,
                        registration.name,
                        event.title,
                        f"/feedback/{registration.token}",
                        registration.user_id,
                        registration.mobile,
                        registration.email,
                    )
        elif kind == "course":
            course = Course.get_or_none(Course.id == int(number))
            last = (
                CourseSession.select(fn.MAX(CourseSession.ends_at))
                .where(CourseSession.course == int(number))
                .scalar()
            )
            if course is None or last is None or not recent <= last <= now:
                continue
            people = Application.select().where(
                Application.course == course.id, Application.status.in_(COURSE_PARTICIPANTS)
            )
            for application in people:
                with database.atomic():
                    queued += _ask(
                        survey.target,
                        f"application:{application.id}",
                        application.language,
                        application.user.name,
                        course.title,
                        f"/feedback/course/{application.id}",
                        application.user_id,
                        application.user.mobile,
                    )
    return queued


def open_for_registration(registration, now=None):
    """The survey a guest may answer now (confirmed, the event over, not yet answered), or None."""
    now = now or utcnow()
    if registration.status != CONFIRMED or registration.event.ends_at > now:
        return None
    survey = FeedbackSurvey.get_or_none(
        FeedbackSurvey.target == f"event:{registration.event_id}", FeedbackSurvey.is_open
    )
    if survey is None or has_answered(survey, f"registration:{registration.id}"):
        return None
    return survey


def open_for_applications(applications, now=None):
    """{application id: survey} of the applications whose course's survey they may answer now.

    A participant (approved, completed or not) of a course whose last session has ended,
    with an open survey they have not answered: at most three queries for the whole list.
    """
    now = now or utcnow()
    mine = [a for a in applications if a.status in COURSE_PARTICIPANTS]
    if not mine:
        return {}
    surveys = {
        survey.target: survey
        for survey in FeedbackSurvey.select().where(
            FeedbackSurvey.target.in_([f"course:{a.course_id}" for a in mine]),
            FeedbackSurvey.is_open,
        )
    }
    mine = [a for a in mine if f"course:{a.course_id}" in surveys]
    if not mine:
        return {}
    ended = {
        row.course_id
        for row in CourseSession.select(CourseSession.course)
        .where(CourseSession.course.in_({a.course_id for a in mine}))
        .group_by(CourseSession.course)
        .having(fn.MAX(CourseSession.ends_at) <= now)
    }
    answered = {
        row.respondent
        for row in FeedbackAnswer.select(FeedbackAnswer.respondent).where(
            FeedbackAnswer.respondent.in_([f"application:{a.id}" for a in mine])
        )
    }
    return {
        a.id: surveys[f"course:{a.course_id}"]
        for a in mine
        if a.course_id in ended and f"application:{a.id}" not in answered
    }
