"""The volunteer service through the app: the public list and page, signing up and
withdrawing, teams and join requests, staff's activity form, roster, hours approval in bulk,
self-reported hours, the rate setting and the kiosk; refusals answer 422 in the user's
language and change nothing; another activity's ids are 404."""

from datetime import timedelta

from db import market
from db.audit import AuditEntry
from db.base import utcnow
from db.market.models import PassbookEntry
from db.volunteers import HourRecord, JoinRequest, Membership, Signup, Team, Volunteer
from db.volunteers.hours import points_rate
from db.volunteers.models import APPROVED, CONFIRMED, PENDING, WAITING
from tests.volunteers_support import (
    make_activity,
    make_division,
    make_hours,
    make_signup,
    make_squad,
    make_volunteer,
)

ZH = {"Accept-Language": "zh-CN"}


def text(response):
    return response.get_data(as_text=True)


def test_public_list_and_page_show_places_and_hide_drafts(app, login_as):
    guest = login_as(None)
    team = make_division()
    open_one = make_activity(team, slots=3, title="社区清洁")
    draft = make_activity(team, status="draft", title="草稿活动")
    make_activity(team, starts_in=timedelta(days=-3), title="已结束活动")
    page = text(guest.get("/volunteers/"))
    assert "社区清洁" in page and "草稿活动" not in page and "已结束活动" not in page
    assert guest.get(f"/volunteers/activities/{draft.id}").status_code == 404
    assert login_as("staff").get(f"/volunteers/activities/{draft.id}").status_code == 200
    detail = text(guest.get(f"/volunteers/activities/{open_one.id}"))
    assert "已报 0 / 3" in detail
    assert "/login" in detail  # a guest is asked to log in to sign up


def test_sign_up_needs_consent_then_takes_a_place_or_waits(app, login_as):
    activity = make_activity(make_division(), slots=1)
    first = login_as("entrepreneur")
    response = first.post(f"/volunteers/activities/{activity.id}/sign-up", data={})
    assert response.status_code == 422
    assert not Volunteer.select().exists() and not Signup.select().exists()
    response = first.post(f"/volunteers/activities/{activity.id}/sign-up", data={"consent": "y"})
    assert response.status_code == 303
    volunteer = Volunteer.get(Volunteer.user == first.user.id)
    assert volunteer.consent_at is not None and volunteer.mobile == first.user.mobile
    assert Signup.get(Signup.volunteer == volunteer.id).status == CONFIRMED
    # Twice is once.
    first.post(f"/volunteers/activities/{activity.id}/sign-up", data={"consent": "y"})
    assert Signup.select().count() == 1
    second = login_as("entrepreneur")
    second.post(f"/volunteers/activities/{activity.id}/sign-up", data={"consent": "y"})
    waiting = Signup.get(Signup.status == WAITING)
    page = text(second.get(f"/volunteers/activities/{activity.id}"))
    assert "您是候补第 1 位。" in page
    # The list marks each person's own place.
    assert "报名成功" in text(first.get("/volunteers/"))
    assert "候补中" in text(second.get("/volunteers/"))
    # The first gives the place up: the second is seated.
    response = first.post(f"/volunteers/activities/{activity.id}/withdraw")
    assert response.status_code == 303
    assert Signup.get_by_id(waiting.id).status == CONFIRMED


def test_a_staff_account_without_mobile_is_told_why_it_cannot_sign_up(app, login_as):
    activity = make_activity(make_division())
    staff = login_as("staff")
    response = staff.post(f"/volunteers/activities/{activity.id}/sign-up", data={"consent": "y"})
    assert response.status_code == 422
    assert "参加志愿服务需要有手机号的账号" in text(response)


def test_staff_publish_an_activity_with_refusals_beside_the_fields(app, login_as):
    staff = login_as("staff")
    team = make_division()
    form = {
        "title": "爱心超市值守",
        "team": str(team.id),
        "place": "广中路党群服务中心",
        "what_to_do": "整理货架",
        "starts_at": "2030-01-05T09:00",
        "ends_at": "2030-01-05T08:00",
        "slots": "５",
        "publish": "y",
    }
    response = staff.post("/volunteers/activities/new", data=form)
    assert response.status_code == 422
    assert 'id="slots-error"' in text(response)
    form["slots"] = "5"
    response = staff.post("/volunteers/activities/new", data=form)
    assert response.status_code == 422 and 'id="ends_at-error"' in text(response)
    form["ends_at"] = "2030-01-05T11:30"
    response = staff.post("/volunteers/activities/new", data=form)
    assert response.status_code == 303
    activity = team.activities.get()
    assert activity.status == "published" and activity.max_minutes == 150
    # Fewer places than taken is refused on the edit form.
    for _ in range(2):
        make_signup(activity, make_volunteer())
    form["slots"] = "1"
    response = staff.post(f"/volunteers/activities/{activity.id}/edit", data=form)
    assert response.status_code == 422 and 'id="slots-error"' in text(response)


