"""The pages people reach from their messages: the SMS opt-out link, their own SMS choice,
the feedback surveys; and Tencent Cloud's callback with SMS replies (回T退订)."""

import hmac

from flask import abort, current_app, flash, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from db.events import Event, Registration
from db.outreach import OutreachError, feedback, sms
from db.training import Application
from db.validators import mask_mobile
from views.extensions import csrf
from views.forms import refused
from views.outreach import bp
from views.outreach.common import REFUSALS
from views.outreach.forms import SmsChoiceForm, feedback_form
from views.pages import ButtonForm, render_page

STOP_WORDS = {"T", "TD", "退订", "N", "R"}


@bp.route("/o/<token>", methods=["GET", "POST"])
def stop(token):
    """The opt-out link of every SMS: stop all SMS to this number in one tap."""
    mobile = sms.mobile_for_token(token)
    if mobile is None:
        abort(404)
    form = ButtonForm()
    if form.validate_on_submit():
        sms.opt_out(mobile, "link")
        return redirect(url_for("outreach.stop", token=token))
    return render_page(
        "outreach/stop.html",
        form=form,
        masked=mask_mobile(mobile),
        stopped=sms.is_opted_out(mobile),
    )


@bp.route("/sms/reply/<token>", methods=["POST"])
@csrf.exempt
def sms_reply(token):
    """Tencent Cloud's SMS reply callback: a reply of T (退订) stops SMS to that number.

    The callback URL carries SMS_REPLY_TOKEN (set in the Tencent Cloud console), so nobody
    else can stop someone's messages through it.
    """
    expected = current_app.config.get("SMS_REPLY_TOKEN") or ""
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        abort(404)
    payload = request.get_json(silent=True)
    replies = payload if isinstance(payload, list) else [payload] if payload else []
    stopped = 0
    for reply in replies:
        if not isinstance(reply, dict):
            continue
        mobile = str(reply.get("mobile") or "")[-11:]
        text = str(reply.get("text") or "").strip().upper()
        if len(mobile) == 11 and mobile.isdigit() and text in STOP_WORDS:
            sms.opt_out(mobile, "reply")
            stopped += 1
    return jsonify(result=0, errmsg="OK", stopped=stopped)


@bp.route("/my/sms", methods=["GET", "POST"])
@login_required
def my_sms():
    """A signed-in person's own choice: notices by SMS to their account's mobile, or not."""
    mobile = current_user.mobile
    form = SmsChoiceForm()
    if mobile and form.validate_on_submit():
        if form.receive.data:
            sms.opt_in(mobile)
            flash(_("You will receive notices by SMS again."), "success")
        else:
            sms.opt_out(mobile, "account")
            flash(_("No more SMS will be sent to your number."), "success")
        return redirect(url_for("outreach.my_sms"))
    if request.method == "GET" and mobile:
        form.receive.data = not sms.is_opted_out(mobile)
    return render_page(
        "outreach/my_sms.html", form=form, masked=mask_mobile(mobile) if mobile else ""
    )


def _answer_page(survey, respondent, title, name, action):
    """Show or take one person's answer to a survey."""
    if survey is None:
        abort(404)
    if feedback.has_answered(survey, respondent):
        return render_page("outreach/feedback_answer.html", done=True, title=title, form=None)
    form = feedback_form(survey.question_list)
    context = dict(title=title, name=name, survey=survey, form=form, action=action, done=False)
    if not survey.is_open:
        return render_page("outreach/feedback_answer.html", closed=True, **context)
    if form.validate_on_submit():
        texts = [form[f"answer_{i}"].data for i in range(len(survey.question_list))]
        try:
            feedback.answer(survey, respondent, int(form.rating.data), texts)
        except OutreachError as error:
            if error.code != "already_answered":
                REFUSALS.add(form, error)
                return refused("outreach/feedback_answer.html", **context)
        return redirect(action)
    if form.is_submitted():
        return refused("outreach/feedback_answer.html", **context)
    return render_page("outreach/feedback_answer.html", **context)


@bp.route("/feedback/<token>", methods=["GET", "POST"])
def event_feedback(token):
    """A guest's feedback on an event, reached by their registration's private link."""
    registration = (
        Registration.select(Registration, Event)
        .join(Event)
        .where(Registration.token == token[:64])
        .first()
    )
    if registration is None or registration.status != "confirmed":
        abort(404)
    event = registration.event
    return _answer_page(
        feedback.survey_for(f"event:{event.id}"),
        f"registration:{registration.id}",
        event.title,
        registration.name,
        url_for("outreach.event_feedback", token=token),
    )


@bp.route("/feedback/course/<int:application_id>", methods=["GET", "POST"])
@login_required
def course_feedback(application_id):
    """A participant's feedback on a course (their own application only)."""
    application = Application.get_or_none(Application.id == application_id)
    if application is None or application.user_id != current_user.id:
        abort(404)
    if application.status not in feedback.COURSE_PARTICIPANTS:
        abort(404)
    return _answer_page(
        feedback.survey_for(f"course:{application.course_id}"),
        f"application:{application.id}",
        application.course.title,
        current_user.name,
        url_for("outreach.course_feedback", application_id=application.id),
    )


def event_feedback_url(registration):
    """The guest's survey link when they may answer one now (their /r/ page), else None."""
    if feedback.open_for_registration(registration) is None:
        return None
    return url_for("outreach.event_feedback", token=registration.token)


def course_feedback_urls(applications):
    """{application id: survey link} for "My courses": the surveys open to the person now."""
    return {
        application_id: url_for("outreach.course_feedback", application_id=application_id)
        for application_id in feedback.open_for_applications(applications)
    }
