"""Training pages through the app: applying, My courses, review, grid, completion, exports."""

import csv
import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from db.base import utcnow
from db.training import (
    APPROVED,
    COMPLETED,
    PENDING,
    REJECTED,
    WAITING,
    Application,
    Attendance,
    Certificate,
    Course,
    CourseSession,
)
from db.training.completion import confirm_completion
from tests.conftest import csrf_token_from
from tests.training_helpers import add_session, make_application, make_course, move_course

HX = {"HX-Request": "true"}
NOTE_REQUIRED_ZH = "这次课已结束：补签需要填写备注。"


def text(response):
    return response.get_data(as_text=True)


@pytest.fixture
def entrepreneur(login_as, make_enterprise):
    return login_as("entrepreneur", name="李建国", enterprise=make_enterprise(name="绿地建设集团"))


@pytest.fixture
def staff(login_as):
    return login_as("staff")


# --- The public side and applying ---


def test_course_list_and_page_show_what_matters(client, make_user):
    course = make_course(
        seats=5,
        title="高级职业经理人研修班",
        institution="职业经理人研修院",
        lecturers="周教授",
        eligibility_note="联建单位中高层管理人员",
    )
    make_application(course, make_user(), APPROVED)
    make_course(title="未发布的课程", published=False)
    page = text(client.get("/courses"))
    assert "高级职业经理人研修班" in page and "职业经理人研修院" in page
    assert "剩余 4 个名额（共 5 个）" in page or "4 of 5 seats left" in page
    assert "未发布的课程" not in page
    detail = text(client.get(f"/courses/{course.id}"))
    for expected in ("周教授", "联建单位中高层管理人员", "第", "登录后报名"):
        assert expected in detail


def test_guests_are_sent_to_log_in_before_applying(client):
    course = make_course()
    response = client.get(f"/courses/{course.id}/apply")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_apply_twice_creates_one_application(entrepreneur):
    course = make_course(questions="企业主营业务？")
    form = entrepreneur.get(f"/courses/{course.id}/apply")
    assert "企业主营业务？" in text(form)
    data = dict(position="总经理", motivation="学习管理", q0="咨询", consent="y")
    first = entrepreneur.post(f"/courses/{course.id}/apply", data=data)
    second = entrepreneur.post(f"/courses/{course.id}/apply", data=data)
    assert first.status_code == 302 and second.status_code == 302
    application = Application.get()
    assert first.headers["Location"] == f"/my/courses/{application.id}?applied=1"
    assert second.headers["Location"] == f"/my/courses/{application.id}"
    assert application.language == "zh_CN"
    assert Application.select().count() == 1
    page = text(entrepreneur.get(first.headers["Location"]))
    assert "报名已提交" in page or "Your application has been sent" in page


def test_apply_with_gaps_answers_422_next_to_the_fields(entrepreneur):
    course = make_course(questions="企业主营业务？")
    response = entrepreneur.post(f"/courses/{course.id}/apply", data=dict(position="经理"))
    assert response.status_code == 422
    page = text(response)
    assert 'class="error-summary"' in page and 'id="q0-error"' in page
    assert 'id="consent-error"' in page
    assert Application.select().count() == 0


def test_my_courses_shows_each_status(entrepreneur):
    user = entrepreneur.user
    waiting_course = make_course(title="候补课程", seats=1)
    make_application(waiting_course, user, WAITING, number=3)
    make_application(waiting_course, _other(), WAITING, number=1)
    rejected = make_application(make_course(title="被拒课程"), user, REJECTED, reason="名额已满")
    listing = text(entrepreneur.get("/my/courses"))
    assert "候补课程" in listing and "被拒课程" in listing
    # The list itself says where the person stands and why they were not accepted.
    assert "候补第 2 位" in listing
    assert "原因：名额已满" in listing
    waiting = Application.get(Application.user == user.id, Application.status == WAITING)
    page = text(entrepreneur.get(f"/my/courses/{waiting.id}"))
    assert "候补第 2 位" in page or "Number 2 on the waiting list" in page
    assert "名额已满" in text(entrepreneur.get(f"/my/courses/{rejected.id}"))


def _other():
    from db.accounts import User

    return User.create(
        username="13900009999",
        name="其他人",
        mobile="13900009999",
        role="entrepreneur",
        password_hash="x",
    )


def test_timetable_download_and_attendance_so_far(entrepreneur):
    course = make_course(sessions=3, first_in_days=-8, completion_share=80)
    application = make_application(course, entrepreneur.user, APPROVED)
    first = course.sessions.order_by(CourseSession.starts_at).first()
    Attendance.create(session=first, application=application, method="code")
    page = text(entrepreneur.get(f"/my/courses/{application.id}"))
    # 3 sessions at 80%: attended 1, needs 3 (80% of 3, rounded up).
    assert "截至目前，您出勤 1 次，共 3 次课。结业需要出勤 3 次（80%）。" in page
    assert re.search(r'<progress[^>]*max="3" value="1"', page)
    assert "出席" in page or "Present" in page
    ics = entrepreneur.get(f"/my/courses/{application.id}/calendar.ics")
    assert ics.mimetype == "text/calendar"
    body = text(ics)
    assert body.count("BEGIN:VEVENT") == 3 and "测试培训班" in body


