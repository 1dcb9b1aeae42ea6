"""Sign-up, login, throttling, sessions, redirects, CSRF and the account page."""

from datetime import timedelta

import pytest

from app import create_app
from db import database
from db.accounts import ACCOUNT_FAILURE_LIMIT, Enterprise, LoginAttempt, LoginSession, User
from db.audit import AuditEntry
from db.base import utcnow
from tests.conftest import TEST_PASSWORD, csrf_token_from, fast_password_hash

GOOD_SIGNUP = {
    "name": "赵晓明",
    "mobile": "13800005678",
    "enterprise": "广中创新工作室",
    "credit_code": "",
    "position": "创始人",
    "password": "a-good-password",
    "consent": "y",
}


def signup(client, **changes):
    return client.post("/signup", data={**GOOD_SIGNUP, **changes})


def test_signup_creates_entrepreneur_with_enterprise_and_consent(client):
    response = signup(client)
    assert response.status_code == 302
    user = User.get(User.mobile == "13800005678")
    assert user.role == "entrepreneur" and user.username == "13800005678"
    assert user.enterprise.name == "广中创新工作室"
    assert user.consent_at is not None and user.consent_version
    assert user.password_hash != "a-good-password" and user.check_password("a-good-password")
    entry = AuditEntry.get(AuditEntry.action == "account.signup")
    assert entry.object_id == user.id and "a-good-password" not in entry.summary
    # Signed in straight away.
    assert "赵晓明" in client.get("/").get_data(as_text=True)


def test_passwords_are_hashed_with_scrypt_unless_configured(database_url):
    production = make_app(database_url)  # not the suite's app: it hashes with one PBKDF2 round
    assert production.config["PASSWORD_HASH_METHOD"] == "scrypt"
    signup(production.test_client())
    assert User.get(User.mobile == "13800005678").password_hash.startswith("scrypt:")


def test_password_hash_method_comes_from_the_app_config(app, client):
    app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"
    signup(client)
    user = User.get(User.mobile == "13800005678")
    assert user.password_hash.startswith("pbkdf2:sha256:1000$")
    client.post("/logout")
    response = client.post(
        "/login", data={"username": user.username, "password": "a-good-password"}
    )
    assert response.status_code == 302


def test_signup_accepts_spaced_and_prefixed_mobile(client):
    assert signup(client, mobile="+86 138 0000 5678").status_code == 302
    assert User.select().where(User.mobile == "13800005678").exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"mobile": "1380000567"}, "请输入 11 位大陆手机号"),
        ({"mobile": "23800005678"}, "请输入 11 位大陆手机号"),
        ({"credit_code": "91350100M000100Y44"}, "统一社会信用代码无效"),
        ({"password": "short"}, "请至少使用 8 个字符"),
        ({"consent": ""}, "请同意隐私声明"),
        ({"name": ""}, "该字段是必填字段"),
    ],
)
def test_signup_refusals_create_nothing(client, changes, message):
    response = signup(client, **changes)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "请修改以下问题" in body
    assert message in body
    assert User.select().count() == 0
    assert Enterprise.select().count() == 0


def test_signup_duplicate_mobile_refused(client, make_user):
    make_user(mobile="13800005678")
    before = (User.select().count(), Enterprise.select().count())
    response = signup(client)
    assert response.status_code == 422
    assert "该手机号已注册账号" in response.get_data(as_text=True)
    assert (User.select().count(), Enterprise.select().count()) == before


def test_signup_error_in_english(client):
    client.set_cookie("lang", "en")
    body = signup(client, mobile="12").get_data(as_text=True)
    assert "Enter an 11-digit mainland mobile number" in body


def test_enterprise_shared_by_credit_code_then_name(client, make_enterprise):
    existing = make_enterprise(name="宝华集团", credit_code="91310000132149237G")
    signup(client, enterprise="宝华集团（上海）", credit_code="91310000132149237G")
    client.post("/logout")
    signup(client, mobile="13800005679", enterprise="宝华集团")
    assert Enterprise.select().count() == 1
    assert {u.enterprise_id for u in User.select()} == {existing.id}


def test_credit_code_mismatch_is_shown_next_to_the_credit_code(client, make_enterprise):
    make_enterprise(name="宝华集团", credit_code="91310000132149237G")
    response = signup(client, enterprise="宝华集团", credit_code="91440101MA5CXXXX08")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    message = "同名企业已登记了不同的统一社会信用代码。"
    assert message in body
    # Next to its field (the field's error line names the credit_code input), not only on top.
    assert body.index('id="credit_code"') < body.rindex(message)
    assert not User.select().exists()


