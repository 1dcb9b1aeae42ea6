"""Invitations, copying to a new date, feedback (one answer a registration, also when two
arrive at once), and the outreach privacy provider."""

import io
import threading
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from db import database, notices, privacy
from db.accounts import PRIVACY_NOTICE_VERSION
from db.base import utcnow
from db.events import Event, EventQuestion, Registration, registrations
from db.outreach import OutreachError, copying, feedback, invitations, sms
from db.outreach.models import (
    OPTED_OUT,
    FeedbackAnswer,
    Invitation,
    SmsDelivery,
    SmsPreference,
    SmsSuppression,
)
from db.partners import operations as partner_ops
from db.training import Application, Course, CourseSession
from tests.events_support import guest, new_event
from tests.training_helpers import make_course


def _past_event_with_guests(count=3):
    event = new_event(starts_in=timedelta(days=2))
    people = [registrations.register(event.id, guest(n))[0] for n in range(count)]
    Event.update(
        starts_at=utcnow() - timedelta(days=3), ends_at=utcnow() - timedelta(days=3, hours=-2)
    ).where(Event.id == event.id).execute()
    return Event.get_by_id(event.id), people


def test_invite_past_guests_leaves_out_opted_out_and_counts_who_registered(app, login_as):
    past, people = _past_event_with_guests(3)
    sms.opt_out(people[2].mobile, "link")
    upcoming = new_event(title="2027 中广党建论坛")
    client = login_as("staff")
    with app.test_request_context():
        from views.outreach.staff import person_key

        keys = [person_key(p.mobile) for p in people]
    # By default the guests who came (checked in at the door); or every confirmed guest.
    registrations.check_in(people[1])
    came = client.get(f"/outreach/event/{upcoming.id}/invite?event={past.id}")
    assert "1 人" in came.get_data(as_text=True) and "138****0001" in came.get_data(as_text=True)
    assert [c[1] for c in invitations.candidates("attendees", past.id)] == [people[1].mobile]
    assert len(invitations.candidates("confirmed", past.id)) == 3
    page = client.get(f"/outreach/event/{upcoming.id}/invite?source=confirmed&event={past.id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "138****0000" in text and people[0].mobile not in text
    response = client.post(
        f"/outreach/event/{upcoming.id}/invite?source=confirmed&event={past.id}",
        data={"person": keys},
    )
    assert response.status_code == 200
    assert "2 份邀请" in response.get_data(as_text=True)
    assert Invitation.select().count() == 2
    assert {i.invited_by_id for i in Invitation.select()} == {client.user.id}
    sent = notices.Notice.select().where(notices.Notice.kind == "outreach.invitation")
    assert sent.count() == 2
    assert all(n.link == f"/events/{upcoming.id}/register" for n in sent)
    assert people[2].mobile not in {n.mobile for n in sent}
    # Inviting again invites nobody twice.
    again = invitations.invite(
        "event", upcoming.id, invitations.candidates("confirmed", past.id), "confirmed"
    )
    assert again == dict(invited=0, opted_out=1, already=2)
    assert invitations.figures("event", upcoming.id) == dict(invited=2, registered=0)
    registrations.register(upcoming.id, guest(0))
    assert invitations.figures("event", upcoming.id) == dict(invited=2, registered=1)
    assert "已邀请：2 人" in client.get(f"/outreach/event/{upcoming.id}/invite").get_data(
        as_text=True
    )


def test_invite_partner_contacts_and_graduates(app, make_user, make_enterprise):
    enterprise = make_enterprise(name="宝华集团")
    partner_ops.add_contact(enterprise.id, "郑国庆", "13800060001", consent=True)
    course = make_course(first_in_days=-30)
    graduate = make_user(mobile="13800060002", username="13800060002", name="结业学员")
    Application.create(
        course=course,
        user=graduate,
        status="completed",
        consent_at=utcnow(),
        consent_version=PRIVACY_NOTICE_VERSION,
    )
    target = make_course(title="新一期研修班")
    contacts = invitations.candidates("partners", 0)
    graduates = invitations.candidates("graduates", course.id)
    assert [c[1] for c in contacts] == ["13800060001"]
    assert [g[1] for g in graduates] == ["13800060002"]
    counts = invitations.invite("course", target.id, contacts + graduates, "partners")
    assert counts["invited"] == 2
    notice = notices.Notice.get(notices.Notice.mobile == "13800060002")
    assert notice.recipient_id == graduate.id and notice.link == f"/courses/{target.id}/apply"


def test_invitations_only_for_an_open_target(app):
    past, people = _past_event_with_guests(1)
    with pytest.raises(OutreachError) as refused:
        invitations.invite("event", past.id, [(p.name, p.mobile, "", None) for p in people], "x")
    assert refused.value.code == "target_not_open"


def test_copy_an_event_with_questions_seats_texts_and_survey(app, login_as):
    event = new_event(
        seats=120,
        description="年度论坛",
        questions=[dict(label="用餐", kind="choice", choices="是\n否", required=True)],
        opens_at=utcnow() - timedelta(days=1),
    )
    feedback.save_survey(f"event:{event.id}", "最有收获的是？")
    starts = event.starts_at + timedelta(days=365)
    client = login_as("staff")
    local = (starts + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        f"/outreach/event/{event.id}/copy", data={"title": "2027 中广党建论坛", "starts_at": local}
    )
    assert response.status_code == 302
    copy = Event.select().order_by(Event.id.desc()).first()
    assert copy.id != event.id and copy.status == "draft" and copy.title == "2027 中广党建论坛"
    assert copy.created_by_id == client.user.id
    assert (copy.seats, copy.description, copy.venue) == (120, "年度论坛", event.venue)
    assert (
        copy.starts_at == starts
        and copy.ends_at - copy.starts_at == event.ends_at - event.starts_at
    )
    assert copy.opens_at == event.opens_at + timedelta(days=365)
    question = EventQuestion.get(EventQuestion.event == copy.id)
    assert (question.label, question.choices, question.required) == ("用餐", "是\n否", True)
    assert feedback.survey_for(f"event:{copy.id}").questions == "最有收获的是？"
    refused = client.post(f"/outreach/event/{event.id}/copy", data={"title": "x", "starts_at": ""})
    assert refused.status_code == 422


def test_copy_a_course_moves_every_session(app):
    course = make_course(sessions=3, first_in_days=-60)
    sessions = list(course.sessions.order_by(CourseSession.starts_at))
    starts = sessions[0].starts_at + timedelta(days=365)
    copy = copying.copy_course(course.id, starts, "新一期")
    copied = list(
        CourseSession.select()
        .where(CourseSession.course == copy.id)
        .order_by(CourseSession.starts_at)
    )
    assert [s.starts_at - timedelta(days=365) for s in copied] == [s.starts_at for s in sessions]
    assert [s.topic for s in copied] == [s.topic for s in sessions]
    assert not Course.get_by_id(copy.id).published and copy.seats == course.seats


def test_feedback_after_an_event_link_answer_results_xlsx(app, client, login_as):
    past, people = _past_event_with_guests(2)
    survey = feedback.save_survey(f"event:{past.id}", "最有收获的是？\n下次希望的主题？")
    assert feedback.queue_feedback_requests(utcnow()) == 2
    assert feedback.queue_feedback_requests(utcnow()) == 0
    notice = notices.Notice.get(notices.Notice.kind == "outreach.feedback")
    token = people[0].token
    assert notice.link == f"/feedback/{token}" and f"/feedback/{token}" in notice.body
    page = client.get(f"/feedback/{token}")
    assert page.status_code == 200 and "最有收获的是？" in page.get_data(as_text=True)
    assert client.post(f"/feedback/{token}", data={"rating": "9"}).status_code == 422
    answer = client.post(f"/feedback/{token}", data={"rating": "4", "answer_0": "圆桌讨论"})
    assert answer.status_code == 302
    assert "感谢您的反馈" in client.get(f"/feedback/{token}").get_data(as_text=True)
    assert client.post(f"/feedback/{token}", data={"rating": "1"}).status_code == 200
    assert FeedbackAnswer.select().count() == 1 and FeedbackAnswer.get().rating == 4
    feedback.answer(survey, f"registration:{people[1].id}", 5, ["", "数字化"])
    staff = login_as("staff")
    results = staff.get(f"/outreach/event/{past.id}/feedback").get_data(as_text=True)
    assert "<svg" in results and "平均评分 4.5" in results and "圆桌讨论" in results
    sheet = staff.get(f"/outreach/event/{past.id}/feedback.xlsx")
    workbook = load_workbook(io.BytesIO(sheet.data))
    rows = list(workbook.worksheets[0].values)
    assert rows[0][1:] == ("评分", "最有收获的是？", "下次希望的主题？")
    assert sorted(r[1] for r in rows[1:]) == [4, 5]
    assert people[0].name not in str(rows)


def test_two_answers_at_once_keep_one(app):
    past, people = _past_event_with_guests(1)
    survey = feedback.save_survey(f"event:{past.id}", "")
    barrier = threading.Barrier(2)
    outcomes = []

    def run(rating):
        with database.connection_context():
            barrier.wait()
            try:
                feedback.answer(survey, f"registration:{people[0].id}", rating, [])
                outcomes.append("ok")
            except OutreachError as exc:
                outcomes.append(exc.code)

    threads = [threading.Thread(target=run, args=(r,)) for r in (3, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["already_answered", "ok"]
    assert FeedbackAnswer.select().count() == 1


def test_course_feedback_is_for_the_participant_only(app, make_user, login_as):
    course = make_course(sessions=1, first_in_days=-3)
    owner = make_user(mobile="13800070001", username="13800070001")
    application = Application.create(
        course=course,
        user=owner,
        status="completed",
        consent_at=utcnow(),
        consent_version=PRIVACY_NOTICE_VERSION,
    )
    feedback.save_survey(f"course:{course.id}", "")
    assert feedback.queue_feedback_requests(utcnow()) == 1
    other = login_as("entrepreneur")
    assert other.get(f"/feedback/course/{application.id}").status_code == 404


def test_privacy_export_erase_and_purge(app):
    past, people = _past_event_with_guests(1)
    person = people[0]
    survey = feedback.save_survey(f"event:{past.id}", "建议？")
    feedback.answer(survey, f"registration:{person.id}", 5, ["多办几场"])
    upcoming = new_event()
    invitations.invite("event", upcoming.id, [(person.name, person.mobile, "", None)], "attendees")
    sms.opt_out(person.mobile, "reply")
    with app.test_request_context():
        sections = {str(t): rows for t, rows in privacy.export_person(person.mobile)}
    assert sections["邀请"][0]
    assert [str(v) for v in sections["反馈"][0].values()][2] == "多办几场"
    assert next(iter(sections["短信"][0].values())) == person.mobile
    with database.atomic():
        privacy.erase_person(person.mobile, "本人要求")
    assert not SmsPreference.select().exists()  # the number and its token are gone
    assert sms.is_opted_out(person.mobile)  # … but not the opt-out (see the next test)
    assert Invitation.get().name == privacy.ERASED_NAME and Invitation.get().mobile != person.mobile
    assert feedback.answer_values(FeedbackAnswer.get()) == [] and FeedbackAnswer.get().rating == 5
    other = new_event(title="另一场")
    invitations.invite("event", other.id, [("某人", "13800080001", "", None)], "attendees")
    Invitation.update(created_at=utcnow() - timedelta(days=800)).execute()
    from db.outreach.privacy import purge

    assert purge(utcnow() - timedelta(days=730)) >= 1
    assert not Invitation.select().where(Invitation.mobile == "13800080001").exists()
    assert Registration.select().count() >= 1


def test_an_erased_opt_out_is_kept_as_a_keyed_hash_and_never_texted(app, login_as):
    """Erasure forgets the number, not the wish: no SMS, no invitation afterwards, nothing
    readable kept; the person signed in again with the number may take SMS back."""
    from tests.outreach_support import sms_config

    mobile, other = "13800090001", "13800090002"
    sms.opt_out(mobile, "reply")
    sms.opt_out(other, "link")
    sms.opt_in(other)  # changed their mind: nothing to keep for them
    with database.atomic():
        privacy.erase_person(mobile, "本人要求")
        privacy.erase_person(other, "本人要求")
    assert not SmsPreference.select().exists()
    kept = list(SmsSuppression.select())
    assert len(kept) == 1 and mobile not in kept[0].digest and len(kept[0].digest) == 64
    assert kept[0].digest == sms.suppression_digest(mobile) != sms.suppression_digest(other)
    assert sms.is_opted_out(mobile) and not sms.is_opted_out(other)
    assert sms.opted_out_numbers([mobile, other]) == {mobile}
    # A notice to the erased number is held back, not texted; an invitation leaves it out.
    with database.atomic():
        notice = notices.queue("event.confirmed", "报名成功", "正文", mobile=mobile)
    settings = sms.SmsSettings.from_config(sms_config("http://127.0.0.1:9"))
    assert sms.enqueue(settings) == 1
    assert SmsDelivery.get(SmsDelivery.notice == notice.id).status == OPTED_OUT
    upcoming = new_event()
    counts = invitations.invite(
        "event", upcoming.id, [("某人", mobile, "", None), ("他人", other, "", None)], "attendees"
    )
    assert counts == dict(invited=1, opted_out=1, already=0)
    # Erasing again keeps one row; the export names the kept opt-out; purging keeps it.
    with database.atomic():
        privacy.erase_person(mobile, "本人要求")
    assert SmsSuppression.select().count() == 1
    with app.test_request_context():
        sections = {str(t): rows for t, rows in privacy.export_person(mobile)}
    assert next(str(v) for v in sections["短信"][0].values()) == mobile
    from db.outreach.privacy import purge

    purge(utcnow() + timedelta(days=1))
    assert sms.is_opted_out(mobile)
    # Signed in with the number, the person asks for SMS again: the suppression goes.
    client = login_as("entrepreneur", mobile=mobile, username=mobile)
    assert client.post("/my/sms", data={"receive": "y"}).status_code == 302
    assert not sms.is_opted_out(mobile) and not SmsSuppression.select().exists()


def test_the_privacy_notice_tells_of_sms_invitations_feedback_partners_volunteers(
    app, client, login_as
):
    """Version 2026-12 names what outreach, the partner ledger and volunteering keep; someone
    who agreed to the version before is asked again before registering from their account."""
    assert PRIVACY_NOTICE_VERSION == "2026-12"
    chinese = client.get("/privacy").get_data(as_text=True)
    for words in (
        "2026-12",
        "腾讯云短信",
        "回复 T",
        "带密钥散列值",
        "邀请",
        "问卷",
        "联系人",
        "爱心存折",
    ):
        assert words in chinese, words
    client.post("/language/en", data={"next": "/privacy"})
    english = client.get("/privacy").get_data(as_text=True)
    for words in ("Tencent Cloud SMS", "keyed hash", "Invitations", "Feedback", "duty, position"):
        assert words in english, words
    assert "love passbook" in english and "volunteers" in english
    earlier = login_as("entrepreneur", consent_at=utcnow(), consent_version="2026-11")
    event = new_event(seats=5)
    assert earlier.post(f"/events/{event.id}/register", data={}).status_code == 422
    assert not Registration.select().exists()
    assert earlier.post(f"/events/{event.id}/register", data={"consent": "y"}).status_code == 303
    assert Registration.get().consent_version == "2026-12"


def test_sms_choice_is_linked_from_the_account_and_my_notices(login_as):
    client = login_as("entrepreneur")
    for page in ("/account", "/notices"):
        text = client.get(page).get_data(as_text=True)
        assert 'href="/my/sms"' in text and "短信通知" in text, page


def test_an_open_survey_is_linked_from_the_private_page_and_my_courses(app, client, login_as):
    past, people = _past_event_with_guests(2)
    page = f"/r/{people[0].token}"
    link = f'href="/feedback/{people[0].token}"'
    assert link not in client.get(page).get_data(as_text=True)  # no survey yet
    survey = feedback.save_survey(f"event:{past.id}", "建议？")
    text = client.get(page).get_data(as_text=True)
    assert link in text and "填写反馈" in text
    feedback.answer(survey, f"registration:{people[0].id}", 5, [])
    assert link not in client.get(page).get_data(as_text=True)  # answered
    feedback.save_survey(f"event:{past.id}", "建议？", is_open=False)
    assert "/feedback/" not in client.get(f"/r/{people[1].token}").get_data(as_text=True)
    # An event that has not ended has no feedback link yet, survey or not.
    upcoming = new_event()
    registration = registrations.register(upcoming.id, guest(7))[0]
    feedback.save_survey(f"event:{upcoming.id}", "")
    assert "/feedback/" not in client.get(f"/r/{registration.token}").get_data(as_text=True)

    ended, running = make_course(first_in_days=-30), make_course(first_in_days=2)
    mine = login_as("entrepreneur", mobile="13800070009", username="13800070009")
    user = mine.user
    applications = [
        Application.create(
            course=course,
            user=user,
            status="completed" if course is ended else "approved",
            consent_at=utcnow(),
            consent_version=PRIVACY_NOTICE_VERSION,
        )
        for course in (ended, running)
    ]
    for course in (ended, running):
        feedback.save_survey(f"course:{course.id}", "")
    text = mine.get("/my/courses").get_data(as_text=True)
    assert f'href="/feedback/course/{applications[0].id}"' in text
    assert f"/feedback/course/{applications[1].id}" not in text  # the course is not over
    feedback.answer(
        feedback.survey_for(f"course:{ended.id}"), f"application:{applications[0].id}", 4, []
    )
    assert "/feedback/course/" not in mine.get("/my/courses").get_data(as_text=True)
