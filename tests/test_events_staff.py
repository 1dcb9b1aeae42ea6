"""Events, staff side: creating and running events, the registrations list and its decisions,
walk-ins, the door, exports, the sign-in sheet, attendance figures and the dashboard."""

import csv
import io
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook

from db.audit import AuditEntry
from db.base import utcnow
from db.events import (
    CANCELLED,
    CONFIRMED,
    PENDING,
    REJECTED,
    WAITING,
    Event,
    EventError,
    Registration,
    registrations,
)
from db.notices import Notice
from tests.conftest import csrf_token_from
from tests.events_support import guest, later_today, new_event

HTMX = {"HX-Request": "true"}


@pytest.fixture
def staff(login_as):
    """A client signed in as staff."""
    return login_as("staff")


def register(event, n, **overrides):
    """Register invented guest n; return the registration."""
    return registrations.register(event.id, guest(n, **overrides))[0]


def event_form(**overrides):
    """A complete, valid event form (times in Shanghai)."""
    form = {
        "kind": "report",
        "title": "经济时事报告会",
        "description": "第一行\n第二行",
        "venue": "二楼会议室",
        "starts_at": "2030-05-20T14:00",
        "ends_at": "2030-05-20T16:30",
        "seats": "30",
        "opens_at": "",
        "closes_at": "2030-05-19T18:00",
        "audience_note": "联建单位",
        "questions-0-label": "关注议题",
        "questions-0-kind": "choice",
        "questions-0-choices": "宏观经济\n产业政策",
        "questions-0-required": "y",
        "questions-1-label": "",
        "questions-1-kind": "text",
    }
    form.update(overrides)
    return form


# --- Creating and running events --------------------------------------------------------------


def test_staff_create_a_draft_with_shanghai_times_and_questions(staff):
    response = staff.post("/manage/events/new", data=event_form())
    assert response.status_code == 303
    event = Event.get()
    assert event.status == "draft" and event.created_by_id == staff.user.id
    assert event.starts_at == datetime(2030, 5, 20, 6, 0)  # 14:00 in Shanghai is 06:00 UTC
    assert event.closes_at == datetime(2030, 5, 19, 10, 0)
    assert event.description == "第一行\n第二行"
    question = event.questions.get()
    assert (question.kind, question.choice_list, question.required) == (
        "choice",
        ["宏观经济", "产业政策"],
        True,
    )
    assert AuditEntry.get(AuditEntry.action == "event.create").object_id == event.id
    page = staff.get(f"/manage/events/{event.id}/edit").get_data(as_text=True)
    assert 'value="2030-05-20T14:00"' in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "请填写此项"),
        ({"ends_at": "2030-05-20T13:00"}, "结束时间必须晚于开始时间"),
        ({"seats": "0"}, "1 到 100,000"),
        ({"closes_at": "2030-05-21T10:00"}, "不能晚于活动开始时间"),
        ({"questions-0-choices": "只有一个"}, "至少填写两个选项"),
        ({"starts_at": "not a date"}, "开始时间"),
        ({"opens_at": "2030-05-20T14:00", "closes_at": ""}, "报名开始时间必须早于活动开始时间"),
        ({"opens_at": "2030-05-21T09:00", "closes_at": ""}, "报名开始时间必须早于活动开始时间"),
    ],
)
def test_bad_event_forms_are_refused_with_a_message(staff, overrides, message):
    response = staff.post("/manage/events/new", data=event_form(**overrides))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert Event.select().count() == 0


def test_publish_close_reopen_and_refuse_the_wrong_step(staff):
    event = new_event(publish=False)
    staff.post(f"/manage/events/{event.id}/status", data={"action": "publish"})
    assert Event.get_by_id(event.id).status == "published"
    staff.post(f"/manage/events/{event.id}/status", data={"action": "close"})
    assert Event.get_by_id(event.id).status == "closed"
    response = staff.post(
        f"/manage/events/{event.id}/status", data={"action": "close"}, follow_redirects=True
    )
    assert "活动当前的状态不允许此操作" in response.get_data(as_text=True)
    staff.post(f"/manage/events/{event.id}/status", data={"action": "reopen"})
    assert Event.get_by_id(event.id).status == "published"