def test_every_account_refusal_is_a_domain_error_with_a_message():
    import re
    from pathlib import Path

    from db.accounts import AccountError
    from db.errors import DomainError
    from views.auth import ACCOUNT_MESSAGES

    assert issubclass(AccountError, DomainError)
    error = AccountError("wrong_password", field="current_password")
    assert (error.code, error.field, str(error)) == (
        "wrong_password",
        "current_password",
        "wrong_password",
    )
    source = "\n".join(
        p.read_text() for p in (Path(__file__).parent.parent / "db" / "accounts").glob("*.py")
    )
    raised = set(re.findall(r'AccountError\("(\w+)"', source))
    assert raised and raised <= set(ACCOUNT_MESSAGES.messages)


def test_login_and_logout(client, auth, make_user):
    user = make_user(role="staff")
    response = auth.login(user)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "工作台" in client.get("/").get_data(as_text=True)
    assert client.get("/logout").status_code == 405  # logout is POST only
    response = auth.logout()
    assert response.status_code == 302
    assert client.get("/account").status_code == 302  # back to the login page


def test_wrong_password_is_refused_plainly(client, auth, make_user):
    user = make_user(role="staff")
    response = auth.login(user, password="wrong-password")
    assert response.status_code == 422
    assert "手机号/用户名或密码不正确" in response.get_data(as_text=True)


def test_deactivated_account_cannot_log_in(client, auth, make_user):
    user = make_user(role="staff", active=False)
    assert auth.login(user).status_code == 422


def test_deactivating_ends_an_open_session(client, auth, make_user):
    user = make_user(role="staff")
    auth.login(user)
    User.update(active=False).where(User.id == user.id).execute()
    assert client.get("/account").status_code == 302


def test_throttle_after_five_failures_for_fifteen_minutes(client, auth, make_user):
    user = make_user(role="staff")
    for _ in range(ACCOUNT_FAILURE_LIMIT):
        assert auth.login(user, password="nope-nope").status_code == 422
    response = auth.login(user)  # even the right password is refused now
    assert response.status_code == 429
    assert "登录已暂停 15 分钟" in response.get_data(as_text=True)
    # Sixteen minutes later the account may try again.
    for attempt in LoginAttempt.select():
        earlier = attempt.at - timedelta(minutes=16)
        LoginAttempt.update(at=earlier).where(LoginAttempt.id == attempt.id).execute()
    assert auth.login(user).status_code == 302


def test_throttle_is_per_account_so_the_kiosk_stays_signed_in(app, make_user, login_as):
    """One person's typos at the kiosk's address lock only the account they typed: the kiosk
    account itself can still sign in afresh from that address (staff re-sign it in after a
    restart), and so can staff."""
    kiosk = login_as("kiosk")
    victim = make_user(role="entrepreneur")
    other = make_user(role="staff")
    typist = app.test_client()  # the same address (127.0.0.1) as the kiosk
    for _ in range(ACCOUNT_FAILURE_LIMIT + 1):
        typist.post("/login", data={"username": victim.username, "password": "typo-typo"})
    locked = typist.post("/login", data={"username": victim.username, "password": TEST_PASSWORD})
    assert locked.status_code == 429  # the typed account is locked …
    fresh = app.test_client()  # … the kiosk account is not
    response = fresh.post(
        "/login", data={"username": kiosk.user.username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/kiosk/"
    assert fresh.get("/kiosk/").status_code == 200
    assert kiosk.get("/kiosk/").status_code == 200
    staff = typist.post("/login", data={"username": other.username, "password": TEST_PASSWORD})
    assert staff.status_code == 302


def set_failure_times(minutes_ago):
    """Move the recorded failures of each throttle key to `minutes_ago` (oldest first)."""
    now = utcnow()
    for key in {a.key for a in LoginAttempt.select(LoginAttempt.key)}:
        attempts = LoginAttempt.select().where(LoginAttempt.key == key).order_by(LoginAttempt.id)
        assert len(attempts) == len(minutes_ago)
        for attempt, ago in zip(attempts, minutes_ago, strict=True):
            LoginAttempt.update(at=now - timedelta(minutes=ago)).where(
                LoginAttempt.id == attempt.id
            ).execute()


def test_lock_lasts_fifteen_minutes_after_the_fifth_failure(client, auth, make_user):
    """Failures at 0, 3, 6, 9 and 12 minutes lock the account until minute 27, not 15."""
    user = make_user(role="staff")
    for _ in range(ACCOUNT_FAILURE_LIMIT):
        assert auth.login(user, password="nope-nope").status_code == 422
    set_failure_times([15.1, 12.1, 9.1, 6.1, 3.1])  # now: minute 15.1
    assert auth.login(user).status_code == 429
    set_failure_times([26.9, 23.9, 20.9, 17.9, 14.9])  # now: minute 26.9
    assert auth.login(user).status_code == 429
    assert LoginAttempt.select().count() == 2 * ACCOUNT_FAILURE_LIMIT  # refusals not counted
    set_failure_times([27.1, 24.1, 21.1, 18.1, 15.1])  # now: minute 27.1
    assert auth.login(user, password="nope-nope").status_code == 422  # a fresh count
    assert auth.login(user).status_code == 302


def test_five_failures_spread_over_more_than_fifteen_minutes_do_not_lock(client, auth, make_user):
    user = make_user(role="staff")
    for _ in range(ACCOUNT_FAILURE_LIMIT):
        assert auth.login(user, password="nope-nope").status_code == 422
    set_failure_times([16, 12, 8, 4, 0])
    assert auth.login(user).status_code == 302


def test_logout_is_audited(client, auth, make_user):
    user = make_user(role="staff")
    auth.login(user)
    assert auth.logout().status_code == 302
    entries = list(AuditEntry.select().where(AuditEntry.action == "account.logout"))
    assert len(entries) == 1
    assert entries[0].actor_id == user.id and entries[0].object_id == user.id
    assert entries[0].object_type == "user"
    auth.logout()  # nobody signed in: nothing ended, nothing recorded
    assert AuditEntry.select().where(AuditEntry.action == "account.logout").count() == 1


def make_app(database_url):
    """Another application on this test's database, built from the current environment."""
    application = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret",
            "WTF_CSRF_ENABLED": False,
        }
    )
    database.connect(reuse_if_open=True)
    return application


