"""The outbox: every notice to a person, written in the transaction of the change it reports.

Any module queues notices with `queue(...)` inside its own transaction, so a notice exists if
and only if the change it tells of was committed. Account holders read theirs under "My
notices"; `flask --app app send-notices` e-mails the due ones. Sending claims rows under the
write lock first, so two senders started by cron at the same moment never send one notice
twice. Modules that need notices to appear at a time (a reminder the day before) register a
`@producer`, run by the send command before it sends.
"""

from datetime import timedelta

from peewee import CharField, ForeignKeyField, IntegerField, TextField

from db import database, write_lock
from db.accounts import User
from db.base import BaseModel, UTCDateTimeField, utcnow
from db.validators import one_line

MAX_ATTEMPTS = 5
# A claim older than this is treated as abandoned (the sender died mid-run) and re-claimed.
CLAIM_TIMEOUT = timedelta(minutes=15)

PRODUCERS = []
# Further ways of sending besides e-mail (SMS, the staff group), registered with @channel.
CHANNELS = []


class Notice(BaseModel):
    """One message to one person; e-mailed when it has an address, listed for an account."""

    recipient = ForeignKeyField(User, null=True, backref="notices", on_delete="SET NULL")
    mobile = CharField(max_length=11, null=True)
    email = CharField(max_length=254, null=True)
    subject = CharField(max_length=200)
    body = TextField()
    kind = CharField(max_length=40, index=True)
    link = CharField(max_length=200, default="")
    created_at = UTCDateTimeField(default=utcnow, index=True)
    sent_at = UTCDateTimeField(null=True)
    claimed_at = UTCDateTimeField(null=True)
    attempts = IntegerField(default=0)
    last_error = CharField(max_length=300, default="")

    class Meta:
        indexes = (
            (("recipient", "created_at"), False),
            (("sent_at", "attempts"), False),
            (("link", "created_at"), False),  # migration 0010
        )


def queue(kind, subject, body, recipient=None, mobile=None, email=None, link=""):
    """Write a notice to the outbox; call inside the transaction of the change it reports.

    `link` is a path inside the application (the e-mail shows it as a full address when
    PUBLIC_BASE_URL is set). At least one of recipient, mobile or email is required.
    """
    if recipient is None and not mobile and not email:
        raise ValueError("a notice needs a recipient, a mobile number or an e-mail address")
    return Notice.create(
        recipient=recipient,
        mobile=mobile or None,
        email=(email or "").strip() or None,
        subject=one_line(subject)[:200],
        body=str(body),
        kind=kind[:40],
        link=link[:200],
    )


def for_user(user):
    """The notices addressed to an account, newest first."""
    return (
        Notice.select()
        .where(Notice.recipient == user.id)
        .order_by(Notice.created_at.desc(), Notice.id.desc())
    )


def for_link(link, limit=20):
    """The notices about one private page (a guest without an account reads them there)."""
    return list(
        Notice.select()
        .where(Notice.link == link)
        .order_by(Notice.created_at.desc(), Notice.id.desc())
        .limit(limit)
    )


def producer(function):
    """Register a function that queues notices falling due by time (run before sending)."""
    PRODUCERS.append(function)
    return function


def produce_due(now=None):
    """Run every registered producer; return how many notices they queued."""
    now = now or utcnow()
    return sum(function(now) or 0 for function in PRODUCERS)


def channel(function):
    """Register a sender run by `send-notices` after e-mail: function(config) -> a report line."""
    CHANNELS.append(function)
    return function


def send_channels(config):
    """Run every registered channel; return their report lines (None: not configured)."""
    return [line for line in (function(config) for function in CHANNELS) if line]


def _due(now):
    """Notices with an e-mail address, not yet sent, not given up on, not claimed by a live run."""
    return Notice.select().where(
        Notice.sent_at.is_null(),
        Notice.email.is_null(False),
        Notice.attempts < MAX_ATTEMPTS,
        Notice.claimed_at.is_null() | (Notice.claimed_at < now - CLAIM_TIMEOUT),
    )


def pending_count(now=None):
    """How many notices are waiting to be e-mailed."""
    return _due(now or utcnow()).count()


def claim_due(limit=100, now=None):
    """Claim up to `limit` due notices for this sender and return them, oldest first.

    The claim is written under the write lock, so concurrent senders get disjoint rows.
    """
    now = now or utcnow()
    with write_lock():
        ids = [row.id for row in _due(now).select(Notice.id).order_by(Notice.id).limit(limit)]
        if not ids:
            return []
        Notice.update(claimed_at=now).where(Notice.id.in_(ids)).execute()
    return list(Notice.select().where(Notice.id.in_(ids)).order_by(Notice.id))


def renew_claim(notice, now=None):
    """Re-stamp this run's claim on `notice` just before sending it; False if it was lost.

    A run that takes longer than CLAIM_TIMEOUT (a slow mail server) would otherwise see a
    later run re-claim its unsent rows and both would send them. Each row is checked and
    re-stamped right before it goes out, so a row is sent only by the run holding its
    current claim, and the claim a run is using never gets older than one message's send.
    """
    now = now or utcnow()
    with database.atomic():
        renewed = (
            Notice.update(claimed_at=now)
            .where(
                Notice.id == notice.id,
                Notice.sent_at.is_null(),
                Notice.claimed_at == notice.claimed_at,
            )
            .execute()
        )
    if renewed != 1:
        return False
    notice.claimed_at = now
    return True


def mark_sent(notice):
    """Record that a claimed notice went out."""
    with database.atomic():
        Notice.update(sent_at=utcnow(), claimed_at=None, attempts=Notice.attempts + 1).where(
            Notice.id == notice.id
        ).execute()


def mark_failed(notice, error):
    """Release a claimed notice after a failed attempt; it is retried up to MAX_ATTEMPTS."""
    with database.atomic():
        Notice.update(
            claimed_at=None, attempts=Notice.attempts + 1, last_error=str(error)[:300]
        ).where(Notice.id == notice.id).execute()


def record_run(sent, failed):
    """Audit one sending run (one entry a run, not a row a message)."""
    from db import audit

    with database.atomic():
        audit.record(
            "notices.send",
            summary=f"{sent} sent, {failed} failed",
            object_type="notice",
            actor=None,
        )
