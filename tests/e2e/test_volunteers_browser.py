"""A volunteer from signing up to a verified hour certificate, in Chromium: the volunteer signs
up on a phone, staff sign them in and out on the roster and approve their hours on the desk,
the volunteer sees the points in their passbook and prints a certificate anyone can check,
and the honour board shows them, names masked, on the web and on the kiosk. Chinese and
English, phone and desktop, with screenshots of every step."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from db.accounts import User
from db.market.periods import local_today
from db.volunteers import HourRecord, Volunteer
from db.volunteers.certificates import HourCertificate
from db.volunteers.hours import decide_hours
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import DESKTOP, KIOSK, PHONE, wait_for_htmx
from tests.volunteers_support import make_activity, make_division, make_hours, make_volunteer

pytestmark = [pytest.mark.browser, pytest.mark.live]


def log_in(page, username, password=TEST_PASSWORD):
    """Log in through the form (Chinese labels)."""
    page.goto("/login")
    page.get_by_label("手机号或用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").last.click()
    page.wait_for_load_state()


def english(page):
    """Let a guest's browser read English (the language cookie the switch sets)."""
    page.context.add_cookies([{"name": "lang", "value": "en", "url": page.url}])


def others_on_the_board(division):
    """Two volunteers with hours approved earlier this year."""
    for name, minutes in (("周国华", 300), ("钱志明", 60)):
        volunteer = make_volunteer(name=name)
        record = make_hours(volunteer, minutes=minutes, served_on=local_today())
        decide_hours([(record.id, "approve", None, None)])


