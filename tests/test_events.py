"""Events: the rules of seats and the waiting list, registering, the private link, and the
public pages. Staff pages are in test_events_staff.py, notices in test_notices.py."""

import re
from datetime import timedelta

import pytest

from db.accounts import PRIVACY_NOTICE_VERSION, Enterprise
from db.audit import AuditEntry
from db.base import utcnow
from db.codes import CODE_ALPHABET
from db.events import (
    CANCELLED,
    CONFIRMED,
    PENDING,
    REJECTED,
    SEATING,
    WAITING,
    EventError,
    EventQuestion,
    Registration,
    RegistrationAnswer,
    manage,
    registrations,
)
from db.notices import Notice
from tests.events_support import guest, guest_form, new_event

TOPIC = dict(label="关注议题", kind="choice", choices="数字化转型\n人才引进", required=True)
QUESTION = dict(label="想问嘉宾的问题", kind="text", choices="", required=False)


def register(event, n, **kwargs):
    """Register invented guest n; return the registration."""
    registration, created = registrations.register(event.id, guest(n), **kwargs)
    assert created
    return registration


def statuses(event):
    """{guest mobile: status} of an event."""
    return {r.mobile: r.status for r in Registration.select().where(Registration.event == event)}


# --- Seats and the waiting list -------------------------------------------------------------


def test_registration_is_confirmed_with_code_token_consent_notice_and_audit(app):
    event = new_event(seats=2)
    registration = register(event, 1)
    assert registration.status == CONFIRMED and registration.confirmed_at is not None
    assert len(registration.code) == 8 and set(registration.code) <= set(CODE_ALPHABET)
    assert not set(registration.code) & set("01OIL")
    assert len(registration.token) >= 32  # 24 random bytes, URL-safe
    assert registration.consent_version == PRIVACY_NOTICE_VERSION
    assert registration.consent_at is not None
    assert Enterprise.get(Enterprise.name == "测试联建企业") == registration.enterprise
    notice = Notice.get(Notice.kind == "event.confirmed")
    assert notice.mobile == registration.mobile and registration.code in notice.body
    assert notice.link == f"/r/{registration.token}"
    entry = AuditEntry.get(AuditEntry.action == "registration.create")
    assert entry.object_id == registration.id and registration.mobile not in entry.summary


def test_full_event_puts_people_on_the_waiting_list_in_order(app):
    event = new_event(seats=2)
    first, second, third, fourth = (register(event, n) for n in range(1, 5))
    assert [r.status for r in (first, second, third, fourth)] == [
        CONFIRMED,
        CONFIRMED,
        WAITING,
        WAITING,
    ]
    assert (third.waiting_number, fourth.waiting_number) == (1, 2)
    assert SEATING.waiting_position(fourth) == 2
    assert Notice.get(Notice.mobile == third.mobile).kind == "event.waiting"


def test_cancelling_a_confirmed_promotes_the_head_of_the_list(app):
    event = new_event(seats=2)
    first, _second, third, fourth = (register(event, n) for n in range(1, 5))
    _cancelled, promoted = registrations.cancel(first)
    assert [r.id for r in promoted] == [third.id]
    assert Registration.get_by_id(third.id).status == CONFIRMED
    assert Registration.get_by_id(third.id).confirmed_at is not None
    assert SEATING.waiting_position(Registration.get_by_id(fourth.id)) == 1
    assert Notice.get(Notice.mobile == third.mobile, Notice.kind == "event.promoted")
    assert Notice.get(Notice.mobile == first.mobile, Notice.kind == "event.cancelled_registration")
    assert SEATING.seated_count(event.id) == 2


def test_cancelling_a_waiting_person_promotes_nobody(app):
    event = new_event(seats=1)
    _first, second, third = (register(event, n) for n in range(1, 4))
    _cancelled, promoted = registrations.cancel(second)
    assert promoted == []
    assert SEATING.waiting_position(Registration.get_by_id(third.id)) == 1
    assert statuses(event)[third.mobile] == WAITING


def test_cancelling_twice_changes_nothing_the_second_time(app):
    event = new_event(seats=1)
    first, second = register(event, 1), register(event, 2)
    registrations.cancel(first)
    _again, promoted = registrations.cancel(first)
    assert promoted == []
    assert Registration.get_by_id(second.id).status == CONFIRMED
    assert AuditEntry.select().where(AuditEntry.action == "registration.cancel").count() == 1


