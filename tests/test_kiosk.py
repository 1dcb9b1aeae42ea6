"""The service-hall kiosk: check in, register on the spot, course sign-in, notice board,
privacy (masking, no-store, nothing personal in URLs) and the fence around the account."""

import re
from datetime import timedelta

import pytest

from db.base import utcnow
from db.events import registrations
from db.events.models import Registration
from db.training import Application, Attendance
from tests.events_support import guest, later_today, new_event
from tests.training_helpers import add_session, make_application, make_course

ELEVEN_DIGITS = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


@pytest.fixture
def kiosk(login_as):
    return login_as("kiosk")


def today_event(**fields):
    return new_event(starts_in=later_today(), title="今日经济时事报告会", **fields)


def text_of(response):
    return response.get_data(as_text=True)


def assert_private(response):
    """No full mobile number on a kiosk screen, and never cached."""
    assert not ELEVEN_DIGITS.search(text_of(response))
    assert response.headers["Cache-Control"] == "no-store"


def test_start_screen_lists_today_and_four_actions(kiosk):
    today_event()
    page = kiosk.get("/kiosk/")
    body = text_of(page)
    assert "今日经济时事报告会" in body
    for action in ("/kiosk/check-in", "/kiosk/register", "/kiosk/course", "/kiosk/notices"):
        assert f'href="{action}"' in body
    assert_private(page)


def under_way_event(title="进行中的报告会", guests=()):
    """An event that started half an hour ago and goes on for another ninety minutes, with
    the registrations of `guests` (numbers for events_support.guest) made before."""
    from db.events.models import Event

    event = new_event(starts_in=timedelta(days=1), title=title)
    for number in guests:
        registrations.register(event.id, guest(number))
    started = utcnow().replace(second=0, microsecond=0) - timedelta(minutes=30)
    Event.update(starts_at=started, ends_at=started + timedelta(hours=2)).where(
        Event.id == event.id
    ).execute()
    return Event.get_by_id(event.id)


def line_of(body, title):
    """The start screen's list item of the event titled `title`."""
    items = re.findall(r"<li>(.*?)</li>", body, re.S)
    return next(item for item in items if title in item)


def test_start_screen_says_what_each_event_allows(kiosk):
    under_way_event(guests=[20])
    full = new_event(seats=1, starts_in=timedelta(days=2), title="已满的沙龙")
    registrations.register(full.id, guest(21))
    registrations.register(full.id, guest(22))  # the waiting list
    new_event(seats=30, starts_in=timedelta(days=3), title="有名额的讲座")
    body = text_of(kiosk.get("/kiosk/"))
    started = line_of(body, "进行中的报告会")
    assert "正在进行：请点击“签到”入场" in started and "剩余名额" not in started
    assert "今天" in started
    full_line = line_of(body, "已满的沙龙")
    assert "已满 · 候补 1 人 · 现在报名即加入候补" in full_line
    assert "剩余名额" not in full_line and "0 / 1" not in full_line
    assert "剩余名额 30 / 30" in line_of(body, "有名额的讲座")
    # Registration offers what has not started: the full event (its waiting list), not the
    # one under way; the notice board's upcoming events leave it out too.
    choose = text_of(kiosk.get("/kiosk/register"))
    assert "已满的沙龙" in choose and "有名额的讲座" in choose
    assert "进行中的报告会" not in choose
    assert "进行中的报告会" not in text_of(kiosk.get("/kiosk/notices"))
    form = text_of(kiosk.get(f"/kiosk/register/{full.id}"))
    assert "现在报名将进入候补名单（目前候补 1 人）" in form
    # Its people still check in at the kiosk.
    assert "进行中的报告会" in text_of(
        kiosk.post("/kiosk/check-in/mobile", data={"mobile": "13800010020"})
    )


def test_start_screen_lists_at_most_four_events_today_first(kiosk):
    for day in range(3):
        new_event(starts_in=timedelta(days=day + 1, hours=1), title=f"本周活动{day}")
    under_way_event("今天的活动")
    today_event()
    body = text_of(kiosk.get("/kiosk/"))
    titles = re.findall(r'<strong class="kiosk-list__title">([^<]+)</strong>', body)
    assert titles == ["今天的活动", "今日经济时事报告会", "本周活动0", "本周活动1"]