def test_lowering_seats_below_confirmed_is_refused_in_the_form(staff):
    event = new_event(seats=5)
    for n in range(1, 4):
        register(event, n)
    form = event_form(seats="2", starts_at="2030-05-20T14:00", closes_at="")
    response = staff.post(f"/manage/events/{event.id}/edit", data=form)
    assert response.status_code == 422
    assert "已有 3 人报名成功，名额不能少于此数" in response.get_data(as_text=True)
    assert Event.get_by_id(event.id).seats == 5


def test_raising_seats_in_the_form_promotes_and_says_so(staff):
    event = new_event(seats=1)
    register(event, 1)
    waiting = register(event, 2)
    form = event_form(seats="2", closes_at="")
    response = staff.post(f"/manage/events/{event.id}/edit", data=form, follow_redirects=True)
    assert "候补名单中有 1 人转为报名成功" in response.get_data(as_text=True)
    assert Registration.get_by_id(waiting.id).status == CONFIRMED


def test_questions_shown_read_only_once_people_registered(staff):
    event = new_event(questions=[dict(label="午餐", kind="text", choices="", required=False)])
    register(event, 1)
    page = staff.get(f"/manage/events/{event.id}/edit").get_data(as_text=True)
    assert "已经有人报名，附加问题不能再修改" in page and "questions-0-label" not in page
    form = event_form(closes_at="")
    assert staff.post(f"/manage/events/{event.id}/edit", data=form).status_code == 303
    assert [q.label for q in event.questions] == ["午餐"]


def test_cancel_event_page_asks_for_a_reason_then_tells_everyone(staff):
    event = new_event(seats=2)
    for n in range(1, 4):
        register(event, n)
    page = staff.get(f"/manage/events/{event.id}/cancel").get_data(as_text=True)
    assert "3 人" in page
    assert staff.post(f"/manage/events/{event.id}/cancel", data={"reason": ""}).status_code == 422
    response = staff.post(f"/manage/events/{event.id}/cancel", data={"reason": "台风停课"})
    assert response.status_code == 303
    assert Event.get_by_id(event.id).status == "cancelled"
    assert Notice.select().where(Notice.kind == "event.cancelled").count() == 3


# --- The registrations list -----------------------------------------------------------------------


def test_search_by_name_last_digits_enterprise_and_code(staff):
    event = new_event(seats=10)
    wang = register(event, 1, name="王小明", enterprise_name="绿地建设集团")
    li = register(event, 2, name="李华", enterprise_name="宝华集团")

    def names(q):
        response = staff.get(f"/manage/events/{event.id}?q={q}", headers=HTMX)
        body = response.get_data(as_text=True)
        return {name for name in ("王小明", "李华") if name in body}

    assert names("小明") == {"王小明"}
    assert names(li.mobile[-4:]) == {"李华"}
    assert names("绿地") == {"王小明"}
    assert names(li.code.lower()) == {"李华"}
    assert names(wang.code[:5]) == {"王小明"}


def test_status_filter(staff):
    event = new_event(seats=1)
    register(event, 1, name="甲")
    register(event, 2, name="乙")
    body = staff.get(f"/manage/events/{event.id}?status=waiting").get_data(as_text=True)
    assert "乙" in body and ">甲<" not in body.replace(" ", "")


def test_rows_come_at_most_100_a_response_with_a_sentinel(staff):
    from views.events.manage import ROWS_PAGE_SIZE

    assert ROWS_PAGE_SIZE <= 100
    event = new_event(seats=300)
    for n in range(1, ROWS_PAGE_SIZE + 31):
        register(event, n)
    first = staff.get(f"/manage/events/{event.id}", headers=HTMX).get_data(as_text=True)
    assert first.count('id="registration-') == ROWS_PAGE_SIZE
    assert 'hx-trigger="revealed"' in first and "page=2" in first
    second = staff.get(f"/manage/events/{event.id}?page=2", headers=HTMX).get_data(as_text=True)
    assert second.count('id="registration-') == 30 and 'hx-trigger="revealed"' not in second
    assert "<table" not in second  # only rows to append


