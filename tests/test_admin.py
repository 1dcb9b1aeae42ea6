"""Admins manage accounts and read the audit log."""

import pytest

from db.accounts import User
from db.audit import AuditEntry
from tests.conftest import TEST_PASSWORD


def test_admin_creates_staff_and_kiosk_accounts(login_as):
    admin = login_as("admin")
    response = admin.post(
        "/admin/users/new",
        data={"username": "li.na", "name": "李娜", "role": "staff", "password": "initial-pass"},
    )
    assert response.status_code == 302
    user = User.get(User.username == "li.na")
    assert user.role == "staff" and user.check_password("initial-pass")
    entry = AuditEntry.get(AuditEntry.action == "account.create")
    assert entry.actor_id == admin.user.id and entry.object_id == user.id
    assert "initial-pass" not in entry.summary


def test_admin_form_refusals(login_as, make_user):
    make_user(role="staff", username="taken")
    admin = login_as("admin")
    for data, message in [
        (
            {"username": "taken", "name": "X", "role": "staff", "password": "long-enough"},
            "该用户名已被使用",
        ),
        (
            {"username": "bad name", "name": "X", "role": "staff", "password": "long-enough"},
            "请使用字母",
        ),
        (
            {"username": "ok", "name": "X", "role": "boss", "password": "long-enough"},
            "不是有效的选择",
        ),
        (
            {"username": "ok2", "name": "X", "role": "staff", "password": "short"},
            "至少使用 8 个字符",
        ),
    ]:
        response = admin.post("/admin/users/new", data=data)
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
    assert User.select().count() == 2


def test_admin_deactivates_and_reactivates(app, login_as, make_user):
    staff = make_user(role="staff")
    admin = login_as("admin")
    assert admin.post(f"/admin/users/{staff.id}/active", data={"active": "0"}).status_code == 302
    assert not User.get_by_id(staff.id).active
    refused = app.test_client().post(
        "/login", data={"username": staff.username, "password": TEST_PASSWORD}
    )
    assert refused.status_code == 422
    admin.post(f"/admin/users/{staff.id}/active", data={"active": "1"})
    assert User.get_by_id(staff.id).active
    actions = [e.action for e in AuditEntry.select().order_by(AuditEntry.id)]
    assert "account.deactivate" in actions and "account.activate" in actions


def test_admin_cannot_deactivate_self(login_as):
    admin = login_as("admin")
    response = admin.post(
        f"/admin/users/{admin.user.id}/active", data={"active": "0"}, follow_redirects=True
    )
    assert "不能停用自己的账号" in response.get_data(as_text=True)
    assert User.get_by_id(admin.user.id).active


def test_unknown_account_is_404(login_as):
    assert (
        login_as("admin").post("/admin/users/99999/active", data={"active": "0"}).status_code == 404
    )


def test_user_search_and_role_filter(login_as, make_user):
    make_user(role="staff", name="周敏")
    make_user(role="entrepreneur", name="周杰")
    admin = login_as("admin")
    body = admin.get("/admin/users?q=周").get_data(as_text=True)
    assert "周敏" in body and "周杰" in body
    body = admin.get("/admin/users?q=周&role=staff", headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    assert "周敏" in body and "周杰" not in body and "<html" not in body


def test_audit_log_filters(login_as, make_user):
    admin = login_as("admin")
    admin.post(
        "/admin/users/new",
        data={"username": "wu", "name": "吴", "role": "kiosk", "password": "12345678"},
    )
    body = admin.get("/admin/audit?action=account.create").get_data(as_text=True)
    assert "kiosk wu" in body
    assert (
        "account.login"
        not in admin.get("/admin/audit?action=account.create")
        .get_data(as_text=True)
        .split("<tbody>")[1]
    )
    body = admin.get("/admin/audit?q=nothing-like-this").get_data(as_text=True)
    assert "没有符合筛选条件的记录" in body
    assert "kiosk wu" in admin.get(f"/admin/audit?actor={admin.user.username}").get_data(
        as_text=True
    )


def test_audit_log_pages_do_not_grow_queries(login_as, query_counter):
    admin = login_as("admin")
    admin.get("/admin/audit")
    with query_counter() as few:
        admin.get("/admin/audit")
    for n in range(60):
        AuditEntry.create(action="test.bulk", object_type="x", summary=f"row {n}")
    with query_counter() as many:
        admin.get("/admin/audit")
    assert 0 < few.count <= 8
    assert many.count == few.count


def test_audit_log_pages_follow_each_other(login_as):
    admin = login_as("admin")
    for n in range(120):
        AuditEntry.create(action="test.page", object_type="x", summary=f"row-{n:03d}")
    pages = [
        admin.get(f"/admin/audit?action=test.page&page={p}").get_data(as_text=True)
        for p in (1, 2, 3)
    ]
    seen = [[f"row-{n:03d}" for n in range(120) if f"row-{n:03d}<" in page] for page in pages]
    assert [len(s) for s in seen] == [50, 50, 20]
    assert sorted(seen[0] + seen[1] + seen[2]) == [f"row-{n:03d}" for n in range(120)]


# seed-demo (an admin's command) refuses any database holding data the demo did not create.


def _enterprise(make_user, make_enterprise):
    make_enterprise(name="真实企业")


def _event(make_user, make_enterprise):
    from tests.events_support import new_event

    new_event(title="真实论坛")


def _course(make_user, make_enterprise):
    from tests.training_helpers import make_course

    make_course(title="真实培训班")


def _household(make_user, make_enterprise):
    from datetime import date

    from db import market

    market.register_household(
        size=3,
        category="dibao",
        status="active",
        head_name="真实户主",
        mobile="13800007777",
        address="真实路1号",
        next_review=date(2030, 1, 1),
        consent=True,
    )


@pytest.mark.parametrize(
    ("make_data", "table"),
    [
        (_enterprise, "enterprise"),
        (_event, "event"),
        (_course, "course"),
        (_household, "market_household"),
    ],
)
def test_seed_demo_refuses_any_real_data(runner, make_user, make_enterprise, make_data, table):
    from db.demo import is_demo

    make_data(make_user, make_enterprise)
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "not demo data" in result.output and table in result.output
    assert not User.select().exists() and not is_demo()
    first_run = runner.invoke(args=["seed-demo", "--first-run"])
    assert first_run.exit_code == 0 and "not loaded" in first_run.output
    assert not User.select().exists() and not is_demo()


def test_seed_demo_ignores_bookkeeping(client, runner):
    """A failed login and its audit trail before seeding are not anybody's data."""
    client.post("/login", data={"username": "nobody", "password": "x" * 8})
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert User.select().where(User.username == "admin").exists()
