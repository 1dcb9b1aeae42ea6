"""The data layer: pragmas, the write-lock helper, migrations, audit, seed and backup."""

import sqlite3
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from peewee import CharField

import db as db_package
from db import database, migrate, write_lock
from db.accounts import Enterprise, User
from db.audit import AuditEntry, record
from db.demo import DEMO_ACCOUNTS
from db.settings import get_setting
from tests.conftest import postgresql_only, sqlite_only


@sqlite_only
def test_sqlite_pragmas(app):
    assert database.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert database.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert database.execute_sql("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert database.execute_sql("PRAGMA busy_timeout").fetchone()[0] >= 5000


@sqlite_only
def test_closing_refreshes_sqlite_statistics_once_an_hour(
    app, make_enterprise, query_counter, monkeypatch
):
    monkeypatch.setattr(db_package, "_analyzed_at", None)
    make_enterprise(name="统计企业")
    assert database.execute_sql("PRAGMA analysis_limit").fetchone()[0] == 1000
    db_package.close_connection()
    assert database.is_closed()
    stats = database.execute_sql("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'enterprise'")
    assert stats.fetchone()[0] > 0
    with query_counter() as counter:
        db_package.close_connection()  # within the hour: no second ANALYZE
    assert counter.count == 0 and database.is_closed()


def test_requests_share_one_pooled_connection_and_a_left_transaction_is_rolled_back(
    app, client, make_enterprise
):
    db_package.release_connections()
    client.get("/healthz")
    client.get("/healthz")
    pool = database.obj
    assert database.is_closed() and len(pool._connections) == 1 and not pool._in_use
    # A block that forgot to commit: the pool rolls it back before anyone else gets it.
    database.connect()
    database.execute_sql("BEGIN")
    Enterprise.create(name="未提交企业")
    database.close()
    assert not Enterprise.select().where(Enterprise.name == "未提交企业").exists()
    db_package.release_connections()
    assert not pool._connections and not pool._in_use


def test_write_lock_commits_or_rolls_back_whole(app, make_enterprise):
    enterprise = make_enterprise(name="锁测试企业")
    with write_lock(Enterprise, enterprise.id) as locked:
        assert locked.name == "锁测试企业"
        Enterprise.update(is_partner=True).where(Enterprise.id == enterprise.id).execute()
    assert Enterprise.get_by_id(enterprise.id).is_partner
    with pytest.raises(RuntimeError), write_lock(Enterprise, enterprise.id):
        Enterprise.update(is_partner=False).where(Enterprise.id == enterprise.id).execute()
        raise RuntimeError("boom")
    assert Enterprise.get_by_id(enterprise.id).is_partner, "the failed block left a change"


def test_write_lock_without_owner_row(app):
    with write_lock() as row:
        assert row is None
        Enterprise.create(name="无主锁企业")
    assert Enterprise.select().where(Enterprise.name == "无主锁企业").exists()


def test_write_lock_missing_owner_raises(app):
    with pytest.raises(Enterprise.DoesNotExist), write_lock(Enterprise, 999_999):
        pass


@sqlite_only
def test_write_lock_takes_the_sqlite_write_lock_at_begin(app, database_url):
    """Inside write_lock another connection cannot start a write transaction."""
    path = database_url[len("sqlite:///") :]
    with write_lock():
        other = sqlite3.connect(path, timeout=0.1, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()


def test_migrations_recorded_and_idempotent(app):
    assert migrate.database_version() == migrate.code_version() >= 1
    assert migrate.upgrade() == []


def test_app_refuses_database_newer_than_code(app, database_url):
    migrate.SchemaVersion.create(version=migrate.code_version() + 1, name="9999_from_the_future")
    database.close()
    from app import create_app

    with pytest.raises(migrate.SchemaNewerThanCode, match="newer than this code"):
        create_app({"TESTING": True, "DATABASE_URL": database_url})
    database.connect(reuse_if_open=True)
    migrate.SchemaVersion.delete().where(
        migrate.SchemaVersion.version > migrate.code_version()
    ).execute()


def with_extra_migration(monkeypatch, up):
    """Make `up` the next migration after the real ones."""
    real = migrate.available_migrations()
    extra = (real[-1][0] + 1, f"{real[-1][0] + 1:04d}_test_extra", SimpleNamespace(up=up))
    monkeypatch.setattr(migrate, "available_migrations", lambda: [*real, extra])
    return extra[1]


@sqlite_only
def test_a_table_rebuild_in_a_migration_keeps_the_rows_referring_to_it(app, make_user, monkeypatch):
    """SQLite cannot add NOT NULL in place: SchemaMigrator rebuilds the table (copy, drop,
    rename). With foreign keys enforced, dropping `user` would delete its login sessions
    and blank the audit's actors; the migration runs with enforcement off instead."""
    from playhouse.migrate import SchemaMigrator
    from playhouse.migrate import migrate as run_operations

    from db.accounts import LoginSession, start_login_session

    user = make_user(role="staff")
    start_login_session(user)
    record("test.action", user, "kept", actor=user)

    def up(db):
        migrator = SchemaMigrator.from_database(db)
        run_operations(migrator.add_not_null("user", "position"))

    name = with_extra_migration(monkeypatch, up)
    assert migrate.upgrade() == [name]
    assert LoginSession.select().where(LoginSession.user == user.id).count() == 1
    assert AuditEntry.get(AuditEntry.action == "test.action").actor_id == user.id
    assert database.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1


@sqlite_only
def test_a_migration_that_breaks_references_is_rolled_back(app, make_user, monkeypatch):
    from db.accounts import LoginSession, start_login_session

    user = make_user(role="staff")
    start_login_session(user)

    def up(db):
        db.execute_sql('DELETE FROM "user"')  # enforcement is off: nothing cascades

    name = with_extra_migration(monkeypatch, up)
    with pytest.raises(migrate.BrokenReferences, match=name):
        migrate.upgrade()
    assert User.get_by_id(user.id) and LoginSession.select().count() == 1
    assert name not in [row.name for row in migrate.SchemaVersion.select()]
    assert database.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1


def test_a_failing_migration_leaves_nothing_behind(app, monkeypatch):
    """On both databases a migration and its schema_version row commit together or not at all."""
    from playhouse.migrate import SchemaMigrator
    from playhouse.migrate import migrate as run_operations

    def up(db):
        migrator = SchemaMigrator.from_database(db)
        run_operations(migrator.add_column("enterprise", "motto", CharField(null=True)))
        raise RuntimeError("half way")

    name = with_extra_migration(monkeypatch, up)
    with pytest.raises(RuntimeError, match="half way"):
        migrate.upgrade()
    assert "motto" not in [c.name for c in database.get_columns("enterprise")]
    assert name not in [row.name for row in migrate.SchemaVersion.select()]


def test_db_upgrade_command(runner):
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert f"schema at version {migrate.code_version()}" in result.output


def test_audit_record_names_actor_and_object(app, make_user):
    admin = make_user(role="admin")
    entry = record("thing.done", admin, "did a thing", actor=admin)
    assert (entry.actor_label, entry.object_type, entry.object_id) == (
        admin.username,
        "user",
        admin.id,
    )


def test_seed_demo_is_idempotent(runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "demo data loaded" in first.output
    counts = (User.select().count(), Enterprise.select().count())
    # Modules may add invented people (course applicants need accounts); the five demo
    # accounts are all there.
    demo_usernames = [a[0] for a in DEMO_ACCOUNTS]
    assert User.select().where(User.username.in_(demo_usernames)).count() == len(DEMO_ACCOUNTS)
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert "already present" in second.output
    assert (User.select().count(), Enterprise.select().count()) == counts
    assert get_setting("demo_seeded")
    for username, password, role in [(a[0], a[6], a[2]) for a in DEMO_ACCOUNTS]:
        user = User.get(User.username == username)
        assert user.role == role and user.check_password(password)


def test_every_contribution_comes_from_the_one_module_list():
    """Seeders, checks and providers are what the listed modules define, in list order."""
    import db.modules
    from db import accounts, events, market, privacy, training
    from db.integrity import run_checks  # noqa: F401  (importing registers nothing)

    core = (accounts, privacy, events, market, training)
    assert db.modules.MODULES[: len(core)] == core  # modules added later come after
    seeders = [name for name, _ in db.modules.contributions("demo_seeders")]
    assert seeders[:4] == ["accounts", "events", "market", "training"]
    assert db.modules.contributions("ledger_checks")[:1] == [market.integrity.verify_market]
    assert db.modules.contributions("number_checks")[:2] == [
        market.integrity.receipt_numbers,
        training.completion.certificate_numbers,
    ]
    known = ("events", "training", "market", "notices", "accounts", "login_attempts")
    assert [p.name for p in privacy.providers() if p.name in known] == list(known)
    # Nothing registers itself on import any more.
    import db.demo
    import db.integrity

    for leftover in ("seeder", "SEEDERS"):
        assert not hasattr(db.demo, leftover)
    for leftover in ("ledger_check", "number_check", "LEDGER_CHECKS", "NUMBER_CHECKS"):
        assert not hasattr(db.integrity, leftover)
    assert not hasattr(privacy, "provider") and not hasattr(privacy, "PROVIDERS")


def test_a_new_module_is_one_entry_in_the_list(runner, monkeypatch, make_user):
    """A module added to MODULES gets its seeder run, its check verified and its personal
    data exported and erased, with nothing else to register."""
    import db.modules
    from db.privacy import PersonalData, erase_person, export_person

    erased = []
    volunteers = SimpleNamespace(
        demo_seeders=(("volunteers", lambda: Enterprise.create(name="志愿者服务队")),),
        number_checks=(lambda: ["volunteer badges 2026: missing numbers [2]"],),
        privacy_providers=(
            PersonalData(
                "volunteers",
                export=lambda mobile: [("志愿者", [{"手机": mobile}])],
                erase=lambda mobile: erased.append(mobile) or 1,
                purge=lambda before: 0,
                order=40,
            ),
        ),
    )
    monkeypatch.setattr(db.modules, "MODULES", (*db.modules.MODULES, volunteers))
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert Enterprise.select().where(Enterprise.name == "志愿者服务队").exists()
    assert "volunteers" in get_setting("demo_seeded").split(",")
    verify = runner.invoke(args=["ledger", "verify"])
    assert verify.exit_code == 1
    assert "volunteer badges 2026: missing numbers [2]" in verify.output
    assert ("志愿者", [{"手机": "13900000999"}]) in export_person("13900000999")
    assert erase_person("13900000999", "asked")["volunteers"] == 1
    assert erased == ["13900000999"]


def test_seed_demo_refuses_real_data(runner, make_user):
    make_user(role="admin", username="real-admin")
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "not demo data" in result.output
    assert User.select().count() == 1
    first_run = runner.invoke(args=["seed-demo", "--first-run"])
    assert first_run.exit_code == 0 and "not loaded" in first_run.output
    assert User.select().count() == 1


def test_create_user_command(runner, monkeypatch):
    monkeypatch.setenv("NEW_PASSWORD", "a-long-password")
    result = runner.invoke(
        args=[
            "create-user",
            "--username",
            "zhou",
            "--name",
            "周敏",
            "--role",
            "staff",
            "--password-env",
            "NEW_PASSWORD",
        ]
    )
    assert result.exit_code == 0, result.output
    user = User.get(User.username == "zhou")
    assert user.role == "staff" and user.check_password("a-long-password")
    assert AuditEntry.select().where(AuditEntry.action == "account.create").count() == 1
    monkeypatch.setenv("NEW_PASSWORD", "short")
    short = ["create-user", "--username", "x2", "--name", "X", "--role", "staff"]
    refused = runner.invoke(args=[*short, "--password-env", "NEW_PASSWORD"])
    assert refused.exit_code != 0
    assert not User.select().where(User.username == "x2").exists()


@sqlite_only
def test_backup_opens_cleanly(runner, make_user, tmp_path):
    make_user(role="staff", username="backup-me")
    target = tmp_path / "backup.sqlite3"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    copy = sqlite3.connect(target)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("SELECT count(*) FROM user WHERE username='backup-me'").fetchone()[0] == 1
    copy.close()
    again = runner.invoke(args=["backup", str(target)])
    assert again.exit_code != 0 and "exists" in again.output


@postgresql_only
def test_backup_on_postgresql_says_what_to_run(runner):
    result = runner.invoke(args=["backup", "/tmp/x.dump"])
    assert result.exit_code != 0 and "pg_dump" in result.output


def test_migration_numbers_are_unique():
    numbers = [number for number, _, _ in migrate.available_migrations()]
    assert len(numbers) == len(set(numbers)), f"two migrations share a number: {numbers}"


@pytest.mark.parametrize("first", ["db.audit", "db.accounts", "db.accounts.models"])
def test_audit_and_accounts_import_without_a_cycle(first):
    """db.audit needs only the account tables; the accounts operations need db.audit."""
    code = (
        f"import sys, {first}\n"
        "import db.audit\n"
        "loaded = [m for m in ('db.accounts.sessions', 'db.accounts.signup', 'db.accounts.manage')"
        " if m in sys.modules]\n"
        "assert not loaded, loaded\n"
        "from db.accounts import authenticate, create_account, sign_up_entrepreneur\n"
        "from db.audit import record\n"
        "import db.accounts.sessions as s\n"
        "assert s.audit.record is record and authenticate is s.authenticate\n"
    )
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
