"""Accounts, roles, the shared enterprise record, login sessions and login throttling."""

import re
import secrets
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from peewee import BooleanField, CharField, ForeignKeyField, IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from db import database, write_lock
from db.base import BaseModel, UTCDateTimeField, utcnow
from db.validators import is_mobile, mask_username, normalise_mobile

ROLES = ("admin", "staff", "entrepreneur", "kiosk")
ROLE_NAMES = {
    "admin": _l("Administrator"),
    "staff": _l("Staff"),
    "entrepreneur": _l("Entrepreneur"),
    "kiosk": _l("Kiosk"),
}
STAFF_ROLES = ("admin", "staff")
LANGUAGES = ("zh_CN", "en")
PRIVACY_NOTICE_VERSION = "2026-11"
MIN_PASSWORD_LENGTH = 8
# The rules the admin form and `flask create-user` share (the columns' sizes).
USERNAME_PATTERN = r"^[A-Za-z0-9_.\-]+$"
MAX_USERNAME_LENGTH = 64
MAX_NAME_LENGTH = 50
UNUSABLE_PASSWORD = "!"  # no password matches it (erased accounts)

# Throttling: once 5 failures for one account fall within 15 minutes, that account's logins
# are refused until 15 minutes after the 5th (latest) failure; refused attempts are not
# counted. The address limit is looser because the kiosk and an office share one address:
# one person's typos must not stop staff from signing the kiosk (or themselves) in.
THROTTLE_WINDOW = timedelta(minutes=15)
ACCOUNT_FAILURE_LIMIT = 5
ADDRESS_FAILURE_LIMIT = 30


class AccountError(ValueError):
    """A refused account operation; `field` names the form field it belongs to."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


class Enterprise(BaseModel):
    """One enterprise shared by all its people, events, courses and donations."""

    name = CharField(max_length=100, unique=True)
    credit_code = CharField(max_length=18, unique=True, null=True)
    is_partner = BooleanField(default=False, index=True)
    created_at = UTCDateTimeField(default=utcnow)

    def __str__(self):
        return self.name


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
        self.password_hash = generate_password_hash(password, method="scrypt")

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


def start_login_session(user):
    """Open a server-side session for `user` and remember its token on the object."""
    token = secrets.token_urlsafe(32)
    LoginSession.create(token=token, user=user)
    user.session_token = token
    return token


def end_login_session(user):
    """End the session `user` was loaded from (logout), with its audit entry."""
    from db import audit

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


def find_or_create_enterprise(name, credit_code=None):
    """The enterprise with this credit code, else this name; created when neither exists.

    Call inside a transaction. Filling in a missing credit code on an existing record is the
    only change it makes.
    """
    name = name.strip()
    credit_code = (credit_code or "").strip().upper() or None
    enterprise = None
    if credit_code:
        enterprise = Enterprise.get_or_none(Enterprise.credit_code == credit_code)
    if enterprise is None:
        enterprise = Enterprise.get_or_none(Enterprise.name == name)
        if enterprise and credit_code and enterprise.credit_code is None:
            enterprise.credit_code = credit_code
            enterprise.save()
        elif enterprise and credit_code and enterprise.credit_code != credit_code:
            raise AccountError("credit_code_mismatch", field="credit_code")
    if enterprise is None:
        try:
            with database.atomic():  # a savepoint: a lost race leaves the outer work intact
                enterprise = Enterprise.create(name=name, credit_code=credit_code)
        except IntegrityError:
            # Someone created the same enterprise a moment ago (PostgreSQL runs such
            # transactions side by side): use theirs.
            enterprise = Enterprise.get_or_none(Enterprise.name == name) or (
                Enterprise.get_or_none(Enterprise.credit_code == credit_code)
                if credit_code
                else None
            )
            if enterprise is None:
                raise
    return enterprise


def check_account_fields(username, name, mobile):
    """Raise AccountError for a username, name or mobile number the rules refuse.

    Usernames: letters, digits, dot, dash, underscore, at most 64; a name is required, at most
    50 characters; a mobile number, when given, is a mainland one (normalised first).
    """
    username = (username or "").strip()
    if not re.match(USERNAME_PATTERN, username) or len(username) > MAX_USERNAME_LENGTH:
        raise AccountError("username_invalid", field="username")
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise AccountError("name_invalid", field="name")
    if mobile and not is_mobile(normalise_mobile(mobile)):
        raise AccountError("mobile_invalid", field="mobile")


def check_password_rules(password):
    """Raise AccountError for a password the rules refuse."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError("password_too_short", field="password")


