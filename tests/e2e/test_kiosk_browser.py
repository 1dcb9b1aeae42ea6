"""The kiosk in Chromium at 1080×1920 portrait and 1920×1080: check in by code and by mobile
on the keypad, an unknown code, a walk-in registration, a course sign-in, idle reset, a staff
page refused; no 11-digit number or full name on any screen; axe-core finds no violations."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from db.base import utcnow
from db.events import registrations
from tests.e2e.conftest import DESKTOP, KIOSK, SCREENSHOTS, wait_for_htmx
from tests.events_support import guest, later_today, new_event
from tests.training_helpers import add_session, make_application, make_course

pytestmark = [pytest.mark.browser, pytest.mark.live]
LANDSCAPE = {"width": 1920, "height": 1080}
ELEVEN_DIGITS = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
FULL_NAMES = ("张晓明", "钱多多", "周学员")


def sign_in_kiosk(page, password):
    """Staff sign the kiosk account in once; the browser then shows the start screen."""
    page.goto("/login")
    page.get_by_label("手机号或用户名").fill("kiosk-hall")
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").last.click()
    expect(page).to_have_url(re.compile(r"/kiosk/$"))
    wait_for_htmx(page)


def assert_screen_private(page):
    """No full mobile number or full name in the text, in any field or in the URL."""
    text = page.locator("body").inner_text()
    values = " ".join(
        page.evaluate(
            "() => Array.from(document.querySelectorAll('input:not([type=hidden]), textarea'))"
            ".map(e => e.value)"
        )
    )
    for where, content in (("text", text), ("a field", values), ("the URL", page.url)):
        assert not ELEVEN_DIGITS.search(content), f"a full mobile number in {where} on {page.url}"
        for name in FULL_NAMES:
            assert name not in content, f"a full name in {where} on {page.url}"


SIZES_SCRIPT = """() => {
  const shown = e => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
  const small = [], tiny = [];
  for (const e of document.querySelectorAll('body *')) {
    if (!shown(e) || (e.closest('svg') && e.tagName !== 'text')) continue;
    const hasText = Array.from(e.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
    // SVG text is drawn in the chart's own units: its size on screen is scaled by the chart
    // (the length of the transform's x axis, so rotated text counts too).
    const ctm = e.tagName === 'text' ? e.getScreenCTM() : null;
    const scale = ctm ? Math.hypot(ctm.a, ctm.b) : 1;
    const size = Math.round(parseFloat(getComputedStyle(e).fontSize) * scale * 10) / 10;
    if (hasText && size < 24) small.push(`${e.tagName}.${e.className} ${size}px`);
    if (e.matches('a, button, select, input:not([type=hidden]), textarea')) {
      const box = e.getBoundingClientRect();
      if (box.height < 64 || box.width < 64) tiny.push(`${e.tagName}#${e.id}.${e.className}`);
    }
  }
  return {small, tiny};
}"""


def assert_kiosk_sizes(page):
    """Every text at least 24 px, every touch target at least 64 px both ways."""
    found = page.evaluate(SIZES_SCRIPT)
    assert not found["small"], f"text under 24 px on {page.url}: {found['small'][:5]}"
    assert not found["tiny"], f"touch targets under 64 px on {page.url}: {found['tiny'][:5]}"


@pytest.fixture
def screen(shot, axe_check):
    """screen(page, name): axe, text and target sizes, privacy, then a screenshot."""

    def check(page, name, sizes=True):
        wait_for_htmx(page)
        # No request under way: the screen looked at is the one that was asked for.
        page.wait_for_function(
            "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
        )
        axe_check(page)
        assert_screen_private(page)
        if sizes:
            assert_kiosk_sizes(page)
        return shot(page, name)

    return check


def start_heading(page, language="zh"):
    name = "欢迎来到服务大厅" if language == "zh" else "Welcome to the service hall"
    return page.get_by_role("heading", name=name)


def type_on_keypad(page, digits):
    for digit in digits:
        page.locator(".keypad__key", has_text=re.compile(f"^{digit}$")).first.click()


@pytest.fixture
def scene(make_user):
    """Today's report meeting with a registration, a salon this week, a course in session."""
    from tests.conftest import TEST_PASSWORD

    make_user(role="kiosk", username="kiosk-hall")
    make_user(role="staff", username="staff-hall")
    today = new_event(
        seats=30, starts_in=later_today(timedelta(minutes=20)), title="经济时事报告会"
    )
    new_event(seats=1, starts_in=timedelta(days=2), title="企业家沙龙")
    registration, _ = registrations.register(today.id, guest(1, name="张晓明"))
    registrations.register(today.id, guest(2, name="李思"))
    student = make_user(role="entrepreneur", name="周学员", mobile="13800018001")
    course = make_course(sessions=0, title="高级职业经理人研修班")
    session = add_session(course, utcnow() - timedelta(minutes=5), hours=2, topic="战略管理")
    make_application(course, student, status="approved")
    make_course(title="中国注册高级商务策划师培训班")  # open for applications
    return dict(code=registration.code, session_code=session.code, password=TEST_PASSWORD)


def test_kiosk_portrait_every_screen(new_page, screen, shot, scene):
    page = new_page(KIOSK)
    sign_in_kiosk(page, scene["password"])
    expect(start_heading(page)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollHeight <= window.innerHeight")
    screen(page, "kiosk-start-zh-portrait")

    # Check in by code: a scanner types the code and Enter.
    page.get_by_role("link", name=re.compile("^签到")).click()
    code_field = page.get_by_label("报名码")
    expect(code_field).to_be_focused()
    screen(page, "kiosk-check-in-zh-portrait")
    code_field.fill("ZZZZ2222")
    code_field.press("Enter")
    expect(page.get_by_text("没有找到这个报名码")).to_be_visible()
    expect(page.get_by_label("报名码")).to_have_value("")
    screen(page, "kiosk-check-in-unknown-zh-portrait")
    page.get_by_label("报名码").fill(scene["code"])
    page.get_by_label("报名码").press("Enter")
    expect(page.get_by_text("签到成功，欢迎您，张*明！")).to_be_visible()
    screen(page, "kiosk-checked-in-zh-portrait")
    expect(start_heading(page)).to_be_visible(timeout=10_000)  # back to start by itself

    # Check in by mobile on the on-screen keypad: an unknown one, then a registered one.
    page.get_by_role("link", name=re.compile("^签到")).click()
    page.get_by_role("link", name="用手机号签到").click()
    type_on_keypad(page, "13800019999")
    page.get_by_role("button", name="查找我的报名").click()
    expect(page.get_by_text("没有找到该手机号今天的报名")).to_be_visible()
    expect(page.get_by_label("手机号")).to_have_value("")
    screen(page, "kiosk-check-in-mobile-refused-zh-portrait")
    type_on_keypad(page, "13800010002")
    shot(page, "kiosk-keypad-zh-portrait")
    page.get_by_role("button", name="查找我的报名").click()
    expect(page.get_by_text("138****0002")).to_be_visible()
    screen(page, "kiosk-check-in-mobile-results-zh-portrait")
    page.get_by_role("button", name="签到此活动").click()
    expect(page.get_by_text("签到成功，欢迎您，李*！")).to_be_visible()
    assert_screen_private(page)
    page.get_by_role("link", name="返回首页").click()
    # Back never shows the previous person's data.
    page.go_back()
    page.wait_for_load_state()
    assert "138****0002" not in page.locator("body").inner_text()
    assert_screen_private(page)
    page.goto("/kiosk/")

    # Register on the spot.
    page.get_by_role("link", name=re.compile("^报名")).click()
    expect(page.get_by_role("heading", name="活动报名")).to_be_visible()
    screen(page, "kiosk-register-choose-zh-portrait")
    page.get_by_role("listitem").filter(has_text="企业家沙龙").get_by_role("link").click()
    screen(page, "kiosk-register-form-zh-portrait")
    page.get_by_label("姓名").fill("钱多多")
    type_on_keypad(page, "13800017001")
    page.get_by_label("我同意").check()
    page.get_by_role("button", name="提交报名").click()
    expect(page.locator("#enterprise-error")).to_have_text("请填写此项。")  # no enterprise yet
    shot(page, "kiosk-register-form-error-zh-portrait")
    page.get_by_label("企业", exact=True).fill("宝华集团")
    page.get_by_role("button", name="提交报名").click()
    expect(page.get_by_text("报名成功，已为您保留座位。")).to_be_visible()
    expect(page.locator(".kiosk-qr svg")).to_be_visible()
    screen(page, "kiosk-registered-zh-portrait")
    page.emulate_media(media="print")
    shot(page, "kiosk-registered-slip-print")
    page.emulate_media(media="screen")
    page.get_by_role("link", name="返回首页").click()

    # Course sign-in by the session's code and the mobile on the keypad.
    page.get_by_role("link", name=re.compile("^培训班")).click()
    screen(page, "kiosk-course-zh-portrait")
    type_on_keypad(page, "13800018001")
    page.get_by_label("课次签到码").fill(scene["session_code"])
    page.get_by_role("button", name="签到", exact=True).click()
    expect(page.get_by_text("签到成功，欢迎您，周*员！")).to_be_visible()
    screen(page, "kiosk-signed-in-zh-portrait")
    page.get_by_role("link", name="返回首页").click()

    # Course sign-in by mobile alone: an unknown mobile, then the session to tap.
    page.get_by_role("link", name=re.compile("^培训班")).click()
    type_on_keypad(page, "13800018999")
    page.get_by_role("button", name="签到", exact=True).click()
    expect(page.get_by_text("没有找到此手机号现在可以签到的课次")).to_be_visible()
    screen(page, "kiosk-course-refused-zh-portrait")
    type_on_keypad(page, "13800018001")
    page.get_by_role("button", name="签到", exact=True).click()
    expect(page.get_by_text("138****8001")).to_be_visible()
    screen(page, "kiosk-course-sessions-zh-portrait")
    page.get_by_role("button", name="签到此课次").click()
    expect(page.get_by_text("签到成功，欢迎您，周*员！")).to_be_visible()
    page.get_by_role("link", name="返回首页").click()

    # Courses open for applications: a QR code to the web form.
    page.get_by_role("link", name=re.compile("^培训班")).click()
    page.get_by_role("link", name="正在招生的培训班").click()
    expect(page.locator(".kiosk-qr svg")).to_be_visible()
    expect(page.locator(".kiosk-qr__url")).to_have_text(re.compile(r"/courses/\d+/apply$"))
    screen(page, "kiosk-courses-qr-zh-portrait")
    page.get_by_role("link", name="返回首页").click()

    # The notice board, and the full monthly notice with the market's styles.
    page.get_by_role("link", name=re.compile("^公告栏")).click()
    screen(page, "kiosk-notices-zh-portrait")
    page.get_by_role("link", name="查看本月完整公示").click()
    expect(page.locator(".figures")).to_be_visible()
    assert page.locator(".figures").evaluate("e => getComputedStyle(e).display") == "grid"
    expect(page.locator(".kiosk-header")).to_be_visible()  # still the kiosk's own frame
    expect(page.get_by_role("link", name="退出")).to_have_count(0)
    expect(page.locator("svg.chart")).to_have_count(2)
    screen(page, "kiosk-market-notice-zh-portrait")  # chart text included: 24 px or more
    # The month before, by touch, still in the kiosk's frame.
    heading = page.get_by_role("heading", level=1)
    this_month = heading.inner_text()
    page.locator(".kiosk-months a").first.click()
    expect(heading).not_to_have_text(this_month)
    expect(page.locator(".kiosk-header")).to_be_visible()
    expect(page.locator(".site-header")).to_have_count(0)
    page.get_by_role("link", name="返回公告栏").click()
    expect(page.get_by_role("heading", name="公告栏")).to_be_visible()

    # English: the whole page, <html lang> included.
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Notice board")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    screen(page, "kiosk-notices-en-portrait")
    page.get_by_role("link", name="Read the full monthly notice").click()
    expect(page.get_by_role("heading", name="The last six months")).to_be_visible()
    screen(page, "kiosk-market-notice-en-portrait")
    page.get_by_role("link", name="Back to start").click()
    expect(start_heading(page, "en")).to_be_visible()
    screen(page, "kiosk-start-en-portrait")
    page.get_by_role("link", name=re.compile("^Check in")).click()
    screen(page, "kiosk-check-in-en-portrait")
    page.get_by_role("button", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", name="签到")).to_be_visible()

    # A staff page is refused.
    page.goto("/manage/events")
    expect(page.get_by_role("heading", name="无权访问")).to_be_visible()


def full_week():
    """Four events this week with long titles (one under way, one full with a waiting list)
    and four course sessions."""
    from db.events.models import Event

    title = (
        "中广党建论坛暨企业党建联建促进会第{}次年度交流会（虹口区投资服务分中心、各联建企业党组织）"
    )
    under_way = new_event(seats=40, starts_in=timedelta(days=1), title=title.format(1))
    started = utcnow().replace(second=0, microsecond=0) - timedelta(minutes=30)
    Event.update(starts_at=started, ends_at=started + timedelta(hours=2)).where(
        Event.id == under_way.id
    ).execute()
    full = new_event(seats=1, starts_in=timedelta(days=1, hours=2), title=title.format(2))
    registrations.register(full.id, guest(31))
    registrations.register(full.id, guest(32))
    for day in (2, 3):
        new_event(seats=40, starts_in=timedelta(days=day, hours=2), title=title.format(day + 1))
    course = make_course(sessions=0, title="中国注册高级商务策划师培训班（第十二期）")
    for day in range(4):
        add_session(course, utcnow() + timedelta(days=day, hours=3), hours=2, topic="商务策划实务")


CUT_LINES_SCRIPT = """() => Array.from(document.querySelectorAll('.kiosk-week li *'))
  .filter(e => e.scrollWidth > e.clientWidth + 1 || getComputedStyle(e).textOverflow === 'ellipsis')
  .map(e => e.textContent.trim().slice(0, 40))"""


@pytest.mark.parametrize(
    ("viewport", "name"), [(KIOSK, "portrait"), (LANDSCAPE, "landscape")], ids=str
)
def test_start_screen_fills_the_screen_without_scrolling(
    new_page, screen, make_user, viewport, name
):
    from tests.conftest import TEST_PASSWORD

    make_user(role="kiosk", username="kiosk-hall")
    full_week()
    page = new_page(viewport)
    sign_in_kiosk(page, TEST_PASSWORD)
    expect(page.locator(".kiosk-week li")).to_have_count(8)
    for language in ("zh", "en"):
        if language == "en":
            page.get_by_role("button", name="English").click()
        expect(start_heading(page, language)).to_be_visible()
        wait_for_htmx(page)  # the whole page in place, styles and all
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height <= viewport["height"], f"{language} {name}: {height} px tall"
        assert not page.evaluate(CUT_LINES_SCRIPT), f"{language} {name}: lines cut off"
        under_way = "正在进行：请点击“签到”入场" if language == "zh" else "Under way: check in"
        full = "已满 · 候补 1 人" if language == "zh" else "Full · 1 on the waiting list"
        expect(page.locator(".kiosk-week li").nth(0)).to_contain_text(under_way)
        expect(page.locator(".kiosk-week li").nth(1)).to_contain_text(full)
        screen(page, f"kiosk-start-full-week-{language}-{name}")


def test_start_screen_with_little_on_uses_the_screen(new_page, screen, make_user):
    from tests.conftest import TEST_PASSWORD

    make_user(role="kiosk", username="kiosk-hall")
    new_event(seats=30, starts_in=timedelta(days=2), title="企业家沙龙")
    for viewport, name in ((KIOSK, "portrait"), (LANDSCAPE, "landscape")):
        page = new_page(viewport)
        sign_in_kiosk(page, TEST_PASSWORD)
        expect(start_heading(page)).to_be_visible()
        wait_for_htmx(page)
        actions = page.locator(".kiosk-actions").bounding_box()
        # The four actions grow into the room the short list leaves.
        assert actions["height"] >= viewport["height"] * (0.45 if name == "portrait" else 0.3)
        assert page.evaluate("document.documentElement.scrollHeight") <= viewport["height"]
        screen(page, f"kiosk-start-one-event-zh-{name}")


def test_kiosk_landscape(new_page, screen, scene):
    page = new_page(LANDSCAPE)
    sign_in_kiosk(page, scene["password"])
    screen(page, "kiosk-start-zh-landscape")
    page.get_by_role("link", name=re.compile("^签到")).click()
    screen(page, "kiosk-check-in-zh-landscape")
    page.get_by_role("link", name="用手机号签到").click()
    screen(page, "kiosk-check-in-mobile-zh-landscape")
    page.goto("/kiosk/register")
    screen(page, "kiosk-register-choose-zh-landscape")
    page.get_by_role("listitem").filter(has_text="企业家沙龙").get_by_role("link").click()
    screen(page, "kiosk-register-form-zh-landscape")
    page.goto("/kiosk/course")
    screen(page, "kiosk-course-zh-landscape")
    page.goto("/kiosk/notices")
    screen(page, "kiosk-notices-zh-landscape")
    page.get_by_role("link", name="查看本月完整公示").click()
    expect(page.locator("svg.chart")).to_have_count(2)
    screen(page, "kiosk-market-notice-zh-landscape")


def test_idle_reset_forgets_what_was_typed(browser, live_server, app, make_user, screen):
    from tests.conftest import TEST_PASSWORD

    make_user(role="kiosk", username="kiosk-hall")
    server = live_server(workers=1)  # the kiosk's own idle time: 60 s
    context = browser.new_context(base_url=server.url, viewport=KIOSK, locale="zh-CN")
    # The pages' clock is moved on through the idle time instead of waiting it out.
    context.clock.install()
    page = context.new_page()
    try:
        sign_in_kiosk(page, TEST_PASSWORD)
        # The previous visitor chose English and typed half a mobile number.
        page.get_by_role("button", name="English").click()
        expect(start_heading(page, "en")).to_be_visible()
        page.get_by_role("link", name=re.compile("^Check in")).click()
        page.get_by_role("link", name="Use my mobile number").click()
        type_on_keypad(page, "138000")
        expect(page.get_by_label("Mobile number")).to_have_value("138000")
        countdown = page.locator("#kiosk-idle")
        expect(countdown).to_be_hidden()
        page.clock.run_for("00:51")  # 9 of the 60 seconds left: the countdown shows
        expect(countdown).to_be_visible()
        screen(page, "kiosk-idle-countdown-en-portrait")
        # Back at start, in the kiosk's own language, for the next visitor.
        page.clock.run_for("00:10")
        expect(start_heading(page)).to_be_visible()
        expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
        page.get_by_role("link", name=re.compile("^签到")).click()
        page.get_by_role("link", name="用手机号签到").click()
        expect(page.get_by_label("手机号")).to_have_value("")
        page.go_back()
        page.wait_for_load_state()
        values = page.evaluate(
            "() => Array.from(document.querySelectorAll('input')).map(e => e.value)"
        )
        assert not any("138000" in value for value in values)
        assert "138000" not in page.locator("body").inner_text()
    finally:
        context.close()


def test_public_pages_pass_axe(demo_data, new_page, axe_check, make_user):
    from db import demo

    demo.seed()
    page = new_page(DESKTOP)
    for path in ("/", "/events", "/courses", "/market/disclosure", "/login", "/signup", "/privacy"):
        page.goto(path)
        axe_check(page)
    page.goto("/events")
    page.locator("main a[href^='/events/']").first.click()
    axe_check(page)


def test_a_failed_request_shows_a_friendly_retry_message(new_page, screen, scene):
    page = new_page(KIOSK)
    # /healthz is asked every 2 s and a result returns to start after 6 s: the page's clock
    # is moved on through those waits.
    page.clock.install()
    sign_in_kiosk(page, scene["password"])
    page.get_by_role("link", name=re.compile("^签到")).click()
    expect(page.get_by_label("报名码")).to_be_focused()
    wait_for_htmx(page)
    # The server restarts just as the code is sent: nothing answers, /healthz neither.
    page.route("**/kiosk/check-in", lambda route: route.abort())
    page.route("**/healthz", lambda route: route.abort())
    page.get_by_label("报名码").fill(scene["code"])
    page.get_by_label("报名码").press("Enter")
    banner = page.get_by_text("连接中断了。请稍候：屏幕会自动检查连接，恢复后会告诉您。")
    expect(banner).to_be_visible()
    expect(page.get_by_label("报名码")).to_be_visible()  # the screen is still there
    screen(page, "kiosk-offline-zh-portrait")
    page.unroute("**/kiosk/check-in")
    page.unroute("**/healthz")
    # It is back: the form is not re-sent behind the person's back; they are asked to.
    ready = page.get_by_text("连接已恢复，请再试一次。")
    page.clock.run_for("00:02")
    expect(ready).to_be_visible()
    expect(banner).to_be_hidden()
    screen(page, "kiosk-offline-ready-zh-portrait")
    page.get_by_label("报名码").press("Enter")
    expect(page.get_by_text("签到成功，欢迎您，张*明！")).to_be_visible()

    # The success screen returns to start while the server is away: no browser error page,
    # the banner instead, the previous person's screen gone; then start once it answers.
    start = re.compile(r"/kiosk/(\?.*)?$")
    page.route(start, lambda route: route.abort())
    page.route("**/healthz", lambda route: route.abort())
    page.clock.run_for("00:06")
    expect(page.get_by_text("连接中断了")).to_be_visible()
    expect(page.get_by_text("签到成功")).to_be_hidden()
    assert page.url.startswith("http")  # not the browser's error page
    page.unroute(start)
    page.unroute("**/healthz")
    page.clock.run_for("00:02")
    expect(start_heading(page)).to_be_visible()


def test_a_failed_screen_opens_again_by_itself(new_page, scene):
    page = new_page(KIOSK)
    sign_in_kiosk(page, scene["password"])
    page.route("**/kiosk/register", lambda route: route.abort())
    page.route("**/healthz", lambda route: route.abort())
    page.get_by_role("link", name=re.compile("^报名")).click()
    expect(page.get_by_text("连接中断了")).to_be_visible()
    page.unroute("**/kiosk/register")
    page.unroute("**/healthz")
    expect(page.get_by_role("heading", name="活动报名")).to_be_visible(timeout=8_000)
    expect(page.get_by_text("连接中断了")).to_be_hidden()


def answer_with(status):
    """A route handler that answers every request with `status`."""

    def handler(route):
        route.fulfill(status=status, body="")

    return handler


def test_error_answers_say_what_to_do(new_page, screen, scene):
    page = new_page(KIOSK)
    sign_in_kiosk(page, scene["password"])
    page.get_by_role("link", name=re.compile("^签到")).click()
    expect(page.get_by_label("报名码")).to_be_focused()  # the check-in screen is in place
    wait_for_htmx(page)
    problem = page.locator("#kiosk-problem")
    # A form left open with a token that no longer holds: the server answers 400.
    page.evaluate(
        "() => { document.body.setAttribute('hx-headers', '{\"X-CSRFToken\": \"old\"}');"
        " document.querySelectorAll('input[name=csrf_token]').forEach(e => { e.value = 'old'; }); }"
    )
    page.get_by_label("报名码").fill("ZZZZ2222")
    page.get_by_label("报名码").press("Enter")
    expect(problem.get_by_text("此页面出了点问题，请从头开始。")).to_be_visible()
    screen(page, "kiosk-problem-zh-portrait")
    for status in (403, 404, 413, 429):
        page.route("**/kiosk/check-in", answer_with(status))
        page.get_by_label("报名码").press("Enter")
        message = "刚才尝试次数太多" if status == 429 else "此页面出了点问题"
        expect(problem.get_by_text(re.compile(message))).to_be_visible()
        expect(page.get_by_label("报名码")).to_be_visible()
        page.unroute("**/kiosk/check-in")
    page.route("**/kiosk/check-in", lambda route: route.fulfill(status=503, body=""))
    page.get_by_label("报名码").press("Enter")
    expect(page.get_by_text("连接已恢复，请再试一次。")).to_be_visible(timeout=8_000)
    expect(problem).to_be_hidden()
    page.unroute("**/kiosk/check-in")
    problem_link = page.get_by_role("link", name="从头开始")
    expect(problem_link).to_be_hidden()
    page.route("**/kiosk/check-in", lambda route: route.fulfill(status=404, body=""))
    page.get_by_label("报名码").press("Enter")
    problem_link.click()
    expect(start_heading(page)).to_be_visible()


def test_back_after_the_idle_reset_shows_the_start_screen(browser, live_server, make_user, shot):
    """The kiosk was signed in once (the login page is in its history); a visitor left it on a
    screen; it went back to start by itself; Back must land on a working kiosk screen."""
    from tests.conftest import TEST_PASSWORD

    make_user(role="kiosk", username="kiosk-hall")
    server = live_server(workers=1, env={"KIOSK_IDLE_SECONDS": "3"})
    context = browser.new_context(base_url=server.url, viewport=KIOSK, locale="zh-CN")
    page = context.new_page()
    try:
        sign_in_kiosk(page, TEST_PASSWORD)
        page.get_by_role("link", name=re.compile("^签到")).click()
        page.get_by_role("link", name="用手机号签到").click()
        type_on_keypad(page, "138000")
        expect(start_heading(page)).to_be_visible(timeout=15_000)  # the idle reset
        page.go_back()  # to the login page the kiosk was signed in on
        page.wait_for_load_state()
        expect(page.get_by_role("heading", name="无权访问")).to_have_count(0)
        expect(start_heading(page)).to_be_visible()
        expect(page).to_have_url(re.compile(r"/kiosk/$"))
        assert "138000" not in page.locator("body").inner_text()
        shot(page, "kiosk-back-after-reset-zh-portrait")
        wait_for_htmx(page)
        page.get_by_role("link", name=re.compile("^签到")).click()  # and it works
        expect(page.get_by_label("报名码")).to_be_focused()
    finally:
        context.close()


@pytest.mark.parametrize(
    ("viewport", "name"), [(KIOSK, "portrait"), (LANDSCAPE, "landscape")], ids=str
)
def test_privacy_notice_opens_over_the_form(new_page, screen, scene, viewport, name):
    """The consent line's privacy notice: large type in the kiosk's frame, over the form, and
    back to the form with what was typed still there; in Chinese and English."""
    page = new_page(viewport)
    sign_in_kiosk(page, scene["password"])
    for language in ("zh", "en"):
        zh = language == "zh"
        if not zh:
            page.get_by_role("button", name="English").click()
        expect(start_heading(page, language)).to_be_visible()
        screen(page, f"kiosk-start-{language}-{name}")
        page.get_by_role("link", name=re.compile("^报名" if zh else "^Register")).click()
        page.get_by_role("listitem").filter(has_text="企业家沙龙").get_by_role("link").click()
        page.get_by_label("姓名" if zh else "Name", exact=True).fill("钱多")
        screen(page, f"kiosk-register-form-{language}-{name}")
        page.get_by_role("link", name="阅读隐私声明" if zh else "Read the privacy notice").click()
        notice = page.locator("#kiosk-layer")
        title = "隐私声明" if zh else "Privacy notice"
        expect(notice.get_by_role("heading", name=title, level=1)).to_be_visible()
        expect(notice.get_by_role("heading", name=title, level=1)).to_be_focused()
        size = notice.locator("p").last.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
        assert size >= 28, f"notice text {size} px"
        screen(page, f"kiosk-privacy-{language}-{name}")
        # The layer is fixed over the screen: what the person sees is the viewport.
        page.screenshot(path=str(SCREENSHOTS / f"kiosk-privacy-{language}-{name}.png"))
        back = "返回报名表" if zh else "Back to the registration form"
        notice.get_by_role("link", name=back).first.click()
        expect(notice).to_be_hidden()
        expect(page.get_by_label("姓名" if zh else "Name", exact=True)).to_have_value("钱多")
        page.get_by_label("姓名" if zh else "Name", exact=True).fill("")
        page.get_by_role("link", name="返回首页" if zh else "Back to start").click()
        expect(start_heading(page, language)).to_be_visible()
        wait_for_htmx(page)
    # The notice as a screen of its own (a link opened without htmx), large type too.
    page.goto("/kiosk/privacy")
    expect(page.get_by_role("heading", name="Privacy notice", level=1)).to_be_visible()
    screen(page, f"kiosk-privacy-screen-en-{name}")
    page.get_by_role("link", name="Back to start").click()
    expect(start_heading(page, "en")).to_be_visible()
