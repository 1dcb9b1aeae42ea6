"""The love supermarket in Chromium: a donation with its acknowledgement, a month's points, the
counter (a redemption and a refused over-balance basket), and the public notice without any
personal data; zh and en, phone and desktop, with screenshots."""

import re

import pytest
from playwright.sync_api import expect

from db import demo, market
from db.market.periods import local_today
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import DESKTOP, KIOSK, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.live]


def log_in(page, username, password=TEST_PASSWORD):
    """Sign in through the login form."""
    page.goto("/login")
    page.get_by_label("手机号或用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").last.click()
    if username.startswith("kiosk"):
        expect(page).to_have_url(re.compile(r"/kiosk/$"))  # the kiosk shows no account menu
    else:
        expect(page.get_by_role("button", name="退出")).to_be_visible()


def test_donation_points_counter_and_public_notice(new_page, shot, make_user):
    staff = make_user(role="staff", name="王晓红")
    rice = market.save_item(
        name="大米（5公斤）",
        category="grain_oil",
        unit="袋",
        points_price=30,
        reference_value=4500,
        low_stock_threshold=5,
        active=True,
    )
    market.save_item(
        name="毛巾",
        category="daily",
        unit="条",
        points_price=8,
        reference_value=1500,
        low_stock_threshold=5,
        active=True,
    )
    household = market.register_household(
        head_name="王秀英",
        mobile="13800002001",
        address="广中路100弄1号",
        size=2,
        category="dibao",
        status="active",
        next_review=local_today().replace(year=2030),
    )
    page = new_page(DESKTOP)
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, staff.username)

    # A donation of two goods and money.
    page.get_by_role("link", name="爱心超市").first.click()
    expect(page.get_by_role("heading", name="爱心超市", exact=True)).to_be_visible()
    page.get_by_role("link", name="登记捐赠").first.click()
    page.get_by_label("捐赠人名称", exact=True).fill("绿地建设集团")
    page.get_by_label("第 1 行物资").select_option(label="大米（5公斤）（袋）")
    page.get_by_label("第 1 行数量").fill("20")
    page.get_by_label("第 2 行物资").select_option(label="毛巾（条）")
    page.get_by_label("第 2 行数量").fill("30")
    page.get_by_label("第 2 行单价").fill("12")
    page.get_by_label("捐款（元，选填）").fill("2000")
    page.get_by_label("在公示中列出捐赠人名称（已征得捐赠人同意）").check()
    shot(page, "market-donation-form-zh-desktop")
    page.get_by_role("button", name="保存捐赠").click()
    receipt = f"JZ-{local_today().year}-0001"
    expect(page.get_by_role("heading", name=f"捐赠 {receipt}")).to_be_visible()
    expect(page.get_by_text("¥3,260.00").first).to_be_visible()
    shot(page, "market-donation-zh-desktop")

    # Its printable acknowledgement, with the amount in capitals.
    page.get_by_role("link", name="打印捐赠证书").click()
    expect(page.get_by_role("heading", name="捐赠证书")).to_be_visible()
    expect(page.get_by_text("人民币（大写）：叁仟贰佰陆拾元整")).to_be_visible()
    shot(page, "market-certificate-zh-desktop")
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="打印")).to_be_hidden()
    shot(page, "market-certificate-print")
    page.emulate_media(media="screen")

    # This month's points.
    page.get_by_role("link", name="月度积分").click()
    page.get_by_role("button", name=re.compile("向 1 户发放")).click()
    expect(page.get_by_text("已为 1 户发放积分，合计 120 分")).to_be_visible()
    shot(page, "market-allowance-zh-desktop")

    # The counter: find the card by its number, fill the basket, watch the total, confirm.
    page.get_by_role("link", name="兑换柜台").click()
    page.get_by_label("爱心卡号").fill(household.card_no.lower())
    page.get_by_role("button", name="查找", exact=True).click()
    expect(page.get_by_text("王秀英")).to_be_visible()
    page.wait_for_load_state()  # htmx is ready to send the live total
    page.get_by_label("大米（5公斤）").fill("2")
    expect(page.locator("[data-basket-total]")).to_have_text("60 积分")
    shot(page, "market-counter-zh-desktop")
    page.get_by_role("button", name="确认兑换").click()
    expect(page.get_by_text("兑换成功，共 60 积分")).to_be_visible()
    expect(page.get_by_text("领取人签名", exact=True)).to_be_visible()
    shot(page, "market-slip-zh-desktop")
    page.emulate_media(media="print")
    shot(page, "market-slip-print")
    page.emulate_media(media="screen")

    # A basket over the balance cannot be confirmed, and says why beside the button.
    page.get_by_role("link", name="下一张卡").click()
    page.get_by_label("爱心卡号").fill(household.card_no)
    page.get_by_label("爱心卡号").press("Enter")
    page.wait_for_load_state()
    page.get_by_label("大米（5公斤）").fill("3")
    confirm = page.get_by_role("button", name="确认兑换")
    expect(confirm).to_be_disabled()
    expect(confirm).to_have_accessible_description(re.compile("兑换清单比卡内积分多出 30 分"))
    shot(page, "market-counter-over-balance-zh-desktop")
    page.get_by_label("大米（5公斤）").fill("2")
    expect(confirm).to_be_enabled()
    page.get_by_label("大米（5公斤）").fill("3")
    expect(confirm).to_be_disabled()
    for viewport, size in ((PHONE, "phone"), (DESKTOP, "desktop")):
        for language in ("zh", "en"):
            other = new_page(viewport)
            log_in(other, staff.username)
            if language == "en":
                other.get_by_role("button", name="English").click()
            other.goto(f"/market/counter/{household.card_no}")
            other.wait_for_load_state()
            other.locator(f"#qty-{rice.id}").fill("3")
            expect(other.locator("#basket-over")).to_be_visible()
            shot(other, f"market-counter-over-balance-{language}-{size}")
            slip = market.models.Redemption.select().first()
            other.goto(f"/market/redemptions/{slip.id}")
            shot(other, f"market-slip-{language}-{size}")
            if language == "en":
                expect(other.get_by_text(f"Served by: {staff.name}")).to_be_visible()
                other.get_by_role("button", name="中文").click()  # the account's language again
                expect(other.get_by_role("button", name="退出")).to_be_visible()
            else:
                expect(other.get_by_text(f"经办人：{staff.name}")).to_be_visible()
    assert market.points_balance(household.id) == 60
    assert dict((item.id, n) for item, n in market.stock_levels())[rice.id] == 18

    # The public notice, as a guest: the donor is thanked, no household is identifiable.
    for viewport, size in ((DESKTOP, "desktop"), (PHONE, "phone")):
        guest = new_page(viewport)
        guest.goto("/")
        guest.get_by_role("link", name="爱心超市公示").click()
        expect(guest.get_by_role("heading", name=re.compile("爱心超市公示"))).to_be_visible()
        expect(guest.get_by_role("cell", name="绿地建设集团")).to_be_visible()
        expect(guest.get_by_role("img", name="每月收到的捐赠")).to_be_visible()
        body = guest.locator("body").inner_text()
        for private in ("王秀英", "13800002001", "广中路100弄", household.card_no):
            assert private not in body
        shot(guest, f"market-disclosure-zh-{size}")
        guest.get_by_role("button", name="English").click()
        expect(
            guest.get_by_role("heading", name=re.compile("Love supermarket notice"))
        ).to_be_visible()
        shot(guest, f"market-disclosure-en-{size}")


