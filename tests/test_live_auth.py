"""Against a live server with two gunicorn workers: throttling and sessions hold across them."""

import threading

import pytest

from tests.conftest import TEST_PASSWORD
from tests.live_client import LiveClient

pytestmark = pytest.mark.live


def test_login_throttling_holds_across_workers(live_server, make_user):
    user = make_user(role="staff")
    server = live_server(workers=2)
    statuses = []
    for _ in range(6):
        # A new connection each time: requests land on both workers.
        statuses.append(LiveClient(server.url).login(user.username, "wrong-password")[0])
    assert statuses[:5] == [422] * 5
    assert statuses[5] == 429
    status, body, _ = LiveClient(server.url).login(user.username, TEST_PASSWORD)
    assert status == 429 and "登录已暂停 15 分钟" in body


def test_parallel_burst_gets_at_most_five_answers(live_server, make_user):
    """Wrong passwords fired at once at both workers: exactly 5 are evaluated and recorded,
    every other attempt is refused (the check and the insert run under one write lock)."""
    from db.accounts import ACCOUNT_FAILURE_LIMIT, LoginAttempt

    user = make_user(role="staff")
    server = live_server(workers=2)
    clients = [LiveClient(server.url) for _ in range(16)]
    for client in clients:
        client.get("/login")  # a CSRF token each
    start = threading.Barrier(len(clients))
    statuses = []

    def attempt(client):
        start.wait(30)
        statuses.append(client.post("/login", {"username": user.username, "password": "x" * 9})[0])

    threads = [threading.Thread(target=attempt, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(statuses) == [422] * ACCOUNT_FAILURE_LIMIT + [429] * 11
    key = "account:" + user.username
    assert LoginAttempt.select().where(LoginAttempt.key == key).count() == ACCOUNT_FAILURE_LIMIT


def test_logout_ends_session_on_every_worker(live_server, make_user):
    user = make_user(role="staff")
    server = live_server(workers=2)
    client = LiveClient(server.url)
    assert client.login(user.username, TEST_PASSWORD)[0] == 302
    assert all(client.get("/account")[0] == 200 for _ in range(4))
    stolen = [(c.name, c.value) for c in client.jar]
    client.post("/logout")
    thief = LiveClient(server.url)
    headers = {"Cookie": "; ".join(f"{name}={value}" for name, value in stolen)}
    assert all(thief.get("/account", headers=headers)[0] == 302 for _ in range(4))


def test_people_of_one_new_enterprise_sign_up_at_once(live_server, app):
    """Two colleagues register the same new enterprise at the same moment: both succeed and
    share one enterprise record."""
    import threading

    from db.accounts import Enterprise, User

    server = live_server(workers=2)
    results = []

    def sign_up(mobile):
        client = LiveClient(server.url)
        client.get("/signup")
        results.append(
            client.post(
                "/signup",
                {
                    "name": "同事",
                    "mobile": mobile,
                    "enterprise": "同时注册的新企业",
                    "password": "together-1",
                    "consent": "y",
                },
            )[0]
        )

    threads = [threading.Thread(target=sign_up, args=(f"1391111{n:04d}",)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results == [302] * 6
    assert Enterprise.select().where(Enterprise.name == "同时注册的新企业").count() == 1
    assert User.select().where(User.mobile.startswith("1391111")).count() == 6
