"""Accounts: roles, the shared enterprise record, login sessions, throttling and sign-up.

The package is split by concern:

- `rules.py`: roles, languages, the privacy-notice version, username/name/password rules;
- `errors.py`: `AccountError`;
- `enterprises.py`: `Enterprise` and `find_or_create_enterprise`;
- `models.py`: `User`, `LoginAttempt`, `LoginSession` and `hash_password`;
- `throttle.py`: failed-login counting and lock-outs;
- `sessions.py`: `authenticate` and the server-side login sessions;
- `signup.py`: entrepreneurs signing themselves up;
- `manage.py`: creating accounts, activation, password and language changes;
- `queries.py`: the account lists (`find_accounts`, `account_by_mobile`);
- `demo.py`: the demo enterprises and accounts (`demo_seeders`, listed in db/modules.py).

The module's personal data (accounts, failed logins) is exported and erased by the core
privacy providers in `db/privacy.py`.

`from db.accounts import X` works for every public name. The tables, rules and throttle are
imported here; the operations (which write audit entries) are loaded on first use, because
`db.audit` itself imports `db.accounts.models` for its actor column: the dependencies run one
way — operations → `db.audit` → models — with no import cycle.
"""

import importlib

from db.accounts.demo import demo_seeders
from db.accounts.enterprises import Enterprise, find_or_create_enterprise
from db.accounts.errors import AccountError
from db.accounts.models import (
    UNUSABLE_PASSWORD,
    LoginAttempt,
    LoginSession,
    User,
    hash_password,
)
from db.accounts.queries import account_by_mobile, find_accounts
from db.accounts.rules import (
    LANGUAGES,
    MAX_NAME_LENGTH,
    MAX_USERNAME_LENGTH,
    MIN_PASSWORD_LENGTH,
    PRIVACY_NOTICE_VERSION,
    ROLE_NAMES,
    ROLES,
    STAFF_ROLES,
    USERNAME_PATTERN,
    check_account_fields,
    check_password_rules,
)
from db.accounts.throttle import (
    ACCOUNT_FAILURE_LIMIT,
    ADDRESS_FAILURE_LIMIT,
    THROTTLE_WINDOW,
    login_refused,
    throttle_keys,
)

# The operations, by the module that holds them (imported when first asked for).
OPERATIONS = {
    "authenticate": "sessions",
    "end_all_login_sessions": "sessions",
    "end_login_session": "sessions",
    "start_login_session": "sessions",
    "user_for_session": "sessions",
    "sign_up_entrepreneur": "signup",
    "change_password": "manage",
    "create_account": "manage",
    "set_active": "manage",
    "set_language": "manage",
}

__all__ = [
    "ACCOUNT_FAILURE_LIMIT",
    "ADDRESS_FAILURE_LIMIT",
    "LANGUAGES",
    "MAX_NAME_LENGTH",
    "MAX_USERNAME_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "PRIVACY_NOTICE_VERSION",
    "ROLES",
    "ROLE_NAMES",
    "STAFF_ROLES",
    "THROTTLE_WINDOW",
    "UNUSABLE_PASSWORD",
    "USERNAME_PATTERN",
    "AccountError",
    "Enterprise",
    "LoginAttempt",
    "LoginSession",
    "User",
    "account_by_mobile",
    "check_account_fields",
    "demo_seeders",
    "check_password_rules",
    "find_accounts",
    "find_or_create_enterprise",
    "hash_password",
    "login_refused",
    "throttle_keys",
    *OPERATIONS,
]


def __getattr__(name):
    """Load an operation's module on first use (see the module docstring)."""
    if name in OPERATIONS:
        value = getattr(importlib.import_module(f"db.accounts.{OPERATIONS[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(OPERATIONS))
