"""Personal data on request: export, correct, erase; purge by age; nothing in URLs."""

import io
from datetime import timedelta

from openpyxl import load_workbook

from db.accounts import User
from db.audit import AuditEntry
from db.base import utcnow
from tests.conftest import TEST_PASSWORD


def test_staff_find_export_correct_and_erase(login_as, make_user, app):
    person = make_user(role="entrepreneur", mobile="13800004321", name="孙丽")
    staff = login_as("staff")
    page = staff.post("/staff/personal-data/", data={"mobile": "13800004321"})
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "孙丽" in body and "138****4321" in body

    download = staff.post("/staff/personal-data/export", data={"mobile": "13800004321"})
    sheet = load_workbook(io.BytesIO(download.get_data())).active
    assert "孙丽" in [c.value for c in sheet[2]]

    staff.post(
        "/staff/personal-data/correct",
        data={"mobile": "13800004321", "name": "孙莉", "position": "经理"},
    )
    assert User.get_by_id(person.id).name == "孙莉"

    refused = staff.post(
        "/staff/personal-data/erase", data={"mobile": "13800004321", "reason": "x"}
    )
    assert refused.status_code == 422 and User.get_by_id(person.id).mobile == "13800004321"
    staff.post(
        "/staff/personal-data/erase",
        data={"mobile": "13800004321", "reason": "本人来电要求删除", "confirm": "y"},
    )
    erased = User.get_by_id(person.id)
    assert erased.mobile is None and erased.name == "已删除" and not erased.active
    assert not erased.check_password(TEST_PASSWORD)
    entry = AuditEntry.get(AuditEntry.action == "privacy.erase")
    assert "13800004321" not in entry.summary and "138****4321" in entry.summary
    again = staff.post("/staff/personal-data/", data={"mobile": "13800004321"})
    assert "没有与此人相关的信息" in again.get_data(as_text=True)