def test_withdraw_before_the_start(entrepreneur):
    course = make_course(seats=1)
    application = make_application(course, entrepreneur.user, APPROVED)
    waiting = make_application(course, _other(), WAITING, number=1)
    response = entrepreneur.post(f"/my/courses/{application.id}/withdraw")
    assert response.status_code == 302
    assert Application.get_by_id(application.id).status == "withdrawn"
    assert Application.get_by_id(waiting.id).status == APPROVED


def test_sign_in_by_code_from_a_phone(entrepreneur):
    course = make_course(sessions=0)
    session = add_session(course, utcnow() + timedelta(minutes=20), topic="开班仪式")
    make_application(course, entrepreneur.user, APPROVED)
    page = text(entrepreneur.get(f"/courses/sign-in?code={session.code}"))
    assert session.code in page and "开班仪式" in page
    wrong = entrepreneur.post("/courses/sign-in", data={"code": "AAAA2222"})
    assert wrong.status_code == 422 and 'id="code-error"' in text(wrong)
    right = entrepreneur.post("/courses/sign-in", data={"code": session.code.lower()})
    assert right.status_code == 200 and "开班仪式" in text(right)
    assert Attendance.get().method == "code"


# --- Certificates: print and public verification ---


@pytest.fixture
def certificate(entrepreneur):
    course = make_course(sessions=1, first_in_days=-10, title="商务策划师培训班")
    application = make_application(course, entrepreneur.user, APPROVED)
    Attendance.create(session=course.sessions[0], application=application, method="roll_call")
    (issued,) = confirm_completion(course.id, [application.id])
    return issued


def test_holder_prints_the_certificate_with_its_qr(entrepreneur, certificate):
    page = text(entrepreneur.get(f"/certificates/{certificate.number}/print"))
    assert certificate.number in page and "李建国" in page and "绿地建设集团" in page
    assert "<svg" in page and f"/certificates/{certificate.number}" in page
    mine = Application.get_by_id(certificate.application_id)
    assert mine.status == COMPLETED
    assert certificate.number in text(entrepreneur.get(f"/my/courses/{mine.id}"))


def test_another_entrepreneur_cannot_print_it(certificate, login_as):
    other = login_as("entrepreneur")
    assert other.get(f"/certificates/{certificate.number}/print").status_code == 404


def test_public_verification_masks_the_name_and_shows_nothing_else(client, certificate):
    page = text(client.get(f"/certificates/{certificate.number}"))
    assert "李*国" in page and "李建国" not in page
    assert "绿地建设集团" not in page and "139" not in page
    assert "商务策划师培训班" in page and ("有效" in page or "Valid" in page)
    certificate.revoked_at = utcnow()
    certificate.save()
    assert "已撤销" in text(client.get(f"/certificates/{certificate.number}")) or "Revoked" in text(
        client.get(f"/certificates/{certificate.number}")
    )
    missing = client.get("/certificates/PX-1999-0001")
    assert missing.status_code == 404


def test_the_kiosk_may_verify(login_as, certificate):
    kiosk = login_as("kiosk")
    assert kiosk.get(f"/certificates/{certificate.number}").status_code == 200


def test_staff_revoke_with_a_reason(staff, certificate):
    empty = staff.post(f"/manage/certificates/{certificate.number}/revoke", data={"reason": ""})
    assert empty.status_code == 422
    done = staff.post(
        f"/manage/certificates/{certificate.number}/revoke", data={"reason": "信息有误"}
    )
    assert done.status_code == 302
    assert Certificate.get_by_id(certificate.id).revoke_reason == "信息有误"


# --- Staff: courses and sessions ---