def test_seat_state_of_a_full_event_closed_for_registration():
    from db.kiosk import seat_state

    event = new_event(seats=1, starts_in=timedelta(days=2), closes_at=None)
    figures = dict(confirmed=1, waiting=2, pending=0, checked_in=0)
    assert seat_state(event, figures) == ("full_join", {"waiting": 2})
    event.status = "closed"
    assert seat_state(event, figures) == ("full", {"waiting": 2})
    assert seat_state(event, dict(figures, confirmed=0, waiting=0)) == ("closed", {})
    event.status = "published"
    assert seat_state(event, dict(figures, confirmed=0, waiting=0)) == (
        "seats",
        {"left": 1, "seats": 1},
    )


def test_check_in_by_code_shows_masked_name(kiosk):
    event = today_event()
    registration, _ = registrations.register(event.id, guest(1, name="张晓明"))
    response = kiosk.post("/kiosk/check-in", data={"code": registration.code.lower()})
    body = text_of(response)
    assert response.status_code == 200
    assert "张*明" in body and "张晓明" not in body and "今日经济时事报告会" in body
    assert 'data-return-after="6"' in body
    assert Registration.get_by_id(registration.id).checked_in_at is not None
    assert_private(response)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("unknown", "没有找到这个报名码"),
        ("other_day", "不是今天活动的报名码"),
        ("twice", "此报名已签到"),
        ("waiting", "此报名无法在这里签到"),
    ],
)
def test_check_in_refusals_reveal_nothing(kiosk, case, message):
    event = today_event(seats=1)
    first, _ = registrations.register(event.id, guest(1, name="王大力"))
    code = first.code
    if case == "unknown":
        code = "ZZZZ2222"
    elif case == "other_day":
        later = new_event(starts_in=timedelta(days=2))
        code = registrations.register(later.id, guest(2))[0].code
    elif case == "twice":
        registrations.check_in(first)
    elif case == "waiting":
        code = registrations.register(event.id, guest(3, name="李候补"))[0].code
    response = kiosk.post("/kiosk/check-in", data={"code": code})
    body = text_of(response)
    assert response.status_code == 422 and message in body
    assert "王大力" not in body and "李候补" not in body and "王*力" not in body
    assert code not in body  # the typed code is not echoed back


def test_check_in_by_mobile_with_the_keypad(kiosk):
    event = today_event()
    registration, _ = registrations.register(event.id, guest(7, name="赵敏"))
    found = kiosk.post("/kiosk/check-in/mobile", data={"mobile": "13800010007"})
    body = text_of(found)
    assert found.status_code == 200 and "赵*" in body and "138****0007" in body
    assert_private(found)
    token = re.search(r'name="token" value="([^"]+)"', body).group(1)
    assert str(registration.id) != token
    done = kiosk.post("/kiosk/check-in/confirm", data={"token": token})
    assert "签到成功" in text_of(done)
    assert Registration.get_by_id(registration.id).checked_in_at is not None


def test_check_in_by_mobile_refusals(kiosk):
    nothing = kiosk.post("/kiosk/check-in/mobile", data={"mobile": "13800019999"})
    assert nothing.status_code == 422 and "没有找到该手机号今天的报名" in text_of(nothing)
    forged = kiosk.post("/kiosk/check-in/confirm", data={"token": "1"})
    assert forged.status_code == 422 and "操作超时" in text_of(forged)
    bad = kiosk.post("/kiosk/check-in/mobile", data={"mobile": "12345"})
    assert bad.status_code == 422


def test_register_on_the_spot_confirmed_then_waiting(kiosk):
    event = new_event(seats=1, starts_in=timedelta(days=2), title="本周企业家沙龙")
    listing = text_of(kiosk.get("/kiosk/register"))
    assert "本周企业家沙龙" in listing
    screen = text_of(kiosk.get(f"/kiosk/register/{event.id}"))
    key = re.search(r'name="submission_key"[^>]*value="([^"]+)"', screen).group(1)
    form = dict(
        name="钱多多", mobile="13800017001", enterprise="宝华集团", consent="y", submission_key=key
    )
    first = kiosk.post(f"/kiosk/register/{event.id}", data=form)
    body = text_of(first)
    registration = Registration.get(Registration.mobile == "13800017001")
    assert first.status_code == 200 and "报名成功" in body and registration.code in body
    assert "<svg" in body and registration.source == "kiosk"
    assert registration.consent_at is not None and registration.token not in body
    assert_private(first)
    second = kiosk.post(
        f"/kiosk/register/{event.id}", data=form | {"mobile": "13800017002", "name": "孙候补"}
    )
    assert "候补名单" in text_of(second)
    again = kiosk.post(f"/kiosk/register/{event.id}", data=form)  # a double tap
    assert "您已经报名了此活动" in text_of(again) and registration.code in text_of(again)
    assert Registration.select().where(Registration.event == event.id).count() == 2