@pytest.mark.parametrize(("setting", "honoured"), [(None, False), ("0", False), ("1", True)])
def test_forwarded_for_trusted_only_when_configured(
    app, database_url, monkeypatch, setting, honoured
):
    if setting is None:
        monkeypatch.delenv("PROXY_FIX_X_FOR", raising=False)
    else:
        monkeypatch.setenv("PROXY_FIX_X_FOR", setting)
    client = make_app(database_url).test_client()
    client.post(
        "/login",
        data={"username": "nobody", "password": "x" * 8},
        headers={"X-Forwarded-For": "203.0.113.7"},
    )
    keys = {a.key for a in LoginAttempt.select()}
    expected = "address:203.0.113.7" if honoured else "address:127.0.0.1"
    assert keys == {"account:nobody", expected}


def test_address_throttle_behind_a_proxy_is_per_client(app, database_url, monkeypatch):
    """Behind nginx (PROXY_FIX_X_FOR=1) one sprayer does not lock out everyone else."""
    from db.accounts import ADDRESS_FAILURE_LIMIT

    monkeypatch.setenv("PROXY_FIX_X_FOR", "1")
    client = make_app(database_url).test_client()
    target = User.create(
        username="staff-x", name="员工", role="staff", password_hash=fast_password_hash()
    )
    sprayer = {"X-Forwarded-For": "203.0.113.7"}
    for n in range(ADDRESS_FAILURE_LIMIT):
        client.post("/login", data={"username": f"guess{n}", "password": "x" * 8}, headers=sprayer)
    good = {"username": target.username, "password": TEST_PASSWORD}
    assert client.post("/login", data=good, headers=sprayer).status_code == 429
    other = {"X-Forwarded-For": "198.51.100.2"}
    assert client.post("/login", data=good, headers=other).status_code == 302


@pytest.mark.parametrize("value", ["1", "true", "TRUE", "Yes", "on"])
def test_secure_flag_on_every_cookie_when_set(app, database_url, monkeypatch, value):
    monkeypatch.setenv("SESSION_COOKIE_SECURE", value)
    application = make_app(database_url)
    kiosk = User.create(
        username="kiosk-x", name="终端", role="kiosk", password_hash=fast_password_hash()
    )
    client = application.test_client()
    response = client.post("/login", data={"username": kiosk.username, "password": TEST_PASSWORD})
    cookies = {v.split("=", 1)[0]: v for k, v in response.headers.items() if k == "Set-Cookie"}
    assert "Secure" in cookies["session"] and "Secure" in cookies["remember_token"]
    response = client.post("/language/en", data={"next": "/"})
    language = next(v for k, v in response.headers.items() if v.startswith("lang="))
    assert "Secure" in language and "HttpOnly" in language


