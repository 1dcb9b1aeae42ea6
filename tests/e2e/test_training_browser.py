"""A course from application to a verified certificate, in Chromium, in Chinese and English,
on a phone and a desk; screenshots of every step, the printable certificate included."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from db import demo
from db.base import utcnow
from db.training import APPROVED, Application, Attendance, Certificate, CourseSession
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import DESKTOP, PHONE
from tests.training_helpers import make_application, make_course

pytestmark = [pytest.mark.browser, pytest.mark.live]

A4_LANDSCAPE = {"width": 1123, "height": 794}


def log_in(page, username, password=TEST_PASSWORD):
    """Log in through the form (Chinese labels)."""
    page.goto("/login")
    page.get_by_label("手机号或用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").last.click()


def place_sessions(course, first_start, second_start, hours=3):
    """Move the course's two sessions to the given start times (UTC)."""
    first, second = (
        CourseSession.select()
        .where(CourseSession.course == course.id)
        .order_by(CourseSession.starts_at)
    )
    for session, start in ((first, first_start), (second, second_start)):
        CourseSession.update(starts_at=start, ends_at=start + timedelta(hours=hours)).where(
            CourseSession.id == session.id
        ).execute()
    return first, second


def test_apply_approve_attend_complete_and_verify(new_page, shot, make_user, make_enterprise):
    enterprise = make_enterprise(name="绿地建设集团", is_partner=True)
    person = make_user(name="李建国", enterprise=enterprise, position="总经理")
    classmate = make_user(name="陈佳怡", enterprise=make_enterprise(name="宝华集团"))
    staff = make_user(role="staff", name="王晓红")
    course = make_course(
        sessions=2,
        seats=20,
        first_in_days=10,
        title="高级职业经理人研修班",
        institution="上海现代职业经理人研修院",
        lecturers="周立群 教授、陆明远 高级培训师",
        description="面向联建单位中高层管理者的系统研修课程。",
        eligibility_note="联建单位中高层管理人员，具有三年以上管理经验。",
        questions="您所在企业的主营业务是什么？",
        completion_share=100,
    )
    make_application(course, classmate, APPROVED)

    # The entrepreneur applies from a phone.
    phone = new_page(PHONE)
    log_in(phone, person.username)
    phone.get_by_role("link", name="培训班").first.click()
    phone.get_by_role("link", name="高级职业经理人研修班").click()
    expect(phone.get_by_role("heading", name="高级职业经理人研修班")).to_be_visible()
    shot(phone, "training-course-zh-phone")
    phone.get_by_role("link", name="报名参加这个培训班").click()
    phone.get_by_role("button", name="提交报名").click()
    expect(phone.get_by_role("heading", name="请修改以下问题")).to_be_visible()
    shot(phone, "training-apply-errors-zh-phone")
    phone.get_by_label("您为什么想参加这个培训班？").fill(
        "企业正在转型，想系统学习战略和组织管理。"
    )
    phone.get_by_label("您所在企业的主营业务是什么？").fill("建筑工程与园区开发")
    phone.get_by_label("我已阅读隐私声明").check()
    phone.get_by_role("button", name="提交报名").click()
    expect(phone.get_by_text("您的报名已提交。")).to_be_visible()
    expect(phone.get_by_text("待审核").first).to_be_visible()
    shot(phone, "training-applied-zh-phone")

    # Staff approve it in the review queue.
    desk = new_page(DESKTOP)
    log_in(desk, staff.username)
    expect(desk.get_by_role("heading", name="培训班")).to_be_visible()
    shot(desk, "training-dashboard-zh-desktop")
    desk.get_by_role("link", name="审核全部 1 份").click()
    expect(desk.get_by_text("企业正在转型，想系统学习战略和组织管理。")).to_be_visible()
    shot(desk, "training-review-zh-desktop")
    desk.get_by_label("李建国").check()
    desk.get_by_role("button", name="审核通过所选报名").click()
    expect(desk.get_by_text("1 人审核通过并获得名额。")).to_be_visible()
    application = Application.get(Application.user == person.id)
    assert application.status == APPROVED

    # The first session ended two days ago; the second is on now.
    now = utcnow()
    first, second = place_sessions(course, now - timedelta(days=2), now - timedelta(minutes=10))

    # The entrepreneur signs in to the session that is on, with its code.
    phone.goto(f"/my/courses/{application.id}")
    expect(phone.get_by_text("已通过")).to_be_visible()
    phone.get_by_role("link", name="课程签到").first.click()
    phone.get_by_label("签到码").fill(second.code.lower())
    shot(phone, "training-sign-in-zh-phone")
    phone.get_by_role("button", name="签到").click()
    expect(phone.get_by_role("heading", name="签到成功")).to_be_visible()
    shot(phone, "training-signed-in-zh-phone")

    # Staff take the roll in the grid: one tap for the classmate, a note for the late mark.
    desk.goto(f"/manage/courses/{course.id}/attendance")
    expect(desk.get_by_role("button", name=f"已签到：李建国 · {second.topic}")).to_be_visible()
    desk.get_by_role("button", name=f"未签到：陈佳怡 · {second.topic}").click()
    expect(desk.get_by_role("button", name=f"已签到：陈佳怡 · {second.topic}")).to_be_visible()
    desk.get_by_role("button", name=f"未签到：李建国 · {first.topic}").click()
    expect(desk.get_by_text("这次课已结束：补签需要填写备注。")).to_be_visible()
    shot(desk, "training-grid-late-note-zh-desktop")
    desk.get_by_label("补签备注").fill("电话核实：当天到场，忘记签到")
    desk.get_by_role("button", name="保存").click()
    expect(desk.get_by_role("button", name=f"已签到：李建国 · {first.topic}")).to_be_visible()
    expect(desk.locator(f"#total-{application.id}")).to_contain_text("2 / 2")
    shot(desk, "training-grid-zh-desktop")
    assert Attendance.select().count() == 3

    # The course ends; staff confirm completion.
    place_sessions(course, now - timedelta(days=9), now - timedelta(days=2))
    desk.goto(f"/manage/courses/{course.id}")
    shot(desk, "training-manage-course-zh-desktop")
    desk.get_by_role("link", name="结业与证书").click()
    expect(desk.get_by_text("2 人中有 1 人达到结业要求")).to_be_visible()
    # Issuing asks once, naming how many certificates it issues.
    asked = []

    def answer(dialog):
        asked.append(dialog.message)
        dialog.accept()

    desk.once("dialog", answer)
    desk.wait_for_load_state()  # the confirm is asked by app.js, which runs once the page loads
    desk.get_by_role("button", name="确认结业并颁发证书").click()
    expect(desk.get_by_text("已颁发 1 张结业证书。")).to_be_visible()
    assert len(asked) == 1 and "为 1 人颁发结业证书" in asked[0], asked
    shot(desk, "training-completion-zh-desktop")
    certificate = Certificate.get(Certificate.application == application.id)

    # The entrepreneur opens the certificate and checks it on the verification page.
    phone.goto("/my/courses")
    phone.get_by_role("link", name="高级职业经理人研修班").click()
    expect(phone.get_by_text("已结业").first).to_be_visible()
    shot(phone, "training-my-course-completed-zh-phone")
    phone.get_by_role("link", name="查看我的结业证书").click()
    expect(phone.get_by_role("heading", name="结业证书", exact=True)).to_be_visible()
    shot(phone, "training-certificate-zh-phone")
    verify_url = phone.locator(".certificate-url").inner_text()
    assert verify_url.endswith(f"/certificates/{certificate.number}")

    paper = new_page(A4_LANDSCAPE)
    log_in(paper, person.username)
    paper.goto(f"/certificates/{certificate.number}/print")
    paper.emulate_media(media="print")
    expect(paper.get_by_text(certificate.number, exact=True)).to_be_visible()
    shot(paper, "training-certificate-print-zh")
    pdf = paper.pdf(landscape=True, format="A4", print_background=True)
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1  # one A4 page

    guest = new_page(PHONE)
    guest.goto(verify_url)
    expect(guest.get_by_role("heading", name=re.compile("证书有效"))).to_be_visible()
    expect(guest.get_by_text("李*国")).to_be_visible()
    assert "李建国" not in guest.content() and "绿地建设集团" not in guest.content()
    shot(guest, "training-verify-zh-phone")

    # The same in English, on a desk.
    desk_en = new_page(DESKTOP, locale="en")
    log_in(desk_en, person.username)
    desk_en.get_by_role("button", name="English").click()
    desk_en.goto(f"/my/courses/{application.id}")
    expect(desk_en.get_by_role("heading", name="Timetable and attendance")).to_be_visible()
    shot(desk_en, "training-my-course-completed-en-desktop")
    desk_en.get_by_role("link", name="Open my certificate").click()
    expect(desk_en.get_by_role("heading", name="Certificate of Completion")).to_be_visible()
    shot(desk_en, "training-certificate-en-desktop")
    desk_en.goto(verify_url)
    expect(desk_en.get_by_role("heading", name=re.compile("Valid certificate"))).to_be_visible()
    shot(desk_en, "training-verify-en-desktop")