@pytest.mark.parametrize("key", [None, "z" * 22])
def test_register_on_the_spot_with_someone_elses_name_and_mobile_shows_nothing(kiosk, key):
    """The next person at the kiosk typing a registered name and mobile gets no code or QR."""
    event = new_event(seats=5, starts_in=timedelta(days=2))
    victim, _ = registrations.register(
        event.id, guest(1, name="钱多多"), source="kiosk", submission_key="k" * 22
    )
    form = dict(name="钱多多", mobile=victim.mobile, enterprise="宝华集团", consent="y")
    if key:
        form["submission_key"] = key
    response = kiosk.post(f"/kiosk/register/{event.id}", data=form)
    body = text_of(response)
    assert response.status_code == 422 and "此手机号已报名本活动" in body
    assert victim.code not in body and victim.token not in body and "<svg" not in body
    assert "您已经报名了此活动" not in body and "钱*多" not in body
    assert Registration.select().count() == 1


def article_of(body):
    """The privacy notice's <article> in a page."""
    return re.search(r"<article.*?</article>", body, re.S).group(0)


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_privacy_notice_in_the_kiosk_frame(kiosk, client, language):
    """The consent line's privacy notice opens on the kiosk: the web page's text, its frame."""
    kiosk.post(f"/language/{language}", data={"next": "/kiosk/"})
    client.post(f"/language/{language}", data={"next": "/"})
    event = new_event(seats=5, starts_in=timedelta(days=2))
    form = text_of(kiosk.get(f"/kiosk/register/{event.id}"))
    link = f'href="/kiosk/privacy?event={event.id}"'
    assert link in form and f'hx-get="/kiosk/privacy?event={event.id}"' in form
    screen = kiosk.get(f"/kiosk/privacy?event={event.id}")
    body = text_of(screen)
    assert screen.status_code == 200
    assert_private(screen)
    assert 'class="kiosk-header"' in body and "site-header" not in body and "/logout" not in body
    assert article_of(body) == article_of(text_of(client.get("/privacy")))
    assert ("隐私声明" if language == "zh_CN" else "Privacy notice") in article_of(body)
    back = re.search(r"<a [^>]*data-close-layer[^>]*>", body).group(0)
    assert f'href="/kiosk/register/{event.id}"' in back
    # Opened over the form by htmx: the notice alone, for the layer.
    layer = text_of(kiosk.get(f"/kiosk/privacy?event={event.id}", headers={"HX-Request": "true"}))
    assert "<html" not in layer and article_of(layer) == article_of(body)
    # Without a form to go back to (or a nonsense one), the notice and "back to start".
    for query in ("", "?event=x", "?event=99999999999"):
        alone = text_of(kiosk.get(f"/kiosk/privacy{query}"))
        assert "data-close-layer" not in alone and 'href="/kiosk/"' in alone


def test_register_refusals_write_nothing(kiosk):
    event = new_event(seats=3, starts_in=timedelta(days=2))
    no_consent = kiosk.post(
        f"/kiosk/register/{event.id}", data=dict(name="甲", mobile="13800017003", enterprise="乙")
    )
    assert no_consent.status_code == 422 and "请同意隐私声明" in text_of(no_consent)
    bad_mobile = kiosk.post(
        f"/kiosk/register/{event.id}",
        data=dict(name="甲", mobile="1380001", enterprise="乙", consent="y"),
    )
    assert bad_mobile.status_code == 422
    assert Registration.select().count() == 0
    closed = new_event(seats=3, starts_in=timedelta(days=2), publish=False)
    assert kiosk.get(f"/kiosk/register/{closed.id}").status_code == 404


