"""The words of training notices, written in the language the person applied in.

Notices are composed when they are queued (inside the transaction of the change), so the
outbox holds finished text in the applicant's language even when the change was made by
someone else (staff approving, a withdrawal promoting the next person). The translator and
the time format are the events module's, which read the catalogs with Babel directly.
"""

from db import notices
from db.events.texts import local_when, translator


def _subject_and_intro(kind, title, reason, number, _):
    """The subject line and first paragraph of one kind of notice (`_` translates)."""
    texts = {
        "training.received": (
            _("Application received: %(title)s", title=title),
            _(
                "We have your application. The centre reviews applications for this course "
                "and will tell you the outcome."
            ),
        ),
        "training.approved": (
            _("Application approved: %(title)s", title=title),
            _("Your application was approved and your seat on the course is confirmed."),
        ),
        "training.waiting": (
            _("On the waiting list: %(title)s", title=title),
            _(
                "Your application was accepted, but every seat is taken: you are on the waiting "
                "list and move up in order. If a seat frees, you are told at once."
            ),
        ),
        "training.promoted": (
            _("A seat is yours: %(title)s", title=title),
            _("A seat became free and you were next on the waiting list: your place is confirmed."),
        ),
        "training.rejected": (
            _("Application not accepted: %(title)s", title=title),
            _(
                "We are sorry: your application was not accepted. Reason: %(reason)s",
                reason=reason,
            ),
        ),
        "training.withdrawn": (
            _("Application withdrawn: %(title)s", title=title),
            _(
                "Your application has been withdrawn as you asked. Your seat goes to the next "
                "person."
            ),
        ),
        "training.completed": (
            _("Certificate issued: %(title)s", title=title),
            _(
                "Congratulations on completing the course. Your completion certificate is "
                "number %(number)s; you can open and print it under My courses.",
                number=number,
            ),
        ),
        "training.not_completed": (
            _("Course not completed: %(title)s", title=title),
            _(
                "The course has ended. You attended fewer sessions than completing it needs, "
                "so the centre recorded that you did not complete it and no certificate is "
                "issued. Reason: %(reason)s",
                reason=reason,
            )
            if reason
            else _(
                "The course has ended. You attended fewer sessions than completing it needs, "
                "so the centre recorded that you did not complete it and no certificate is "
                "issued."
            ),
        ),
        "training.reopened": (
            _("Completion under review again: %(title)s", title=title),
            _(
                "The centre has taken back its note that you did not complete this course. "
                "Your completion is being looked at again, and you will be told the outcome."
            ),
        ),
        "training.certificate_revoked": (
            _("Certificate revoked: %(title)s", title=title),
            _(
                "Your completion certificate %(number)s has been revoked. Reason: %(reason)s",
                number=number,
                reason=reason,
            ),
        ),
    }
    return texts[kind]


def compose(kind, application, first_start=None, reason="", number=""):
    """(subject, body) of a notice about `application`, in the applicant's language."""
    course = application.course
    language = application.language
    _ = translator(language)
    subject, intro = _subject_and_intro(kind, course.title, reason, number, _)
    lines = [
        _("Dear %(name)s,", name=application.user.name),
        "",
        intro,
        "",
        _("Course: %(title)s", title=course.title),
        _("Institution: %(institution)s", institution=course.institution),
    ]
    if first_start is not None:
        lines.append(_("First session: %(when)s", when=local_when(first_start, language)))
    lines += ["", _("Guangzhong Community Party-Building Service Centre")]
    return subject, "\n".join(lines)


def notify(kind, application, first_start=None, reason="", number=""):
    """Queue a notice about `application` to its person (inside the caller's transaction)."""
    subject, body = compose(kind, application, first_start, reason, number)
    return notices.queue(
        kind,
        subject,
        body,
        recipient=application.user_id,
        mobile=application.user.mobile,
        link=application.path,
    )
