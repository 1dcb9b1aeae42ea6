"""Login throttling: failed attempts counted per account and per client address.

Once 5 failures for one account fall within 15 minutes, that account's logins are refused
until 15 minutes after the 5th (latest) failure; refused attempts are not counted. The address
limit is looser because the kiosk and an office share one address: one person's typos must not
stop staff from signing the kiosk (or themselves) in.
"""

from datetime import timedelta

from db.accounts.models import LoginAttempt
from db.base import utcnow

THROTTLE_WINDOW = timedelta(minutes=15)
ACCOUNT_FAILURE_LIMIT = 5
ADDRESS_FAILURE_LIMIT = 30


def throttle_keys(username, address):
    """The throttle keys of one login attempt."""
    return ("account:" + (username or "").strip().lower()[:100], "address:" + (address or "")[:100])


def _locked(key, limit, now):
    """True when `limit` failures of `key` fell within 15 minutes and the latest of them is
    less than 15 minutes old. Refused attempts are never recorded (the check and the insert
    run under one write lock), so the latest failure is the one that completed the lock: it
    lasts a full 15 minutes after that failure, however the failures were spread before it."""
    recent = list(
        LoginAttempt.select(LoginAttempt.at)
        .where(LoginAttempt.key == key, LoginAttempt.at > now - 2 * THROTTLE_WINDOW)
        .order_by(LoginAttempt.at.desc(), LoginAttempt.id.desc())
        .limit(limit)
        .tuples()
    )
    if len(recent) < limit:
        return False
    latest, oldest = recent[0][0], recent[-1][0]
    return latest - oldest < THROTTLE_WINDOW and now < latest + THROTTLE_WINDOW


def login_refused(username, address, now=None):
    """True while this account (5 failures) or address (30) is locked out."""
    now = now or utcnow()
    account_key, address_key = throttle_keys(username, address)
    return _locked(account_key, ACCOUNT_FAILURE_LIMIT, now) or _locked(
        address_key, ADDRESS_FAILURE_LIMIT, now
    )


def record_failure(username, address):
    """Count one failed login against the account and the address (call under the write
    lock, after `login_refused`); attempts older than a day are dropped on the way."""
    LoginAttempt.delete().where(LoginAttempt.at < utcnow() - timedelta(days=1)).execute()
    for key in throttle_keys(username, address):
        LoginAttempt.create(key=key)
