"""The cached public pages in Chromium (views/caching.py): a guest's browser revalidates the
page (304 while nothing changed), a registration made elsewhere is on the next load, the
seats panel's polling follows it, each language and viewer has its own page — zh and en,
phone and desktop, with screenshots."""

import pytest
from playwright.sync_api import expect

from db.events import registrations
from tests.e2e.conftest import DESKTOP, PHONE, wait_for_htmx
from tests.events_support import guest, new_event

pytestmark = [pytest.mark.browser, pytest.mark.live]


@pytest.fixture
def caching_page(browser, server):
    """A page whose browser cache works: Playwright switches the HTTP cache off in a context
    that routes requests (new_page blocks other hosts that way), so this one only watches
    that every request goes to the server, and the test fails on any other."""
    contexts, elsewhere = [], []

    def factory(viewport):
        context = browser.new_context(base_url=server.url, viewport=viewport, locale="zh-CN")
        context.set_default_timeout(10_000)
        context.on(
            "request",
            lambda r: None if r.url.startswith(server.url) else elsewhere.append(r.url),
        )
        contexts.append(context)
        return context.new_page()

    yield factory
    for context in contexts:
        context.close()
    assert not elsewhere, f"requests to another host: {elsewhere}"


def validators(page, path):
    """(status, If-None-Match sent) of each answer for `path`, as the browser got them."""
    seen = []

    def record(response):
        if response.url.endswith(path):
            seen.append((response.status, response.request.all_headers().get("if-none-match")))

    page.on("response", record)
    return seen


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_guest_sees_a_registration_made_elsewhere_on_the_next_load(
    caching_page, new_page, shot, viewport
):
    size = "desktop" if viewport is DESKTOP else "phone"
    event = new_event(seats=10, title="缓存测试论坛")
    page = caching_page(viewport)
    path = f"/events/{event.id}"
    seen = validators(page, path)
    for _ in range(3):  # the first answer sets the session cookie the next ones vary on
        page.goto(path)
        expect(page.get_by_text("剩余 10 个名额（共 10 个）")).to_be_visible()
    # Nothing changed: the browser asked with its copy's ETag and was told to keep it.
    assert seen[0] == (200, None) and any(etag for _, etag in seen[1:]), seen
    shot(page, f"page-cache-event-zh-{size}")

    other = new_page(viewport)  # someone else registers through the form
    other.goto(f"{path}/register")
    other.get_by_label("姓名").fill("钱晓红")
    other.get_by_label("手机号").fill("13800005678")
    other.get_by_label("企业").fill("绿地建设集团")
    other.get_by_label("职务").fill("经理")
    other.get_by_label("我已阅读隐私声明").check()
    other.get_by_role("button", name="提交报名").click()
    expect(other.get_by_role("heading", name="报名成功", exact=True)).to_be_visible()

    page.goto(path)  # revalidated: a new ETag, the new page
    expect(page.get_by_text("剩余 9 个名额（共 10 个）")).to_be_visible()
    page.goto("/events")
    expect(page.get_by_text("剩余 9 个名额（共 10 个）")).to_be_visible()
    shot(page, f"page-cache-list-zh-{size}")


def test_the_seats_panel_polls_through_the_cache(new_page):
    event = new_event(seats=3, title="轮询论坛")
    page = new_page(PHONE)
    page.goto(f"/events/{event.id}")
    wait_for_htmx(page)
    expect(page.get_by_text("剩余 3 个名额（共 3 个）")).to_be_visible()
    registrations.register(event.id, guest(1))
    expect(page.get_by_text("剩余 2 个名额（共 3 个）")).to_be_visible(timeout=20_000)


def test_english_and_chinese_pages_are_each_their_own(new_page, shot):
    event = new_event(seats=5, title="双语论坛")
    page = new_page(DESKTOP, locale="en-US")
    page.goto(f"/events/{event.id}")
    expect(page.get_by_text("剩余 5 个名额（共 5 个）")).to_be_visible()
    page.get_by_role("button", name="English").click()
    expect(page.get_by_text("5 of 5 seats left")).to_be_visible()
    page.goto("/events")
    expect(page.get_by_text("5 of 5 seats left")).to_be_visible()
    shot(page, "page-cache-list-en-desktop")
    chinese = new_page(PHONE)
    chinese.goto("/events")
    expect(chinese.get_by_text("剩余 5 个名额（共 5 个）")).to_be_visible()
    expect(chinese.get_by_text("5 of 5 seats left")).to_have_count(0)
    page.get_by_role("button", name="中文").click()
    expect(page.get_by_text("剩余 5 个名额（共 5 个）")).to_be_visible()
    shot(page, "page-cache-list-zh-after-en-desktop")