def test_create_a_course_then_add_edit_remove_sessions_inline(staff):
    bad = staff.post("/manage/courses/new", data={"title": "", "seats": "0"})
    assert bad.status_code == 422 and 'id="title-error"' in text(bad)
    created = staff.post(
        "/manage/courses/new",
        data=dict(
            title="新开课程",
            institution="培训中心",
            seats="20",
            completion_share="80",
            review_required="y",
            published="y",
        ),
    )
    course = Course.get()
    assert created.status_code == 302 and course.review_required and course.published
    day = (utcnow() + timedelta(days=10)).date().isoformat()
    data = {
        "new-day": day,
        "new-starts": "09:00",
        "new-ends": "12:00",
        "new-topic": "开班",
        "new-room": "201",
    }
    added = staff.post(f"/manage/courses/{course.id}/sessions", data=data, headers=HX)
    assert added.status_code == 200 and "开班" in text(added)
    assert "<html" not in text(added)  # the sessions block alone
    session = CourseSession.get()
    assert session.starts_at.hour == 1  # 09:00 in Shanghai is 01:00 UTC
    backwards = dict(data, **{"new-ends": "08:00"})
    refused = staff.post(f"/manage/courses/{course.id}/sessions", data=backwards, headers=HX)
    assert refused.status_code == 422 and 'id="new-ends-error"' in text(refused)
    editor = staff.get(f"/manage/courses/{course.id}/edit?session={session.id}", headers=HX)
    assert 'id="edit-topic"' in text(editor)
    edit = {
        "edit-day": day,
        "edit-starts": "14:00",
        "edit-ends": "17:00",
        "edit-topic": "开班仪式",
        "edit-room": "301",
    }
    saved = staff.post(f"/manage/sessions/{session.id}", data=edit, headers=HX)
    assert saved.status_code == 200 and "开班仪式" in text(saved)
    removed = staff.post(f"/manage/sessions/{session.id}/delete", headers=HX)
    assert removed.status_code == 200 and CourseSession.select().count() == 0


def test_single_line_fields_lose_line_breaks_and_control_characters(staff, entrepreneur):
    created = staff.post(
        "/manage/courses/new",
        data=dict(
            title="  新开\r\n课程\x07\t第一期 ",
            institution="培训\n中心",
            lecturers="张老师\r\n李老师",
            seats="20",
            completion_share="80",
            questions="所在\t行业？\r\n\r\n主营\x1f业务？",
            description="第一段\n第二段",
            published="y",
        ),
    )
    assert created.status_code == 302
    course = Course.get()
    assert course.title == "新开 课程 第一期"
    assert (course.institution, course.lecturers) == ("培训 中心", "张老师 李老师")
    assert course.questions == "所在 行业？\n主营 业务？"
    assert course.description == "第一段\n第二段"  # a text area keeps its lines
    day = (utcnow() + timedelta(days=10)).date().isoformat()
    data = {
        "new-day": day,
        "new-starts": "09:00",
        "new-ends": "12:00",
        "new-topic": "开班\r\n仪式",
        "new-room": "2\x1b01",
    }
    staff.post(f"/manage/courses/{course.id}/sessions", data=data, headers=HX)
    session = CourseSession.get()
    assert (session.topic, session.room) == ("开班 仪式", "2 01")
    response = entrepreneur.post(
        f"/courses/{course.id}/apply",
        data=dict(position="总\n经理", motivation="学习", q0="物流", q1="咨询", consent="y"),
    )
    assert response.status_code == 302
    assert Application.get().position == "总 经理"
    # The export's file name and sheet carry the title on one line.
    export = staff.get(f"/manage/courses/{course.id}/export/roster.csv")
    assert export.status_code == 200
    assert "%0A" not in export.headers["Content-Disposition"]


def test_lowering_seats_below_those_approved_is_refused(staff):
    course = make_course(seats=2)
    make_application(course, _other(), APPROVED)
    make_application(course, _second(), APPROVED)
    data = dict(title=course.title, institution="机构", seats="1", completion_share="80")
    response = staff.post(f"/manage/courses/{course.id}/edit", data=data)
    assert response.status_code == 422 and 'id="seats-error"' in text(response)


def _second():
    from db.accounts import User

    return User.create(
        username="13900008888",
        name="第二人",
        mobile="13900008888",
        role="entrepreneur",
        password_hash="x",
    )


# --- Staff: review ---


def test_review_queue_shows_what_staff_need_and_decides_many(staff, make_user, make_enterprise):
    enterprise = make_enterprise(name="宝华集团")
    person = make_user(name="陈佳怡", enterprise=enterprise)
    earlier = make_course(title="第一期", first_in_days=-60, sessions=1)
    make_application(earlier, person, COMPLETED)
    course = make_course(title="第二期", seats=1)
    first = make_application(course, person, PENDING, motivation="想系统学习")
    second = make_application(course, make_user(), PENDING)
    page = text(staff.get("/manage/applications"))
    for expected in ("陈佳怡", "宝华集团", "经理", "想系统学习", "第一期"):
        assert expected in page
    no_reason = staff.post(
        "/manage/applications/decide",
        data={"application": [first.id], "action": "reject", "reason": ""},
    )
    assert no_reason.status_code == 422 and 'id="reason-error"' in text(no_reason)
    done = staff.post(
        "/manage/applications/decide",
        data={"application": [first.id, second.id], "action": "approve"},
    )
    assert done.status_code == 302
    assert Application.get_by_id(first.id).status == APPROVED
    assert Application.get_by_id(second.id).status == WAITING
    again = staff.post(
        "/manage/applications/decide",
        data={"application": [first.id], "action": "approve"},
        follow_redirects=True,
    )
    assert "已处理" in text(again) or "already decided" in text(again)