@pytest.mark.parametrize("value", [None, "", "0", "no", "off"])
def test_no_secure_flag_when_not_set(app, database_url, monkeypatch, value):
    if value is None:
        monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    else:
        monkeypatch.setenv("SESSION_COOKIE_SECURE", value)
    application = make_app(database_url)
    kiosk = User.create(
        username="kiosk-x", name="终端", role="kiosk", password_hash=fast_password_hash()
    )
    client = application.test_client()
    cookies = []
    for path, data in [
        ("/login", {"username": kiosk.username, "password": TEST_PASSWORD}),
        ("/language/en", {"next": "/"}),
    ]:
        response = client.post(path, data=data)
        cookies += [v for k, v in response.headers.items() if k == "Set-Cookie"]
    names = {v.split("=", 1)[0] for v in cookies}
    assert {"session", "remember_token", "lang"} <= names
    assert not any("Secure" in v for v in cookies)


def test_throttle_by_address_stops_spraying(client, make_user):
    from db.accounts import ADDRESS_FAILURE_LIMIT

    target = make_user(role="staff")
    for n in range(ADDRESS_FAILURE_LIMIT):
        client.post("/login", data={"username": f"guess{n}", "password": "x" * 8})
    response = client.post("/login", data={"username": target.username, "password": TEST_PASSWORD})
    assert response.status_code == 429


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/\\evil.example",
        "https://evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "\\\\evil.example",
        " //evil.example",
        "/%0a/evil",
    ],
)
def test_next_accepts_only_local_paths(client, make_user, target):
    user = make_user(role="staff")
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"username": user.username, "password": TEST_PASSWORD},
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location in ("/", target) and not location.startswith("//")
    if target != "/%0a/evil":
        assert location == "/"


def test_next_local_path_kept(client, make_user):
    user = make_user(role="admin")
    response = client.post(
        "/login",
        query_string={"next": "/admin/audit?action=x"},
        data={"username": user.username, "password": TEST_PASSWORD},
    )
    assert response.headers["Location"] == "/admin/audit?action=x"


def test_login_starts_a_new_session(app, make_user):
    """Session fixation: nothing put in the session before login survives it (the language
    choice aside), and the cookie changes."""
    user = make_user(role="staff")
    client = app.test_client()
    client.post("/language/en", data={"next": "/"})
    client.get("/login")
    with client.session_transaction() as before_login:
        before_login["planted"] = "by-an-attacker"
        before_login["_lang"] = "en"
    before = client.get_cookie("session")
    response = client.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 302
    with client.session_transaction() as after_login:
        assert "planted" not in after_login
        assert after_login.get("_user_id", "").startswith(f"{user.id}:")
    after = client.get_cookie("session")
    assert after is not None and (before is None or before.value != after.value)


def test_session_cookie_flags(client, make_user):
    user = make_user(role="staff")
    response = client.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    cookie = next(v for k, v in response.headers.items() if k == "Set-Cookie" and "session=" in v)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_kiosk_login_lands_on_kiosk_and_stays_long(client, make_user):
    kiosk = make_user(role="kiosk")
    response = client.post("/login", data={"username": kiosk.username, "password": TEST_PASSWORD})
    assert response.headers["Location"] == "/kiosk/"
    cookies = " ".join(v for k, v in response.headers.items() if k == "Set-Cookie")
    assert "remember_token=" in cookies


def test_kiosk_is_fenced_in(login_as):
    kiosk = login_as("kiosk")
    assert kiosk.get("/kiosk/").status_code == 200
    assert kiosk.get("/account").status_code == 403
    assert kiosk.get("/admin/users").status_code == 403
    assert kiosk.get("/").headers["Location"] == "/kiosk/"


def test_change_password(client, auth, make_user):
    user = make_user(role="entrepreneur")
    auth.login(user)
    bad = client.post(
        "/account",
        data={
            "pw-current_password": "wrong",
            "pw-password": "new-password-1",
            "pw-confirm": "new-password-1",
        },
    )
    assert bad.status_code == 422 and "当前密码不正确" in bad.get_data(as_text=True)
    mismatch = client.post(
        "/account",
        data={
            "pw-current_password": TEST_PASSWORD,
            "pw-password": "new-password-1",
            "pw-confirm": "x",
        },
    )
    assert mismatch.status_code == 422
    ok = client.post(
        "/account",
        data={
            "pw-current_password": TEST_PASSWORD,
            "pw-password": "new-password-1",
            "pw-confirm": "new-password-1",
        },
    )
    assert ok.status_code == 302
    assert User.get_by_id(user.id).check_password("new-password-1")
    assert AuditEntry.select().where(AuditEntry.action == "account.password").count() == 1