def test_newcomer_never_jumps_the_queue(app):
    event = new_event(seats=1)
    register(event, 1)
    waiting = register(event, 2)
    # Raising seats promotes the waiting person before anyone new can take the seat.
    manage.update_event(event.id, {**_data(event), "seats": 2})
    assert Registration.get_by_id(waiting.id).status == CONFIRMED
    assert register(event, 3).status == WAITING


def _data(event):
    """An event's editable fields as update_event takes them."""
    return {name: getattr(event, name) for name in manage.EVENT_FIELDS}


def test_raising_seats_promotes_in_order_and_lowering_below_confirmed_is_refused(app):
    event = new_event(seats=2)
    people = [register(event, n) for n in range(1, 7)]
    _event, promoted = manage.update_event(event.id, {**_data(event), "seats": 4})
    assert [r.waiting_number for r in promoted] == [1, 2]
    assert {r.id for r in promoted} == {people[2].id, people[3].id}
    with pytest.raises(EventError) as refused:
        manage.update_event(event.id, {**_data(event), "seats": 3})
    assert refused.value.code == "below_confirmed" and refused.value.params["confirmed"] == 4
    assert SEATING.seated_count(event.id) == 4
    manage.update_event(event.id, {**_data(event), "seats": 4})  # equal is fine


def test_approval_event_pending_takes_no_seat_then_approval_does(app):
    event = new_event(seats=1, approval=True)
    first, second = register(event, 1), register(event, 2)
    assert first.status == second.status == PENDING
    assert SEATING.seated_count(event.id) == 0
    assert Notice.get(Notice.mobile == first.mobile).kind == "event.pending"
    assert registrations.approve(second).status == CONFIRMED
    approved_late = registrations.approve(first)
    assert approved_late.status == WAITING and approved_late.waiting_number == 1
    assert Notice.get(Notice.mobile == first.mobile, Notice.kind == "event.approved_waiting")
    with pytest.raises(EventError) as twice:
        registrations.approve(second)
    assert twice.value.code == "not_pending"


def test_rejecting_needs_a_reason_and_frees_the_seat_for_the_next(app):
    event = new_event(seats=1, approval=True)
    first, second = register(event, 1), register(event, 2)
    registrations.approve(first)
    registrations.approve(second)
    with pytest.raises(EventError) as no_reason:
        registrations.reject(first, "  ")
    assert no_reason.value.code == "reason_required"
    rejected, promoted = registrations.reject(first, "每单位限一名")
    assert rejected.status == REJECTED and rejected.reason == "每单位限一名"
    assert [r.id for r in promoted] == [second.id]
    notice = Notice.get(Notice.mobile == first.mobile, Notice.kind == "event.rejected")
    assert "每单位限一名" in notice.body


def test_reject_only_on_approval_events(app):
    event = new_event(seats=1)
    registration = register(event, 1)
    with pytest.raises(EventError) as refused:
        registrations.reject(registration, "原因")
    assert refused.value.code == "not_rejectable"


# --- The registration window ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        (dict(opens_at=utcnow() + timedelta(days=1)), "registration_not_yet"),
        (dict(closes_at=utcnow() - timedelta(minutes=1)), "registration_closed"),
        (dict(starts_in=timedelta(minutes=-30)), "registration_started"),
        (dict(publish=False), "registration_draft"),
    ],
    ids=["not yet open", "closed", "started", "draft"],
)
def test_registration_only_inside_the_window_and_before_the_start(app, kwargs, code):
    event = new_event(**kwargs)
    with pytest.raises(EventError) as refused:
        registrations.register(event.id, guest(1))
    assert refused.value.code == code
    assert Registration.select().count() == 0


def test_closed_and_cancelled_events_take_no_registration(app):
    closed = new_event()
    manage.close(closed.id)
    with pytest.raises(EventError) as refused:
        registrations.register(closed.id, guest(1))
    assert refused.value.code == "registration_closed"
    manage.reopen(closed.id)
    assert register(closed, 1).status == CONFIRMED
    manage.cancel_event(closed.id, "场地检修")
    with pytest.raises(EventError) as cancelled:
        registrations.register(closed.id, guest(2))
    assert cancelled.value.code == "registration_cancelled"


