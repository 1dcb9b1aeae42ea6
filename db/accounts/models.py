"""The account tables: users, failed login attempts and server-side login sessions.

`Enterprise` lives in `db/accounts/enterprises.py`; it is re-exported here because every
account row may point at one.
"""

from flask import current_app, has_app_context
from flask_login import UserMixin
from peewee import BooleanField, CharField, ForeignKeyField
from werkzeug.security import check_password_hash, generate_password_hash

from db.accounts.enterprises import Enterprise
from db.accounts.rules import STAFF_ROLES
from db.base import BaseModel, UTCDateTimeField, utcnow

UNUSABLE_PASSWORD = "!"  # no password matches it (erased accounts)
DEFAULT_PASSWORD_HASH_METHOD = "scrypt"


def hash_password(password):
    """The stored hash of `password`: the one place passwords are hashed.

    The method is the app's `PASSWORD_HASH_METHOD` (scrypt unless configured; the test suite
    may choose a cheap one), scrypt outside an application context.
    """
    method = DEFAULT_PASSWORD_HASH_METHOD
    if has_app_context():
        method = current_app.config.get("PASSWORD_HASH_METHOD") or method
    return generate_password_hash(password, method=method)


class User(UserMixin, BaseModel):
    """An account. Entrepreneurs sign in with their mobile number as the username."""

    username = CharField(max_length=64, unique=True)
    name = CharField(max_length=50)
    mobile = CharField(max_length=11, unique=True, null=True)
    role = CharField(max_length=16, index=True)
    password_hash = CharField(max_length=255)
    enterprise = ForeignKeyField(Enterprise, null=True, backref="people", on_delete="SET NULL")
    position = CharField(max_length=50, default="")
    language = CharField(max_length=8, null=True)
    active = BooleanField(default=True)
    created_at = UTCDateTimeField(default=utcnow)
    last_login_at = UTCDateTimeField(null=True)
    consent_at = UTCDateTimeField(null=True)
    consent_version = CharField(max_length=16, null=True)

    @property
    def is_active(self):
        """Flask-Login refuses sessions of deactivated accounts."""
        return self.active

    @property
    def is_staff(self):
        return self.role in STAFF_ROLES

    def get_id(self):
        """The session's identity: account id and login-session token (see LoginSession)."""
        return f"{self.id}:{getattr(self, 'session_token', '')}"

    def set_password(self, password):
        self.password_hash = hash_password(password)

    def check_password(self, password):
        if self.password_hash == UNUSABLE_PASSWORD:
            return False
        return check_password_hash(self.password_hash, password)

    def __str__(self):
        return self.name


class LoginAttempt(BaseModel):
    """A failed login, kept for throttling; keyed by account and by client address."""

    key = CharField(max_length=120, index=True)
    at = UTCDateTimeField(default=utcnow, index=True)


class LoginSession(BaseModel):
    """One signed-in session. Logging out ends it, so a copied cookie stops working."""

    token = CharField(max_length=64, unique=True)
    user = ForeignKeyField(User, backref="login_sessions", on_delete="CASCADE")
    created_at = UTCDateTimeField(default=utcnow)
    ended_at = UTCDateTimeField(null=True)