def test_language_preference_on_account_page(client, auth, make_user):
    user = make_user(role="staff")
    auth.login(user)
    response = client.post("/account", data={"lang-language": "en"})
    assert response.status_code == 302
    assert User.get_by_id(user.id).language == "en"
    assert "My account" in client.get("/account").get_data(as_text=True)


def test_csrf_refused_without_token(csrf_app, make_user):
    client = csrf_app.test_client()
    user = make_user(role="staff")
    response = client.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert "表单已过期或重复提交" in response.get_data(as_text=True)


def test_csrf_token_accepted_in_form_and_htmx_header(csrf_app, make_user):
    client = csrf_app.test_client()
    user = make_user(role="admin")
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"username": user.username, "password": TEST_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    page = client.get("/admin/users").get_data(as_text=True)
    header_token = page.split('"X-CSRFToken": "', 1)[1].split('"', 1)[0]
    refused = client.post("/language/en", headers={"HX-Request": "true"}, data={"next": "/"})
    assert refused.status_code == 400
    accepted = client.post(
        "/language/en",
        headers={"HX-Request": "true", "X-CSRFToken": header_token},
        data={"next": "/"},
    )
    assert accepted.status_code == 302


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "database": "ok",
        "schema": "ok",
        "schema_version": response.get_json()["schema_version"],
    }


def test_logout_ends_the_session_even_for_a_copied_cookie(app, make_user):
    user = make_user(role="staff")
    client = app.test_client()
    client.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    stolen = client.get_cookie("session").value
    assert client.get("/account").status_code == 200
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/account").status_code == 302


def test_password_change_ends_other_sessions(app, make_user):
    user = make_user(role="entrepreneur")
    phone, desk = app.test_client(), app.test_client()
    for client in (phone, desk):
        client.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    desk.post(
        "/account",
        data={
            "pw-current_password": TEST_PASSWORD,
            "pw-password": "brand-new-pass",
            "pw-confirm": "brand-new-pass",
        },
    )
    assert desk.get("/account").status_code == 200
    assert phone.get("/account").status_code == 302


def test_deactivation_ends_sessions(app, make_user, login_as):
    staff = login_as("staff")
    admin = login_as("admin")
    admin.post(f"/admin/users/{staff.user.id}/active", data={"active": "0"})
    admin.post(f"/admin/users/{staff.user.id}/active", data={"active": "1"})
    assert staff.get("/account").status_code == 302  # reactivation does not revive it


def test_htmx_request_without_a_session_is_sent_to_the_login_page(client):
    """A fragment request gets HX-Redirect (htmx would swap a followed 302's login page into
    the fragment); a page request a plain redirect, both back to where the guest was."""
    fragment = client.get(
        "/admin/users?q=x",
        headers={"HX-Request": "true", "HX-Current-URL": "http://localhost/admin/users"},
    )
    assert fragment.status_code == 204 and "Location" not in fragment.headers
    assert fragment.headers["HX-Redirect"] == "/login?next=%2Fadmin%2Fusers"
    posted = client.post("/staff/personal-data/erase", headers={"HX-Request": "true"})
    assert posted.headers["HX-Redirect"].startswith("/login?next=")
    page = client.get("/account")
    assert page.status_code == 302 and page.headers["Location"] == "/login?next=%2Faccount"
    assert "HX-Redirect" not in page.headers
    assert "请先登录再打开此页面" in client.get("/login").get_data(as_text=True)


def session_started(user, ago):
    """Move the login sessions of `user` back in time by `ago`."""
    LoginSession.update(created_at=utcnow() - ago).where(LoginSession.user == user.id).execute()


@pytest.mark.parametrize(
    ("role", "still_good", "too_old"),
    [
        ("staff", timedelta(hours=11, minutes=50), timedelta(hours=12, minutes=1)),
        ("entrepreneur", timedelta(hours=11, minutes=50), timedelta(hours=12, minutes=1)),
        ("kiosk", timedelta(days=6, hours=23), timedelta(days=7, minutes=1)),
    ],
)
def test_a_login_session_ends_on_the_server_after_its_lifetime(
    app, make_user, role, still_good, too_old
):
    """A copied cookie (the kiosk's remember cookie included) stops working once the session
    is older than a working day (12 hours) or, for the kiosk, a week."""
    user = make_user(role=role)
    client = app.test_client()
    client.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    page = "/kiosk/" if role == "kiosk" else "/account"
    session_started(user, still_good)
    assert client.get(page).status_code == 200
    copied = app.test_client()
    for cookie in ("session", "remember_token"):
        if client.get_cookie(cookie):
            copied.set_cookie(cookie, client.get_cookie(cookie).value)
    assert copied.get(page).status_code == 200
    session_started(user, too_old)
    for holder in (client, copied):
        response = holder.get(page)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
