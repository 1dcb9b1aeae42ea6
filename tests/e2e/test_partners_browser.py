"""The partner ledger in Chromium: the directory, an enterprise's profile across modules, and
merging a duplicate spelling (then undoing it), in Chinese and English, on a desk and a
phone, with screenshots; and the enterprise field at sign-up offering the record kept."""

import re

import pytest
from playwright.sync_api import expect

from db import partners
from db.market.periods import local_today
from tests import partners_support as support
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import DESKTOP, PHONE, wait_for_htmx

pytestmark = [pytest.mark.browser, pytest.mark.live]


def log_in(page, username, password=TEST_PASSWORD):
    """Sign in through the login form."""
    page.goto("/login")
    page.get_by_label("手机号或用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").last.click()
    expect(page.get_by_role("button", name="退出")).to_be_visible()


def ledger(make_user):
    """A strategic partner with activity in every module, a duplicate spelling of it with
    a registration of its own, and a second partner."""
    kept = partners.save_enterprise(
        "宝华集团",
        "91310109607301218N",
        sector="building",
        status="strategic",
        location="宝华大厦",
        address="虹口区中山北一路 121 号",
        agreement_signed_on=local_today().replace(year=local_today().year - 2),
    )
    partners.save_enterprise("华谊集团", sector="enterprise", status="strategic")
    duplicate = partners.save_enterprise("宝华集团有限公司")
    forum = support.make_event("中广党建论坛")
    support.register(forum, kept)
    support.register(forum, kept, checked_in=False)
    support.register(support.make_event("经济时事报告会", days_ago=40), duplicate)
    person = make_user(enterprise=kept)
    support.apply(support.make_course(), person, kept, certificate=True)
    support.donate("宝华集团", money=300_000)
    partners.add_contact(kept.id, "郑国庆", "13800003003", duty="党支部书记", consent=True)
    partners.record_party_organisation(
        kept.id, local_today().year, "independent", 18, union=True, union_members=120
    )
    partners.record_visit(
        kept.id, local_today(), "return_visit", "楼宇党群服务站运行情况", needs="增加午间开放"
    )
    return kept, duplicate


def test_directory_profile_and_merge(new_page, shot, make_user):
    staff = make_user(role="staff", name="王晓红")
    kept, duplicate = ledger(make_user)
    page = new_page(DESKTOP)
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, staff.username)

    page.get_by_role("link", name="联建单位").first.click()
    expect(page.get_by_role("heading", name="联建单位", exact=True)).to_be_visible()
    wait_for_htmx(page)  # the search box answers as typed
    page.get_by_label("搜索").fill("宝华")
    expect(page.get_by_text("共 2 家单位")).to_be_visible()
    shot(page, "partners-directory-zh-desktop")
    page.get_by_role("link", name="宝华集团", exact=True).click()
    expect(page.get_by_role("heading", name="宝华集团", exact=True)).to_be_visible()
    expect(page.get_by_text("中广党建论坛")).to_be_visible()
    expect(page.get_by_text("¥3,000.00").first).to_be_visible()
    shot(page, "partners-profile-zh-desktop")

    page.get_by_role("link", name="疑似重复").click()
    expect(page.get_by_text("规范写法后名称相同")).to_be_visible()
    page.get_by_role("link", name="并入 宝华集团").click()
    expect(page.get_by_role("heading", name="将 宝华集团有限公司 并入 宝华集团")).to_be_visible()
    page.get_by_role("button", name="确认合并").click()
    expect(page.get_by_text("请确认两条记录是同一家单位").first).to_be_visible()  # asked once
    page.get_by_label("我已核实两条记录是同一家单位").check()
    shot(page, "partners-merge-zh-desktop")
    page.get_by_role("button", name="确认合并").click()
    expect(page.get_by_text("宝华集团有限公司 已并入 宝华集团")).to_be_visible()
    expect(page.get_by_text("经济时事报告会")).to_be_visible()  # the duplicate's history moved
    expect(page.get_by_text("宝华集团有限公司 已并入本单位")).to_be_visible()

    page.get_by_role("link", name="合并记录").first.click()
    shot(page, "partners-merges-zh-desktop")
    page.get_by_role("button", name="撤销合并").click()
    expect(page.get_by_text("合并已撤销：两条记录重新分开。")).to_be_visible()

    page.get_by_role("link", name="党建覆盖").click()
    expect(page.get_by_role("heading", name=re.compile("党建覆盖情况"))).to_be_visible()
    shot(page, "partners-coverage-zh-desktop")
    page.get_by_role("link", name="年度报告").click()
    expect(page.get_by_text("¥3,000.00").first).to_be_visible()
    shot(page, "partners-report-zh-desktop")

    # The same pages in English.
    page.get_by_role("button", name="English").click()
    page.goto("/partners/")
    expect(page.get_by_role("heading", name="Partner enterprises", exact=True)).to_be_visible()
    shot(page, "partners-directory-en-desktop")
    page.get_by_role("link", name="宝华集团", exact=True).click()
    expect(page.get_by_role("heading", name="Events and attendance")).to_be_visible()
    shot(page, "partners-profile-en-desktop")
    page.goto(f"/partners/merge?survivor={kept.id}&loser={duplicate.id}")
    expect(page.get_by_role("heading", name="What the merge does")).to_be_visible()
    shot(page, "partners-merge-en-desktop")


def test_on_a_phone(new_page, shot, make_user):
    staff = make_user(role="staff")
    kept, _duplicate = ledger(make_user)
    page = new_page(PHONE)
    log_in(page, staff.username)
    page.goto("/partners/")
    expect(page.get_by_role("heading", name="联建单位", exact=True)).to_be_visible()
    shot(page, "partners-directory-zh-phone")
    page.goto(f"/partners/{kept.id}")
    expect(page.get_by_role("heading", name="宝华集团", exact=True)).to_be_visible()
    shot(page, "partners-profile-zh-phone")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Contacts", exact=True)).to_be_visible()
    shot(page, "partners-profile-en-phone")
    page.goto("/partners/report")
    shot(page, "partners-report-en-phone")


def test_signup_offers_the_record_kept(new_page, make_enterprise):
    kept = make_enterprise(name="绿地建设集团", is_partner=True)
    partners.merge(kept.id, make_enterprise(name="绿地集团").id)
    page = new_page(PHONE)
    page.goto("/signup")
    page.get_by_label("企业名称").press_sequentially("绿地集")
    options = page.locator("#enterprise-names option")
    expect(options).to_have_count(1)
    expect(options.first).to_have_attribute("value", "绿地建设集团")