def test_review_queue_filters_by_course_for_htmx(staff, make_user):
    one, two = make_course(title="课程甲"), make_course(title="课程乙")
    make_application(one, make_user(name="甲学员"), PENDING)
    make_application(two, make_user(name="乙学员"), PENDING)
    fragment = text(staff.get(f"/manage/applications?course={one.id}", headers=HX))
    assert "甲学员" in fragment and "乙学员" not in fragment and "<html" not in fragment


# --- Staff: the roll-call grid ---


def test_grid_cell_toggles_at_once_and_updates_the_total(staff, make_user):
    course = make_course(sessions=0)
    session = add_session(course, utcnow() - timedelta(minutes=10))
    add_session(course, utcnow() + timedelta(days=7))
    application = make_application(course, make_user(name="王学员"), APPROVED)
    grid = text(staff.get(f"/manage/courses/{course.id}/attendance"))
    assert "王学员" in grid and f'id="cell-{session.id}-{application.id}"' in grid
    url = f"/manage/sessions/{session.id}/attendance/{application.id}"
    on = staff.post(url, data={"present": "1"}, headers=HX)
    assert on.status_code == 200
    body = text(on)
    assert f'id="cell-{session.id}-{application.id}"' in body and 'aria-pressed="true"' in body
    assert f'id="total-{application.id}"' in body and 'hx-swap-oob="true"' in body
    assert "1 / 2" in body
    off = staff.post(url, data={"present": "0"}, headers=HX)
    assert 'aria-pressed="false"' in text(off) and Attendance.select().count() == 0


def test_a_late_mark_in_the_grid_asks_for_a_note(staff, make_user):
    course = make_course(sessions=0)
    session = add_session(course, utcnow() - timedelta(days=2))
    application = make_application(course, make_user(), APPROVED)
    url = f"/manage/sessions/{session.id}/attendance/{application.id}"
    note_field = f'name="note-{session.id}-{application.id}"'
    ask = staff.post(url, data={"present": "1"}, headers=HX)
    assert ask.status_code == 422 and note_field in text(ask)
    done = staff.post(url, data={"present": "1", "note": "电话确认到场"}, headers=HX)
    assert done.status_code == 200
    mark = Attendance.get()
    assert mark.method == "late" and mark.note == "电话确认到场"
    cancel = staff.get(url, headers=HX)
    assert cancel.status_code == 200 and note_field not in text(cancel)
    # The cell alone is for htmx: a plain visit of its URL goes to the grid.
    plain = staff.get(url)
    assert plain.status_code == 302
    assert plain.headers["Location"].endswith(f"/manage/courses/{course.id}/attendance")


def test_a_late_mark_without_javascript_asks_for_the_note_on_the_page(staff, make_user):
    course = make_course(sessions=0)
    session = add_session(course, utcnow() - timedelta(days=2))
    other = add_session(course, utcnow() - timedelta(days=1))
    application = make_application(course, make_user(name="迟到学员"), APPROVED)
    url = f"/manage/sessions/{session.id}/attendance/{application.id}"
    ask = staff.post(url, data={"present": "1"})  # a plain form post, no HX-Request
    assert ask.status_code == 422
    page = text(ask)
    assert "<html" in page and "迟到学员" in page  # the whole grid
    key = f"{session.id}-{application.id}"
    assert page.count('name="note-') == 1  # only the cell tapped asks
    cell = page.split(f'id="cell-{key}"')[1].split("</td>")[0]
    assert f'name="note-{key}"' in cell and f'name="mark" value="{key}"' in cell
    # The cell sits in the grid's one form, which posts to the grid.
    grid = f"/manage/courses/{course.id}/attendance"
    assert f'<form id="grid-form" method="post" action="{grid}"' in page
    assert NOTE_REQUIRED_ZH in cell
    assert 'class="error-summary"' in page
    assert f'href="#note-{key}"' in page
    assert f'href="{grid}"' in cell  # cancel works without JS
    assert f'id="cell-{other.id}-{application.id}"' in page
    assert Attendance.select().count() == 0
    # Enter in the note field saves it: the form's first submit button is this cell's.
    first_button = page.split('id="grid-form"')[1].split("<button")[1].split(">")[0]
    assert f'name="mark" value="{key}"' in first_button and "disabled" not in first_button
    # The note posted from that form saves the late mark and returns to the grid.
    done = staff.post(grid, data={"mark": key, f"note-{key}": "电话确认到场"})
    assert done.status_code == 302
    assert done.headers["Location"].endswith(grid)
    mark = Attendance.get()
    assert mark.method == "late" and mark.note == "电话确认到场"
    # A note too long keeps what was typed.
    Attendance.delete().execute()
    long = staff.post(grid, data={"mark": key, f"note-{key}": "长" * 301})
    assert long.status_code == 422 and 'value="' + "长" * 301 + '"' in text(long)