def test_row_actions_answer_with_the_row_and_refresh_counts(staff):
    event = new_event(seats=2)
    registration = register(event, 1)
    response = staff.post(f"/manage/registrations/{registration.id}/check-in", headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "counts-changed"
    assert body.lstrip().startswith(f'<tr id="registration-{registration.id}"')
    assert "撤销签到" in body
    assert Registration.get_by_id(registration.id).checked_in_by_id == staff.user.id
    staff.post(f"/manage/registrations/{registration.id}/undo-check-in", headers=HTMX)
    assert Registration.get_by_id(registration.id).checked_in_at is None


def test_approve_and_reject_from_the_list(staff):
    event = new_event(seats=1, approval=True)
    first, second, third = (register(event, n) for n in range(1, 4))
    staff.post(f"/manage/registrations/{first.id}/approve", headers=HTMX)
    staff.post(f"/manage/registrations/{second.id}/approve", headers=HTMX)
    assert Registration.get_by_id(first.id).status == CONFIRMED
    assert Registration.get_by_id(second.id).status == WAITING
    no_reason = staff.post(f"/manage/registrations/{third.id}/reject", headers=HTMX)
    assert no_reason.status_code == 422 and "请填写原因" in no_reason.get_data(as_text=True)
    staff.post(f"/manage/registrations/{third.id}/reject", data={"reason": "不符合条件"})
    assert Registration.get_by_id(third.id).status == REJECTED
    staff.post(f"/manage/registrations/{first.id}/reject", data={"reason": "重复报名"})
    assert Registration.get_by_id(second.id).status == CONFIRMED


def test_staff_cancel_on_behalf_promotes_and_tells_the_person(staff):
    event = new_event(seats=1)
    first, second = register(event, 1), register(event, 2)
    response = staff.post(f"/manage/registrations/{first.id}/cancel", follow_redirects=True)
    assert "候补名单中的下一位" in response.get_data(as_text=True)
    cancelled = Registration.get_by_id(first.id)
    assert cancelled.status == CANCELLED and cancelled.cancelled_by == "staff"
    assert Registration.get_by_id(second.id).status == CONFIRMED


def test_checking_in_someone_waiting_is_refused(staff):
    event = new_event(seats=1)
    register(event, 1)
    waiting = register(event, 2)
    response = staff.post(f"/manage/registrations/{waiting.id}/check-in", headers=HTMX)
    assert response.status_code == 422
    assert "只有报名成功的人员才能签到" in response.get_data(as_text=True)
    assert Registration.get_by_id(waiting.id).checked_in_at is None


# --- The registrations table is one form --------------------------------------------------------


def results_of(page):
    """The registrations block of a staff event page (count, form and table)."""
    return page.split('<div id="results">', 1)[1]


def test_the_registrations_table_is_one_form_with_one_csrf_token(staff):
    """However many rows, the table is one POST form with one token; each row's buttons
    carry the decision as their name and the registration as their value (no URL, form or
    token a row)."""
    event = new_event(seats=20, approval=True)
    rows = [register(event, n) for n in range(1, 26)]
    registrations.approve(rows[0])
    registrations.approve(rows[1])
    registrations.check_in(Registration.get_by_id(rows[1].id))
    page = staff.get(f"/manage/events/{event.id}").get_data(as_text=True)
    results = results_of(page)
    assert results.count("<form") == 1 and results.count('name="csrf_token"') == 1
    action = f"/manage/events/{event.id}/registrations"
    assert f'<form id="registrations-form" method="post" action="{action}"' in results
    assert "/manage/registrations/" not in results  # no URL a row
    assert f'name="check_in" value="{rows[0].id}"' in results
    assert f'name="undo_check_in" value="{rows[1].id}"' in results
    assert f'name="approve" value="{rows[2].id}"' in results
    assert f'name="cancel" value="{rows[2].id}"' in results
    assert f'name="reject" value="{rows[2].id}"' in results
    assert f'name="reason-{rows[2].id}"' in results
    # Elsewhere on the page: the header's language and logout forms and the event's status
    # form, the same with one row as with 25.
    single = new_event(seats=20, approval=True, title="只有一人的活动")
    register(single, 1)
    one_row = staff.get(f"/manage/events/{single.id}").get_data(as_text=True)
    assert page.count("csrf_token") == one_row.count("csrf_token")
    # Enter in a reason field submits nothing: the form's first button is a disabled one.
    first_button = results.split('id="registrations-form"')[1].split("<button")[1].split(">")[0]
    assert "disabled" in first_button
    # The search's answer (htmx) is the same one form, with its one token.
    found = staff.get(f"/manage/events/{event.id}?q=嘉宾1", headers=HTMX).get_data(as_text=True)
    assert found.count('name="csrf_token"') == 1 and 'id="registrations-form"' in found
    # Later pages add rows to the same form: no form, no token.
    more = staff.get(f"/manage/events/{event.id}?page=2", headers=HTMX).get_data(as_text=True)
    assert "<form" not in more and "csrf_token" not in more


def test_a_row_button_posts_its_id_through_the_one_form(staff):
    """Without JavaScript the one form posts the button's decision and id and comes back to
    the list it was sent from; with htmx the answer is the row, named for the swap."""
    event = new_event(seats=2)
    first, second = register(event, 1), register(event, 2)
    url = f"/manage/events/{event.id}/registrations"
    back = f"/manage/events/{event.id}?status=confirmed"
    plain = staff.post(url, data={"check_in": str(first.id), "next": back})
    assert plain.status_code == 303 and plain.headers["Location"].endswith(back)
    assert Registration.get_by_id(first.id).checked_in_by_id == staff.user.id
    assert Registration.get_by_id(second.id).checked_in_at is None  # only the row pressed
    row = staff.post(url, data={"undo_check_in": str(first.id)}, headers=HTMX)
    body = row.get_data(as_text=True)
    assert row.status_code == 200
    assert row.headers["HX-Retarget"] == f"#registration-{first.id}"
    assert row.headers["HX-Reswap"] == "outerHTML"
    assert row.headers["HX-Trigger"] == "counts-changed"
    assert body.lstrip().startswith(f'<tr id="registration-{first.id}"')
    assert f'name="check_in" value="{first.id}"' in body
    assert Registration.get_by_id(first.id).checked_in_at is None
    # Every input of the form rides along (other rows' reasons too): only the one pressed
    # counts.
    cancel = staff.post(
        url,
        data={"cancel": str(second.id), f"reason-{first.id}": "", "next": back},
        follow_redirects=True,
    )
    assert "报名已取消" in cancel.get_data(as_text=True)
    assert Registration.get_by_id(second.id).status == CANCELLED
    assert Registration.get_by_id(first.id).status == CONFIRMED


def test_the_one_form_approves_and_rejects_with_the_rows_reason(staff):
    event = new_event(seats=1, approval=True)
    first, second, third = (register(event, n) for n in range(1, 4))
    url = f"/manage/events/{event.id}/registrations"
    staff.post(url, data={"approve": str(first.id)}, headers=HTMX)
    assert Registration.get_by_id(first.id).status == CONFIRMED
    # The reason is the one typed beside the rejected row, not another row's.
    no_reason = staff.post(
        url, data={"reject": str(second.id), f"reason-{third.id}": "别人的原因"}, headers=HTMX
    )
    assert no_reason.status_code == 422 and "请填写原因" in no_reason.get_data(as_text=True)
    assert no_reason.headers["HX-Retarget"] == f"#registration-{second.id}"
    assert Registration.get_by_id(second.id).status == PENDING
    too_long = staff.post(url, data={"reject": str(second.id), f"reason-{second.id}": "长" * 301})
    assert too_long.status_code == 303 and Registration.get_by_id(second.id).status == PENDING
    done = staff.post(url, data={"reject": str(second.id), f"reason-{second.id}": "不符合条件"})
    assert done.status_code == 303
    rejected = Registration.get_by_id(second.id)
    assert rejected.status == REJECTED and rejected.reason == "不符合条件"


def test_the_one_form_refuses_a_registration_of_another_event(staff):
    """IDOR: the form of one event reaches only that event's registrations; an id of
    another event, a made-up id or no button is refused and changes nothing."""
    event, other = new_event(seats=2), new_event(title="另一场", seats=2)
    own = register(event, 1)
    theirs = register(other, 2)
    url = f"/manage/events/{event.id}/registrations"
    for data in (
        {"check_in": str(theirs.id)},
        {"cancel": str(theirs.id)},
        {"check_in": "999999"},
        {"check_in": "abc"},
        {"check_in": ""},
    ):
        for headers in ({}, HTMX):
            response = staff.post(url, data=data, headers=headers)
            assert response.status_code == 404, (data, headers)
    for data in ({}, {"check_in": str(own.id), "undo_check_in": str(own.id)}):
        assert staff.post(url, data=data).status_code == 400
    assert (
        staff.post(
            "/manage/events/999999/registrations", data={"check_in": str(own.id)}
        ).status_code
        == 404
    )
    theirs = Registration.get_by_id(theirs.id)
    assert theirs.checked_in_at is None and theirs.status == CONFIRMED
    assert Registration.get_by_id(own.id).checked_in_at is None
    assert (
        not AuditEntry.select().where(AuditEntry.action.startswith("registration.check")).exists()
    )


def test_the_one_form_needs_the_pages_csrf_token(app, login_as):
    """With CSRF checks on, the one token of the page is what the table's form needs."""
    staff = login_as("staff")
    app.config["WTF_CSRF_ENABLED"] = True
    event = new_event(seats=2)
    registration = register(event, 1)
    url = f"/manage/events/{event.id}/registrations"
    refused = staff.post(url, data={"check_in": str(registration.id)})
    assert refused.status_code == 400
    assert Registration.get_by_id(registration.id).checked_in_at is None
    page = staff.get(f"/manage/events/{event.id}").get_data(as_text=True)
    token = csrf_token_from(results_of(page))
    done = staff.post(url, data={"check_in": str(registration.id), "csrf_token": token})
    assert done.status_code == 303
    assert Registration.get_by_id(registration.id).checked_in_at is not None


# --- Walk-ins and the door ----------------------------------------------------------------------


def test_walk_in_takes_a_free_seat_and_is_checked_in(staff):
    event = new_event(seats=2)
    register(event, 1)
    form = {
        "name": "临时来宾",
        "mobile": "13800009999",
        "enterprise": "",
        "position": "",
        "consent": "y",
    }
    response = staff.post(f"/manage/events/{event.id}/walk-in", data=form)
    assert response.status_code == 303
    walk_in = Registration.get(Registration.name == "临时来宾")
    assert walk_in.status == CONFIRMED and walk_in.checked_in_at and walk_in.source == "walk_in"
    full = staff.post(f"/manage/events/{event.id}/walk-in", data={**form, "mobile": "13800009998"})
    assert full.status_code == 422 and "名额已满" in full.get_data(as_text=True)


def test_walk_in_on_an_approval_event_skips_review(staff):
    event = new_event(seats=2, approval=True)
    form = {"name": "临时来宾", "mobile": "13800009999", "consent": "y"}
    staff.post(f"/manage/events/{event.id}/walk-in", data=form)
    assert Registration.get().status == CONFIRMED


@pytest.mark.parametrize("typed", ["{code}", "{code_lower}", "{code_spaced}"])
def test_scanning_a_code_checks_in(staff, typed):
    event = new_event(seats=2)
    registration = register(event, 1)
    code = registration.code
    text = typed.format(code=code, code_lower=code.lower(), code_spaced=f"{code[:4]} {code[4:]}")
    response = staff.post(f"/manage/events/{event.id}/door", data={"code": text}, headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "签到成功：嘉宾1" in body
    assert 'id="scan"' in body and "autofocus" in body
    assert Registration.get_by_id(registration.id).checked_in_at is not None
    again = staff.post(f"/manage/events/{event.id}/door", data={"code": code}, headers=HTMX)
    assert "已于" in again.get_data(as_text=True)


def test_scan_refusals_say_why(staff):
    event, other = new_event(seats=1), new_event(title="另一场", seats=1)
    register(event, 1)
    waiting = register(event, 2)
    elsewhere = register(other, 3)

    def scan(code):
        response = staff.post(f"/manage/events/{event.id}/door", data={"code": code}, headers=HTMX)
        assert response.status_code == 422
        return response.get_data(as_text=True)

    assert "没有这个报名码" in scan("ZZZZ2222")
    assert "另一场" in scan(elsewhere.code)
    assert "不能签到" in scan(waiting.code)
    assert "请输入或扫描报名码" in scan("")


def test_scan_without_javascript_redirects_with_the_outcome(staff):
    event = new_event(seats=1)
    registration = register(event, 1)
    response = staff.post(
        f"/manage/events/{event.id}/door", data={"code": registration.code}, follow_redirects=True
    )
    assert "签到成功" in response.get_data(as_text=True)


def test_door_search_and_latest_check_ins(staff):
    event = new_event(seats=5)
    first = register(event, 1, name="赵一")
    register(event, 2, name="钱二")
    registrations.check_in(first)
    empty = staff.get(f"/manage/events/{event.id}/door", headers=HTMX).get_data(as_text=True)
    assert "赵一" in empty and "钱二" not in empty  # latest check-ins, to undo
    found = staff.get(f"/manage/events/{event.id}/door?q=钱", headers=HTMX).get_data(as_text=True)
    assert "钱二" in found and "签到" in found
    door_row = staff.post(
        f"/manage/registrations/{first.id}/undo-check-in", data={"screen": "door"}, headers=HTMX
    ).get_data(as_text=True)
    assert door_row.lstrip().startswith('<li class="door-row')


def test_live_counts_fragment(staff):
    event = new_event(seats=3)
    registrations.check_in(register(event, 1))
    register(event, 2)
    body = staff.get(f"/manage/events/{event.id}/counts", headers=HTMX).get_data(as_text=True)
    assert body.lstrip().startswith('<dl class="counts">')
    numbers = [int(n) for n in __import__("re").findall(r"<dd>(\d+)</dd>", body)]
    assert numbers == [3, 2, 1, 0, 1]  # seats, confirmed, checked in, waiting, left


# --- Exports, the sign-in sheet, attendance -------------------------------------------------


def test_exports_hold_every_registration_with_answers_and_no_formulas(staff):
    event = new_event(
        seats=1, questions=[dict(label="问题", kind="text", choices="", required=False)]
    )
    question = event.questions.get()
    registrations.register(event.id, guest(1, name='=HYPERLINK("x")'), {question.id: "+1"})
    register(event, 2)
    body = staff.get(f"/manage/events/{event.id}/export.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][-1] == "问题" and len(rows) == 3
    assert rows[1][3] == '\'=HYPERLINK("x")' and rows[1][-1] == "'+1"
    assert rows[2][1] == "候补" and rows[2][2] == "1"
    response = staff.get(f"/manage/events/{event.id}/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert sheet["D2"].value == '\'=HYPERLINK("x")' and sheet["C3"].value == 1
    assert sheet.cell(row=1, column=sheet.max_column).value == "问题"


def test_sign_in_sheet_lists_the_confirmed_with_masked_mobiles(staff):
    event = new_event(seats=2)
    first = register(event, 1)
    register(event, 2)
    waiting = register(event, 3)
    page = staff.get(f"/manage/events/{event.id}/sign-in-sheet").get_data(as_text=True)
    assert first.name in page and waiting.name not in page
    assert first.mobile not in page and first.mobile[:3] + "****" + first.mobile[-4:] in page
    assert "签名" in page and "@page" not in page  # print rules live in events.css


def test_attendance_figures_per_event_and_enterprise(staff):
    event = new_event(seats=10)
    people = [
        register(event, n, enterprise_name="甲企业" if n <= 3 else "乙企业") for n in range(1, 6)
    ]
    for person in people[:2] + people[3:4]:
        registrations.check_in(person)
    registrations.cancel(people[4])
    Event.update(
        starts_at=utcnow() - timedelta(days=1, hours=2), ends_at=utcnow() - timedelta(days=1)
    ).where(Event.id == event.id).execute()
    page = staff.get("/manage/events/attendance").get_data(as_text=True)
    row = page[page.index(event.title) :]
    cells = __import__("re").findall(r'class="num">([^<]*)<', row)[:6]
    assert cells == ["10", "4", "3", "1", "0", "75%"]
    assert "甲企业" in page and "乙企业" in page
    event_page = staff.get(f"/manage/events/{event.id}").get_data(as_text=True)
    assert "按企业统计出席情况" in event_page


# --- Home, dashboard, permissions -----------------------------------------------------------------


def test_dashboard_shows_todays_events_and_pending_approvals(staff):
    today = new_event(title="今天的沙龙", starts_in=later_today())
    review = new_event(title="需要审核的年会", approval=True)
    register(review, 1)
    page = staff.get("/").get_data(as_text=True)
    assert "今天的沙龙" in page and f"/manage/events/{today.id}/door" in page
    assert "需要审核的年会" in page and "1 条待审核" in page


def test_entrepreneurs_cannot_reach_staff_pages(login_as):
    client = login_as("entrepreneur")
    event = new_event()
    registration = register(event, 1)
    assert client.get(f"/manage/events/{event.id}").status_code == 403
    assert client.post(f"/manage/registrations/{registration.id}/check-in").status_code == 403
    assert Registration.get_by_id(registration.id).checked_in_at is None


def test_staff_list_queries_stay_bounded(app, staff, query_counter):
    event = new_event(seats=5, approval=True)
    for n in range(1, 4):
        register(event, n)
    staff.get(f"/manage/events/{event.id}")  # warm up the per-process caches
    app.extensions["page_cache"].clear()  # counted as rendered, not served (views/caching.py)
    with query_counter() as few:
        staff.get(f"/manage/events/{event.id}")
    for n in range(4, 40):
        registrations.approve(register(event, n))
    app.extensions["page_cache"].clear()
    with query_counter() as many:
        staff.get(f"/manage/events/{event.id}")
    assert many.count == few.count > 2


def test_pending_counts_are_visible(staff):
    event = new_event(seats=5, approval=True)
    register(event, 1)
    body = staff.get(f"/manage/events/{event.id}/counts", headers=HTMX).get_data(as_text=True)
    assert "待审核" in body
    assert Registration.get().status == PENDING


def test_decisions_without_javascript_flash_and_return_to_the_list(staff):
    event = new_event(seats=1, approval=True)
    registration = register(event, 1)
    response = staff.post(f"/manage/registrations/{registration.id}/approve")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/manage/events/{event.id}"
    page = staff.get(response.headers["Location"]).get_data(as_text=True)
    assert "报名成功" in page and Registration.get_by_id(registration.id).status == CONFIRMED
    elsewhere = staff.post(
        f"/manage/registrations/{registration.id}/check-in", data={"next": "https://evil.example"}
    )
    assert elsewhere.headers["Location"] == "/manage/events"


# --- Audit follow-ups: walk-ins with questions, approval switched off, check-in ----------------

TOPIC = dict(label="关注议题", kind="choice", choices="宏观经济\n产业政策", required=True)


def test_walk_in_is_offered_the_questions_and_never_blocked_by_a_required_one(staff):
    event = new_event(seats=3, questions=[TOPIC])
    question = event.questions.get()
    page = staff.get(f"/manage/events/{event.id}/walk-in").get_data(as_text=True)
    assert "关注议题（选填）" in page and f'name="q{question.id}"' in page
    form = {"name": "临时来宾", "mobile": "13800009999", "consent": "y"}
    response = staff.post(f"/manage/events/{event.id}/walk-in", data=form)
    assert response.status_code == 303
    unanswered = Registration.get(Registration.mobile == "13800009999")
    assert unanswered.status == CONFIRMED and unanswered.checked_in_at is not None
    answered = {**form, "name": "第二位", "mobile": "13800009998", f"q{question.id}": "产业政策"}
    assert staff.post(f"/manage/events/{event.id}/walk-in", data=answered).status_code == 303
    second = Registration.get(Registration.mobile == "13800009998")
    assert [a.value for a in second.answers] == ["产业政策"]
    wrong = {**form, "name": "第三位", "mobile": "13800009997", f"q{question.id}": "别的"}
    refused = staff.post(f"/manage/events/{event.id}/walk-in", data=wrong)
    assert refused.status_code == 422
    assert Registration.get_or_none(Registration.mobile == "13800009997") is None


def test_switching_approval_off_in_the_form_lets_pending_in_and_says_so(staff):
    event = new_event(seats=1, approval=True)
    first, second = register(event, 1), register(event, 2)
    form = event_form(seats="1", closes_at="")  # approval_required left unticked
    response = staff.post(f"/manage/events/{event.id}/edit", data=form, follow_redirects=True)
    assert "2 条待审核的报名已按报名先后处理" in response.get_data(as_text=True)
    assert Registration.get_by_id(first.id).status == CONFIRMED
    assert Registration.get_by_id(second.id).status == WAITING
    assert Event.get_by_id(event.id).approval_required is False


def test_cancelling_a_checked_in_registration_takes_the_check_in_back(staff):
    event = new_event(seats=2)
    registration = register(event, 1)
    registrations.check_in(registration)
    registrations.cancel(registration, by="staff")
    cancelled = Registration.get_by_id(registration.id)
    assert cancelled.status == CANCELLED and cancelled.checked_in_at is None
    with pytest.raises(EventError):
        registrations.check_in(cancelled)
    assert AuditEntry.select().where(AuditEntry.action == "registration.checkin").count() == 1


@pytest.fixture
def stale_read(monkeypatch):
    """stale_read(registration): its next lookup by id answers with this old copy, as when
    another request changed the row between this request's read and its update."""

    def arm(registration):
        originals = {name: getattr(Registration, name) for name in ("get_by_id", "get_or_none")}
        armed = [True]

        def lookup(name):
            def answer(*args, **kwargs):
                if armed[0]:
                    armed[0] = False
                    return registration
                return originals[name](*args, **kwargs)

            return answer

        for name in originals:
            monkeypatch.setattr(Registration, name, lookup(name))

    return arm


def test_a_check_in_that_lost_the_race_reports_already_and_audits_nothing(app, stale_read):
    event = new_event(seats=2)
    registration = register(event, 1)
    stale = Registration.get_by_id(registration.id)
    assert registrations.check_in(registration)[1] is True  # the other tap, first
    stale_read(stale)
    _current, newly = registrations.check_in(stale)
    assert newly is False
    assert AuditEntry.select().where(AuditEntry.action == "registration.checkin").count() == 1


def test_a_check_in_that_read_before_a_cancellation_is_refused(app, stale_read):
    event = new_event(seats=2)
    registration = register(event, 1)
    stale = Registration.get_by_id(registration.id)
    registrations.cancel(registration, by="staff")
    stale_read(stale)
    with pytest.raises(EventError) as refused:
        registrations.check_in(stale)
    assert refused.value.code == "not_confirmed"
    assert Registration.get_by_id(registration.id).checked_in_at is None
    assert not AuditEntry.select().where(AuditEntry.action == "registration.checkin").exists()


# --- Audit follow-ups: single-line fields, the window, exports, paging ---------------------------


def test_single_line_fields_lose_line_breaks_and_control_characters(staff):
    form = event_form(
        title="经济\r\n时事\x1b报告会 ", venue="二楼\n会议室", audience_note="联建\t单位"
    )
    assert staff.post("/manage/events/new", data=form).status_code == 303
    event = Event.get()
    assert (event.title, event.venue, event.audience_note) == (
        "经济 时事 报告会",
        "二楼 会议室",
        "联建 单位",
    )
    assert event.description == "第一行\n第二行"  # the description keeps its line breaks
    blank = staff.post("/manage/events/new", data=event_form(title="\r\n\x1b"))
    assert blank.status_code == 422 and "请填写此项" in blank.get_data(as_text=True)


def test_guest_details_are_single_line_too(client):
    from tests.events_support import guest_form

    event = new_event(seats=5)
    form = guest_form(1, name="张\r\n三", enterprise="宝华\x1b集团", position="经理\n")
    assert client.post(f"/events/{event.id}/register", data=form).status_code == 303
    registration = Registration.get()
    assert (registration.name, registration.position) == ("张 三", "经理")
    assert registration.enterprise.name == "宝华 集团"


def test_registration_must_open_before_the_start(app):
    from db.events import manage

    event = new_event()
    data = {name: getattr(event, name) for name in manage.EVENT_FIELDS}
    for opens in (event.starts_at, event.starts_at + timedelta(hours=1)):
        with pytest.raises(EventError) as refused:
            manage.update_event(event.id, {**data, "opens_at": opens, "closes_at": None})
        assert (refused.value.code, refused.value.field) == ("opens_after_start", "opens_at")
        with pytest.raises(EventError):
            manage.create_event({**data, "opens_at": opens, "closes_at": None}, [])
    manage.update_event(event.id, {**data, "opens_at": event.starts_at - timedelta(days=1)})


def test_exports_with_control_characters_in_a_name_succeed(staff):
    event = new_event(seats=5)
    registrations.register(event.id, guest(1, name="张三\x1b"))
    for extension in ("csv", "xlsx"):
        response = staff.get(f"/manage/events/{event.id}/export.{extension}")
        assert response.status_code == 200, extension
    body = staff.get(f"/manage/events/{event.id}/export.csv").get_data(as_text=True)
    assert "张三" in body and "\x1b" not in body
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert sheet["D2"].value == "张三"


@pytest.mark.parametrize("title", ['"年会"\n第二行', '报告会\\"; filename="x.exe', "论坛\r"])
def test_exports_of_an_event_with_an_awkward_title_succeed(staff, title):
    event = new_event(seats=5, title=title)
    register(event, 1)
    for extension in ("csv", "xlsx"):
        response = staff.get(f"/manage/events/{event.id}/export.{extension}")
        assert response.status_code == 200, extension
        header = response.headers["Content-Disposition"]
        assert "\n" not in header and "\r" not in header
        plain = header.split("; filename*=")[0]
        assert plain.count('"') == 2 and "\\" not in plain and ";" not in plain[11:]
        assert header.endswith(f"-{event.id}.{extension}")


def test_a_later_page_of_registrations_without_htmx_shows_the_count(staff):
    from views.events.manage import ROWS_PAGE_SIZE

    event = new_event(seats=300)
    for n in range(1, ROWS_PAGE_SIZE + 6):
        register(event, n)
    page = staff.get(f"/manage/events/{event.id}?page=2")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "None" not in body
    assert f"共 {ROWS_PAGE_SIZE + 5} 条报名" in body
    assert body.count('id="registration-') == 5
