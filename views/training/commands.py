"""`flask training close-out`: close out what is still pending or waiting on started courses."""

import click

from db.training import applications
from views.training import bp


@bp.cli.command("close-out")
def close_out_command():
    """Close out pending and waiting applications on courses that have started.

    Safe to run at any time (say hourly from cron): each person is told once, with the reason.
    """
    closed = applications.close_out_started()
    click.echo(f"{closed} applications closed out.")
