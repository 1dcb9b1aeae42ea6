"""Notices: "My notices" for account holders, and `flask --app app send-notices` (cron-safe).

Sending uses SMTP when SMTP_HOST is configured (SMTP_PORT, SMTP_USER, SMTP_PASSWORD,
SMTP_FROM, SMTP_SECURITY = starttls | ssl | none; PUBLIC_BASE_URL turns a notice's link into
a full address). Each run first lets modules queue notices that fell due (reminders), then
claims due notices under the write lock, so two runs started together never send one twice;
each claim is renewed just before its message goes out, so a slow run whose claim timed out
never sends a row another run has taken over. Any failure of one message (the server refusing
it, or a message that cannot be built) marks that notice failed and the run goes on, so one
bad notice never blocks the others.
"""

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

import click
from flask import Blueprint, current_app, request
from flask_login import current_user, login_required

from db import database, notices
from db.pagination import paginate
from db.validators import one_line
from views.pages import render_page
from views.params import page_number

bp = Blueprint("notices", __name__, cli_group=None)

PAGE_SIZE = 30
BATCH = 100


@bp.route("/notices")
@login_required
def index():
    """The signed-in person's notices, newest first."""
    page = paginate(notices.for_user(current_user), page_number(request.args), PAGE_SIZE)
    return render_page("notices/index.html", block="rows", page=page)


def _message(notice, config):
    """The e-mail for one notice."""
    message = EmailMessage()
    message["From"] = config["SMTP_FROM"]
    message["To"] = notice.email
    # Collapsed again here: a row queued before subjects were collapsed may hold a line break.
    message["Subject"] = one_line(notice.subject)
    message["Message-ID"] = make_msgid(idstring=f"notice-{notice.id}")
    body = notice.body
    if notice.link and config.get("PUBLIC_BASE_URL"):
        body += "\n\n" + config["PUBLIC_BASE_URL"].rstrip("/") + notice.link
    message.set_content(body)
    return message


def _connect(config):
    """An SMTP connection as configured (logged in when a user is set)."""
    host, port = config["SMTP_HOST"], int(config.get("SMTP_PORT") or 25)
    security = (config.get("SMTP_SECURITY") or "none").lower()
    if security == "ssl":
        connection = smtplib.SMTP_SSL(host, port, timeout=30)
    else:
        connection = smtplib.SMTP(host, port, timeout=30)
        if security == "starttls":
            connection.starttls()
    if config.get("SMTP_USER"):
        connection.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
    return connection


def send_due(config, limit=BATCH):
    """Queue notices that fell due, then e-mail up to `limit`; return (sent, failed)."""
    notices.produce_due()
    claimed = notices.claim_due(limit)
    if not claimed:
        return 0, 0
    sent = failed = 0
    try:
        connection = _connect(config)
    except Exception as exc:  # whatever it is, release the claimed batch
        for notice in claimed:
            notices.mark_failed(notice, exc)
        notices.record_run(0, len(claimed))
        return 0, len(claimed)
    with connection:
        for notice in claimed:
            if not notices.renew_claim(notice):
                continue  # another run took it over after our claim timed out
            try:
                connection.send_message(_message(notice, config))
            except Exception as exc:  # one bad message must not block the others
                notices.mark_failed(notice, exc)
                failed += 1
            else:
                notices.mark_sent(notice)
                sent += 1
    notices.record_run(sent, failed)
    return sent, failed


@bp.cli.command("send-notices")
@click.option("--limit", default=BATCH, show_default=True, help="Most notices in one run.")
def send_notices_command(limit):
    """E-mail due notices (each once); safe to run from cron every few minutes."""
    config = current_app.config
    with database.connection_context():
        if not config.get("SMTP_HOST"):
            queued = notices.produce_due()
            waiting = notices.pending_count()
            click.echo(
                f"SMTP_HOST is not set: nothing sent ({queued} queued now, {waiting} waiting)."
            )
        elif not config.get("SMTP_FROM"):
            raise click.ClickException("SMTP_FROM is not set: the sender address is required.")
        else:
            sent, failed = send_due(config, limit)
            click.echo(f"{sent} sent, {failed} failed")
        for line in notices.send_channels(config):  # SMS, the staff group (db/outreach)
            click.echo(line)
