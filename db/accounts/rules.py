"""The account rules every accounts operation, form and command shares."""

import re

from flask_babel import lazy_gettext as _l

from db.accounts.errors import AccountError
from db.validators import is_mobile, normalise_mobile

ROLES = ("admin", "staff", "entrepreneur", "kiosk")
ROLE_NAMES = {
    "admin": _l("Administrator"),
    "staff": _l("Staff"),
    "entrepreneur": _l("Entrepreneur"),
    "kiosk": _l("Kiosk"),
}
STAFF_ROLES = ("admin", "staff")
LANGUAGES = ("zh_CN", "en")
PRIVACY_NOTICE_VERSION = "2026-12"
MIN_PASSWORD_LENGTH = 8
# The rules the admin form and `flask create-user` share (the columns' sizes).
USERNAME_PATTERN = r"^[A-Za-z0-9_.\-]+$"
MAX_USERNAME_LENGTH = 64
MAX_NAME_LENGTH = 50


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