def test_grid_is_one_form_with_and_without_javascript(new_page, browser, server, shot, make_user):
    """The grid's buttons post its one form: with htmx each answer replaces its own cell
    and total, and Enter in the late note saves it; without JavaScript the form posts and
    the grid comes back, asking for the note on the page when it must."""
    staff = make_user(role="staff")
    course = make_course(title="一张表单的点名", sessions=2, seats=10)
    now = utcnow()
    first, second = place_sessions(course, now - timedelta(days=2), now - timedelta(minutes=10))
    chen = make_application(course, make_user(name="陈佳怡"), APPROVED)
    li = make_application(course, make_user(name="李建国"), APPROVED)
    desk = new_page(DESKTOP)
    log_in(desk, staff.username)
    desk.goto(f"/manage/courses/{course.id}/attendance")
    desk.wait_for_function("() => document.readyState === 'complete' && Boolean(window.htmx)")
    desk.get_by_role("button", name=f"未签到：陈佳怡 · {second.topic}").click()
    expect(desk.get_by_role("button", name=f"已签到：陈佳怡 · {second.topic}")).to_be_visible()
    expect(desk.locator(f"#total-{chen.id}")).to_contain_text("1 / 2")
    expect(desk.locator(f"#total-{li.id}")).to_contain_text("0 / 2")
    desk.get_by_role("button", name=f"未签到：李建国 · {first.topic}").click()
    expect(desk.get_by_text("这次课已结束：补签需要填写备注。")).to_be_visible()
    desk.get_by_label("补签备注").fill("电话核实到场")
    desk.get_by_label("补签备注").press("Enter")  # Enter saves the note asked for
    expect(desk.get_by_role("button", name=f"已签到：李建国 · {first.topic}")).to_be_visible()
    expect(desk.locator(f"#total-{li.id}")).to_contain_text("1 / 2")
    shot(desk, "training-grid-one-form-zh-desktop")
    desk.get_by_role("button", name=f"已签到：陈佳怡 · {second.topic}").click()
    expect(desk.get_by_role("button", name=f"未签到：陈佳怡 · {second.topic}")).to_be_visible()
    marks = {(a.session_id, a.application_id, a.method) for a in Attendance.select()}
    assert marks == {(first.id, li.id, "late")}

    # Without JavaScript, in English: the form posts and the grid comes back.
    context = browser.new_context(
        base_url=server.url, viewport=PHONE, locale="en", java_script_enabled=False
    )
    plain = context.new_page()
    log_in(plain, staff.username)
    plain.get_by_role("button", name="English").click()
    plain.goto(f"/manage/courses/{course.id}/attendance")
    plain.get_by_role("button", name=f"Not marked: 陈佳怡 · {second.topic}").click()
    expect(plain.get_by_role("button", name=f"Present: 陈佳怡 · {second.topic}")).to_be_visible()
    plain.get_by_role("button", name=f"Not marked: 陈佳怡 · {first.topic}").click()
    expect(plain.get_by_role("heading", name="There is a problem")).to_be_visible()
    shot(plain, "training-grid-one-form-no-js-note-en-phone")
    plain.get_by_label("Note for the late sign-in").fill("Confirmed by phone")
    plain.get_by_label("Note for the late sign-in").press("Enter")
    expect(plain.get_by_role("button", name=f"Present: 陈佳怡 · {first.topic}")).to_be_visible()
    shot(plain, "training-grid-one-form-no-js-en-phone")
    late = Attendance.get(Attendance.session == first.id, Attendance.application == chen.id)
    assert late.method == "late" and late.note == "Confirmed by phone"
    context.close()


