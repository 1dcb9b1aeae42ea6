"""A backup taken while people write is consistent, and restores into a fresh instance.

During the backup, entrepreneurs sign up and staff redeem goods and record donations. The
restored copy passes `ledger verify` (hash chains and balances), has no half-done action (a
redemption without its points or stock, a donation without its ledger rows, an account without
its audit row), and its ledgers are exactly the first rows of the live ones: same ids, same
hashes, so the same points, stock and cash up to the moment of the backup."""

import json
import os
import subprocess
import sys
import threading
import time
import uuid

import pytest

from db import market
from tests.conftest import BACKEND, PG_ADMIN_URL, ROOT, TEST_PASSWORD, LiveServer, _pg_admin
from tests.live_client import LiveClient

pytestmark = pytest.mark.live


def sign_up_many(url, stop, answered):
    """Keep signing up new entrepreneurs until told to stop; remember who got a 302."""
    n = 0
    while not stop.is_set():
        n += 1
        mobile = f"139{threading.get_ident() % 1000:03d}{n:05d}"[:11]
        client = LiveClient(url)
        client.get("/signup")
        status, _, _ = client.post(
            "/signup",
            {
                "name": "备份测试",
                "mobile": mobile,
                "enterprise": "备份测试企业",
                "password": "backup-pass-1",
                "consent": "y",
            },
        )
        if status == 302:
            answered.append(mobile)


