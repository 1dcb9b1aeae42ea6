"""Signing in and out: password check under the throttle, server-side login sessions."""

import secrets

from db import audit, database, write_lock
from db.accounts.errors import AccountError
from db.accounts.models import LoginSession, User
from db.accounts.throttle import login_refused, record_failure
from db.base import utcnow


def start_login_session(user):
    """Open a server-side session for `user` and remember its token on the object."""
    token = secrets.token_urlsafe(32)
    LoginSession.create(token=token, user=user)
    user.session_token = token
    return token


def end_login_session(user):
    """End the session `user` was loaded from (logout), with its audit entry."""
    token = getattr(user, "session_token", None)
    if token:
        with database.atomic():
            ended = (
                LoginSession.update(ended_at=utcnow())
                .where(LoginSession.token == token, LoginSession.ended_at.is_null())
                .execute()
            )
            if ended:
                audit.record("account.logout", user, "", actor=user)


def end_all_login_sessions(user, keep_token=None):
    """End every open session of `user` but `keep_token` (password change, deactivation)."""
    query = LoginSession.update(ended_at=utcnow()).where(
        LoginSession.user == user.id, LoginSession.ended_at.is_null()
    )
    if keep_token:
        query = query.where(LoginSession.token != keep_token)
    query.execute()


def user_for_session(session_id, max_age, kiosk_max_age):
    """The active account of a live session id ("<user id>:<token>"), or None.

    A session lives `max_age` from login (a working day), the kiosk's `kiosk_max_age` (its
    remember cookie's lifetime): a copied cookie stops working then, whatever it says.
    """
    user_id, _, token = str(session_id).partition(":")
    if not user_id.isdigit() or not token:
        return None
    now = utcnow()
    user = (
        User.select()
        .join(LoginSession)
        .where(
            User.id == int(user_id),
            LoginSession.token == token,
            LoginSession.ended_at.is_null(),
            (
                (User.role == "kiosk") & (LoginSession.created_at > now - kiosk_max_age)
                | (User.role != "kiosk") & (LoginSession.created_at > now - max_age)
            ),
        )
        .first()
    )
    if user is not None:
        user.session_token = token
    return user


def authenticate(username, password, address):
    """Return the user for good credentials, else None; records failures for throttling.

    Raises AccountError("throttled") while the account or address is locked out. The
    password is checked outside the lock (scrypt is slow); the throttle is checked again and
    the failure recorded under `write_lock()`, so a burst of parallel attempts on any number
    of workers gets at most 5 answers for one account before the rest are refused.
    """
    if login_refused(username, address):  # cheap early refusal: no password hashing
        raise AccountError("throttled")
    username = (username or "").strip()
    user = User.get_or_none(User.username == username)
    good = bool(user and user.check_password(password) and user.active)
    with write_lock():
        if login_refused(username, address):
            raise AccountError("throttled")
        if good:
            User.update(last_login_at=utcnow()).where(User.id == user.id).execute()
            start_login_session(user)
            audit.record("account.login", user, "", actor=user)
            return user
        record_failure(username, address)
        if user:
            audit.record("account.login_failed", user, "inactive" if not user.active else "")
    return None