def test_volunteer_passbook_at_the_counter(new_page, shot, make_user):
    """A volunteer's passbook number at the counter: the basket debits the passbook's earned
    points, the slip names the passbook holder, and the passbook page shows the entries."""
    staff = make_user(role="staff", name="王晓红")
    rice = market.save_item(
        name="大米（5公斤）",
        category="grain_oil",
        unit="袋",
        points_price=30,
        reference_value=4500,
        low_stock_threshold=5,
        active=True,
    )
    market.record_donation("enterprise", "绿地建设集团", local_today(), lines=[(rice.id, 10, 4500)])
    passbook = market.open_passbook("李志愿", "13900139077")
    market.earn_points(passbook.id, 50, "hours:e2e", "敬老院志愿服务 5 小时")
    page = new_page(DESKTOP)
    log_in(page, staff.username)
    page.goto("/market/counter")
    page.get_by_label("爱心卡号或存折号").fill("zy0001")
    page.get_by_role("button", name="查找", exact=True).click()
    expect(page.get_by_role("heading", name="兑换柜台 · ZY0001")).to_be_visible()
    expect(page.get_by_role("link", name="李志愿")).to_be_visible()
    page.wait_for_load_state()
    page.get_by_label("大米（5公斤）").fill("2")
    confirm = page.get_by_role("button", name="确认兑换")
    expect(confirm).to_be_disabled()  # 60 points, the passbook holds 50
    expect(confirm).to_have_accessible_description(re.compile("比存折积分多需 10 分"))
    page.get_by_label("大米（5公斤）").fill("1")
    expect(page.locator("[data-basket-total]")).to_have_text("30 积分")
    expect(confirm).to_be_enabled()
    confirm.click()
    expect(page.get_by_text("爱心存折：ZY0001（李*愿）")).to_be_visible()
    expect(page.get_by_text("存折剩余积分：20")).to_be_visible()
    shot(page, "market-passbook-slip-zh-desktop")
    assert market.passbook_balance(passbook.id) == 20
    page.get_by_role("link", name="爱心存折").first.click()
    page.get_by_role("link", name="ZY0001").click()
    expect(page.locator("[data-passbook-balance]")).to_have_text("20")
    expect(page.get_by_text("敬老院志愿服务 5 小时")).to_be_visible()
    for viewport, size in ((PHONE, "phone"), (DESKTOP, "desktop")):
        for language in ("zh", "en"):
            other = new_page(viewport)
            log_in(other, staff.username)
            if language == "en":
                other.get_by_role("button", name="English").click()
            other.goto(f"/market/counter/{passbook.passbook_no}")
            other.wait_for_load_state()
            other.locator(f"#qty-{rice.id}").fill("1")
            expect(other.locator("[data-basket-total]")).to_have_text(
                "30 points" if language == "en" else "30 积分"
            )
            shot(other, f"market-passbook-counter-{language}-{size}")
            other.goto(f"/market/passbooks/{passbook.id}")
            expect(other.locator("[data-passbook-balance]")).to_have_text("20")
            shot(other, f"market-passbook-{language}-{size}")
            if language == "en":
                expect(
                    other.get_by_role("heading", name="Volunteer passbook ZY0001")
                ).to_be_visible()
                other.get_by_role("button", name="中文").click()  # the account's language again
                expect(other.get_by_role("button", name="退出")).to_be_visible()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_staff_pages_with_demo_data(demo_data, new_page, shot, viewport):
    size = "desktop" if viewport is DESKTOP else "phone"
    demo.seed()
    page = new_page(viewport)
    log_in(page, "staff", "demo-staff-1")
    shot(page, f"market-dashboard-zh-{size}")
    pages = [
        ("/market/", "home"),
        ("/market/items", "items"),
        ("/market/items/1", "item"),
        ("/market/donations", "donations"),
        ("/market/donors", "donors"),
        ("/market/households", "households"),
        ("/market/households/1", "household"),
        ("/market/households/1/card", "card"),
        ("/market/allowance", "allowance"),
        ("/market/cash", "cash"),
        ("/market/reports", "report"),
        ("/market/counter/GZ00002", "counter"),
        ("/market/stock/count", "count"),
        ("/market/settings", "settings"),
    ]
    for url, name in pages:
        page.goto(url)
        expect(page.locator("h1").first).to_be_visible()
        shot(page, f"market-{name}-zh-{size}")
    page.goto("/market/reports")
    page.get_by_role("button", name="English").click()
    expect(
        page.get_by_role("heading", name=re.compile("Love supermarket monthly report"))
    ).to_be_visible()
    shot(page, f"market-report-en-{size}")
    page.goto("/market/")
    expect(page.get_by_role("heading", name="Today at the counter")).to_be_visible()
    shot(page, f"market-home-en-{size}")
    if viewport is DESKTOP:
        page.emulate_media(media="print")
        page.goto("/market/reports")
        shot(page, "market-report-print")
        page.goto("/market/households/1/card")
        shot(page, "market-card-print")


def test_kiosk_reads_the_public_notice(demo_data, new_page, shot):
    demo.seed()
    page = new_page(KIOSK)
    log_in(page, "kiosk", "demo-kiosk-1")
    page.goto("/market/disclosure")
    expect(page.get_by_role("link", name="返回首页")).to_be_visible()
    body = page.locator("body").inner_text()
    assert "GZ000" not in body and "1380000" not in body
    shot(page, "market-disclosure-zh-kiosk")
    page.goto("/market/households")
    expect(page.get_by_role("heading", name="无权访问")).to_be_visible()