def consistent_counts(url):
    """(accounts, sign-up audit rows, accounts without their audit row) in a database."""
    code = (
        "from db import init_database, database;"
        f"init_database({url!r});"
        "from db.accounts import User; from db.audit import AuditEntry;"
        "users = User.select().count();"
        "audits = AuditEntry.select().where(AuditEntry.action == 'account.signup').count();"
        "orphans = User.select().where(User.role == 'entrepreneur', User.id.not_in("
        "AuditEntry.select(AuditEntry.object_id).where(AuditEntry.action == 'account.signup')"
        ")).count();"
        "print(users, audits, orphans)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return tuple(int(x) for x in out.split())


def staff_writer(url, username, action, stop, answered):
    """Keep redeeming (one unit on a card) or recording donations until told to stop;
    remember each answered (302) one."""
    client = LiveClient(url)
    client.login(username, TEST_PASSWORD)
    while not stop.is_set():
        status, _, headers = client.post(*action())
        if status == 302 and "/login" not in headers.get("Location", ""):
            answered.append(headers["Location"])


def wait_for(condition, seconds=90):
    """Wait until `condition()` holds (at most `seconds`)."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.1)


def summary(url):
    """Counts, balances, ledger rows and problems of the database at `url`, from a separate
    process (this one's connection belongs to the test's live database)."""
    code = f"import tests.test_backup_live as t; t.print_summary({url!r})"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def print_summary(url):
    """Run in a subprocess by `summary`."""
    from types import SimpleNamespace

    from db import database, init_database
    from db.accounts import User
    from db.audit import AuditEntry
    from db.integrity import run_checks
    from db.market.models import CashEntry, Donation, PointsEntry, Redemption, StockMovement
    from tests.faults.harness import half_done_problems

    init_database(url)
    with database.connection_context():
        signups = AuditEntry.select(AuditEntry.object_id).where(
            AuditEntry.action == "account.signup"
        )
        problems, _ = run_checks()
        problems += half_done_problems(SimpleNamespace(big_event=0, small_event=0, small_seats=0))
        result = {
            "users": User.select().count(),
            "signup_audits": signups.count(),
            "orphans": User.select()
            .where(User.role == "entrepreneur", User.id.not_in(signups))
            .count(),
            "redemptions": Redemption.select().count(),
            "donations": Donation.select().count(),
            "points": [
                [r.id, r.hash, r.household_id, r.points]
                for r in PointsEntry.select().order_by(PointsEntry.id)
            ],
            "stock": [
                [r.id, r.hash, r.item_id, r.quantity]
                for r in StockMovement.select().order_by(StockMovement.id)
            ],
            "cash": [[r.id, r.hash, r.amount] for r in CashEntry.select().order_by(CashEntry.id)],
            "problems": problems,
        }
    print(json.dumps(result))


def balances(rows):
    """{owner: sum} of ledger rows [id, hash, owner, amount] (cash: [id, hash, amount])."""
    totals = {}
    for row in rows:
        owner = row[2] if len(row) == 4 else "cash"
        totals[owner] = totals.get(owner, 0) + row[-1]
    return totals


def ledger_verify(url):
    """`flask ledger verify` against `url` (the restored copy)."""
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "backup-test"}
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "ledger", "verify"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


def test_backup_during_writes_restores_consistently(live_server, database_url, tmp_path, make_user):
    from db.market.periods import local_today

    staff = make_user(role="staff")
    item = market.save_item(
        name="备份测试物资",
        category="daily",
        unit="件",
        points_price=1,
        reference_value=100,
        low_stock_threshold=0,
        active=True,
    )
    market.record_donation("enterprise", "备份测试捐赠企业", local_today(), [(item.id, 5000, 100)])
    cards = [
        market.register_household(
            head_name=f"备份户{n}",
            size=4,
            category="dibao",
            status="active",
            consent=True,
        ).card_no
        for n in range(4)
    ]
    market.issue_allowance()

    def redemption():
        return f"/market/counter/{cards[int(time.monotonic() * 1000) % len(cards)]}", {
            f"qty-{item.id}": "1"
        }

    def donation():
        return "/market/donations/new", {
            "donor_kind": "enterprise",
            "donor_name": "备份演练企业",
            "donated_on": local_today().isoformat(),
            "lines-0-item": str(item.id),
            "lines-0-quantity": "2",
            "lines-0-unit_value": "",
            "money": "3.50",
        }

    server = live_server(workers=2)
    stop, answered, redeemed, donated = threading.Event(), [], [], []
    writers = [
        threading.Thread(target=sign_up_many, args=(server.url, stop, answered)) for _ in range(2)
    ] + [
        threading.Thread(target=staff_writer, args=(server.url, staff.username, action, stop, done))
        for action, done in ((redemption, redeemed), (donation, donated))
    ]
    for writer in writers:
        writer.start()
    # The backup starts once every kind of write is under way, whatever the machine's speed.
    wait_for(lambda: len(answered) >= 3 and redeemed and donated)
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "backup-test"}
    if BACKEND == "postgresql":
        target = tmp_path / "backup.dump"
        subprocess.run(
            ["pg_dump", "--format=custom", "--file", str(target), database_url], check=True
        )
    else:
        target = tmp_path / "backup.sqlite3"
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", "backup", str(target)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr
        assert "integrity ok" in result.stdout
    during = (len(answered), len(redeemed), len(donated))
    # …and they go on after it.
    wait_for(
        lambda: (
            len(answered) > during[0] + 2 and len(redeemed) > during[1] and len(donated) > during[2]
        )
    )
    stop.set()
    for writer in writers:
        writer.join(30)
    assert len(answered) > 5, "the writers did not write: the backup proves nothing"
    assert len(redeemed) > during[1] and len(donated) > during[2], (during, redeemed, donated)
    assert all("/market/redemptions/" in where for where in redeemed), redeemed[:3]
    assert all("/market/donations/" in where for where in donated), donated[:3]

    if BACKEND == "postgresql":
        name = f"lianjian_restore_{uuid.uuid4().hex[:8]}"
        _pg_admin(f'CREATE DATABASE "{name}"')
        restored_url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
        try:
            subprocess.run(
                ["pg_restore", "--no-owner", "-d", restored_url, str(target)], check=True
            )
            restored = summary(restored_url)
            verified = ledger_verify(restored_url)
            check_fresh_instance(restored_url, answered)
        finally:
            _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        restored_url = f"sqlite:///{target}"
        restored = summary(restored_url)
        verified = ledger_verify(restored_url)
        check_fresh_instance(restored_url, answered)
    live = summary(database_url)

    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "all checks passed" in verified.stdout
    assert restored["problems"] == [] and live["problems"] == []
    assert restored["orphans"] == 0, "an account in the backup lacks its audit row"
    assert 0 < restored["users"] <= live["users"]
    assert restored["signup_audits"] <= live["signup_audits"]
    assert live["orphans"] == 0
    assert live["users"] >= len(answered)  # every answered sign-up is in the live database
    assert live["redemptions"] >= len(redeemed) and live["donations"] >= len(donated) + 1
    assert 0 < restored["redemptions"] <= live["redemptions"]
    assert 1 < restored["donations"] <= live["donations"]
    for ledger in ("points", "stock", "cash"):
        copy, original = restored[ledger], live[ledger]
        # The backup holds exactly the first rows of each append-only ledger: same ids, same
        # hashes (which cover every amount), hence the same balances at that moment.
        assert copy == original[: len(copy)], f"{ledger}: the restored ledger is not a prefix"
        assert min(balances(copy).values()) >= 0, f"{ledger}: a negative balance in the copy"
    assert len(restored["points"]) < len(live["points"]), "no redemption after the backup"


def check_fresh_instance(url, answered):
    """A fresh instance starts on the restored database and its people can log in."""
    fresh = LiveServer(url, workers=1)
    try:
        assert LiveClient(fresh.url).login(answered[0], "backup-pass-1")[0] == 302
        assert LiveClient(fresh.url).get("/healthz")[0] == 200
    finally:
        fresh.stop()