def test_staff_pages_with_the_demo_data(demo_data, new_page, shot):
    demo.seed()
    desk = new_page(DESKTOP)
    log_in(desk, "staff", "demo-staff-1")
    desk.get_by_role("navigation", name="主导航").get_by_role("link", name="培训班管理").click()
    expect(desk.get_by_role("link", name="中国注册高级商务策划师培训班")).to_be_visible()
    shot(desk, "training-manage-index-zh-desktop")
    desk.get_by_role("link", name="高级职业经理人研修班（第二期）").click()
    desk.get_by_role("link", name="点名表").click()
    expect(desk.get_by_role("heading", name="点名表")).to_be_visible()
    shot(desk, "training-grid-demo-zh-desktop")
    desk.get_by_role("link", name=re.compile("^签到码")).nth(2).click()
    expect(desk.get_by_text("签到码", exact=True)).to_be_visible()
    shot(desk, "training-session-code-zh-desktop")
    desk.go_back()
    desk.go_back()
    desk.get_by_role("link", name="修改培训班和课次").click()
    desk.get_by_role("link", name=re.compile("^编辑")).first.click()
    expect(desk.get_by_role("button", name="保存课次")).to_be_visible()
    shot(desk, "training-session-inline-edit-zh-desktop")
    desk.get_by_role("button", name="保存课次").click()
    expect(desk.get_by_role("button", name="保存课次")).to_have_count(0)
    day = (utcnow() + timedelta(days=40)).date().isoformat()
    desk.locator("#new-day").fill(day)
    desk.locator("#new-starts").fill("14:00")
    desk.locator("#new-ends").fill("17:00")
    desk.get_by_label("主题").last.fill("结业典礼")
    desk.get_by_role("button", name="添加这次课").click()
    expect(desk.get_by_role("button", name="删除 结业典礼")).to_be_visible()
    shot(desk, "training-sessions-zh-desktop")
    desk.get_by_role("button", name="English").click()
    desk.goto("/manage/applications")
    expect(desk.get_by_role("heading", name="Review applications")).to_be_visible()
    shot(desk, "training-review-en-desktop")
    desk.goto("/manage/courses")
    desk.get_by_role("link", name="高级职业经理人研修班（第一期）").click()
    desk.get_by_role("link", name="Completion and certificates").click()
    expect(desk.get_by_role("heading", name="Completion and certificates")).to_be_visible()
    shot(desk, "training-completion-demo-en-desktop")
    desk.goto("/")
    shot(desk, "training-dashboard-en-desktop")

    visitor = new_page(PHONE)
    visitor.goto("/")
    expect(visitor.get_by_role("heading", name="培训班").first).to_be_visible()
    shot(visitor, "training-home-zh-phone")
    visitor.goto("/courses")
    shot(visitor, "training-courses-zh-phone")
    visitor.get_by_role("button", name="English").click()
    visitor.get_by_role("link", name="中国注册高级商务策划师培训班").click()
    expect(visitor.get_by_role("link", name="Log in to apply")).to_be_visible()
    shot(visitor, "training-course-en-phone")


