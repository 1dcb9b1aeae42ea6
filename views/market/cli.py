"""`flask --app app ledger verify`: every module's integrity checks; non-zero exit on a problem."""

import click

from db import database
from db.integrity import run_checks
from views.market import bp


@bp.cli.command("verify")
def verify_command():
    """Recompute balances, check the hash chains and gapless numbers; exit 1 on any problem."""
    with database.connection_context():
        problems, summaries = run_checks()
    for summary in summaries:
        click.echo(summary)
    for problem in problems:
        click.echo(f"PROBLEM: {problem}", err=True)
    if problems:
        click.echo(f"ledger verify: {len(problems)} problem(s) found", err=True)
        raise SystemExit(1)
    click.echo("ledger verify: all checks passed")
