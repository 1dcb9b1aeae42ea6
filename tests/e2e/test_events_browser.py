"""Events in Chromium: a guest registers and cancels, the waiting list moves, staff run an
event at the door, an entrepreneur follows their registrations — phone and desktop, zh and en."""

import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from db.events import Registration, registrations
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import DESKTOP, PHONE, wait_for_htmx
from tests.events_support import guest, new_event

pytestmark = [pytest.mark.browser, pytest.mark.live]

VIEWPORTS = [DESKTOP, PHONE]
SIZE_IDS = ["desktop", "phone"]


def size_of(viewport):
    return "desktop" if viewport is DESKTOP else "phone"


def log_in(page, username, password=TEST_PASSWORD, language="zh"):
    """Log in through the form."""
    page.goto("/login")
    if language == "en":
        page.get_by_role("button", name="English").click()
        page.get_by_label("Mobile number or username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").last.click()
    else:
        page.get_by_label("手机号或用户名").fill(username)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录").last.click()


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=SIZE_IDS)
def test_guest_registers_sees_code_and_qr_opens_private_link_and_cancels(new_page, shot, viewport):
    size = size_of(viewport)
    new_event(
        seats=30,
        title="中广党建论坛",
        description="议程：\n1. 致辞\n2. 经验分享",
        questions=[
            dict(label="关注议题", kind="choice", choices="党建引领\n人才服务", required=True)
        ],
    )
    page = new_page(viewport)
    page.goto("/")
    page.get_by_role("link", name="中广党建论坛").first.click()
    expect(page.get_by_role("heading", name="中广党建论坛")).to_be_visible()
    expect(page.get_by_text("剩余 30 个名额（共 30 个）")).to_be_visible()
    shot(page, f"events-detail-zh-{size}")
    page.get_by_role("link", name="报名").last.click()

    # A mistake first: the errors are shown next to the fields.
    page.get_by_label("姓名").fill("赵晓明")
    page.get_by_label("手机号").fill("1380000")
    page.get_by_role("button", name="提交报名").click()
    expect(page.get_by_role("heading", name="请修改以下问题")).to_be_visible()
    shot(page, f"events-register-errors-zh-{size}")

    page.get_by_label("手机号").fill("13800001234")
    page.get_by_label("企业").fill("绿地建设集团")
    page.get_by_label("职务").fill("党支部书记")
    page.get_by_label("人才服务").check()
    page.get_by_label("我已阅读隐私声明").check()
    page.get_by_role("button", name="提交报名").click()

    expect(page.get_by_role("heading", name="报名成功", exact=True)).to_be_visible()
    registration = Registration.get(Registration.mobile == "13800001234")
    expect(page.get_by_label("报名码")).to_have_text(registration.code)
    expect(page.locator("svg.qr")).to_be_visible()
    assert "13800001234" not in page.url and registration.token in page.url
    shot(page, f"events-outcome-zh-{size}")

    # The private link opens the registration on another device, without signing in.
    link = page.get_by_role("textbox", name="专属链接").input_value()
    other = new_page(viewport)
    other.goto(link)
    expect(other.get_by_role("heading", name="报名成功", exact=True)).to_be_visible()
    other.get_by_text("修改报名信息").click()
    other.get_by_label("职务").fill("党委副书记")
    other.get_by_role("button", name="保存我的信息").click()
    expect(other.get_by_text("您的信息已保存。")).to_be_visible()
    other.once("dialog", lambda dialog: dialog.accept())
    other.get_by_role("button", name="取消我的报名").click()
    expect(other.get_by_role("heading", name="此报名已取消")).to_be_visible()
    shot(other, f"events-cancelled-zh-{size}")
    saved = Registration.get_by_id(registration.id)
    assert saved.status == "cancelled" and saved.position == "党委副书记"


def test_full_event_waiting_list_then_promotion_in_english(new_page, shot):
    event = new_event(seats=1, title="Economic Report Meeting")
    first = registrations.register(event.id, guest(1))[0]
    page = new_page(DESKTOP, locale="en-US")
    page.goto(f"/events/{event.id}")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_text("Full: new registrations join the waiting list")).to_be_visible()
    page.get_by_role("link", name="Join the waiting list").click()
    page.get_by_label("Name").fill("Ann Lee")
    page.get_by_label("Mobile number").fill("13800004321")
    page.get_by_label("Enterprise").fill("Baohua Group")
    page.get_by_label("Position").fill("HR Director")
    page.get_by_label("I have read the privacy notice").check()
    page.get_by_role("button", name="Submit registration").click()
    expect(page.get_by_role("heading", name="You are on the waiting list")).to_be_visible()
    expect(page.get_by_text("Number 1 on the waiting list")).to_be_visible()
    shot(page, "events-waiting-en-desktop")

    registrations.cancel(first)  # a seat frees: the head of the list is promoted at once
    page.reload()
    expect(page.get_by_role("heading", name="You are registered")).to_be_visible()
    shot(page, "events-promoted-en-desktop")