def test_cancelling_an_event_tells_everyone_and_cancels_their_registrations(app):
    event = new_event(seats=1)
    people = [register(event, n) for n in range(1, 4)]
    with pytest.raises(EventError):
        manage.cancel_event(event.id, "")
    told = manage.cancel_event(event.id, "场地检修")
    assert told == 3
    assert set(statuses(event).values()) == {CANCELLED}
    for person in people:
        notice = Notice.get(Notice.mobile == person.mobile, Notice.kind == "event.cancelled")
        assert "场地检修" in notice.body
    with pytest.raises(EventError):
        manage.cancel_event(event.id, "again")


def test_changing_time_or_venue_tells_everyone_registered(app):
    event = new_event(seats=5)
    people = [register(event, n) for n in range(1, 3)]
    manage.update_event(event.id, {**_data(event), "title": "新标题"})
    assert Notice.select().where(Notice.kind == "event.changed").count() == 0
    manage.update_event(event.id, {**_data(event), "venue": "二楼会议室"})
    assert Notice.select().where(Notice.kind == "event.changed").count() == len(people)


# --- One live registration per mobile number -------------------------------------------------


KEY = "k" * 22  # a registration form's one-time submission key


def test_the_same_form_submitted_again_gets_the_existing_registration(app):
    event = new_event(seats=5)
    first = register(event, 1, submission_key=KEY)
    again, created = registrations.register(event.id, guest(1), submission_key=KEY)
    assert not created and again.id == first.id
    assert Registration.select().count() == 1
    assert Notice.select().count() == 1


@pytest.mark.parametrize("key", [None, "", "x" * 22])
def test_same_name_and_mobile_from_another_form_is_refused(app, key):
    event = new_event(seats=5)
    register(event, 1, submission_key=KEY)
    with pytest.raises(EventError) as refused:
        registrations.register(event.id, guest(1), submission_key=key)
    assert refused.value.code == "mobile_registered" and refused.value.field == "mobile"
    assert Registration.select().count() == 1


def test_someone_else_with_the_same_mobile_is_refused(app):
    event = new_event(seats=5)
    register(event, 1)
    with pytest.raises(EventError) as refused:
        registrations.register(event.id, guest(1, name="另一个人"))
    assert refused.value.code == "mobile_registered" and refused.value.field == "mobile"


def test_staff_walk_in_with_a_registered_mobile_points_to_the_registration(app):
    event = new_event(seats=5)
    first = register(event, 1)
    again, created = registrations.register(event.id, guest(1), source="walk_in")
    assert not created and again.id == first.id and Registration.select().count() == 1


def test_after_cancelling_the_same_mobile_may_register_again(app):
    event = new_event(seats=5)
    first = register(event, 1)
    registrations.cancel(first)
    second = register(event, 1)
    assert second.id != first.id and second.status == CONFIRMED


def test_database_refuses_two_live_registrations_for_one_mobile(app):
    from peewee import IntegrityError

    from db import database

    event = new_event(seats=5)
    first = register(event, 1)
    fields = {f: getattr(first, f) for f in ("name", "mobile", "status", "position")}
    with pytest.raises(IntegrityError), database.atomic():
        Registration.create(event=event, code="ZZZZZZZZ", token="x" * 32, **fields)


# --- Extra questions -------------------------------------------------------------------------


def test_answers_are_checked_and_stored(app):
    event = new_event(questions=[TOPIC, QUESTION])
    topic, question = event.questions.order_by(EventQuestion.position)
    with pytest.raises(EventError) as missing:
        registrations.register(event.id, guest(1), {})
    assert missing.value.code == "answer_required" and missing.value.field == f"q{topic.id}"
    with pytest.raises(EventError) as bad:
        registrations.register(event.id, guest(1), {topic.id: "别的"})
    assert bad.value.code == "bad_choice"
    registration, _ = registrations.register(event.id, guest(1), {topic.id: "人才引进"})
    assert {a.question_id: a.value for a in registration.answers} == {topic.id: "人才引进"}
    assert not RegistrationAnswer.select().where(RegistrationAnswer.question == question).exists()


def test_questions_are_fixed_once_someone_registered(app):
    event = new_event(questions=[QUESTION])
    manage.update_event(event.id, _data(event), [QUESTION, TOPIC])
    assert event.questions.count() == 2
    topic = event.questions.where(EventQuestion.kind == "choice").get()
    register(event, 1, answers={topic.id: "人才引进"})
    with pytest.raises(EventError) as locked:
        manage.update_event(event.id, _data(event), [QUESTION])
    assert locked.value.code == "questions_locked"


