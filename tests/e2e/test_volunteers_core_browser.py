"""Volunteer teams, activities and the kiosk in Chromium: staff set up the division and an
enterprise squad and add a member with consent, a signed-in person asks to join and staff
approve on the requests table, staff publish an activity and run its roster (add by mobile,
sign in), volunteers see the list on a phone, and a volunteer signs in at the kiosk on the
keypad. Chinese and English, phone, desktop and the kiosk's portrait screen; axe on each."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from db.base import utcnow
from db.volunteers import Activity, JoinRequest, Membership, Signup, Team
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import DESKTOP, KIOSK, PHONE, wait_for_htmx
from tests.volunteers_support import make_activity, make_signup, make_volunteer

pytestmark = [pytest.mark.browser, pytest.mark.live]
SHANGHAI = ZoneInfo("Asia/Shanghai")


def log_in(page, username):
    page.goto("/login")
    page.get_by_label("手机号或用户名").fill(username)
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").last.click()
    page.wait_for_load_state()


def local_input(moment):
    """A naive UTC time as the value of a datetime-local input (Asia/Shanghai)."""
    aware = moment.replace(tzinfo=ZoneInfo("UTC")).astimezone(SHANGHAI)
    return aware.strftime("%Y-%m-%dT%H:%M")


def test_teams_join_request_activity_and_roster(
    new_page, shot, axe_check, make_user, make_enterprise
):
    enterprise = make_enterprise(name="花园坊上汽集团", is_partner=True)
    staff = make_user(role="staff", name="周晓燕")
    person = make_user(name="陈建国", enterprise=enterprise)
    desk = new_page(DESKTOP)
    log_in(desk, staff.username)

    # The division, then the enterprise's squad within it.
    desk.goto("/volunteers/teams/new")
    desk.get_by_label("队伍名称").fill("广中党员志愿者企业服务分队")
    desk.get_by_role("button", name="保存队伍").click()
    expect(desk.get_by_role("heading", name="广中党员志愿者企业服务分队")).to_be_visible()
    desk.goto("/volunteers/teams/new")
    desk.get_by_label("队伍类型").select_option("squad")
    desk.get_by_label("队伍名称").fill("花园坊上汽集团服务小分队")
    desk.get_by_role("button", name="保存队伍").click()
    expect(desk.get_by_role("alert")).to_contain_text("请选择小分队所属的分队")
    shot(desk, "volunteers-team-form-refused-zh-desktop")
    desk.get_by_label("所属分队（小分队填写）").select_option(label="广中党员志愿者企业服务分队")
    desk.get_by_label("所属企业（小分队填写）").select_option(label="花园坊上汽集团")
    desk.get_by_role("button", name="保存队伍").click()
    squad = Team.get(Team.name == "花园坊上汽集团服务小分队")
    expect(desk).to_have_url(re.compile(f"/volunteers/teams/{squad.id}$"))

    # A member entered by staff, with consent; made leader on the members table.
    desk.get_by_label("姓名").fill("赵立新")
    desk.get_by_label("手机号").fill("13700005555")
    desk.get_by_label(re.compile("本人已阅读隐私声明")).check()
    desk.get_by_role("button", name="加入队伍").click()
    wait_for_htmx(desk)
    desk.get_by_role("button", name="设为队长 赵立新").click()
    expect(desk.locator(".outcome")).to_contain_text("赵立新 现为队长")
    axe_check(desk)
    shot(desk, "volunteers-team-zh-desktop")
    assert Membership.get().role == "leader"

    # A signed-in entrepreneur asks to join on a phone.
    phone = new_page(PHONE)
    log_in(phone, person.username)
    phone.goto("/volunteers/teams")
    axe_check(phone)
    shot(phone, "volunteers-teams-zh-phone")
    phone.get_by_role("link", name="申请加入").last.click()
    phone.get_by_label("给工作人员的留言（选填）").fill("想为企业职工服务")
    phone.get_by_label(re.compile("我已阅读隐私声明")).check()
    axe_check(phone)
    shot(phone, "volunteers-join-zh-phone")
    phone.get_by_role("button", name="提交申请").click()
    expect(phone.get_by_text("加入花园坊上汽集团服务小分队的申请已提交")).to_be_visible()
    assert JoinRequest.get().status == "pending"

    # Staff approve it on the requests table (one form, the row's button carries its id).
    desk.goto("/volunteers/requests")
    wait_for_htmx(desk)
    shot(desk, "volunteers-requests-zh-desktop")
    desk.get_by_role("button", name="通过 陈建国").click()
    expect(desk.locator(".outcome")).to_contain_text("陈建国 已加入花园坊上汽集团服务小分队")
    assert JoinRequest.get().status == "approved"

    # Staff publish an activity starting in half an hour and run its roster.
    starts = utcnow() + timedelta(minutes=30)
    desk.goto("/volunteers/activities/new")
    desk.get_by_label("标题").fill("爱心超市整理货架")
    desk.get_by_label("队伍").select_option(label="花园坊上汽集团服务小分队")
    desk.get_by_label("地点").fill("广中社区爱心超市")
    desk.get_by_label("服务内容").fill("清点捐赠物资，整理货架。")
    desk.get_by_label("开始时间").fill(local_input(starts))
    desk.get_by_label("结束时间").fill(local_input(starts + timedelta(hours=2)))
    desk.get_by_label("名额").fill("0")
    desk.get_by_label(re.compile("立即发布")).check()
    desk.get_by_role("button", name="保存活动").click()
    expect(desk.get_by_role("alert")).to_be_visible()  # no places refused
    shot(desk, "volunteers-activity-form-refused-zh-desktop")
    desk.get_by_label("名额").fill("2")
    desk.get_by_role("button", name="保存活动").click()
    activity = Activity.get(Activity.title == "爱心超市整理货架")
    expect(desk).to_have_url(re.compile(f"/activities/{activity.id}/roster$"))
    wait_for_htmx(desk)
    desk.get_by_label("按手机号添加志愿者").fill("13700005555")
    desk.get_by_role("button", name="加入名单").click()
    expect(desk.locator(".outcome")).to_contain_text("赵立新 已列入名单")
    desk.get_by_role("button", name="为 赵立新 签到").click()
    expect(desk.get_by_role("button", name="为 赵立新 签退")).to_be_visible()
    axe_check(desk)
    shot(desk, "volunteers-roster-signed-in-zh-desktop")
    assert Signup.get().signed_in_at is not None

    # The list of activities, in English, on the phone; staff's list in English.
    phone.context.add_cookies([{"name": "lang", "value": "en", "url": phone.url}])
    phone.goto("/volunteers/")
    expect(phone.get_by_role("heading", name="Volunteer activities")).to_be_visible()
    axe_check(phone)
    shot(phone, "volunteers-index-en-phone")
    phone.goto(f"/volunteers/activities/{activity.id}")
    axe_check(phone)
    shot(phone, "volunteers-activity-en-phone")
    desk.goto("/volunteers/manage")
    desk.get_by_role("button", name="English").click()
    expect(desk.get_by_role("heading", name="Volunteer activities")).to_be_visible()
    expect(desk.get_by_role("link", name="爱心超市整理货架")).to_be_visible()
    axe_check(desk)
    shot(desk, "volunteers-manage-en-desktop")
    desk.goto("/volunteers/hours?status=all")
    shot(desk, "volunteers-hours-en-desktop")


def test_a_volunteer_signs_in_and_out_at_the_kiosk(new_page, shot, axe_check, make_user):
    from tests.volunteers_support import make_division

    make_user(role="kiosk", username="kiosk-hall")
    activity = make_activity(
        make_division(),
        starts_in=timedelta(minutes=10),
        title="社区环境清洁",
        place="广中路街心花园",
    )
    make_signup(activity, make_volunteer(name="孙美玲", mobile="13700006666"))
    page = new_page(KIOSK)
    page.goto("/login")
    page.get_by_label("手机号或用户名").fill("kiosk-hall")
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").last.click()
    expect(page).to_have_url(re.compile(r"/kiosk/$"))
    page.get_by_role("link", name=re.compile("志愿服务")).click()  # the check-in action
    page.get_by_role("link", name="志愿者签到、签退").click()
    expect(page.get_by_text("社区环境清洁")).to_be_visible()
    axe_check(page)
    shot(page, "volunteers-kiosk-list-zh-portrait")
    page.get_by_role("link", name="签到或签退").click()
    for digit in "13700009999":
        page.locator(".keypad__key", has_text=re.compile(f"^{digit}$")).first.click()
    page.get_by_role("button", name="签到或签退").click()
    expect(page.get_by_role("alert")).to_contain_text("未找到使用此手机号的志愿者")
    shot(page, "volunteers-kiosk-refused-zh-portrait")
    for digit in "13700006666":
        page.locator(".keypad__key", has_text=re.compile(f"^{digit}$")).first.click()
    page.get_by_role("button", name="签到或签退").click()
    expect(page.get_by_text("签到成功，孙*玲")).to_be_visible()
    assert "13700006666" not in page.content() and "孙美玲" not in page.content()
    axe_check(page)
    shot(page, "volunteers-kiosk-signed-in-zh-portrait")
    assert Signup.get().signed_in_at is not None