def test_seats_left_refresh_without_reloading(new_page):
    event = new_event(seats=10, title="中广企业家论坛")
    page = new_page(PHONE)
    # The panel polls every 15 s; the page's clock is moved on instead of waiting for it.
    page.clock.install()
    page.goto(f"/events/{event.id}")
    expect(page.get_by_text("剩余 10 个名额（共 10 个）")).to_be_visible()
    wait_for_htmx(page)
    registrations.register(event.id, guest(1))
    page.clock.fast_forward("00:16")
    expect(page.get_by_text("剩余 9 个名额（共 10 个）")).to_be_visible()


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=SIZE_IDS)
def test_staff_create_event_check_in_by_search_and_code_and_export(
    new_page, shot, make_user, viewport
):
    size = size_of(viewport)
    staff = make_user(role="staff")
    page = new_page(viewport)
    log_in(page, staff.username)
    page.get_by_role("link", name="活动管理").first.click()
    page.get_by_role("link", name="新建活动").click()
    page.get_by_label("类型").select_option("report")
    page.get_by_label("标题").fill("经济时事报告会")
    page.get_by_label("活动介绍").fill("专家解读宏观形势。\n现场设提问环节。")
    page.get_by_label("地点").fill("二楼会议室")
    page.get_by_label("开始时间").fill("2030-05-20T14:00")
    page.get_by_label("结束时间").fill("2030-05-20T16:00")
    page.get_by_label("名额").fill("40")
    page.get_by_label("问题内容").first.fill("想问专家的问题")
    shot(page, f"events-staff-new-zh-{size}")
    page.get_by_role("button", name="保存为草稿").click()
    expect(page.get_by_text("草稿已保存")).to_be_visible()
    page.get_by_role("button", name="发布").click()
    expect(page.get_by_text("已发布：在报名时间内开放报名。")).to_be_visible()

    from db.events import Event

    event = Event.get(Event.title == "经济时事报告会")
    people = [registrations.register(event.id, guest(n))[0] for n in range(1, 6)]
    page.reload()
    expect(page.get_by_text("共 5 条报名")).to_be_visible()
    page.wait_for_load_state()
    page.get_by_label("搜索").fill("嘉宾3")
    expect(page.locator("#rows tr")).to_have_count(1)
    shot(page, f"events-staff-registrations-zh-{size}")

    page.get_by_role("link", name="现场签到").click()
    expect(page.get_by_role("heading", name="现场签到")).to_be_visible()
    page.wait_for_load_state()  # htmx is listening before we type
    page.get_by_label("姓名、手机尾号、企业或报名码").fill("嘉宾2")
    page.get_by_role("button", name="签到 嘉宾2").click()
    expect(page.get_by_role("button", name="撤销 嘉宾2")).to_be_visible()
    page.get_by_role("textbox", name="报名码", exact=True).fill(people[3].code.lower())
    page.get_by_role("textbox", name="报名码", exact=True).press("Enter")
    expect(page.get_by_text("签到成功：嘉宾4。")).to_be_visible()
    expect(page.locator(".counts__item", has_text="已签到").locator("dd")).to_have_text("2")
    shot(page, f"events-door-zh-{size}")
    assert Registration.get_by_id(people[1].id).checked_in_at is not None
    assert Registration.get_by_id(people[3].id).checked_in_at is not None

    # Someone arrives without registering: the event's question is offered, never required.
    page.get_by_role("link", name="现场补录").click()
    page.get_by_label("姓名").fill("临时来宾")
    page.get_by_label("手机号").fill("13800009999")
    expect(page.get_by_label("想问专家的问题（选填）")).to_be_visible()
    page.get_by_label("想问专家的问题（选填）").fill("明年的政策走向")
    page.get_by_label("本人已阅读隐私声明").check()
    shot(page, f"events-walk-in-zh-{size}")
    page.get_by_role("button", name="添加并签到").click()
    expect(page.get_by_text("已添加 临时来宾 并完成签到")).to_be_visible()
    walk_in = Registration.get(Registration.mobile == "13800009999")
    assert walk_in.checked_in_at is not None and walk_in.source == "walk_in"
    assert [answer.value for answer in walk_in.answers] == ["明年的政策走向"]

    page.get_by_role("link", name="经济时事报告会").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="导出 XLSX").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read())).active
    names = [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(names) == sorted([f"嘉宾{n}" for n in range(1, 6)] + ["临时来宾"])
    assert sheet.cell(row=1, column=sheet.max_column).value == "想问专家的问题"


def test_registrations_table_is_one_form_with_and_without_javascript(
    new_page, browser, server, shot, make_user
):
    """The table's buttons post its one form: with htmx each answer replaces its own row
    (the counts follow), Enter in a reason field submits nothing, cancelling asks first;
    without JavaScript the form posts and the list comes back with the outcome."""
    staff = make_user(role="staff")
    event = new_event(seats=3, approval=True, title="联建企业沙龙")
    people = [registrations.register(event.id, guest(n))[0] for n in range(1, 5)]
    page = new_page(DESKTOP)
    log_in(page, staff.username)
    page.goto(f"/manage/events/{event.id}")
    wait_for_htmx(page)
    page.get_by_role("button", name="通过 嘉宾1").click()
    expect(page.get_by_role("button", name="签到 嘉宾1")).to_be_visible()
    page.get_by_role("button", name="签到 嘉宾1").click()
    expect(page.get_by_role("button", name="撤销签到 嘉宾1")).to_be_visible()
    expect(page.locator(".counts__item", has_text="已签到").locator("dd")).to_have_text("1")
    # Rejecting: the reason typed beside the row; Enter alone submits nothing.
    second = page.locator(f"#registration-{people[1].id}")
    second.get_by_text("更多").click()
    second.get_by_label("不通过的原因").fill("不属于本次活动的邀请对象")
    second.get_by_label("不通过的原因").press("Enter")
    page.wait_for_timeout(500)
    assert Registration.get_by_id(people[1].id).status == "pending"
    shot(page, "events-staff-one-form-reject-zh-desktop")
    second.get_by_role("button", name="不通过").click()
    expect(second.get_by_text("未通过", exact=True)).to_be_visible()
    rejected = Registration.get_by_id(people[1].id)
    assert rejected.status == "rejected" and rejected.reason == "不属于本次活动的邀请对象"
    # Cancelling asks first: dismissed, nothing happens.
    third = page.locator(f"#registration-{people[2].id}")
    third.get_by_text("更多").click()
    page.once("dialog", lambda dialog: dialog.dismiss())
    third.get_by_role("button", name="取消报名").click()
    page.wait_for_timeout(500)
    assert Registration.get_by_id(people[2].id).status == "pending"
    page.once("dialog", lambda dialog: dialog.accept())
    third.get_by_role("button", name="取消报名").click()
    expect(third.get_by_text("已取消", exact=True)).to_be_visible()
    assert Registration.get_by_id(people[1].id).status == "rejected"  # only its own row
    assert Registration.get_by_id(people[0].id).checked_in_at is not None
    shot(page, "events-staff-one-form-zh-desktop")

    # Without JavaScript, in English: the form posts, the list comes back with the outcome.
    context = browser.new_context(
        base_url=server.url, viewport=PHONE, locale="en", java_script_enabled=False
    )
    plain = context.new_page()
    log_in(plain, staff.username, language="en")
    plain.goto(f"/manage/events/{event.id}")
    plain.get_by_role("button", name="Approve 嘉宾4").click()
    expect(plain.get_by_text("Confirmed").first).to_be_visible()
    plain.get_by_role("button", name="Check in 嘉宾4").click()
    expect(plain.get_by_text("Checked in.")).to_be_visible()
    expect(plain.get_by_role("button", name="Undo check-in 嘉宾4")).to_be_visible()
    shot(plain, "events-staff-one-form-no-js-en-phone")
    assert Registration.get_by_id(people[3].id).checked_in_at is not None
    context.close()


def test_sign_in_sheet_prints_on_a4(new_page, shot, make_user):
    staff = make_user(role="staff")
    event = new_event(seats=10, title="企业党建联建促进会年会")
    for n in range(1, 8):
        registrations.register(event.id, guest(n))
    page = new_page(DESKTOP)
    log_in(page, staff.username)
    page.goto(f"/manage/events/{event.id}/sign-in-sheet")
    expect(page.get_by_role("columnheader", name="签名")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    shot(page, "events-sign-in-sheet-print-zh")
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")


@pytest.mark.parametrize(
    ("viewport", "language"),
    [(PHONE, "zh"), (DESKTOP, "en")],
    ids=["phone-zh", "desktop-en"],
)
def test_entrepreneur_registers_in_one_step_and_sees_my_registrations(
    new_page, shot, make_user, viewport, language
):
    size = size_of(viewport)
    user = make_user(role="entrepreneur", name="李建国", position="总经理")
    event = new_event(seats=20, title="中广企业家论坛", starts_in=timedelta(days=3))
    waiting_event = new_event(seats=1, title="经济时事报告会")
    registrations.register(waiting_event.id, guest(1))
    page = new_page(viewport)
    log_in(page, user.username, language=language)
    english = language == "en"
    page.goto(f"/events/{event.id}/register")
    expect(page.get_by_text(user.mobile)).to_be_visible()
    page.get_by_label(re.compile("I have read the privacy notice|我已阅读隐私声明")).check()
    shot(page, f"events-account-register-{language}-{size}")
    page.get_by_role("button", name="Confirm registration" if english else "确认报名").click()
    expect(
        page.get_by_role(
            "heading", name="You are registered" if english else "报名成功", exact=True
        )
    ).to_be_visible()
    page.goto(f"/events/{waiting_event.id}/register")
    page.get_by_role("button", name="Confirm registration" if english else "确认报名").click()
    page.get_by_role("link", name="My registrations" if english else "我的报名").first.click()
    expect(
        page.get_by_role("heading", name="My registrations" if english else "我的报名")
    ).to_be_visible()
    expect(page.get_by_role("link", name="中广企业家论坛").first).to_be_visible()
    expect(
        page.get_by_text("Number 1 on the waiting list" if english else "候补第 1 位")
    ).to_be_visible()
    shot(page, f"events-my-registrations-{language}-{size}")
    page.get_by_role("link", name="My notices" if english else "我的通知").first.click()
    expect(page.get_by_text("中广企业家论坛").first).to_be_visible()
    shot(page, f"events-my-notices-{language}-{size}")


def test_demo_events_pages_in_both_languages(demo_data, new_page, shot):
    from db import demo

    demo.seed()
    page = new_page(DESKTOP)
    page.goto("/")
    expect(page.get_by_role("heading", name="论坛与活动")).to_be_visible()
    shot(page, "events-home-zh-desktop")
    page.get_by_role("link", name="论坛活动").first.click()
    expect(page.get_by_text("名额已满：新报名进入候补")).to_be_visible()
    shot(page, "events-list-zh-desktop")
    page.get_by_role("link", name="往期活动").click()
    expect(page.get_by_role("link", name="中广党建论坛（2026年度）")).to_be_visible()
    page.get_by_role("button", name="English").click()
    shot(page, "events-archive-en-desktop")
    page.get_by_role("link", name="Upcoming events").click()
    shot(page, "events-list-en-desktop")
    log_in(page, "staff", "demo-staff-1", language="en")
    expect(page.get_by_role("heading", name="Today", exact=True)).to_be_visible()
    shot(page, "events-dashboard-en-desktop")
    page.get_by_role("link", name="Manage events").first.click()
    shot(page, "events-manage-list-en-desktop")
    page.get_by_role("link", name="Attendance figures").click()
    expect(page.get_by_role("cell", name="绿地建设集团").first).to_be_visible()
    shot(page, "events-attendance-en-desktop")
    page.get_by_role("link", name="Manage events").first.click()
    page.get_by_role("link", name="企业党建联建促进会年会").first.click()
    expect(page.get_by_role("heading", name="Registrations")).to_be_visible()
    page.wait_for_load_state()
    page.get_by_label("Status").select_option("pending")
    expect(page.get_by_text("7 registrations")).to_be_visible()
    expect(page.get_by_text("Awaiting review").first).to_be_visible()
    shot(page, "events-manage-pending-en-desktop")
    page.get_by_role("button", name="中文").click()
    phone = new_page(PHONE)
    log_in(phone, "staff", "demo-staff-1")
    phone.get_by_role("link", name="现场签到").first.click()
    expect(phone.get_by_role("heading", name="现场签到")).to_be_visible()
    shot(phone, "events-door-demo-zh-phone")