def test_course_sign_in_by_code_and_mobile(kiosk, make_user):
    person = make_user(role="entrepreneur", name="周学员", mobile="13800018001")
    course = make_course(sessions=0)
    session = add_session(course, utcnow() - timedelta(minutes=10), hours=2, topic="战略管理")
    make_application(course, person, status="approved")
    wrong = kiosk.post("/kiosk/course", data={"code": session.code, "mobile": "13800018002"})
    assert wrong.status_code == 422 and "无法用此签到码和手机号签到" in text_of(wrong)
    done = kiosk.post("/kiosk/course", data={"code": session.code, "mobile": "13800018001"})
    body = text_of(done)
    assert done.status_code == 200 and "周*员" in body and "战略管理" in body
    assert_private(done)
    application = Application.get(Application.user == person.id)
    assert Attendance.select().where(Attendance.application == application.id).count() == 1


def test_course_sign_in_by_mobile_alone(kiosk, make_user):
    person = make_user(role="entrepreneur", name="吴学员", mobile="13800018011")
    course = make_course(sessions=0, title="中国注册高级商务策划师培训班")
    now_session = add_session(course, utcnow() - timedelta(minutes=10), hours=2, topic="营销策划")
    add_session(course, utcnow() + timedelta(days=2), hours=2, topic="以后的课")
    make_application(course, person, status="approved")
    found = kiosk.post("/kiosk/course", data={"mobile": "13800018011"})
    body = text_of(found)
    assert found.status_code == 200 and "营销策划" in body and "以后的课" not in body
    assert "吴*员" in body and "138****8011" in body and "吴学员" not in body
    assert_private(found)
    tokens = re.findall(r'name="token" value="([^"]+)"', body)
    assert len(tokens) == 1 and str(now_session.id) not in tokens[0].split(".")[0]
    done = kiosk.post("/kiosk/course/confirm", data={"token": tokens[0]})
    assert done.status_code == 200 and "签到成功" in text_of(done)
    assert_private(done)
    mark = Attendance.get(Attendance.session == now_session.id)
    assert mark.application.user_id == person.id
    assert mark.method == "kiosk" and mark.recorded_by.role == "kiosk"  # the kiosk did it
    again = kiosk.post("/kiosk/course/confirm", data={"token": tokens[0]})
    assert again.status_code == 200  # twice changes nothing
    assert Attendance.select().where(Attendance.session == now_session.id).count() == 1
    forged = kiosk.post("/kiosk/course/confirm", data={"token": "1"})
    assert forged.status_code == 422 and "操作超时" in text_of(forged)
    assert Attendance.select().count() == 1


def test_course_sign_in_by_mobile_reveals_nothing(kiosk, make_user):
    enrolled = make_user(role="entrepreneur", name="郑学员", mobile="13800018021")
    make_user(role="entrepreneur", name="冯路人", mobile="13800018022")
    course = make_course(sessions=0)
    add_session(course, utcnow() + timedelta(hours=5), hours=2)  # nothing open now
    make_application(course, enrolled, status="approved")
    other = make_course(sessions=0)
    add_session(other, utcnow() - timedelta(minutes=5), hours=2)  # open, but not theirs
    answers = [
        kiosk.post("/kiosk/course", data={"mobile": mobile})
        for mobile in ("13800018021", "13800018022", "13800018029")
    ]
    # The same screen apart from the CSRF tokens (signed with the time).
    texts = {re.sub(r'value="[^"]*"|"X-CSRFToken": "[^"]*"', "", text_of(a)) for a in answers}
    assert len(texts) == 1  # the same screen for enrolled, not enrolled and unknown
    for answer in answers:
        assert answer.status_code == 422 and "没有找到此手机号现在可以签到的课次" in text_of(answer)
        assert "郑" not in text_of(answer) and "冯" not in text_of(answer)
    assert Attendance.select().count() == 0


def test_automatic_return_resets_the_language(kiosk):
    kiosk.post("/language/en", data={"next": "/kiosk/"})
    page = text_of(kiosk.get("/kiosk/"))
    assert 'lang="en"' in page and "Welcome to the service hall" in page
    back = kiosk.get("/kiosk/?reset=1")
    assert back.status_code == 302 and back.headers["Location"].endswith("/kiosk/")
    page = text_of(kiosk.get("/kiosk/"))
    assert '<html lang="zh-CN">' in page and "欢迎来到服务大厅" in page