# --- Staff: the grid and the queue are one form each ---


def test_the_grid_is_one_form_with_one_csrf_token(staff, make_user):
    """However many cells, the grid is one POST form with one token; each cell's button
    carries `mark` or `unmark` and the cell (no URL, form or token a cell)."""
    course = make_course(sessions=0)
    held = add_session(course, utcnow() - timedelta(minutes=10))
    later = add_session(course, utcnow() + timedelta(days=7))
    people = [make_application(course, make_user(), APPROVED) for _ in range(12)]
    Attendance.create(session=held, application=people[0], method="roll_call")
    page = text(staff.get(f"/manage/courses/{course.id}/attendance"))
    grid = page.split('id="grid-form"')[1].split("</form>")[0]
    assert page.count('id="grid-form"') == 1 and "<form" not in grid
    assert page.count('name="csrf_token"') == grid.count('name="csrf_token"') + 2  # header
    assert grid.count('name="csrf_token"') == 1
    assert "/attendance/" not in grid.split("<tbody>")[1]  # no URL a cell
    assert f'name="unmark" value="{held.id}-{people[0].id}"' in grid
    assert f'name="mark" value="{held.id}-{people[1].id}"' in grid
    assert f'id="cell-{later.id}-{people[1].id}"' in grid
    assert f'value="{later.id}-{people[1].id}"' not in grid  # not open yet: no button
    # Enter with no note asked for submits nothing: the first button is a disabled one.
    assert "disabled" in grid.split("<button")[1].split(">")[0]


def test_a_cell_button_posts_its_cell_through_the_one_form(staff, make_user):
    course = make_course(sessions=0)
    session = add_session(course, utcnow() - timedelta(minutes=10))
    add_session(course, utcnow() + timedelta(days=7))
    first = make_application(course, make_user(name="甲学员"), APPROVED)
    second = make_application(course, make_user(name="乙学员"), APPROVED)
    grid = f"/manage/courses/{course.id}/attendance"
    key = f"{session.id}-{first.id}"
    # With htmx: the cell and its row's total, named for the swap.
    on = staff.post(grid, data={"mark": key}, headers=HX)
    body = text(on)
    assert on.status_code == 200
    assert on.headers["HX-Retarget"] == f"#cell-{key}" and on.headers["HX-Reswap"] == "outerHTML"
    assert body.lstrip().startswith(f'<td id="cell-{key}"') and 'aria-pressed="true"' in body
    assert f'name="unmark" value="{key}"' in body and "甲学员" in body
    assert f'id="total-{first.id}"' in body and "1 / 2" in body
    assert [(a.session_id, a.application_id) for a in Attendance.select()] == [
        (session.id, first.id)
    ]
    # Without JavaScript: the form posts and the grid comes back (the same page of it).
    off = staff.post(grid, data={"unmark": key, "page": "2"})
    assert off.status_code == 302 and off.headers["Location"].endswith(f"{grid}?page=2")
    assert Attendance.select().count() == 0
    plain = staff.post(grid, data={"mark": f"{session.id}-{second.id}"})
    assert plain.status_code == 302 and plain.headers["Location"].endswith(grid)
    assert Attendance.get().application_id == second.id


def test_a_late_mark_through_the_one_form_asks_for_the_cells_note(staff, make_user):
    course = make_course(sessions=0)
    session = add_session(course, utcnow() - timedelta(days=2))
    application = make_application(course, make_user(), APPROVED)
    grid = f"/manage/courses/{course.id}/attendance"
    key = f"{session.id}-{application.id}"
    ask = staff.post(grid, data={"mark": key}, headers=HX)
    body = text(ask)
    assert ask.status_code == 422 and ask.headers["HX-Retarget"] == f"#cell-{key}"
    assert f'name="note-{key}"' in body and NOTE_REQUIRED_ZH in body
    # The form's default button now saves this note (Enter in the field), out of band.
    default = body.split('id="grid-default"')[1].split(">")[0]
    assert f'name="mark" value="{key}"' in default and 'hx-swap-oob="true"' in default
    # A note typed beside another cell is not this cell's note.
    other = staff.post(grid, data={"mark": key, "note-0-0": "别处的说明"}, headers=HX)
    assert other.status_code == 422 and Attendance.select().count() == 0
    done = staff.post(grid, data={"mark": key, f"note-{key}": "电话确认到场"}, headers=HX)
    assert done.status_code == 200 and "disabled" in text(done).split('id="grid-default"')[1]
    mark = Attendance.get()
    assert mark.method == "late" and mark.note == "电话确认到场"