def test_sign_up_serve_approve_points_certificate_and_honour_board(
    new_page, shot, axe_check, make_user, make_enterprise
):
    enterprise = make_enterprise(name="绿地建设集团", is_partner=True)
    person = make_user(name="王丽红", enterprise=enterprise, position="党建专员")
    staff = make_user(role="staff", name="王晓红")
    kiosk = make_user(role="kiosk", name="服务大厅自助终端")
    division = make_division(name="广中党员志愿者企业服务分队")
    activity = make_activity(
        division,
        slots=5,
        starts_in=timedelta(minutes=30),
        hours=3,
        title="爱心超市周末值守",
        place="广中社区爱心超市",
        what_to_do="在兑换柜台协助帮困家庭兑换物资。",
    )
    others_on_the_board(division)

    # The volunteer signs up on a phone, agreeing to the privacy notice.
    phone = new_page(PHONE)
    log_in(phone, person.username)
    phone.goto(f"/volunteers/activities/{activity.id}")
    expect(phone.get_by_role("heading", name="爱心超市周末值守")).to_be_visible()
    phone.get_by_label(re.compile("我已阅读隐私声明")).check()
    shot(phone, "volunteers-activity-zh-phone")
    phone.locator("form button[type=submit].button--primary").last.click()
    phone.wait_for_load_state()
    assert Volunteer.select().where(Volunteer.user == person.id).exists()
    shot(phone, "volunteers-signed-up-zh-phone")

    # Staff sign them in and out on the roster (the activity starts in half an hour).
    desk = new_page(DESKTOP)
    log_in(desk, staff.username)
    desk.goto(f"/volunteers/activities/{activity.id}/roster")
    wait_for_htmx(desk)
    sign_in = desk.get_by_role("button", name=re.compile("签到.*王丽红|王丽红.*签到"))
    sign_out = desk.get_by_role("button", name=re.compile("签退.*王丽红|王丽红.*签退"))
    sign_in.click()
    expect(sign_out).to_be_visible()
    sign_out.click()
    expect(sign_out).to_have_count(0)
    shot(desk, "volunteers-roster-zh-desktop")
    record = HourRecord.get(HourRecord.activity == activity.id)
    assert record.status == "pending"

    # Staff approve the hours, entering the two hours served (sign-out was at once here).
    desk.goto("/volunteers/hours")
    wait_for_htmx(desk)
    desk.get_by_label("王丽红 的分钟数").fill("120")
    desk.get_by_label("对 王丽红 的处理").select_option("approve")
    desk.get_by_role("button", name="保存处理结果").click()
    expect(desk.get_by_role("status")).to_be_visible()
    shot(desk, "volunteers-hours-approved-zh-desktop")
    record = HourRecord.get_by_id(record.id)
    assert (record.status, record.minutes, record.points) == ("approved", 120, 2)

    # The volunteer sees the points in the passbook and asks for a certificate.
    phone.goto("/volunteers/me")
    expect(phone.get_by_role("heading", name="我的志愿服务")).to_be_visible()
    passbook = Volunteer.get(Volunteer.user == person.id).passbook
    expect(phone.get_by_text(passbook.passbook_no, exact=False).first).to_be_visible()
    expect(phone.locator(".figure").filter(has_text="爱心存折积分")).to_contain_text("2")
    shot(phone, "volunteers-mine-zh-phone")
    axe_check(phone)
    phone.get_by_role("button", name="出具证明").click()
    expect(phone.get_by_role("heading", name="志愿服务时长证明")).to_be_visible()
    certificate = HourCertificate.get()
    assert certificate.minutes == 120 and certificate.holder_name == "王丽红"
    shot(phone, "volunteers-certificate-zh-phone")
    desk.goto(f"/volunteers/certificates/{certificate.number}/print")
    expect(desk.locator(".certificate-holder")).to_have_text("王丽红")
    shot(desk, "volunteers-certificate-zh-desktop")
    axe_check(desk)

    # Anyone checks it by its number: valid, the name masked.
    guest = new_page(PHONE)
    guest.goto(f"/volunteers/certificates/{certificate.number}")
    expect(guest.get_by_text("王*红")).to_be_visible()
    expect(guest.get_by_text("王丽红")).to_have_count(0)
    shot(guest, "volunteers-verify-zh-phone")
    axe_check(guest)

    # The honour board: ranked by approved hours, names masked, never a full name.
    guest.goto("/volunteers/honour")
    places = guest.locator(".honour-place__name")
    expect(places).to_have_text(["周*华", "王*红", "钱*明"])
    expect(guest.get_by_text("王丽红")).to_have_count(0)
    shot(guest, "volunteers-honour-zh-phone")
    axe_check(guest)
    board = new_page(DESKTOP)
    board.goto("/volunteers/honour")
    shot(board, "volunteers-honour-zh-desktop")
    screen = new_page(KIOSK)
    log_in(screen, kiosk.username)
    screen.goto("/kiosk/notices")
    screen.get_by_role("link", name="查看光荣榜").click()
    expect(screen.locator(".honour-place__name")).to_have_text(["周*华", "王*红", "钱*明"])
    shot(screen, "volunteers-honour-zh-kiosk")
    axe_check(screen)

    # The same pages in English.
    User.update(language="en").where(User.id.in_([person.id, staff.id])).execute()
    phone.goto("/volunteers/me")
    expect(phone.get_by_role("heading", name="My volunteering")).to_be_visible()
    shot(phone, "volunteers-mine-en-phone")
    desk.goto("/volunteers/me")
    desk.goto(f"/volunteers/records/{Volunteer.get(Volunteer.user == person.id).id}")
    expect(desk.get_by_role("heading", name=re.compile("Volunteer record"))).to_be_visible()
    shot(desk, "volunteers-record-en-desktop")
    axe_check(desk)
    desk.goto(f"/volunteers/certificates/{certificate.number}/print")
    expect(desk.get_by_role("heading", name="Volunteer Service Hours Certificate")).to_be_visible()
    shot(desk, "volunteers-certificate-en-desktop")
    desk.goto(f"/volunteers/reports?year={local_today().year}")
    expect(desk.get_by_role("heading", name=re.compile("Volunteer service report"))).to_be_visible()
    shot(desk, "volunteers-report-en-desktop")
    axe_check(desk)
    english(guest)
    guest.goto(f"/volunteers/certificates/{certificate.number}")
    expect(guest.get_by_role("heading", name="✓ Valid certificate")).to_be_visible()
    shot(guest, "volunteers-verify-en-phone")
    guest.goto("/volunteers/honour")
    expect(guest.get_by_role("heading", name=re.compile("Volunteer honour board"))).to_be_visible()
    shot(guest, "volunteers-honour-en-phone")

    # Staff correct the hours afterwards: the certificate no longer verifies as current.
    decide_hours([(record.id, "keep", 60, "实际服务一小时")])
    guest.goto(f"/volunteers/certificates/{certificate.number}")
    expect(guest.get_by_role("heading", name="✗ No longer current")).to_be_visible()
    shot(guest, "volunteers-verify-revised-en-phone")