def test_roster_signs_in_and_out_with_row_buttons_and_refuses_another_activitys_id(app, login_as):
    staff = login_as("staff")
    team = make_division()
    activity = make_activity(team, starts_in=timedelta(minutes=10), max_minutes=60)
    other = make_activity(team, starts_in=timedelta(minutes=10))
    volunteer = make_volunteer(name="王志愿")
    signup = make_signup(activity, volunteer)
    foreign = make_signup(other, make_volunteer())
    url = f"/volunteers/activities/{activity.id}/roster"
    page = text(staff.get(url))
    assert f'name="sign_in" value="{signup.id}"' in page and page.count("<form") >= 2
    assert staff.post(url, data={"sign_in": str(foreign.id)}).status_code == 404
    assert staff.post(url, data={"sign_in": "abc"}).status_code == 404
    assert staff.post(url, data={}).status_code == 400
    response = staff.post(url, data={"sign_in": str(signup.id)}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "<html" not in text(response)
    assert "王志愿" in text(response)
    assert Signup.get_by_id(signup.id).signed_in_at is not None
    response = staff.post(url, data={"sign_in": str(signup.id)})
    assert response.status_code == 422  # already signed in
    assert staff.post(url, data={"sign_out": str(signup.id)}).status_code == 303
    record = HourRecord.get(HourRecord.signup == signup.id)
    assert record.status == PENDING and record.minutes <= 60


def test_roster_adds_a_known_volunteer_by_mobile(app, login_as):
    staff = login_as("staff")
    activity = make_activity(make_division(), slots=1)
    volunteer = make_volunteer(mobile="13700002222")
    url = f"/volunteers/activities/{activity.id}/roster"
    response = staff.post(url, data={"add": "1", "mobile": "13700009999"})
    assert response.status_code == 422
    assert staff.post(url, data={"add": "1", "mobile": "137 0000 2222"}).status_code == 303
    assert Signup.get(Signup.volunteer == volunteer.id).source == "staff"


def test_hours_are_approved_and_corrected_in_bulk_with_one_form(app, login_as):
    staff = login_as("staff")
    first, second = make_volunteer(), make_volunteer()
    a = make_hours(first, minutes=120)
    b = make_hours(second, minutes=65)
    c = make_hours(second, minutes=30)
    page = text(staff.get("/volunteers/hours"))
    assert page.count('name="record"') == 3
    response = staff.post(
        "/volunteers/hours",
        data={
            "record": [str(a.id), str(b.id), str(c.id)],
            f"minutes-{a.id}": "180",
            f"action-{c.id}": "reject",
            "approve_all": "1",
        },
    )
    assert response.status_code == 303
    assert [HourRecord.get_by_id(r.id).status for r in (a, b, c)] == [
        APPROVED,
        APPROVED,
        "rejected",
    ]
    assert HourRecord.get_by_id(a.id).minutes == 180
    first_book = Volunteer.get_by_id(first.id).passbook_id
    assert market.passbook_balance(first_book) == 3
    assert market.passbook_balance(Volunteer.get_by_id(second.id).passbook_id) == 1
    # Minutes that are not a whole number, or above the cap, refuse the whole form.
    response = staff.post(
        "/volunteers/hours?status=approved",
        data={"record": [str(a.id)], f"minutes-{a.id}": "６０"},
    )
    assert response.status_code == 422
    response = staff.post(
        "/volunteers/hours?status=approved",
        data={"record": [str(a.id)], f"minutes-{a.id}": "99999"},
    )
    assert response.status_code == 422
    assert market.passbook_balance(first_book) == 3


def test_a_correction_of_spent_points_is_refused_in_words(app, login_as):
    staff = login_as("staff")
    volunteer = make_volunteer()
    record = make_hours(volunteer, minutes=120)
    staff.post("/volunteers/hours", data={"record": [str(record.id)], "approve_all": "1"})
    passbook = Volunteer.get_by_id(volunteer.id).passbook_id
    market.earn_points(passbook, -2, source_key="spent-in-test")
    response = staff.post(
        "/volunteers/hours?status=approved",
        data={"record": [str(record.id)], f"minutes-{record.id}": "30"},
    )
    assert response.status_code == 422
    body = text(response)
    assert "但爱心存折只剩 0 分，志愿者已在爱心超市兑换使用" in body
    assert HourRecord.get_by_id(record.id).minutes == 120
    assert PassbookEntry.select().count() == 2


def test_self_reported_hours_wait_for_approval(app, login_as):
    person = login_as("entrepreneur")
    today = utcnow().date().isoformat()
    response = person.post(
        "/volunteers/hours/report",
        data={"served_on": today, "hours": "2", "minutes": "", "note": "帮困家庭走访"},
    )
    assert response.status_code == 422  # consent first
    response = person.post(
        "/volunteers/hours/report",
        data={"served_on": today, "hours": "0", "minutes": "0", "note": "走访", "consent": "y"},
    )
    assert response.status_code == 422 and 'id="minutes-error"' in text(response)
    response = person.post(
        "/volunteers/hours/report",
        data={
            "served_on": today,
            "hours": "2",
            "minutes": "30",
            "note": "帮困家庭走访",
            "consent": "y",
        },
    )
    assert response.status_code == 303
    record = HourRecord.get()
    assert (record.minutes, record.status, record.source) == (150, PENDING, "self_reported")
    assert "帮困家庭走访" in text(person.get("/volunteers/hours/report"))
    assert not PassbookEntry.select().exists()


def test_teams_join_request_and_staff_decision(app, login_as, make_enterprise):
    division = make_division("广中党员志愿者企业服务分队")
    squad = make_squad(division, make_enterprise(name="宝华集团"), name="宝华集团服务小分队")
    person = login_as("entrepreneur")
    page = text(person.get("/volunteers/teams"))
    assert "宝华集团服务小分队" in page and f"/volunteers/teams/{squad.id}/join" in page
    assert person.post(f"/volunteers/teams/{squad.id}/join", data={}).status_code == 422
    response = person.post(
        f"/volunteers/teams/{squad.id}/join", data={"note": "想参加", "consent": "y"}
    )
    assert response.status_code == 303
    request = JoinRequest.get()
    staff = login_as("staff")
    assert "想参加" in text(staff.get("/volunteers/requests"))
    response = staff.post(
        "/volunteers/requests",
        data={"approve": str(request.id), f"note-{request.id}": "欢迎"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert Membership.get().team_id == squad.id
    again = staff.post("/volunteers/requests", data={"decline": str(request.id)})
    assert again.status_code == 422  # already decided
    assert staff.post("/volunteers/requests", data={"decline": "999999"}).status_code == 404
    assert AuditEntry.select().where(AuditEntry.action == "volunteers.join.approved").exists()


def test_staff_set_up_teams_and_members(app, login_as, make_enterprise):
    staff = login_as("staff")
    enterprise = make_enterprise(name="华谊集团")
    assert (
        staff.post("/volunteers/teams/new", data={"kind": "division", "name": ""}).status_code
        == 422
    )
    assert (
        staff.post(
            "/volunteers/teams/new", data={"kind": "division", "name": "党员志愿者分队"}
        ).status_code
        == 303
    )
    division = Team.get(Team.name == "党员志愿者分队")
    response = staff.post(
        "/volunteers/teams/new",
        data={"kind": "squad", "name": "华谊集团服务小分队", "parent": str(division.id)},
    )
    assert response.status_code == 422 and 'id="enterprise-error"' in text(response)
    response = staff.post(
        "/volunteers/teams/new",
        data={
            "kind": "squad",
            "name": "华谊集团服务小分队",
            "parent": str(division.id),
            "enterprise": str(enterprise.id),
        },
    )
    assert response.status_code == 303
    squad = Team.get(Team.name == "华谊集团服务小分队")
    url = f"/volunteers/teams/{squad.id}/members"
    member = {"name": "李志愿", "mobile": "13700003333", "role": "member"}
    assert staff.post(url, data=member).status_code == 422  # no consent
    assert staff.post(url, data=member | {"consent": "y"}).status_code == 303
    membership = Membership.get()
    assert membership.volunteer.enterprise_id == enterprise.id
    change = f"/volunteers/teams/{squad.id}/members/change"
    assert staff.post(change, data={"leader": str(membership.id)}).status_code == 303
    assert Membership.get_by_id(membership.id).role == "leader"
    other = make_division()
    assert (
        staff.post(
            f"/volunteers/teams/{other.id}/members/change", data={"remove": str(membership.id)}
        ).status_code
        == 404
    )
    assert staff.post(change, data={"remove": str(membership.id)}).status_code == 303
    assert not Membership.select().exists()


def test_rate_setting(app, login_as):
    staff = login_as("staff")
    assert staff.post("/volunteers/settings", data={"rate": "１"}).status_code == 422
    assert staff.post("/volunteers/settings", data={"rate": "101"}).status_code == 422
    assert staff.post("/volunteers/settings", data={"rate": "2"}).status_code == 303
    assert points_rate() == 2
    assert AuditEntry.select().where(AuditEntry.action == "volunteers.settings.rate").exists()


def test_kiosk_signs_a_volunteer_in_and_out_by_mobile(app, login_as):
    kiosk = login_as("kiosk")
    activity = make_activity(make_division(), starts_in=timedelta(minutes=5), title="值守活动")
    volunteer = make_volunteer(name="张小明", mobile="13700004444")
    make_signup(activity, volunteer)
    assert "志愿服务" in text(kiosk.get("/kiosk/"))  # the check-in action names volunteering
    assert 'href="/kiosk/volunteers"' in text(kiosk.get("/kiosk/check-in"))
    assert "值守活动" in text(kiosk.get("/kiosk/volunteers"))
    url = f"/kiosk/volunteers/{activity.id}"
    response = kiosk.post(url, data={"mobile": "13700009999"})
    assert response.status_code == 422 and "13700009999" not in text(response)
    response = kiosk.post(url, data={"mobile": "13700004444"})
    assert response.status_code == 200
    body = text(response)
    assert "张*明" in body and "张小明" not in body and "13700004444" not in body
    signup = Signup.get(Signup.volunteer == volunteer.id)
    assert signup.signed_in_at is not None
    # Leaving an hour later: the same number signs out.
    Signup.update(signed_in_at=signup.signed_in_at - timedelta(hours=1)).where(
        Signup.id == signup.id
    ).execute()
    response = kiosk.post(url, data={"mobile": "13700004444"})
    assert response.status_code == 200 and "签退成功" in text(response)
    record = HourRecord.get(HourRecord.volunteer == volunteer.id)
    assert record.status == PENDING and 59 <= record.minutes <= 61
    assert (
        kiosk.get(
            f"/kiosk/volunteers/{make_activity(make_division(), status='draft').id}"
        ).status_code
        == 404
    )


def test_one_person_cannot_touch_anothers_place_and_staff_pages_are_closed(app, login_as):
    activity = make_activity(make_division(), slots=1)
    owner = login_as("entrepreneur", name="林志愿")
    owner.post(f"/volunteers/activities/{activity.id}/sign-up", data={"consent": "y"})
    signup = Signup.get()
    other = login_as("entrepreneur")
    assert other.post(f"/volunteers/activities/{activity.id}/withdraw").status_code == 404
    page = text(other.get(f"/volunteers/activities/{activity.id}"))
    assert "林志愿" not in page and owner.user.mobile not in page
    for path in (
        f"/volunteers/activities/{activity.id}/roster",
        "/volunteers/hours",
        "/volunteers/requests",
        "/volunteers/manage",
    ):
        assert other.get(path).status_code == 403, path
    response = other.post(
        f"/volunteers/activities/{activity.id}/roster", data={"withdraw": str(signup.id)}
    )
    assert response.status_code == 403
    assert Signup.get_by_id(signup.id).status == CONFIRMED


def test_refusals_in_english(app, login_as):
    activity = make_activity(make_division(), starts_in=timedelta(days=-2))
    person = login_as("entrepreneur")
    person.set_cookie("lang", "en")
    response = person.post(f"/volunteers/activities/{activity.id}/sign-up", data={"consent": "y"})
    assert response.status_code == 422
    assert "The activity is over." in text(response)
    make_activity(make_division(), slots=1)
    page = text(person.get("/volunteers/"))
    assert "1 activity coming up" in page and "1 place left" in page