def test_staff_record_who_did_not_complete_and_the_to_do_clears(new_page, shot, make_user):
    """An ended course where one person met the rule and one did not: staff confirm the one,
    record the other as not completed (with a reason), the home page's to-do clears, and the
    person reads the decision on their own page; Chinese and English, phone and desk."""
    staff = make_user(role="staff", name="王晓红")
    met = make_user(name="李建国")
    missed = make_user(name="陈佳怡")
    course = make_course(sessions=4, first_in_days=-40, title="高级职业经理人研修班（第三期）")
    sessions = list(course.sessions.order_by(CourseSession.starts_at))
    good = make_application(course, met, APPROVED)
    poor = make_application(course, missed, APPROVED)
    for session in sessions:
        Attendance.create(session=session, application=good, method="roll_call")
    Attendance.create(session=sessions[0], application=poor, method="code")

    desk = new_page(DESKTOP)
    log_in(desk, staff.username)
    expect(desk.get_by_role("heading", name="待确认结业")).to_be_visible()
    expect(desk.get_by_text("2 人待处理")).to_be_visible()
    shot(desk, "training-to-do-zh-desktop")
    desk.get_by_role("link", name="高级职业经理人研修班（第三期）").click()
    expect(desk.get_by_role("heading", name="未达到考勤要求")).to_be_visible()
    desk.wait_for_load_state()  # app.js asks the confirmations
    desk.on("dialog", lambda dialog: dialog.accept())
    desk.get_by_role("button", name="确认结业并颁发证书").click()
    expect(desk.get_by_text("已颁发 1 张结业证书。")).to_be_visible()

    # The decision, made in the row (htmx): a reason, asked once, then the row says so.
    desk.locator(f"#decision-{poor.id} summary").click()
    desk.get_by_label("原因（选填）").fill("四次课只参加了一次")
    desk.get_by_role("button", name="记为结业未通过").click()
    row = desk.locator(f"#decision-{poor.id}")
    expect(row.get_by_role("button", name="撤销")).to_be_visible()
    expect(row.get_by_text("结业未通过", exact=True)).to_be_visible()
    expect(desk.locator(f"#status-{poor.id}")).to_contain_text("四次课只参加了一次")
    assert Application.get_by_id(poor.id).status == "not_completed"
    shot(desk, "training-not-completed-zh-desktop")

    # Undone by mistake and decided again: the row follows without a reload.
    row.get_by_role("button", name="撤销").click()
    expect(row.locator("summary")).to_contain_text("记为结业未通过")
    assert Application.get_by_id(poor.id).status == APPROVED
    row.locator("summary").click()
    row.get_by_label("原因（选填）").fill("四次课只参加了一次")
    row.get_by_role("button", name="记为结业未通过").click()
    expect(row.get_by_role("button", name="撤销")).to_be_visible()

    # The to-do has cleared.
    desk.goto("/")
    expect(desk.get_by_role("heading", name="培训班")).to_be_visible()
    expect(desk.get_by_role("heading", name="待确认结业")).to_have_count(0)
    shot(desk, "training-to-do-cleared-zh-desktop")

    phone = new_page(PHONE)
    log_in(phone, staff.username)
    phone.goto(f"/manage/courses/{course.id}/completion")
    expect(phone.get_by_role("heading", name="未达到考勤要求")).to_be_visible()
    shot(phone, "training-not-completed-zh-phone")
    phone.goto("/")
    shot(phone, "training-staff-home-zh-phone")
    phone.get_by_role("button", name="English").click()
    phone.goto(f"/manage/courses/{course.id}/completion")
    expect(phone.get_by_role("heading", name="Below the attendance rule")).to_be_visible()
    shot(phone, "training-not-completed-en-phone")
    phone.goto("/")
    shot(phone, "training-staff-home-en-phone")

    desk.get_by_role("button", name="English").click()
    desk.goto(f"/manage/courses/{course.id}/completion")
    expect(
        desk.locator(f"#decision-{poor.id}").get_by_text("Did not complete", exact=True)
    ).to_be_visible()
    shot(desk, "training-not-completed-en-desktop")
    desk.goto("/")
    shot(desk, "training-staff-home-en-desktop")

    # The person reads it on their own page.
    person = new_page(PHONE)
    log_in(person, missed.username)
    person.goto(f"/my/courses/{poor.id}")
    expect(person.get_by_text("结业未通过").first).to_be_visible()
    expect(person.get_by_text("原因：四次课只参加了一次")).to_be_visible()
    shot(person, "training-my-course-not-completed-zh-phone")
    person.get_by_role("button", name="English").click()
    person.goto(f"/my/courses/{poor.id}")
    expect(person.get_by_text("Did not complete").first).to_be_visible()
    shot(person, "training-my-course-not-completed-en-phone")
