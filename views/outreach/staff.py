"""Staff pages: failed sends, invitations, copying to a new date, feedback results."""

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from db.accounts import Enterprise
from db.base import utcnow
from db.events import Event
from db.outreach import OutreachError, copying, feedback, invitations, sms
from db.outreach.models import FAILED, SmsDelivery, StaffAlert
from db.outreach.sms import opted_out_numbers
from db.partners.models import PartnerContact
from db.training import Course
from db.validators import mask_mobile
from views.access import staff_required
from views.exports import xlsx_response
from views.forms import refused
from views.i18n import datetime_filter
from views.market.charts import bar_chart
from views.outreach import bp
from views.outreach.common import REFUSALS, target_or_404
from views.outreach.forms import SOURCE_NAMES, CopyForm, InviteSourceForm, SurveyForm
from views.pages import ButtonForm, render_page
from views.params import parse_int

KINDS = "<kind>"  # event or course; anything else is 404 (target_or_404)


@bp.route("/outreach/sms/failed")
@staff_required
def failed_sends():
    """SMS that failed (given up, or waiting for their next try), and recent staff alerts."""
    rows = sms.troubles()
    alerts = list(StaffAlert.select().order_by(StaffAlert.id.desc()).limit(20))
    return render_page(
        "outreach/failed.html",
        rows=rows,
        alerts=alerts,
        mask=mask_mobile,
        given_up=FAILED,
        form=ButtonForm(),
    )


@bp.route("/outreach/sms/<int:delivery_id>/retry", methods=["POST"])
@staff_required
def retry_send(delivery_id):
    """Give a given-up SMS a new round of tries."""
    if SmsDelivery.get_or_none(SmsDelivery.id == delivery_id) is None:
        abort(404)
    if not ButtonForm().validate_on_submit():
        abort(400)
    if sms.retry(delivery_id):
        flash(_("The SMS will be tried again at the next sending run."), "success")
    else:
        flash(_("This SMS is not waiting to be retried."), "error")
    return redirect(url_for("outreach.failed_sends"))


@bp.route(f"/outreach/{KINDS}/<int:number>/copy", methods=["GET", "POST"])
@staff_required
def copy(kind, number):
    """Copy an event or a course (questions, seats, texts, survey) to a new date."""
    target = target_or_404(kind, number)
    form = CopyForm()
    if request.method == "GET":
        form.title.data = target.title
    if form.validate_on_submit():
        try:
            if kind == "event":
                event = copying.copy_event(
                    number, form.starts_at.utc, form.title.data, actor=current_user
                )
                flash(_("The copy is saved as a draft: check it, then publish."), "success")
                return redirect(url_for("events.edit", event_id=event.id))
            course = copying.copy_course(
                number, form.starts_at.utc, form.title.data, actor=current_user
            )
            flash(_("The copy is saved unpublished: check it, then publish."), "success")
            return redirect(url_for("training.edit_course", course_id=course.id))
        except OutreachError as error:
            REFUSALS.add(form, error)
    if form.is_submitted():
        return refused("outreach/copy.html", form=form, kind=kind, target=target)
    return render_page("outreach/copy.html", form=form, kind=kind, target=target)


def person_key(mobile):
    """The value of a person's checkbox: stands for the mobile without showing it."""
    return sms.keyed_digest("invite-person", mobile)[:16]


def _source_choices(form):
    now = utcnow()
    form.event.choices = [
        SelectChoice(str(e.id), f"{e.title} · {datetime_filter(e.starts_at)}")
        for e in Event.select().where(Event.ends_at < now).order_by(Event.starts_at.desc())
    ]
    form.course.choices = [
        SelectChoice(str(c.id), c.title) for c in Course.select().order_by(Course.id.desc())
    ]
    enterprises = (
        PartnerContact.select(PartnerContact.enterprise)
        .where(PartnerContact.active, PartnerContact.mobile != "")
        .distinct()
    )
    form.enterprise.choices = [SelectChoice("0", _("All partner enterprises"))] + [
        SelectChoice(str(e.id), e.name)
        for e in Enterprise.select().where(Enterprise.id.in_(enterprises)).order_by(Enterprise.name)
    ]


