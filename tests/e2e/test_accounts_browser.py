"""A person signs up, logs out, logs in, and switches language — in Chromium."""

import pytest
from playwright.sync_api import expect

from db import demo
from tests.e2e.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.live]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_sign_up_log_out_log_in_switch_language(new_page, shot, viewport):
    size = "desktop" if viewport is DESKTOP else "phone"
    page = new_page(viewport)
    page.goto("/")
    shot(page, f"core-home-zh-{size}")
    page.get_by_role("link", name="注册").first.click()

    # A mistake first: the form says what is wrong, next to the field, in Chinese.
    page.get_by_label("您的姓名").fill("赵晓明")
    page.get_by_label("手机号").fill("1380000123")
    page.get_by_label("企业名称").fill("广中创新工作室")
    page.get_by_label("密码").fill("short")
    page.get_by_role("button", name="创建我的账号").click()
    expect(page.get_by_role("heading", name="请修改以下问题")).to_be_visible()
    expect(page.get_by_text("请输入 11 位大陆手机号").first).to_be_visible()
    shot(page, f"core-signup-errors-zh-{size}")

    page.get_by_label("手机号").fill("13800009876")
    page.get_by_label("密码").fill("a-good-password")
    page.get_by_label("我已阅读隐私声明").check()
    page.get_by_role("button", name="创建我的账号").click()
    expect(page.get_by_text("赵晓明，欢迎您！账号已开通。")).to_be_visible()

    page.get_by_role("button", name="退出").click()
    expect(page.get_by_text("您已退出登录。")).to_be_visible()

    page.get_by_role("link", name="登录").first.click()
    page.get_by_label("手机号或用户名").fill("13800009876")
    page.get_by_label("密码").fill("a-good-password")
    shot(page, f"core-login-zh-{size}")
    page.get_by_role("button", name="登录").last.click()
    expect(page.get_by_role("link", name="赵晓明")).to_be_visible()

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Open for registration")).to_be_visible()
    page.get_by_role("link", name="赵晓明").click()
    expect(page.get_by_role("heading", name="My account")).to_be_visible()
    shot(page, f"core-account-en-{size}")

    page.get_by_role("button", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", name="我的账号")).to_be_visible()


def test_admin_pages_in_both_languages(demo_data, new_page, shot):
    demo.seed()
    page = new_page(DESKTOP)
    page.goto("/login")
    page.get_by_label("手机号或用户名").fill("admin")
    page.get_by_label("密码").fill("demo-admin-1")
    page.get_by_role("button", name="登录").last.click()
    page.get_by_role("link", name="账号管理").click()
    expect(page.get_by_role("cell", name="王晓红")).to_be_visible()
    page.wait_for_load_state()  # htmx listens only once the page has loaded
    page.get_by_label("搜索").fill("李建国")
    expect(page.locator("#rows tbody tr")).to_have_count(1)
    shot(page, "core-admin-users-zh-desktop")
    page.get_by_role("link", name="操作日志").click()
    shot(page, "core-admin-audit-zh-desktop")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    shot(page, "core-admin-audit-en-desktop")
