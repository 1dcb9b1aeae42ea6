"""The `flask` commands refuse bad input and a too-new database with one clear line."""

import pytest
from click.testing import CliRunner
from flask.cli import cli as flask_cli

from db import database, migrate
from db.accounts import User
from db.audit import AuditEntry


def create_user(runner, monkeypatch, *options):
    """Run `create-user` with a good password and the given options."""
    monkeypatch.setenv("NEW_PASSWORD", "a-long-password")
    return runner.invoke(args=["create-user", *options, "--password-env", "NEW_PASSWORD"])


GOOD = {"username": "zhou.min", "name": "周敏", "role": "staff"}


def options_of(fields, **changes):
    """Command-line options from field values: {"name": "x"} → ["--name", "x"]."""
    return [item for key, value in {**fields, **changes}.items() for item in (f"--{key}", value)]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"username": "zhou min"}, "letters, digits, dot, dash and underscore"),
        ({"username": "z" * 300}, "at most 64 characters"),
        ({"username": "z" * 65}, "at most 64 characters"),
        ({"username": "周敏"}, "letters, digits, dot, dash and underscore"),
        ({"name": ""}, "the name is required"),
        ({"name": "   "}, "the name is required"),
        ({"name": "名" * 51}, "at most 50 characters"),
        ({"mobile": "12345"}, "11-digit mainland number"),
        ({"mobile": "23800001234"}, "11-digit mainland number"),
    ],
)
def test_create_user_refuses_what_the_admin_form_refuses(runner, monkeypatch, changes, message):
    result = create_user(runner, monkeypatch, *options_of(GOOD, **changes))
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Error: not created: ") and message in result.output
    assert isinstance(result.exception, SystemExit)  # a message, not a traceback
    assert User.select().count() == 0
    assert AuditEntry.select().count() == 0


def test_create_user_takes_a_typed_mobile_and_refuses_a_taken_one(runner, monkeypatch):
    first = create_user(runner, monkeypatch, *options_of(GOOD, mobile="138 0000 1234"))
    assert first.exit_code == 0, first.output
    assert User.get(User.username == "zhou.min").mobile == "13800001234"
    again = create_user(
        runner, monkeypatch, *options_of(GOOD, username="li", mobile="+8613800001234")
    )
    assert again.exit_code == 1 and "mobile number already exists" in again.output
    taken = create_user(runner, monkeypatch, *options_of(GOOD, role="admin"))
    assert taken.exit_code == 1 and "username is already in use" in taken.output
    assert User.select().count() == 1


def test_db_upgrade_against_a_newer_database_says_so_in_one_line(app, database_url):
    """`flask --app app db upgrade` loads the app, which refuses a database newer than the
    code: the command prints the reason and exits 1, without a traceback."""
    migrate.SchemaVersion.create(version=migrate.code_version() + 1, name="9999_from_the_future")
    database.close()
    try:
        result = CliRunner().invoke(
            flask_cli,
            ["--app", "app", "db", "upgrade"],
            env={"DATABASE_URL": database_url, "SECRET_KEY": "cli-test", "FLASK_DEBUG": ""},
        )
        assert result.exit_code == 1, result.output
        assert isinstance(result.exception, SystemExit), result.exception
        assert "Traceback" not in result.output
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert lines[-1].startswith("Error: The database schema is at version")
        assert "newer than this code" in lines[-1]
        assert not any(line.startswith(("  File", "db.migrate")) for line in lines)
    finally:
        database.connect(reuse_if_open=True)
        migrate.SchemaVersion.delete().where(
            migrate.SchemaVersion.version > migrate.code_version()
        ).execute()