def _candidates(form):
    source = form.source.data if form.source.data in SOURCE_NAMES else "attendees"
    picked = {
        "attendees": form.event,
        "confirmed": form.event,
        "graduates": form.course,
        "partners": form.enterprise,
    }
    field = picked[source]
    value = parse_int(field.data or "", default=0, minimum=0, maximum=2**31 - 1)
    known = {choice.value if hasattr(choice, "value") else choice[0] for choice in field.choices}
    if str(value) not in known:
        return source, None, []
    return source, value, invitations.candidates(source, value)


@bp.route(f"/outreach/{KINDS}/<int:number>/invite", methods=["GET", "POST"])
@staff_required
def invite(kind, number):
    """Pick people (past guests, graduates, partner contacts) and invite them."""
    target = target_or_404(kind, number)
    source_form = InviteSourceForm(request.args)
    _source_choices(source_form)
    source, from_id, people = _candidates(source_form)
    blocked = opted_out_numbers(person[1] for person in people)
    send_form = ButtonForm()
    context = dict(
        kind=kind,
        target=target,
        source_form=source_form,
        source=source,
        from_id=from_id,
        people=people,
        blocked=blocked,
        send_form=send_form,
        mask=mask_mobile,
        person_key=person_key,
        source_names=SOURCE_NAMES,
        errors=[],
        result=None,
    )
    if request.method == "POST":
        if not send_form.validate_on_submit():
            abort(400)
        chosen = set(request.form.getlist("person"))
        picked = [person for person in people if person_key(person[1]) in chosen]
        try:
            context["result"] = invitations.invite(kind, number, picked, source, actor=current_user)
        except OutreachError as error:
            context["errors"] = [REFUSALS.text(error)]
            context["figures"] = invitations.figures(kind, number)
            context["invited"] = invitations.invited_list(kind, number)
            return refused("outreach/invite.html", **context)
    context["figures"] = invitations.figures(kind, number)
    context["invited"] = invitations.invited_list(kind, number)
    return render_page("outreach/invite.html", **context)


def _rating_chart(results):
    return bar_chart(
        "ratings",
        _("Answers by rating"),
        _("Rating"),
        _("Answers"),
        [(str(rating), results["counts"][rating]) for rating in feedback.RATINGS],
        lambda value: str(int(value)),
    )


@bp.route(f"/outreach/{KINDS}/<int:number>/feedback", methods=["GET", "POST"])
@staff_required
def survey(kind, number):
    """Set up the survey of an event or course, and read its results."""
    target = target_or_404(kind, number)
    key = f"{kind}:{number}"
    current = feedback.survey_for(key)
    form = SurveyForm(obj=current) if request.method == "GET" and current else SurveyForm()
    if form.validate_on_submit():
        try:
            feedback.save_survey(key, form.questions.data, form.is_open.data, actor=current_user)
            flash(_("The survey is saved."), "success")
            return redirect(url_for("outreach.survey", kind=kind, number=number))
        except OutreachError as error:
            REFUSALS.add(form, error)
    results = feedback.results(current) if current else None
    context = dict(
        kind=kind,
        target=target,
        form=form,
        survey=current,
        results=results,
        chart=_rating_chart(results) if results else None,
    )
    if form.is_submitted():
        return refused("outreach/survey.html", **context)
    return render_page("outreach/survey.html", **context)


@bp.route(f"/outreach/{KINDS}/<int:number>/feedback.xlsx")
@staff_required
def survey_xlsx(kind, number):
    """The survey's answers as a spreadsheet (no names: ratings and text answers)."""
    target = target_or_404(kind, number)
    current = feedback.survey_for(f"{kind}:{number}")
    if current is None:
        abort(404)
    results = feedback.results(current)
    header = [_("Answered"), _("Rating"), *current.question_list]
    rows = [
        [datetime_filter(row.created_at), row.rating, *feedback.answer_values(row)]
        for row in results["rows"]
    ]
    summary = [[str(rating), results["counts"][rating]] for rating in feedback.RATINGS]
    return xlsx_response(
        f"feedback-{kind}-{number}.xlsx",
        [
            (_("Answers"), header, rows),
            (_("Ratings"), [_("Rating"), _("Answers")], summary),
            (
                _("About"),
                [_("Title"), _("Answers"), _("Average")],
                [
                    [
                        target.title,
                        results["total"],
                        round(results["average"], 2) if results["average"] is not None else "",
                    ]
                ],
            ),
        ],
    )
