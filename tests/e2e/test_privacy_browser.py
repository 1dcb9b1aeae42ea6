"""Personal data requests in Chromium: staff find everything held about a demo person, erase a
household's head, and register a household with the head's consent; zh and en, phone and
desktop, with screenshots and an accessibility check."""

import re

import pytest
from playwright.sync_api import expect

from db import demo
from db.market.models import Household
from db.privacy import ERASED_NAME
from tests.e2e.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.live]


def staff_page(new_page, viewport, locale="zh-CN"):
    """A page signed in as the demo staff member."""
    page = new_page(viewport, locale=locale)
    page.goto("/login")
    page.get_by_label("手机号或用户名").fill("staff")
    page.get_by_label("密码").fill("demo-staff-1")
    page.get_by_role("button", name="登录").last.click()
    expect(page.get_by_role("button", name="退出")).to_be_visible()
    return page


def look_up(page, mobile):
    """Find what is held about `mobile` on the personal data page."""
    page.goto("/staff/personal-data/")
    page.get_by_label("手机号").fill(mobile)
    page.get_by_role("button", name="查找").click()
    expect(page.get_by_role("heading", name="关于 138****", exact=False)).to_be_visible()


def test_find_and_erase_a_person(demo_data, new_page, shot, axe_check):
    demo.seed()
    page = staff_page(new_page, DESKTOP)
    look_up(page, "13800000001")
    for section in ("账号", "活动报名", "通知"):
        heading = page.get_by_role("heading", name=re.compile(rf"^{section} \(\d+\)$"))
        expect(heading).to_be_visible()
    axe_check(page)
    shot(page, "privacy-lookup-zh-desktop")

    household = Household.get(Household.mobile == "13800002001")
    look_up(page, "13800002001")
    expect(page.get_by_role("heading", name=re.compile(r"^爱心超市家庭 \(1\)$"))).to_be_visible()
    page.get_by_label("原因（本人的请求）").fill("户主来电要求删除")
    page.get_by_label("我了解姓名、号码和填写内容将被永久删除。").check()
    page.get_by_role("button", name="删除此人的个人信息").click()
    expect(page.get_by_role("status")).to_contain_text(re.compile(r"已删除：\d+ 条记录已匿名化。"))
    shot(page, "privacy-erased-zh-desktop")
    erased = Household.get_by_id(household.id)
    assert (erased.head_name, erased.mobile, erased.status) == (ERASED_NAME, "", "closed")


def test_lookup_on_a_phone_and_in_english(demo_data, new_page, shot):
    demo.seed()
    phone = staff_page(new_page, PHONE)
    look_up(phone, "13800000001")
    shot(phone, "privacy-lookup-zh-phone")

    page = staff_page(new_page, DESKTOP)
    page.get_by_role("button", name="English").click()
    page.goto("/staff/personal-data/")
    page.get_by_label("Mobile number").fill("13800003001")
    page.get_by_role("button", name="Find").click()
    donors = page.get_by_role("heading", name=re.compile(r"^Love supermarket donors"))
    expect(donors).to_be_visible()
    shot(page, "privacy-lookup-en-desktop")


def test_a_household_is_registered_with_the_heads_consent(demo_data, new_page, shot):
    demo.seed()
    page = staff_page(new_page, DESKTOP)
    page.goto("/market/households/new")
    page.get_by_label("户主", exact=True).fill("卫秀珍")
    page.get_by_label("家庭人数").fill("2")
    page.get_by_role("button", name="登记并发卡").click()
    expect(page.get_by_text("户主必须同意隐私声明。").first).to_be_visible()
    shot(page, "privacy-household-consent-zh-desktop")
    page.get_by_label("户主已阅读隐私声明，同意保存以上信息").check()
    page.get_by_role("button", name="登记并发卡").click()
    expect(page.get_by_text("家庭已登记，爱心卡号")).to_be_visible()
    assert Household.get(Household.head_name == "卫秀珍").consent_at is not None