def test_back_to_the_login_page_lands_on_the_start_screen(kiosk):
    """The kiosk was signed in on /login: Back after the idle reset opens it again."""
    for path in ("/login", "/login?next=/kiosk/check-in"):
        back = kiosk.get(path)
        assert back.status_code == 302 and back.headers["Location"].endswith("/kiosk/"), path
    assert "欢迎来到服务大厅" in text_of(kiosk.get("/login", follow_redirects=True))
    refused = kiosk.post("/login", data={"username": "x", "password": "y"})
    assert refused.status_code == 403  # still fenced: no signing in as someone else
    assert kiosk.get("/manage/events").status_code == 403


def test_token_of_a_choice_checked_in_meanwhile_says_so(kiosk):
    """A refusal behind a tapped choice is the refusal itself, not "that took too long"."""
    event = today_event()
    registration, _ = registrations.register(event.id, guest(8))
    found = text_of(kiosk.post("/kiosk/check-in/mobile", data={"mobile": "13800010008"}))
    token = re.search(r'name="token" value="([^"]+)"', found).group(1)
    registrations.check_in(registration)  # at the door, meanwhile
    again = kiosk.post("/kiosk/check-in/confirm", data={"token": token})
    assert again.status_code == 422 and "此报名已签到" in text_of(again)
    assert "操作超时" not in text_of(again)


def test_course_choice_no_longer_open_says_so(kiosk, make_user):
    person = make_user(role="entrepreneur", mobile="13800018031")
    course = make_course(sessions=0)
    session = add_session(course, utcnow() - timedelta(minutes=10), hours=2)
    make_application(course, person, status="approved")
    found = text_of(kiosk.post("/kiosk/course", data={"mobile": "13800018031"}))
    token = re.search(r'name="token" value="([^"]+)"', found).group(1)
    session.starts_at = utcnow() - timedelta(hours=5)  # the sign-in window closed meanwhile
    session.ends_at = utcnow() - timedelta(hours=3)
    session.save()
    late = kiosk.post("/kiosk/course/confirm", data={"token": token})
    assert late.status_code == 422 and "签到已结束" in text_of(late)
    assert "操作超时" not in text_of(late)


def test_chinese_kiosk_catalog_uses_full_width_punctuation():
    """No ASCII ? , : ; ! ( ) or a full stop in the Chinese kiosk text (placeholders aside)."""
    from pathlib import Path

    from babel.messages.pofile import read_po

    path = Path(__file__).parents[1] / "translations/kiosk/zh_Hans_CN/LC_MESSAGES/messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    ascii_marks = re.compile(r"[?,:;!()]|\.(?!\d)")
    found = [
        message.string
        for message in catalog
        if message.id and ascii_marks.search(re.sub(r"%\(\w+\)s", "", message.string))
    ]
    assert not found


def test_language_switch_reloads_the_whole_kiosk_page(kiosk):
    body = text_of(kiosk.get("/kiosk/check-in"))
    switch = body[body.index("language-switch") - 200 : body.index("language-switch")]
    assert 'hx-boost="false"' in switch  # a full page load: <html lang> follows the text


def test_course_sign_in_window(kiosk, make_user):
    person = make_user(role="entrepreneur", mobile="13800018003")
    course = make_course(sessions=0)
    later = add_session(course, utcnow() + timedelta(hours=3), hours=2)
    make_application(course, person, status="approved")
    early = kiosk.post("/kiosk/course", data={"code": later.code, "mobile": "13800018003"})
    assert early.status_code == 422 and "30 分钟开放签到" in text_of(early)


def test_open_courses_qr_opens_the_application_form(kiosk):
    from views.qr import qr_svg

    course = make_course(title="高级职业经理人研修班")
    body = text_of(kiosk.get("/kiosk/courses"))
    apply_url = f"http://localhost/courses/{course.id}/apply"
    assert "高级职业经理人研修班" in body and apply_url in body  # printed under the QR
    # The QR encodes exactly the web application form's URL (not the course page).
    expected = re.search(r' d="([^"]+)"', qr_svg(apply_url, scale=4)).group(1)
    assert f' d="{expected}"' in body
    detail = re.search(r' d="([^"]+)"', qr_svg(f"http://localhost/courses/{course.id}", scale=4))
    assert f' d="{detail.group(1)}"' not in body


def demo_kiosk(app):
    """The demo data, and a client signed in as its kiosk account."""
    from db import demo

    demo.seed()
    kiosk = app.test_client()
    kiosk.post("/login", data={"username": "kiosk", "password": "demo-kiosk-1"})
    return kiosk