def test_the_grid_form_refuses_a_cell_of_another_course(staff, make_user):
    """IDOR: the grid of one course reaches only its own sessions and people; a session or
    person of another course, a made-up cell or no button is refused and marks nothing."""
    course, other = make_course(sessions=0), make_course(sessions=0)
    own_session = add_session(course, utcnow() - timedelta(minutes=10))
    their_session = add_session(other, utcnow() - timedelta(minutes=10))
    own = make_application(course, make_user(), APPROVED)
    theirs = make_application(other, make_user(), APPROVED)
    grid = f"/manage/courses/{course.id}/attendance"
    for cell in (
        f"{their_session.id}-{theirs.id}",
        f"{own_session.id}-{theirs.id}",
        f"{their_session.id}-{own.id}",
        "999999-999999",
        f"{own_session.id}",
        "x-y",
        "",
    ):
        for headers in ({}, HX):
            response = staff.post(grid, data={"mark": cell}, headers=headers)
            assert response.status_code == 404, (cell, headers)
    for data in (
        {},
        {"mark": f"{own_session.id}-{own.id}", "unmark": f"{own_session.id}-{own.id}"},
    ):
        assert staff.post(grid, data=data).status_code == 400
    cell = f"{own_session.id}-{own.id}"
    assert staff.post("/manage/courses/999999/attendance", data={"mark": cell}).status_code == 404
    assert Attendance.select().count() == 0


def test_the_grid_form_needs_the_pages_csrf_token(app, login_as, make_user):
    staff = login_as("staff")
    app.config["WTF_CSRF_ENABLED"] = True
    course = make_course(sessions=0)
    session = add_session(course, utcnow() - timedelta(minutes=10))
    application = make_application(course, make_user(), APPROVED)
    grid = f"/manage/courses/{course.id}/attendance"
    data = {"mark": f"{session.id}-{application.id}"}
    assert staff.post(grid, data=data).status_code == 400
    page = text(staff.get(grid)).split('id="grid-form"')[1]
    done = staff.post(grid, data=data | {"csrf_token": csrf_token_from(page)})
    assert done.status_code == 302 and Attendance.select().count() == 1


def test_the_review_queue_is_one_form_with_one_csrf_token(app, login_as, make_user):
    staff = login_as("staff")
    app.config["WTF_CSRF_ENABLED"] = True  # the form's token is rendered only then
    course = make_course(seats=40)
    chosen = [make_application(course, make_user(), PENDING) for _ in range(15)]
    page = text(staff.get("/manage/applications"))
    queue = page.split('<div id="queue">')[1]
    assert queue.count("<form") == 1 and queue.count('name="csrf_token"') == 1
    for application in chosen:
        assert f'name="application" value="{application.id}"' in queue
    fragment = text(staff.get(f"/manage/applications?course={course.id}", headers=HX))
    assert fragment.count("<form") == 1 and fragment.count('name="csrf_token"') == 1


def test_a_queue_for_one_course_refuses_an_application_of_another(staff, make_user):
    """IDOR: a decision posted for one course (its filtered queue, its roster) decides
    applications of that course only; with another course's id in it nothing is decided."""
    course, other = make_course(title="课程甲"), make_course(title="课程乙")
    own = make_application(course, make_user(), PENDING)
    theirs = make_application(other, make_user(), PENDING)
    for origin in ("review", "course"):
        response = staff.post(
            "/manage/applications/decide",
            data={
                "application": [str(own.id), str(theirs.id)],
                "action": "approve",
                "course": str(course.id),
                "from": origin,
            },
        )
        assert response.status_code == 404
    assert Application.get_by_id(own.id).status == PENDING
    assert Application.get_by_id(theirs.id).status == PENDING
    # The same form with only the course's own application decides it.
    done = staff.post(
        "/manage/applications/decide",
        data={"application": str(own.id), "action": "approve", "course": str(course.id)},
    )
    assert done.status_code == 302 and Application.get_by_id(own.id).status == APPROVED


# --- Staff: completion and exports ---


def test_completion_lists_who_met_the_rule_and_issues_certificates(staff, make_user):
    course = make_course(sessions=2, first_in_days=1, completion_share=100)
    good = make_application(course, make_user(name="全勤学员"), APPROVED)
    poor = make_application(course, make_user(name="缺课学员"), APPROVED)
    sessions = move_course(course, utcnow() - timedelta(days=20))
    for session in sessions:
        Attendance.create(session=session, application=good, method="roll_call")
    Attendance.create(session=sessions[0], application=poor, method="roll_call")
    page = text(staff.get(f"/manage/courses/{course.id}/completion"))
    assert f'value="{good.id}"' in page and f'value="{poor.id}"' not in page
    response = staff.post(
        f"/manage/courses/{course.id}/completion", data={"application": [good.id, poor.id]}
    )
    assert response.status_code == 302
    assert [c.application_id for c in Certificate.select()] == [good.id]