def test_erased_person_can_no_longer_log_in(app, make_user):
    from db.privacy import erase_person

    person = make_user(role="entrepreneur", mobile="13800004322")
    erase_person("13800004322", "request")
    response = app.test_client().post(
        "/login", data={"username": person.username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 422


def test_bad_mobile_refused(login_as):
    response = login_as("staff").post("/staff/personal-data/", data={"mobile": "12345"})
    assert response.status_code == 422


def test_purge_command(runner, make_user):
    old = make_user(role="entrepreneur", mobile="13800004323")
    recent = make_user(role="entrepreneur", mobile="13800004324")
    staff = make_user(role="staff")
    long_ago = utcnow() - timedelta(days=800)
    User.update(created_at=long_ago, last_login_at=long_ago).where(User.id == old.id).execute()
    User.update(last_login_at=utcnow()).where(User.id == recent.id).execute()
    result = runner.invoke(args=["purge-personal-data", "--older-than", "24m"])
    assert result.exit_code == 0, result.output
    assert "accounts: 1 anonymised" in result.output
    assert User.get_by_id(old.id).mobile is None
    assert User.get_by_id(recent.id).mobile == "13800004324"
    assert User.get_by_id(staff.id).active
    bad = runner.invoke(args=["purge-personal-data", "--older-than", "two years"])
    assert bad.exit_code != 0


def test_looking_up_and_exporting_a_person_is_audited(login_as):
    staff = login_as("staff")
    staff.post("/staff/personal-data/", data={"mobile": "13800004323"})
    staff.post("/staff/personal-data/export", data={"mobile": "13800004323"})
    staff.post("/staff/personal-data/", data={"mobile": "123"})  # refused: not audited
    entries = list(
        AuditEntry.select()
        .where(AuditEntry.action.in_(["privacy.lookup", "privacy.export"]))
        .order_by(AuditEntry.id)
    )
    assert [e.action for e in entries] == ["privacy.lookup", "privacy.export"]
    for entry in entries:
        assert entry.summary == "138****4323" and entry.object_type == "person"
        assert entry.actor is not None and entry.actor.role == "staff"


def test_failed_logins_are_purged_after_the_limit_and_erased_on_request(runner, app):
    from db.accounts import LoginAttempt, throttle_keys
    from db.privacy import erase_person

    client = app.test_client()
    client.post("/login", data={"username": "13800004324", "password": "wrong-password"})
    client.post("/login", data={"username": "13800004325", "password": "wrong-password"})
    keys = [a.key for a in LoginAttempt.select()]
    assert any("13800004324" in key for key in keys), keys  # raw mobile and address kept
    LoginAttempt.create(key="address:10.1.2.3", at=utcnow() - timedelta(days=800))
    LoginAttempt.create(key="account:13800004326", at=utcnow() - timedelta(days=800))

    result = runner.invoke(args=["purge-personal-data", "--older-than", "24m"])
    assert result.exit_code == 0, result.output
    assert "login_attempts: 2 anonymised" in result.output
    left = [a.key for a in LoginAttempt.select()]
    assert "address:10.1.2.3" not in left and "account:13800004326" not in left
    assert any("13800004324" in key for key in left)  # recent ones still throttle

    # A person without an account asks: the failed logins under their mobile go too.
    erase_person("13800004324", "本人要求")
    account_key, _ = throttle_keys("13800004324", "")
    assert not LoginAttempt.select().where(LoginAttempt.key == account_key).exists()
    assert LoginAttempt.select().where(LoginAttempt.key.contains("13800004325")).exists()


def test_staff_cannot_erase_or_rename_an_admin_or_staff_account(app, login_as, make_user):
    admin = make_user(role="admin", mobile="13800004400", name="王管理")
    colleague = make_user(role="staff", mobile="13800004401", name="李同事")
    staff = login_as("staff")
    audited = AuditEntry.select().count()

    page = staff.post("/staff/personal-data/", data={"mobile": "13800004400"}).get_data(True)
    assert "/staff/personal-data/erase" not in page and "/staff/personal-data/correct" not in page
    assert "只能由管理员更正或删除" in page
    for mobile in ("13800004400", "13800004401"):
        erase = staff.post(
            "/staff/personal-data/erase",
            data={"mobile": mobile, "reason": "冒名申请", "confirm": "y"},
        )
        assert erase.status_code == 403
        assert "只能由管理员更正或删除" in erase.get_data(as_text=True)
        rename = staff.post(
            "/staff/personal-data/correct",
            data={"mobile": mobile, "name": "改名", "position": ""},
        )
        assert rename.status_code == 403
    for person in (admin, colleague):
        kept = User.get_by_id(person.id)
        assert (kept.name, kept.mobile, kept.username) == (
            person.name,
            person.mobile,
            person.username,
        )
        assert kept.active
    assert (
        AuditEntry.select()
        .where(AuditEntry.id > audited, AuditEntry.action != "privacy.lookup")
        .count()
        == 0
    )
    signed_in = app.test_client().post(
        "/login", data={"username": admin.username, "password": TEST_PASSWORD}
    )
    assert signed_in.status_code == 302

    # An administrator handles staff and admin accounts.
    boss = login_as("admin")
    renamed = boss.post(
        "/staff/personal-data/correct",
        data={"mobile": "13800004401", "name": "李同志", "position": "主任"},
    )
    assert renamed.status_code == 302 and User.get_by_id(colleague.id).name == "李同志"
    erased = boss.post(
        "/staff/personal-data/erase",
        data={"mobile": "13800004400", "reason": "本人离职要求删除", "confirm": "y"},
    )
    assert erased.status_code == 302
    gone = User.get_by_id(admin.id)
    assert gone.mobile is None and not gone.active and gone.name == "已删除"


def test_lookup_shows_shanghai_times_and_role_names(login_as, make_user):
    from datetime import datetime

    from db.events import registrations as reg
    from tests.events_support import guest, new_event

    created = datetime(2026, 11, 26, 6, 30)  # UTC: 14:30 in Shanghai
    make_user(role="staff", mobile="13800004410", name="赵一", created_at=created)
    event = new_event(seats=5)
    reg.register(event.id, guest(1, mobile="13800004410"))
    admin = login_as("admin")

    page = admin.post("/staff/personal-data/", data={"mobile": "13800004410"}).get_data(True)
    assert "2026年11月26日 14:30" in page and "2026-11-26 06:30" not in page
    assert "UTC" not in page  # no label of any module claims UTC
    assert "<dd>工作人员</dd>" in page and "<dd>staff</dd>" not in page

    admin.post("/account", data={"lang-language": "en"})
    english = admin.post("/staff/personal-data/", data={"mobile": "13800004410"}).get_data(True)
    assert "26 Nov 2026 14:30" in english and "<dd>Staff</dd>" in english

    download = admin.post("/staff/personal-data/export", data={"mobile": "13800004410"})
    workbook = load_workbook(io.BytesIO(download.get_data()))
    headers = [cell.value for sheet in workbook.worksheets for cell in sheet[1]]
    assert len(workbook.worksheets) >= 2 and not any("UTC" in header for header in headers)
    account = workbook["Account"]
    cells = {h.value: v.value for h, v in zip(account[1], account[2], strict=True)}
    assert cells["Created"] == datetime(2026, 11, 26, 14, 30)
    assert cells["Role"] == "Staff"


def test_notices_sent_to_an_e_mail_address_are_found_and_erased_by_it(app):
    from db import database
    from db.notices import Notice, queue
    from db.privacy import ERASED_TEXT, erase_person, export_person

    with database.atomic():
        mine = queue("events.confirmed", "报名成功", "您已报名论坛", email="Sun.Li@example.com")
        theirs = queue("events.confirmed", "报名成功", "另一位", email="other@example.com")
        by_mobile = queue("events.confirmed", "报名成功", "短信", mobile="13800004329")
    found = export_person("", email="sun.li@EXAMPLE.com")
    assert [(str(title), len(rows)) for title, rows in found] == [("Notices", 1)]
    assert export_person("", email="") == [] and erase_person("", "x") == {}
    counts = erase_person("", "本人来信要求删除", email="sun.li@example.com")
    assert counts["notices"] == 1 and "accounts" in counts and counts["accounts"] == 0
    assert Notice.get_by_id(mine.id).body == ERASED_TEXT and Notice.get_by_id(mine.id).email is None
    assert Notice.get_by_id(theirs.id).body == "另一位"
    assert Notice.get_by_id(by_mobile.id).body == "短信"  # a mobile number was not asked about
    entry = AuditEntry.get(AuditEntry.action == "privacy.erase")
    assert "sun.li" not in entry.summary.lower() and "s***@example.com" in entry.summary