# --- Public pages -------------------------------------------------------------------------------


def test_events_list_filters_by_kind_and_search_and_hides_drafts(client):
    new_event(title="中广党建论坛", kind="forum")
    new_event(title="经济时事报告会", kind="report")
    new_event(title="草稿活动", publish=False)
    new_event(title="往期论坛", starts_in=timedelta(days=-10))
    page = client.get("/events").get_data(as_text=True)
    assert "中广党建论坛" in page and "经济时事报告会" in page
    assert "草稿活动" not in page and "往期论坛" not in page
    reports = client.get("/events?kind=report").get_data(as_text=True)
    assert "经济时事报告会" in reports and "中广党建论坛" not in reports
    found = client.get("/events?q=党建", headers={"HX-Request": "true"})
    assert "中广党建论坛" in found.get_data(as_text=True)
    assert "<html" not in found.get_data(as_text=True)  # the results fragment only
    archive = client.get("/events/archive").get_data(as_text=True)
    assert "往期论坛" in archive and "中广党建论坛" not in archive


def test_event_page_keeps_line_breaks_never_raw_html(client):
    event = new_event(description="第一行\n<script>alert(1)</script>")
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "第一行<br>" in page
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page


def test_seats_left_refresh_as_a_fragment(client):
    event = new_event(seats=3)
    register(event, 1)
    response = client.get(f"/events/{event.id}/seats", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith('<section id="seats"')
    assert 'hx-trigger="every 15s"' in body and "2 个名额" in body.replace("/", " ")


def test_draft_event_is_hidden_from_the_public(client, login_as):
    event = new_event(publish=False)
    assert client.get(f"/events/{event.id}").status_code == 404
    assert login_as("staff").get(f"/events/{event.id}").status_code == 200


# --- Registering through the pages -----------------------------------------------------------


def test_guest_registers_and_lands_on_the_private_page(client):
    event = new_event(seats=5, questions=[TOPIC])
    topic = event.questions.get()
    form = guest_form(1, **{f"q{topic.id}": "人才引进"})
    response = client.post(f"/events/{event.id}/register", data=form)
    assert response.status_code == 303
    registration = Registration.get()
    assert response.headers["Location"] == f"/r/{registration.token}"
    assert registration.mobile not in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert registration.code in page and "<svg" in page
    assert f"/r/{registration.token}/event.ics" in page
    assert "人才引进" in page


def test_guest_form_errors_are_shown_and_nothing_is_written(client):
    event = new_event(questions=[TOPIC])
    response = client.post(
        f"/events/{event.id}/register", data=guest_form(1, mobile="12345", consent="")
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请输入 11 位大陆手机号" in page
    assert 'class="error-summary"' in page
    assert Registration.select().count() == 0


def submission_key_of(page):
    """The one-time submission key a registration form was rendered with."""
    return re.search(r'name="submission_key"[^>]*value="([^"]+)"', page).group(1)


def test_double_submit_creates_one_registration(client):
    event = new_event(seats=5)
    key = submission_key_of(client.get(f"/events/{event.id}/register").get_data(as_text=True))
    form = guest_form(1, submission_key=key)
    first = client.post(f"/events/{event.id}/register", data=form)
    second = client.post(f"/events/{event.id}/register", data=form)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert Registration.select().count() == 1
    assert Registration.get().submission_key == key


def test_each_visit_to_the_form_gets_a_new_key(client):
    event = new_event(seats=5)
    pages = [client.get(f"/events/{event.id}/register").get_data(as_text=True) for _ in "ab"]
    first, second = (submission_key_of(page) for page in pages)
    assert first != second and len(first) >= 22


def assert_refused_revealing_nothing(response, registration):
    """422, the message on the mobile field, and nothing about the registration."""
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "此手机号已报名本活动" in page and "联系服务中心工作人员" in page
    assert registration.token not in page and "/r/" not in page
    assert registration.code not in page
    assert "报名成功" not in page and "Location" not in response.headers


@pytest.mark.parametrize("key", [None, "", "short", "y" * 22])
def test_a_stranger_with_the_same_name_and_mobile_learns_nothing(client, key):
    event = new_event(seats=5)
    victim = register(event, 1, submission_key=KEY)
    form = guest_form(1)  # the victim's name and mobile, typed by someone else
    if key is not None:
        form["submission_key"] = key
    response = client.post(f"/events/{event.id}/register", data=form)
    assert_refused_revealing_nothing(response, victim)
    assert Registration.select().count() == 1


def test_a_stranger_is_refused_in_english_too(client):
    event = new_event(seats=5)
    victim = register(event, 1, submission_key=KEY)
    client.set_cookie("lang", "en")
    response = client.post(f"/events/{event.id}/register", data=guest_form(1))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and victim.token not in page
    assert "This mobile number is already registered for this event." in page
    assert "ask the centre&#39;s staff" in page or "ask the centre's staff" in page


def test_same_mobile_other_name_gets_an_error_not_the_private_link(client):
    event = new_event(seats=5)
    client.post(f"/events/{event.id}/register", data=guest_form(1))
    response = client.post(f"/events/{event.id}/register", data=guest_form(1, name="冒名者"))
    assert_refused_revealing_nothing(response, Registration.get())


def test_closed_registration_page_says_so(client):
    event = new_event(closes_at=utcnow() - timedelta(hours=1))
    page = client.get(f"/events/{event.id}/register").get_data(as_text=True)
    assert "报名已截止" in page and '<form method="post" action="/events' not in page
    response = client.post(f"/events/{event.id}/register", data=guest_form(1))
    assert response.status_code == 422 and Registration.select().count() == 0


def test_entrepreneur_confirms_in_one_step_and_sees_my_registrations(login_as):
    client = login_as("entrepreneur", position="总经理")
    user = client.user
    event = new_event(seats=5)
    form_page = client.get(f"/events/{event.id}/register").get_data(as_text=True)
    assert user.name in form_page and 'value="总经理"' in form_page
    # This account has not yet agreed to the current notice, so the one step asks for it.
    refused = client.post(f"/events/{event.id}/register", data={})
    assert refused.status_code == 422
    response = client.post(f"/events/{event.id}/register", data={"consent": "y"})
    assert response.status_code == 303
    registration = Registration.get()
    assert registration.user_id == user.id and registration.mobile == user.mobile
    assert registration.source == "account" and registration.name == user.name
    mine = client.get("/my/registrations").get_data(as_text=True)
    assert event.title in mine and f"/r/{registration.token}" in mine
    notice = Notice.get()
    assert notice.recipient_id == user.id


def test_entrepreneur_with_current_consent_registers_with_one_click(login_as):
    client = login_as("entrepreneur", consent_at=utcnow(), consent_version=PRIVACY_NOTICE_VERSION)
    event = new_event(seats=5)
    assert client.post(f"/events/{event.id}/register", data={}).status_code == 303
    assert Registration.get().user_id == client.user.id


def test_entrepreneur_registering_again_gets_their_own_registration(login_as):
    client = login_as("entrepreneur", consent_at=utcnow(), consent_version=PRIVACY_NOTICE_VERSION)
    event = new_event(seats=5)
    first = client.post(f"/events/{event.id}/register", data={})
    again = client.post(f"/events/{event.id}/register", data={})  # another visit, another key
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert Registration.select().count() == 1


def test_a_guest_registration_is_not_handed_to_an_account_with_that_mobile(login_as):
    """Signing up takes any mobile number unchecked, so an account with the same number
    does not prove it is the person who registered as a guest."""
    client = login_as("entrepreneur")
    user = client.user
    event = new_event(seats=5)
    victim, _ = registrations.register(
        event.id, guest(1, mobile=user.mobile, name=user.name), submission_key=KEY
    )
    response = client.post(f"/events/{event.id}/register", data={"consent": "y"})
    assert_refused_revealing_nothing(response, victim)
    assert Registration.select().count() == 1 and Registration.get().user_id is None


# --- The private link ---------------------------------------------------------------------------


def test_private_page_shows_waiting_position(client):
    event = new_event(seats=1)
    register(event, 1)
    register(event, 2)
    third = register(event, 3)
    page = client.get(f"/r/{third.token}").get_data(as_text=True)
    assert "候补第 2 位" in page


def test_person_corrects_details_and_answers_until_registration_closes(client):
    event = new_event(seats=5, questions=[QUESTION])
    question = event.questions.get()
    registration = register(event, 1)
    form = guest_form(1, name="嘉宾一号", position="副总", email="a@example.com")
    form[f"q{question.id}"] = "如何招聘？"
    form.pop("consent")
    response = client.post(f"/r/{registration.token}", data=form)
    assert response.status_code == 303
    saved = Registration.get_by_id(registration.id)
    assert (saved.name, saved.position, saved.email) == ("嘉宾一号", "副总", "a@example.com")
    assert saved.answers.get().value == "如何招聘？"
    manage.close(event.id)
    page = client.get(f"/r/{registration.token}").get_data(as_text=True)
    assert "保存我的信息" not in page
    late = client.post(f"/r/{registration.token}", data={**form, "name": "改名"})
    assert late.status_code == 422
    assert Registration.get_by_id(registration.id).name == "嘉宾一号"


def test_correcting_to_a_mobile_already_registered_is_refused(client):
    event = new_event(seats=5)
    first, second = register(event, 1), register(event, 2)
    form = guest_form(2, mobile=first.mobile)
    form.pop("consent")
    response = client.post(f"/r/{second.token}", data=form)
    assert response.status_code == 422
    assert Registration.get_by_id(second.id).mobile == second.mobile


def test_person_cancels_by_private_link_and_the_next_is_promoted(client):
    event = new_event(seats=1)
    first, second = register(event, 1), register(event, 2)
    response = client.post(f"/r/{first.token}/cancel")
    assert response.status_code == 303
    assert Registration.get_by_id(first.id).status == CANCELLED
    assert Registration.get_by_id(second.id).status == CONFIRMED
    page = client.get(f"/r/{first.token}").get_data(as_text=True)
    assert "此报名已取消" in page and "取消我的报名" not in page


def test_cancel_is_refused_after_the_start(client):
    event = new_event(seats=2)
    registration = register(event, 1)
    from db.events import Event

    Event.update(starts_at=utcnow() - timedelta(minutes=5)).where(Event.id == event.id).execute()
    client.post(f"/r/{registration.token}/cancel")
    assert Registration.get_by_id(registration.id).status == CONFIRMED


@pytest.mark.parametrize("token", ["nope", "x" * 32, "../../etc/passwd", "A" * 65])
def test_unknown_private_links_are_not_found(client, token):
    assert client.get(f"/r/{token}").status_code == 404


def test_calendar_file(client):
    event = new_event(title="Report, Yangtze; delta 经济时事报告会" + "新机遇" * 20)
    registration = register(event, 1)
    response = client.get(f"/r/{registration.token}/event.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    text = response.get_data(as_text=True)
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert f"DTSTART:{event.starts_at:%Y%m%dT%H%M%S}Z" in text
    assert "SUMMARY:Report\\, Yangtze\\; delta 经济时事报告会新机遇" in text.replace("\r\n ", "")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert registration.code in text


# --- Home page section ------------------------------------------------------------------------


def test_home_lists_events_open_for_registration(client):
    new_event(title="开放报名的论坛")
    new_event(title="尚未开放的论坛", opens_at=utcnow() + timedelta(days=2))
    page = client.get("/").get_data(as_text=True)
    assert "开放报名的论坛" in page and "尚未开放的论坛" not in page


def test_list_queries_stay_bounded(client, query_counter):
    client.application.config["PAGE_CACHE"] = False  # count renderings (views/caching.py)
    for n in range(3):
        new_event(title=f"活动{n}")
    client.get("/events")  # warm up the per-process caches
    with query_counter() as few:
        client.get("/events")
    for n in range(3, 15):
        event = new_event(title=f"活动{n}")
        register(event, n)
    with query_counter() as many:
        client.get("/events")
    assert many.count == few.count


def test_codes_are_unique_and_readable(app):
    event = new_event(seats=60)
    codes = {register(event, n).code for n in range(1, 61)}
    assert len(codes) == 60
    assert all(re.fullmatch(f"[{CODE_ALPHABET}]{{8}}", code) for code in codes)


def test_pending_registration_page_says_it_awaits_review(client):
    event = new_event(seats=5, approval=True)
    registration = register(event, 1)
    page = client.get(f"/r/{registration.token}").get_data(as_text=True)
    assert "报名待审核" in page and registration.code in page
    assert 'class="qr"' in page  # the confirmation page always shows the code and its QR


# --- Audit follow-ups: arrival order, approval switched off, retries, sources, notices --------


def test_waiting_list_follows_arrival_not_the_order_of_approval(app):
    event = new_event(seats=1, approval=True)
    a, b, c = register(event, 1), register(event, 2), register(event, 3)
    registrations.approve(a)  # takes the seat
    registrations.approve(c)  # waits
    late = registrations.approve(b)  # arrived before c, approved after: still ahead of c
    assert late.status == WAITING
    assert SEATING.waiting_positions(event.id) == {b.id: 1, c.id: 2}
    assert [Registration.get_by_id(r.id).waiting_number for r in (b, c)] == [1, 2]
    _cancelled, promoted = registrations.cancel(a)
    assert [r.id for r in promoted] == [b.id]
    assert SEATING.waiting_position(Registration.get_by_id(c.id)) == 1


def test_switching_approval_off_lets_pending_in_by_arrival_before_newcomers(app):
    event = new_event(seats=1, approval=True)
    a, b, c, d = (register(event, n) for n in range(1, 5))
    registrations.approve(c)  # the seat
    registrations.approve(d)  # waiting
    saved, promoted = manage.update_event(event.id, {**_data(event), "approval_required": False})
    assert [r.id for r in saved.admitted] == [a.id, b.id] and promoted == []
    assert PENDING not in statuses(event).values()
    assert SEATING.waiting_positions(event.id) == {a.id: 1, b.id: 2, d.id: 3}
    told = Notice.select().where(
        Notice.kind == "event.approved_waiting", Notice.mobile.in_([a.mobile, b.mobile])
    )
    assert told.count() == 2
    newcomer = register(event, 5)  # joins behind everyone who applied earlier
    assert newcomer.status == WAITING and SEATING.waiting_position(newcomer) == 4
    registrations.cancel(c)
    assert Registration.get_by_id(a.id).status == CONFIRMED


def test_switching_approval_off_seats_pending_people_while_seats_are_free(app):
    event = new_event(seats=2, approval=True)
    a, b, c = (register(event, n) for n in range(1, 4))
    saved, _promoted = manage.update_event(event.id, {**_data(event), "approval_required": False})
    assert [r.status for r in saved.admitted] == [CONFIRMED, CONFIRMED, WAITING]
    assert statuses(event) == {a.mobile: CONFIRMED, b.mobile: CONFIRMED, c.mobile: WAITING}
    assert Notice.get(Notice.mobile == a.mobile, Notice.kind == "event.approved")
    assert AuditEntry.select().where(AuditEntry.action == "registration.approve").count() == 3


def test_a_retried_request_after_closing_gets_the_existing_registration(client):
    event = new_event(seats=5)
    form = guest_form(1, submission_key=KEY)
    first = client.post(f"/events/{event.id}/register", data=form)
    assert first.status_code == 303
    manage.close(event.id)  # registration closes between the request and its retry
    retry = client.post(f"/events/{event.id}/register", data=form)
    assert retry.status_code == 303 and retry.headers["Location"] == first.headers["Location"]
    assert Registration.select().count() == 1
    newcomer = client.post(f"/events/{event.id}/register", data=guest_form(2))
    assert newcomer.status_code == 422 and "报名已截止" in newcomer.get_data(as_text=True)


def test_signed_in_people_filling_the_form_themselves_are_not_staff(login_as):
    event = new_event(seats=5)
    no_mobile = login_as("entrepreneur", mobile=None)
    no_mobile.post(f"/events/{event.id}/register", data=guest_form(1))
    staff = login_as("staff")
    staff.post(f"/events/{event.id}/register", data=guest_form(2))
    sources = {r.name: r.source for r in Registration.select()}
    assert sources == {"嘉宾1": "web", "嘉宾2": "staff"}


def test_private_page_shows_the_registrations_notices(client):
    event = new_event(seats=1)
    holder = register(event, 1)
    waiting = register(event, 2)
    registrations.cancel(holder)
    page = client.get(f"/r/{waiting.token}").get_data(as_text=True)
    subjects = [n.subject for n in Notice.select().where(Notice.mobile == waiting.mobile)]
    assert len(subjects) == 2 and all(subject in page for subject in subjects)
    others = Notice.select().where(Notice.mobile == holder.mobile, Notice.kind == "event.confirmed")
    assert others.get().body.splitlines()[0] not in page  # "Dear 嘉宾1": not someone else's
