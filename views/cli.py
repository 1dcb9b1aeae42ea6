"""Command-line tasks: `flask --app app db upgrade`, `create-user`, `seed-demo`, `backup`."""

import getpass
import os
import sqlite3

import click
from flask.cli import AppGroup

from db import database, is_sqlite, migrate
from db.accounts import ROLES, AccountError, create_account
from views.params import parse_int

db_cli = AppGroup("db", help="Database schema commands.")

# What `create-user` says about a refused account (commands speak English, like their help).
ACCOUNT_REFUSALS = {
    "username_invalid": "the username may hold only letters, digits, dot, dash and "
    "underscore, at most 64 characters",
    "username_taken": "this username is already in use",
    "name_invalid": "the name is required, at most 50 characters",
    "mobile_invalid": "the mobile number must be an 11-digit mainland number, like 13800001234",
    "mobile_taken": "an account with this mobile number already exists",
    "password_too_short": "the password must have at least 8 characters",
    "unknown_role": "choose a role",
}


def refuse_newer_schema(app):
    """At start-up, refuse a database newer than the code: under the `flask` command with
    just the message (exit status 1), elsewhere (gunicorn) by raising SchemaNewerThanCode."""
    try:
        migrate.refuse_newer_schema(app.logger)
    except migrate.SchemaNewerThanCode as exc:
        if click.get_current_context(silent=True) is not None:
            raise click.ClickException(str(exc)) from None
        raise


@db_cli.command("upgrade")
def upgrade_command():
    """Apply pending migrations."""
    with database.connection_context():
        try:
            applied = migrate.upgrade()
        except migrate.SchemaNewerThanCode as exc:
            raise click.ClickException(str(exc)) from exc
        version = migrate.database_version()
    for name in applied:
        click.echo(f"applied {name}")
    click.echo(f"schema at version {version}")


@db_cli.command("version")
def version_command():
    """Print the schema version of the database and of the code."""
    with database.connection_context():
        click.echo(f"database {migrate.database_version()}, code {migrate.code_version()}")


@click.command("create-user")
@click.option("--username", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--mobile", default=None, help="Mobile number (optional).")
@click.option(
    "--password-env",
    default=None,
    help="Read the password from this environment variable instead of prompting.",
)
def create_user_command(username, name, role, mobile, password_env):
    """Create an account (the password is prompted for, never passed on the command line)."""
    password = os.environ.get(password_env, "") if password_env else getpass.getpass("Password: ")
    with database.connection_context():
        try:
            user = create_account(username, name, role, password, mobile=mobile)
        except AccountError as exc:
            reason = ACCOUNT_REFUSALS.get(str(exc), str(exc))
            raise click.ClickException(f"not created: {reason}") from exc
    click.echo(f"created {user.role} account {user.username}")


@click.command("seed-demo")
@click.option(
    "--first-run",
    is_flag=True,
    help="On a database with real data, say so and succeed instead of failing (make run).",
)
def seed_demo_command(first_run):
    """Load the demo data (idempotent; refuses a database holding non-demo data)."""
    from db import demo

    with database.connection_context():
        try:
            created = demo.seed()
        except demo.NotADemoDatabase as exc:
            if first_run:
                click.echo(f"demo data not loaded: {exc}")
                return
            raise click.ClickException(str(exc)) from exc
    click.echo("demo data loaded" if created else "demo data already present")
    click.echo("demo accounts (role, username, password):")
    for username, password, role in demo.DEMO_ACCOUNTS_PRINTABLE:
        click.echo(f"  {role:<13} {username:<14} {password}")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def backup_command(path):
    """Copy the database to PATH while it is in use (SQLite online backup API)."""
    if not is_sqlite():
        raise click.ClickException(
            'DATABASE_URL is PostgreSQL: run  pg_dump --format=custom --file PATH "$DATABASE_URL"  '
            'and restore with  pg_restore --clean --no-owner -d "$DATABASE_URL" PATH'
        )
    if os.path.exists(path):
        raise click.ClickException(f"{path} exists; choose a new file name")
    source = sqlite3.connect(database.database)
    target = sqlite3.connect(path)
    try:
        with target:
            source.backup(target)
        check = target.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        target.close()
        source.close()
    if check != "ok":
        raise click.ClickException(f"backup failed its integrity check: {check}")
    click.echo(f"backup written to {path} (integrity ok)")


@click.command("purge-personal-data")
@click.option("--older-than", "older_than", required=True, help="Age limit, e.g. 24m (months).")
def purge_personal_data_command(older_than):
    """Anonymise personal data whose purpose ended longer ago than the limit."""
    from db import privacy

    months = parse_int(older_than[:-1], minimum=1) if older_than.endswith("m") else None
    if months is None:
        raise click.BadParameter("give months, like 24m", param_hint="--older-than")
    with database.connection_context():
        counts = privacy.purge_older_than(months)
    for name, count in counts.items():
        click.echo(f"{name}: {count} anonymised")


def init_app(app):
    """Register the commands on the app."""
    app.cli.add_command(db_cli)
    for command in (
        create_user_command,
        seed_demo_command,
        backup_command,
        purge_personal_data_command,
    ):
        app.cli.add_command(command)
