"""Logs never contain mobile numbers, ID numbers or passwords."""

import io
import logging
import re
from pathlib import Path

import pytest

from tests.conftest import TEST_PASSWORD
from tests.live_client import LiveClient
from views import log_privacy
from views.log_privacy import redact

SECRETS = ("13800005678", "110101199003074512", "a-good-password")


def test_redact():
    assert redact("mobile 13800005678 called") == "mobile 138****5678 called"
    assert redact("id 11010119900307451X ok") == "id [id-number] ok"
    assert redact("password=hunter22&x=1") == "password=[hidden]&x=1"
    assert redact("order 2026112612345678901") == "order 2026112612345678901"


@pytest.mark.parametrize(
    ("written", "logged"),
    [
        ("tel +8613800001234 ok", "tel +86138****1234 ok"),
        ("GET /x?mobile=%2B8613800001234 HTTP/1.1", "GET /x?mobile=%2B86138****1234 HTTP/1.1"),
        ("mobile=8613800001234&a=1", "mobile=86138****1234&a=1"),
        ("call 138 0000 1234 today", "call 138****1234 today"),
        ("mobile=138%200000%201234&a=1", "mobile=138****1234&a=1"),
        ("mobile=138+0000+1234&a=1", "mobile=138****1234&a=1"),
        ("call 138-0000-1234.", "call 138****1234."),
        ("q=wang%2013800001234", "q=wang%20138****1234"),
        ("+86 138 0000 1234", "+86 138****1234"),
    ],
)
def test_redact_masks_mobiles_however_written(written, logged):
    assert redact(written) == logged
    assert "0000" not in redact(written)


@pytest.mark.parametrize(
    "number",
    [
        "order 2026112612345678901",  # 19 digits
        "order 138000012345",  # 12 digits
        "order 1380000123",  # 10 digits
        "id 2861380000123",  # 86 inside a longer number
        "took 1732612345678 ms",  # 13 digits, a millisecond timestamp
        "code 138-0000-12345",
        "at 2026-11-26 13:08:00",
        "page 2 of 13, 80 rows",
    ],
)
def test_redact_leaves_other_numbers_alone(number):
    assert redact(number) == number


def test_logs_of_a_sign_up_and_failed_logins_hold_no_personal_data(client, caplog):
    caplog.set_level(logging.DEBUG)
    client.post(
        "/signup",
        data={
            "name": "赵晓明",
            "mobile": "13800005678",
            "enterprise": "广中创新工作室",
            "password": "a-good-password",
            "consent": "y",
        },
    )
    client.post("/logout")
    client.post("/login", data={"username": "13800005678", "password": "wrong-password"})
    client.get("/admin/users?q=13800005678")
    logging.getLogger("flask.app").warning("lookup of %s by 110101199003074512", "13800005678")
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert caplog.records, "nothing was logged: the scan would prove nothing"
    for secret in SECRETS:
        assert secret not in text
    assert "138****5678" in text


MOBILE_PATTERN = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
ID_PATTERN = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


@pytest.fixture
def root_output():
    """Everything written by a handler on the root logger (as gunicorn's or a deployment's)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    yield stream, handler
    root.removeHandler(handler)


def test_tracebacks_are_redacted_in_every_handler(app, root_output):
    """A unique-violation detail names the mobile it refused: the traceback, not only the
    message, is redacted, on records of the app and of any other library's logger."""
    stream, handler = root_output
    log_privacy.init_app(app)  # as at start-up, when the server's handlers exist
    assert any(isinstance(f, log_privacy.RedactPersonalData) for f in handler.filters)
    detail = (
        'duplicate key value violates unique constraint "user_mobile"\n'
        "DETAIL:  Key (mobile)=(13800005678) already exists. ID 110101199003074512"
    )
    for logger in (app.logger, logging.getLogger("psycopg2.some.library")):
        try:
            raise ValueError(detail)
        except ValueError:
            logger.exception("sign-up failed for %s", "13800005678")

    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/test-unique-violation")
    def unique_violation():
        raise ValueError(detail)

    assert app.test_client().get("/test-unique-violation").status_code == 500
    text = stream.getvalue()
    assert text.count("Traceback") == 3, text
    assert "ValueError: duplicate key value" in text and "138****5678" in text
    for secret in SECRETS[:2]:
        assert secret not in text, text


def test_the_filter_keeps_working_on_handlers_added_later(app):
    """Records of the protected loggers are redacted for any handler, even one added after
    start-up (the filter sits on the logger too)."""
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    keep = Keep()
    app.logger.addHandler(keep)
    try:
        try:
            raise RuntimeError("mobile 13800005678")
        except RuntimeError:
            app.logger.exception("failed")
    finally:
        app.logger.removeHandler(keep)
    assert records and "13800005678" not in records[0] and "138****5678" in records[0]


@pytest.mark.live
def test_a_live_server_log_holds_no_mobile_or_id_number(live_server, make_user):
    """gunicorn with access and debug logging: sign-up, failed and good logins, searches and
    a personal-data lookup by mobile, a 404 naming a mobile; the whole server log is scanned."""
    staff = make_user(role="staff", username="log-staff")
    server = live_server(
        workers=1, env={"GUNICORN_CMD_ARGS": "--access-logfile - --log-level debug"}
    )
    visitor = LiveClient(server.url)
    visitor.get("/signup")
    visitor.post(
        "/signup",
        {
            "name": "赵晓明",
            "mobile": "13800005678",
            "enterprise": "广中创新工作室",
            "password": "a-good-password",
            "consent": "y",
        },
    )
    LiveClient(server.url).login("13800005678", "wrong-password")
    desk = LiveClient(server.url)
    desk.login(staff.username, TEST_PASSWORD)
    desk.get("/admin/users?q=13800005678&id=110101199003074512")
    desk.get("/market/households?q=13800005678")
    desk.post("/staff/personal-data/", {"mobile": "13800005678"})
    desk.get("/no-such-page/13800005678?password=a-good-password")
    server.stop()
    log = Path(server.log.name).read_text()
    assert "GET /admin/users" in log, "no access log: the scan would prove nothing"
    assert "138****5678" in log
    assert not MOBILE_PATTERN.search(log), MOBILE_PATTERN.search(log)
    assert not ID_PATTERN.search(log)
    assert "a-good-password" not in log