def test_issuing_certificates_asks_once_naming_how_many(staff, make_user):
    course = make_course(sessions=1, first_in_days=-10, completion_share=100)
    people = [make_application(course, make_user(), APPROVED) for _ in range(3)]
    absent = make_application(course, make_user(), APPROVED)
    for application in people:
        Attendance.create(session=course.sessions[0], application=application, method="code")
    page = text(staff.get(f"/manage/courses/{course.id}/completion"))
    button = re.search(r"<button[^>]*data-issue-count[^>]*>", page).group(0)
    confirm = re.search(r'data-confirm="([^"]*)"', button).group(1)
    assert "现在为 3 人颁发结业证书" in confirm
    assert "{num}" in re.search(r'data-confirm-template="([^"]*)"', button).group(1)
    assert "js/training.js" in page  # keeps the number in step with the ticked boxes
    assert f'value="{absent.id}"' not in page
    # Before the last session ends there is nothing to confirm, so nothing asks.
    upcoming = make_course(sessions=1)
    assert "data-issue-count" not in text(staff.get(f"/manage/courses/{upcoming.id}/completion"))


def test_session_edits_are_refused_with_a_reason(staff, make_user):
    course = make_course(sessions=1, first_in_days=-10)
    (session,) = list(course.sessions)
    application = make_application(course, make_user(), APPROVED)
    Attendance.create(session=session, application=application, method="code")
    future = (utcnow() + timedelta(days=5)).date().isoformat()
    edit = {
        "edit-day": future,
        "edit-starts": "09:00",
        "edit-ends": "12:00",
        "edit-topic": "改到以后",
        "edit-room": "301",
    }
    moved = staff.post(f"/manage/sessions/{session.id}", data=edit, headers=HX)
    assert moved.status_code == 422
    assert "这次课已经考勤（1 条记录）" in text(moved) and 'id="edit-day-error"' in text(moved)
    confirm_completion(course.id, [application.id])
    added = staff.post(
        f"/manage/courses/{course.id}/sessions",
        data={"new-day": future, "new-starts": "09:00", "new-ends": "12:00", "new-topic": "加课"},
        headers=HX,
    )
    assert added.status_code == 422 and "已为这门课颁发结业证书" in text(added)
    removed = staff.post(f"/manage/sessions/{session.id}/delete", follow_redirects=True)
    assert "已为这门课颁发结业证书" in text(removed)
    assert CourseSession.select().where(CourseSession.course == course.id).count() == 1
    # The edit page says so up front and offers no session controls.
    editor = text(staff.get(f"/manage/courses/{course.id}/edit"))
    assert "已为这门课颁发结业证书" in editor
    assert f"/manage/sessions/{session.id}/delete" not in editor
    assert f"/manage/courses/{course.id}/sessions" not in editor


def test_exports_are_formula_safe(staff, make_user):
    course = make_course(sessions=2, first_in_days=-20)
    person = make_user(name="=HYPERLINK(1)")
    application = make_application(course, person, APPROVED)
    Attendance.create(session=course.sessions[0], application=application, method="code")
    roster = staff.get(f"/manage/courses/{course.id}/export/roster.csv")
    rows = list(csv.reader(io.StringIO(text(roster).lstrip("\ufeff"))))
    assert rows[1][0] == "'=HYPERLINK(1)"
    for kind in ("roster.xlsx", "attendance.xlsx", "completion.xlsx"):
        response = staff.get(f"/manage/courses/{course.id}/export/{kind}")
        sheet = load_workbook(io.BytesIO(response.data)).active
        assert sheet.cell(row=2, column=1).value == "'=HYPERLINK(1)", kind
    matrix = load_workbook(
        io.BytesIO(staff.get(f"/manage/courses/{course.id}/export/attendance.xlsx").data)
    ).active
    assert matrix.max_column == 2 + 2 + 3
    assert matrix.cell(row=2, column=5).value == 1  # attended
    completion = text(staff.get(f"/manage/courses/{course.id}/export/completion.csv"))
    completion_rows = list(csv.reader(io.StringIO(completion.lstrip("\ufeff"))))
    assert completion_rows[1][0] == "'=HYPERLINK(1)"
    assert staff.get(f"/manage/courses/{course.id}/export/other.pdf").status_code == 404


def test_export_names_and_sheets_are_in_the_users_language(staff, make_user):
    from urllib.parse import unquote

    course = make_course(sessions=1, first_in_days=-20, title="经理人研修班")
    make_application(course, make_user(), APPROVED)
    expected = {
        "roster.csv": "经理人研修班-学员名单.csv",
        "roster.xlsx": "经理人研修班-学员名单.xlsx",
        "attendance.xlsx": "经理人研修班-考勤记录.xlsx",
        "completion.csv": "经理人研修班-结业名单.csv",
        "completion.xlsx": "经理人研修班-结业名单.xlsx",
    }
    for kind, filename in expected.items():
        response = staff.get(f"/manage/courses/{course.id}/export/{kind}")
        disposition = response.headers["Content-Disposition"]
        assert unquote(disposition.split("filename*=UTF-8''")[1]) == filename, kind
        if kind.endswith(".xlsx"):
            sheet = load_workbook(io.BytesIO(response.data)).active
            assert sheet.title == filename.split("-")[1].removesuffix(".xlsx"), kind
    english = staff.get(
        f"/manage/courses/{course.id}/export/attendance.xlsx",
        headers={"Accept-Language": "en"},
    )
    assert english.status_code == 200


