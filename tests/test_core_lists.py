"""The core's lists use the module kit: accounts and the audit log (admin), my notices, and
the personal-data lookup's refusals — one pagination helper (counts, page clamped into
range), the shared search box, and 422 answers through `refused()`."""

import re

from db import notices
from db.accounts import User, find_accounts
from db.audit import AuditEntry, entries, record


def test_accounts_list_pages_with_a_total_and_clamps_the_page(login_as, make_user):
    admin = login_as("admin")
    for n in range(55):
        make_user(role="staff", username=f"page-staff-{n:02d}", name=f"分页员工{n:02d}")
    total = User.select().count()
    first = admin.get("/admin/users").get_data(as_text=True)
    assert f"共 {total} 个账号" in first
    assert "第 1 页，共 2 页" in first
    last = admin.get("/admin/users?page=999").get_data(as_text=True)
    assert "第 2 页，共 2 页" in last and last.count("<tr>") == total - 50 + 1  # + header
    searched = admin.get("/admin/users?q=分页员工0").get_data(as_text=True)
    assert searched.count("<tr>") == 10 + 1 and 'type="search"' in searched
    assert [u.username for u in find_accounts("page-staff-5", "staff")] == [
        f"page-staff-{n}" for n in range(54, 49, -1)
    ]


def test_audit_log_filters_live_in_db_and_page_with_a_total(login_as):
    admin = login_as("admin")
    for n in range(53):
        record("test.page", object_type="thing", object_id=n, summary=f"第{n}件")
    assert entries(action="test.page").count() == 53
    assert entries(action="test.page", q="第5").count() == 4  # 第5件 and 第50件 … 第52件
    page_two = admin.get("/admin/audit?action=test.page&page=2").get_data(as_text=True)
    assert "共 53 条记录" in page_two and "第 2 页，共 2 页" in page_two
    assert page_two.count("<code>test.page</code>") == 3
    clamped = admin.get("/admin/audit?action=test.page&page=50").get_data(as_text=True)
    assert "第 2 页，共 2 页" in clamped
    # The summary search is the shared active search box, inside the filters' form.
    page = admin.get("/admin/audit").get_data(as_text=True)
    box = re.search(r'<input id="q" type="search"[^>]*>', page).group(0)
    assert 'hx-get="/admin/audit"' in box and 'hx-include="closest form"' in box
    assert AuditEntry.select().where(AuditEntry.action == "test.page").count() == 53


def test_my_notices_page_with_the_shared_pager(login_as):
    person = login_as("entrepreneur")
    for n in range(31):
        notices.queue("test", f"通知{n:02d}", "正文", recipient=person.user.id)
    first = person.get("/notices").get_data(as_text=True)
    assert "第 1 页，共 2 页" in first and first.count('class="panel notice-item"') == 30
    second = person.get("/notices?page=2").get_data(as_text=True)
    assert second.count('class="panel notice-item"') == 1 and "通知00" in second
    assert "第 2 页，共 2 页" in person.get("/notices?page=7").get_data(as_text=True)


def test_personal_data_lookup_refuses_through_the_kit(login_as, make_user):
    staff = login_as("staff")
    bad = staff.post("/staff/personal-data/", data={"mobile": "12"})
    assert bad.status_code == 422 and 'class="error-summary"' in bad.get_data(as_text=True)
    make_user(role="admin", mobile="13900001111", username="admin-x")
    refused = staff.post(
        "/staff/personal-data/correct",
        data={"mobile": "13900001111", "name": "改名", "position": ""},
    )
    assert refused.status_code == 403
    assert "只能由管理员更正或删除" in refused.get_data(as_text=True)
    assert User.get(User.username == "admin-x").name != "改名"