def sign_up_entrepreneur(name, mobile, enterprise_name, password, credit_code=None, position=""):
    """Create an entrepreneur account with consent recorded; return the user.

    Inputs are validated by the form; this re-checks what the database must guarantee.
    Raises AccountError("mobile_taken") if the mobile number already has an account.
    """
    from db import audit

    check_password_rules(password)
    try:
        with database.atomic():
            enterprise = find_or_create_enterprise(enterprise_name, credit_code)
            user = User(
                username=mobile,
                name=name.strip(),
                mobile=mobile,
                role="entrepreneur",
                enterprise=enterprise,
                position=position.strip(),
                consent_at=utcnow(),
                consent_version=PRIVACY_NOTICE_VERSION,
            )
            user.set_password(password)
            user.save()
            start_login_session(user)
            audit.record("account.signup", user, f"entrepreneur of {enterprise.name}", actor=user)
            return user
    except IntegrityError as exc:
        raise AccountError("mobile_taken", field="mobile") from exc


def create_account(username, name, role, password, mobile=None, actor=None):
    """Create a staff, kiosk, admin or entrepreneur account (admin UI and CLI)."""
    from db import audit

    if role not in ROLES:
        raise AccountError("unknown_role", field="role")
    check_account_fields(username, name, mobile)
    check_password_rules(password)
    mobile = normalise_mobile(mobile) or None
    try:
        with database.atomic():
            if mobile and User.select().where(User.mobile == mobile).exists():
                raise AccountError("mobile_taken", field="mobile")
            user = User(username=username.strip(), name=name.strip(), role=role, mobile=mobile)
            user.set_password(password)
            user.save()
            audit.record(
                "account.create", user, f"{role} {mask_username(user.username)}", actor=actor
            )
            return user
    except IntegrityError as exc:
        raise AccountError("username_taken", field="username") from exc


def set_active(user, active, actor=None):
    """Activate or deactivate an account; an admin cannot deactivate their own."""
    from db import audit

    if actor is not None and actor.id == user.id and not active:
        raise AccountError("cannot_deactivate_self")
    with database.atomic():
        User.update(active=active).where(User.id == user.id).execute()
        user.active = active
        if not active:
            end_all_login_sessions(user)
        audit.record(
            "account.activate" if active else "account.deactivate",
            user,
            mask_username(user.username),
        )


def change_password(user, current_password, new_password):
    """Change a password after checking the current one."""
    from db import audit

    if not user.check_password(current_password):
        raise AccountError("wrong_password", field="current_password")
    check_password_rules(new_password)
    with database.atomic():
        user.set_password(new_password)
        User.update(password_hash=user.password_hash).where(User.id == user.id).execute()
        end_all_login_sessions(user, keep_token=getattr(user, "session_token", None))
        audit.record("account.password", user, "password changed", actor=user)


def set_language(user, language):
    """Remember a user's language preference."""
    from db import audit

    if language not in LANGUAGES:
        raise AccountError("unknown_language", field="language")
    with database.atomic():
        User.update(language=language).where(User.id == user.id).execute()
        user.language = language
        audit.record("account.language", user, language, actor=user)


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


def authenticate(username, password, address):
    """Return the user for good credentials, else None; records failures for throttling.

    Raises AccountError("throttled") while the account or address is locked out. The
    password is checked outside the lock (scrypt is slow); the throttle is checked again and
    the failure recorded under `write_lock()`, so a burst of parallel attempts on any number
    of workers gets at most 5 answers for one account before the rest are refused.
    """
    from db import audit

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
        LoginAttempt.delete().where(LoginAttempt.at < utcnow() - timedelta(days=1)).execute()
        for key in throttle_keys(username, address):
            LoginAttempt.create(key=key)
        if user:
            audit.record("account.login_failed", user, "inactive" if not user.active else "")
    return None