def test_personal_data_export_names_statuses_and_methods(staff, make_user):
    person = make_user(mobile="13800007602", name="赵敏")
    course = make_course(sessions=1, first_in_days=-20)
    application = make_application(course, person, APPROVED)
    Attendance.create(session=course.sessions[0], application=application, method="roll_call")
    page = text(staff.post("/staff/personal-data/", data={"mobile": "13800007602"}))
    assert "<dd>已通过</dd>" in page and "<dd>点名</dd>" in page
    assert "<dd>approved</dd>" not in page and "<dd>roll_call</dd>" not in page
    download = staff.post("/staff/personal-data/export", data={"mobile": "13800007602"})
    cells = {
        cell.value
        for sheet in load_workbook(io.BytesIO(download.data)).worksheets
        for row in sheet.iter_rows()
        for cell in row
    }
    assert {"已通过", "点名"} <= cells and not {"approved", "roll_call"} & cells


# --- Home pages and demo data ---


def test_home_section_dashboard_panel_and_nav(client, staff, login_as, make_user):
    course = make_course(title="公开报名的课程")
    make_application(course, make_user(), PENDING)
    today = add_session(make_course(title="今日课程", sessions=0), utcnow() + timedelta(minutes=1))
    home = text(client.get("/"))
    assert "公开报名的课程" in home and 'href="/courses"' in home
    dashboard = text(staff.get("/"))
    assert "公开报名的课程" in dashboard and today.code not in dashboard
    assert f"/manage/sessions/{today.id}/code" in dashboard
    # The kiosk lists open courses with a QR code to apply on a phone, not a link it can't open.
    kiosk = text(login_as("kiosk").get("/kiosk/courses"))
    assert "公开报名的课程" in kiosk and f'href="/courses/{course.id}"' not in kiosk


def test_demo_courses_are_in_their_phases(demo_data, app):
    from db import demo
    from db.training.queries import timing

    demo.seed()
    now = utcnow()
    phases = {}
    for course in Course.select():
        t = timing(course)
        phases[course.title] = (
            "finished" if t.has_ended(now) else "running" if t.has_started(now) else "upcoming"
        )
    assert phases == {
        "高级职业经理人研修班（第一期）": "finished",
        "高级职业经理人研修班（第二期）": "running",
        "中国注册高级商务策划师培训班": "upcoming",
    }
    assert Certificate.select().count() >= 5
    li = Application.select().join(Course).where(Course.title == "中国注册高级商务策划师培训班")
    assert li.where(Application.status == PENDING).count() >= 1
    assert demo.seed() is False


def test_training_catalog_agrees_with_the_other_modules():
    """Catalogs are merged at run time: a message shared with another module must read the
    same, or one module's wording would silently replace the other's."""
    from pathlib import Path

    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parent.parent / "translations"

    def load(module):
        with (root / module / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po").open("rb") as f:
            return {m.id: m.string for m in read_po(f) if m.id}

    ours = load("training")
    for module in sorted(p.name for p in root.iterdir() if (p / "SOURCES").exists()):
        if module == "training":
            continue
        theirs = load(module)
        clashes = [k for k in ours if k in theirs and theirs[k] and theirs[k] != ours[k]]
        assert not clashes, f"training and {module} translate differently: {clashes[:5]}"


def test_pages_keep_a_query_budget(staff, make_user, query_counter):
    course = make_course(questions="问题？", seats=40)
    for n in range(25):
        make_application(course, make_user(), PENDING if n % 2 else APPROVED)
    budgets = {
        "/manage/applications": 10,
        f"/manage/courses/{course.id}": 10,
        f"/manage/courses/{course.id}/attendance": 10,
        f"/manage/courses/{course.id}/completion": 10,
        "/": 16,
    }
    for url, budget in budgets.items():
        with query_counter() as counter:
            response = staff.get(url)
        assert response.status_code == 200, url
        assert counter.count <= budget, (url, counter.count, counter.statements)


def test_dashboard_lists_courses_ready_for_completion(staff, make_user):
    course = make_course(title="已结束的课程", sessions=1, first_in_days=-5)
    make_application(course, make_user(), APPROVED)
    page = text(staff.get("/"))
    assert "待确认结业" in page and f"/manage/courses/{course.id}/completion" in page