def test_notice_board_has_no_personal_data(demo_data, app):
    page = demo_kiosk(app).get("/kiosk/notices")
    body = text_of(page)
    assert page.status_code == 200 and "本月爱心超市" in body
    assert "GZ000" not in body  # no love-card numbers
    assert_private(page)


def test_market_notice_in_the_kiosk_frame_with_months_by_touch(demo_data, app):
    from db.market.periods import current_period, shift_period

    kiosk = demo_kiosk(app)
    this_month = current_period()
    page = kiosk.get("/kiosk/notices/market")
    body = text_of(page)
    assert page.status_code == 200
    assert_private(page)
    assert 'class="kiosk-header"' in body and "/logout" not in body and "site-header" not in body
    assert "GZ000" not in body  # no love-card numbers
    assert body.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart"') == 2
    assert "近六个月" in body
    earlier = shift_period(this_month, -1)
    assert f'href="/kiosk/notices/market?month={earlier}"' in body
    assert f"month={shift_period(this_month, 1)}" not in body  # no month after this one
    oldest = shift_period(this_month, -11)
    first = text_of(kiosk.get(f"/kiosk/notices/market?month={oldest}"))
    assert f"month={shift_period(oldest, -1)}" not in first  # twelve months, as on the web
    assert f"month={shift_period(oldest, 1)}" in first
    # A month in the future or nonsense shows this month.
    for month in (shift_period(this_month, 1), "2026-13", "x"):
        assert kiosk.get(f"/kiosk/notices/market?month={month}").status_code == 200


def test_the_kiosk_charts_draw_six_months_in_large_type(demo_data, app):
    body = text_of(demo_kiosk(app).get("/kiosk/notices/market"))
    chart = body[body.index('id="chart-in"') : body.index("</svg>")]
    sizes = {int(size) for size in re.findall(r'font-size="(\d+)"', chart)}
    assert min(sizes) >= 24
    assert chart.count("<rect ") == 6


def test_kiosk_is_fenced_and_has_no_menu(kiosk):
    for path in ("/manage/events", "/market", "/admin/users", "/account", "/events"):
        assert kiosk.get(path).status_code in (403, 404), path
    body = text_of(kiosk.get("/kiosk/"))
    assert "退出" not in body and "/account" not in body
    # The public notice opens in the kiosk's own frame (no menu, no sign-out link).
    web_notice = kiosk.get("/market/disclosure?month=2026-10")
    assert web_notice.status_code == 302
    assert web_notice.headers["Location"].endswith("/kiosk/notices/market?month=2026-10")


def test_kiosk_pages_turn_off_htmx_history(kiosk):
    body = text_of(kiosk.get("/kiosk/check-in"))
    assert '"historyEnabled":false' in body and "data-idle-seconds" in body


def test_idle_timeout_is_a_setting(app, kiosk):
    app.config["KIOSK_IDLE_SECONDS"] = 15
    assert 'data-idle-seconds="15"' in text_of(kiosk.get("/kiosk/"))


def test_chinese_kiosk_screens_show_no_ascii_punctuation(kiosk):
    """What the screens show in Chinese (their own text and what other modules lend them)."""
    event = new_event(seats=1, starts_in=timedelta(days=2))
    registrations.register(event.id, guest(41))
    pages = [
        kiosk.get(path)
        for path in (
            "/kiosk/",
            "/kiosk/check-in",
            "/kiosk/check-in/mobile",
            "/kiosk/register",
            f"/kiosk/register/{event.id}",
            "/kiosk/course",
            "/kiosk/courses",
            "/kiosk/notices",
            f"/kiosk/privacy?event={event.id}",
        )
    ]
    pages += [
        kiosk.post("/kiosk/check-in", data={"code": "ZZZZ2222"}),
        kiosk.post("/kiosk/check-in/mobile", data={"mobile": "13800019999"}),
        kiosk.post(f"/kiosk/register/{event.id}", data={"name": "甲"}),
        kiosk.post("/kiosk/course", data={"mobile": "13800019999"}),
    ]
    for page in pages:
        visible = re.sub(r"<script.*?</script>|<[^>]+>", " ", text_of(page), flags=re.S)
        wrong = re.findall(r"[\u4e00-\u9fff）][?,:;!]|[?,:;!]\s*[\u4e00-\u9fff（]", visible)
        assert not wrong, (page.request.path, wrong)
