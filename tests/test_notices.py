"""The notice outbox: written with the change, listed under "My notices", and e-mailed by
`flask --app app send-notices` exactly once, against a local SMTP server (aiosmtpd)."""

import asyncio
import threading
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from db import database, notices
from db.accounts import PRIVACY_NOTICE_VERSION
from db.audit import AuditEntry
from db.base import utcnow
from db.events import registrations
from db.notices import MAX_ATTEMPTS, Notice
from tests.conftest import free_port, sqlite_only
from tests.events_support import guest, new_event


class Mailbox:
    """An aiosmtpd handler that keeps what it receives (or refuses it all)."""

    def __init__(self, refuse=False):
        self.messages = []
        self.refuse = refuse
        self.delay = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.refuse:
            return "550 mailbox unavailable"
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp(app):
    """A loopback SMTP server; the app is configured to send to it."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=controller.port,
        SMTP_SECURITY="none",
        SMTP_FROM="desk@example.org",
        PUBLIC_BASE_URL="https://desk.example.org",
    )
    yield mailbox
    controller.stop()


def registered(n, email="", event=None):
    """Register invented guest n (with an e-mail address if given)."""
    event = event or new_event(seats=50)
    return registrations.register(event.id, guest(n, email=email))[0]


def test_queue_needs_someone_to_tell(app):
    with pytest.raises(ValueError):
        notices.queue("x", "subject", "body")


def test_notice_is_written_in_the_transaction_of_the_change(app):
    event = new_event(seats=5)
    with pytest.raises(Exception), database.atomic():  # noqa: B017 - any failure rolls back
        registrations.register(event.id, guest(1))
        raise RuntimeError("the change fails after the notice was queued")
    assert Notice.select().count() == 0


def test_my_notices_lists_only_my_own(login_as):
    client = login_as("entrepreneur", consent_version=PRIVACY_NOTICE_VERSION, consent_at=utcnow())
    other = login_as("entrepreneur", consent_version=PRIVACY_NOTICE_VERSION, consent_at=utcnow())
    event = new_event(seats=5, title="我的论坛")
    client.post(f"/events/{event.id}/register", data={})
    other_event = new_event(seats=5, title="别人的论坛")
    other.post(f"/events/{other_event.id}/register", data={})
    page = client.get("/notices").get_data(as_text=True)
    assert "报名成功：我的论坛" in page and "别人的论坛" not in page
    assert "/r/" in page


def test_my_notices_pages_older_ones(login_as):
    client = login_as("entrepreneur")
    for n in range(35):
        notices.queue("test", f"通知{n:02d}", "正文", recipient=client.user)
    first = client.get("/notices").get_data(as_text=True)
    assert "通知34" in first and "通知04" not in first and "page=2" in first
    second = client.get("/notices?page=2").get_data(as_text=True)
    assert "通知04" in second and "通知05" not in second


def test_without_smtp_nothing_is_sent(runner):
    registered(1, email="a@example.org")
    result = runner.invoke(args=["send-notices"])
    assert result.exit_code == 0 and "SMTP_HOST is not set" in result.output
    assert Notice.get().sent_at is None


def test_send_notices_sends_each_once(runner, smtp):
    event = new_event(seats=1, title="报告会")
    first = registered(1, email="first@example.org", event=event)
    registered(2, email="second@example.org", event=event)
    registered(3, event=event)  # no address: listed for an account only, never e-mailed
    result = runner.invoke(args=["send-notices"])
    assert result.exit_code == 0 and "2 sent, 0 failed" in result.output
    assert sorted(m["To"] for m in smtp.messages) == ["first@example.org", "second@example.org"]
    message = next(m for m in smtp.messages if m["To"] == "first@example.org")
    assert message["Subject"] == "报名成功：报告会"
    body = message.get_content()
    assert first.code in body and f"https://desk.example.org/r/{first.token}" in body
    again = runner.invoke(args=["send-notices"])
    assert "0 sent" in again.output and len(smtp.messages) == 2
    assert Notice.select().where(Notice.sent_at.is_null(False)).count() == 2
    assert AuditEntry.select().where(AuditEntry.action == "notices.send").count() == 1


def test_a_promotion_later_is_sent_too(runner, smtp):
    event = new_event(seats=1)
    first = registered(1, email="first@example.org", event=event)
    registered(2, email="second@example.org", event=event)
    runner.invoke(args=["send-notices"])
    registrations.cancel(first)
    runner.invoke(args=["send-notices"])
    subjects = [m["Subject"] for m in smtp.messages if m["To"] == "second@example.org"]
    assert subjects == ["已进入候补：测试论坛", "候补转正：测试论坛"]


def test_refused_messages_are_retried_then_given_up(app, runner, smtp):
    smtp.refuse = True
    registered(1, email="a@example.org")
    for attempt in range(1, MAX_ATTEMPTS + 1):
        result = runner.invoke(args=["send-notices"])
        assert "0 sent, 1 failed" in result.output
        notice = Notice.get()
        assert notice.attempts == attempt and notice.sent_at is None
        assert notice.claimed_at is None and notice.last_error
    assert "0 sent, 0 failed" in runner.invoke(args=["send-notices"]).output


def test_unreachable_server_releases_the_claim(app, runner):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), SMTP_FROM="d@example.org")
    app.config["SMTP_SECURITY"] = "none"
    registered(1, email="a@example.org")
    result = runner.invoke(args=["send-notices"])
    assert "0 sent, 1 failed" in result.output
    notice = Notice.get()
    assert notice.attempts == 1 and notice.claimed_at is None and notice.sent_at is None


def test_missing_sender_address_is_a_clear_error(app, runner, smtp):
    app.config["SMTP_FROM"] = ""
    result = runner.invoke(args=["send-notices"])
    assert result.exit_code != 0 and "SMTP_FROM" in result.output


def test_two_senders_at_once_never_send_one_notice_twice(app, smtp):
    from views.notices import send_due

    event = new_event(seats=100)
    for n in range(1, 41):
        registered(n, email=f"p{n}@example.org", event=event)
    config = dict(app.config)
    database.close()
    results, errors = [], []

    def run():
        try:
            with app.app_context(), database.connection_context():
                results.append(send_due(config, limit=15))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    database.connect(reuse_if_open=True)
    assert not errors
    addresses = [m["To"] for m in smtp.messages]
    assert len(addresses) == len(set(addresses)) == sum(sent for sent, _ in results)
    assert sum(failed for _, failed in results) == 0
    assert Notice.select().where(Notice.sent_at.is_null(False)).count() == len(addresses)


def test_claims_are_disjoint(app):
    for n in range(30):
        notices.queue("test", "s", "b", email=f"p{n}@example.org")
    first = notices.claim_due(limit=20)
    second = notices.claim_due(limit=20)
    assert len(first) == 20 and len(second) == 10
    assert not {n.id for n in first} & {n.id for n in second}
    assert notices.claim_due(limit=20) == []
    # A claim abandoned by a sender that died is taken up again after the timeout.
    later = utcnow() + notices.CLAIM_TIMEOUT + timedelta(minutes=1)
    assert len(notices.claim_due(limit=50, now=later)) == 30


def test_day_before_reminders_are_queued_once(app):
    soon = new_event(seats=3, starts_in=timedelta(hours=20))
    later = new_event(seats=3, starts_in=timedelta(days=3))
    confirmed = registrations.register(soon.id, guest(1))[0]
    registrations.register(later.id, guest(2))
    cancelled = registrations.register(soon.id, guest(3))[0]
    registrations.cancel(cancelled)
    assert notices.produce_due() == 1
    reminder = Notice.get(Notice.kind == "event.reminder")
    starts = soon.starts_at + timedelta(hours=8)  # Shanghai
    assert reminder.mobile == confirmed.mobile
    assert reminder.subject == f"{starts.month}月{starts.day}日 {starts:%H:%M}举行：测试论坛"
    assert notices.produce_due() == 0


def test_reminders_come_from_the_send_command(runner, smtp):
    event = new_event(seats=3, starts_in=timedelta(hours=10))
    registered(1, email="a@example.org", event=event)
    runner.invoke(args=["send-notices"])
    subjects = sorted(m["Subject"] for m in smtp.messages)
    starts = event.starts_at + timedelta(hours=8)  # Shanghai
    assert subjects == sorted(
        ["报名成功：测试论坛", f"{starts.month}月{starts.day}日 {starts:%H:%M}举行：测试论坛"]
    )


def test_notices_follow_the_registrants_language(client):
    event = new_event(seats=1, title="Forum")
    first = registrations.register(event.id, guest(1))[0]
    client.post("/language/en", data={"next": "/"})
    response = client.post(
        f"/events/{event.id}/register",
        data=dict(name="Ann Lee", mobile="13800019999", enterprise="Acme", position="CEO"),
    )
    assert response.status_code == 422  # consent first
    client.post(
        f"/events/{event.id}/register",
        data=dict(
            name="Ann Lee", mobile="13800019999", enterprise="Acme", position="CEO", consent="y"
        ),
    )
    assert Notice.get(Notice.mobile == "13800019999").subject == "On the waiting list: Forum"
    # Promoted later by a change made in Chinese: still told in English.
    with client.application.test_request_context("/"):
        registrations.cancel(first)
    promoted = Notice.get(Notice.kind == "event.promoted")
    assert promoted.mobile == "13800019999" and promoted.subject == "A seat is yours: Forum"
    assert "Your code:" in promoted.body


def test_reminder_names_the_day_and_reaches_people_confirmed_after_the_first_run(app):
    event = new_event(seats=1, starts_in=timedelta(hours=3), title="Forum")
    holder = registrations.register(event.id, guest(1), language="en")[0]
    waiting = registrations.register(event.id, guest(2), language="en")[0]
    assert notices.produce_due() == 1
    starts = event.starts_at + timedelta(hours=8)
    expected = f"On {starts.day} {starts:%b} at {starts:%H:%M}: Forum"
    assert Notice.get(Notice.kind == "event.reminder").subject == expected
    assert "Tomorrow" not in expected
    registrations.cancel(holder)  # the waiting person is promoted after the reminder run
    assert notices.produce_due() == 1
    promoted = Notice.get(Notice.kind == "event.reminder", Notice.mobile == waiting.mobile)
    assert promoted.link == waiting.private_path
    assert notices.produce_due() == 0  # each person once


def test_a_slow_run_never_sends_what_a_later_run_took_over(app, smtp, monkeypatch):
    """A run outliving the claim timeout must not send the rows a later run re-claimed."""
    from views.notices import send_due

    monkeypatch.setattr(notices, "CLAIM_TIMEOUT", timedelta(seconds=1))
    smtp.delay = 0.4  # each message takes 0.4 s: eight outlive the one-second claim
    for n in range(8):
        notices.queue("test", f"s{n}", "b", email=f"p{n}@example.org")
    config = dict(app.config)
    database.close()
    results, errors = {}, []

    def run(wait):
        try:
            threading.Event().wait(wait)
            with app.app_context(), database.connection_context():
                results[wait] = send_due(config, limit=20)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(wait,)) for wait in (0, 1.5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    database.connect(reuse_if_open=True)
    assert not errors
    addresses = [m["To"] for m in smtp.messages]
    assert sorted(addresses) == sorted(f"p{n}@example.org" for n in range(8))
    assert sum(sent for sent, _failed in results.values()) == 8
    assert results[0][0] > 0 and results[1.5][0] > 0  # the later run really took rows over


@sqlite_only
def test_a_private_pages_notices_are_found_by_index(app):
    for number in range(30):
        notices.queue("test", f"通知{number}", "正文", mobile="13900000000", link=f"/r/{number}")
    database.execute_sql("ANALYZE")
    query = (
        Notice.select()
        .where(Notice.link == "/r/7")
        .order_by(Notice.created_at.desc(), Notice.id.desc())
        .limit(20)
    )
    sql, params = query.sql()
    plan = " ".join(row[-1] for row in database.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
    assert "notice_link_created_at" in plan, plan
    assert [n.subject for n in notices.for_link("/r/7")] == ["通知7"]


# --- A bad message never blocks the others (audit follow-up) -----------------------------------


def test_a_subject_with_a_line_break_is_sent_on_one_line(runner, smtp):
    """A row already in the outbox with a line break in its subject (queued before subjects
    were collapsed) goes out with the subject on one line."""
    Notice.create(
        kind="test", subject="报名成功：第一行\r\n第二行", body="正文", email="a@example.org"
    )
    result = runner.invoke(args=["send-notices"])
    assert result.exit_code == 0 and "1 sent, 0 failed" in result.output
    assert smtp.messages[0]["Subject"] == "报名成功：第一行 第二行"


def test_queued_subjects_are_collapsed_to_one_line(app):
    event = new_event(seats=5, title="经济\r\n时事\x1b报告会")
    registered(1, email="a@example.org", event=event)
    assert Notice.get().subject == "报名成功：经济 时事 报告会"


def test_a_message_that_cannot_be_built_fails_alone(runner, smtp):
    """Any error building or sending one message (here a header the e-mail library refuses)
    marks that notice failed; the rest of the batch is still sent, and the next run too."""
    bad = Notice.create(kind="test", subject="坏", body="正文", email="x@example.org\r\nBcc: y")
    registered(1, email="good@example.org")
    result = runner.invoke(args=["send-notices"])
    assert result.exit_code == 0, result.output
    assert "1 sent, 1 failed" in result.output
    assert [m["To"] for m in smtp.messages] == ["good@example.org"]
    bad = Notice.get_by_id(bad.id)
    assert bad.attempts == 1 and bad.claimed_at is None and bad.sent_at is None
    assert bad.last_error
    registered(2, email="later@example.org")
    again = runner.invoke(args=["send-notices"])
    assert again.exit_code == 0 and "1 sent, 1 failed" in again.output
    assert [m["To"] for m in smtp.messages] == ["good@example.org", "later@example.org"]
