"""Personal data on request (PIPL): export, erase and purge, module by module.

Each module that holds personal data lists its `PersonalData` providers as
`privacy_providers` (see db/modules.py):
- `export(mobile)` → list of (title, [{label: value}]) sections with everything held (titles
  and labels as lazy translations, shown to staff and used as spreadsheet headers);
- `erase(mobile)` → number of records anonymised (inside the caller's transaction);
- `purge(before)` → number of records anonymised whose purpose ended before `before`.
A person is found by mobile number; a provider whose records may hold only an e-mail address
(a partner contact, a notice) sets `by_email`, and is then called as `export(mobile, email)`
and `erase(mobile, email)` (either may be empty, never both); the others are called with the
mobile alone, and not at all when only an e-mail address was given.
Anonymising replaces names, mobiles, free-text answers and contact details and keeps the rows,
so counts, reports and ledgers stay intact. Providers run in `order`: modules first (erasing a
registration may queue a notice), then notices, then the account (whose mobile number finds
the rest). The core's own providers (notices, accounts, failed logins) are at the end of this
file, in `privacy_providers`. Staff handle entrepreneurs (and people without an account); the
data of an administrator, staff or kiosk account is corrected or erased only by an
administrator.
"""

import operator
from dataclasses import dataclass
from datetime import timedelta
from functools import reduce

from flask_babel import lazy_gettext as _l
from peewee import fn

from db import audit, database
from db.accounts import (
    ROLE_NAMES,
    UNUSABLE_PASSWORD,
    LoginAttempt,
    User,
    end_all_login_sessions,
    throttle_keys,
)
from db.base import utcnow
from db.notices import Notice
from db.validators import mask_mobile

ERASED_NAME = "已删除"
ERASED_TEXT = "（已删除）"
ERASED_MOBILE_PREFIX = "0"  # real mobile numbers start with 1
# Accounts whose data staff may correct or erase; any other account's, only an admin.
STAFF_HANDLED_ROLES = ("entrepreneur",)


class PrivacyRefused(PermissionError):
    """The actor may not correct or erase this person's data."""


@dataclass
class PersonalData:
    """What one module holds about people, and how to hand it over or remove it."""

    name: str
    export: object
    erase: object
    purge: object
    order: int = 50
    by_email: bool = False  # export and erase also take the e-mail address

    def export_of(self, mobile, email):
        """This provider's sections about the person (none when it cannot find them)."""
        if self.by_email:
            return self.export(mobile, email)
        return self.export(mobile) if mobile else []

    def erase_of(self, mobile, email):
        """Anonymise this provider's records of the person; the number anonymised."""
        if self.by_email:
            return self.erase(mobile, email)
        return self.erase(mobile) if mobile else 0


def providers():
    """Every module's personal-data providers, lower `order` first."""
    from db.modules import contributions  # imports every data module (see db/modules.py)

    return sorted(contributions("privacy_providers"), key=lambda item: item.order)


def erased_mobile(row_id):
    """A placeholder for an erased mobile number, unique per row (so unique indexes over
    mobile numbers still hold) and never a real number."""
    return f"{ERASED_MOBILE_PREFIX}{row_id:010d}"


def is_erased_mobile(field):
    """A query expression: the mobile column `field` holds an erased placeholder."""
    return field.startswith(ERASED_MOBILE_PREFIX)


def normalise_email(email):
    """An e-mail address as looked up: trimmed, lower case ("" for none)."""
    return (email or "").strip().lower()


def mask_email(email):
    """z***@example.com: enough to recognise one's own address in the audit log."""
    local_part, at, domain = (email or "").partition("@")
    if not at:
        return f"{email[:1]}***" if email else ""
    return f"{local_part[:1]}***@{domain}"


def masked_person(mobile, email=""):
    """Who a request is about, masked: the mobile number and/or the e-mail address."""
    return " / ".join(
        part for part in (mask_mobile(mobile or ""), mask_email(normalise_email(email))) if part
    )


def export_person(mobile, audited_as=None, email=""):
    """Everything held about the person with this mobile number (and/or e-mail address),
    module by module.

    `audited_as` ("privacy.lookup" when staff look at it, "privacy.export" when they
    download it) records who looked up whom (masked) and when."""
    mobile, email = mobile or "", normalise_email(email)
    if not mobile and not email:
        return []
    if audited_as:
        with database.atomic():
            audit.record(audited_as, object_type="person", summary=masked_person(mobile, email))
    sections = []
    for item in providers():
        sections.extend(item.export_of(mobile, email))
    return [(title, rows) for title, rows in sections if rows]


def may_handle(actor, account):
    """True when `actor` may correct or erase the data of `account` (None: no account).

    `actor` None is the system (commands, purges), which may."""
    if actor is None or account is None or account.role in STAFF_HANDLED_ROLES:
        return True
    return actor.role == "admin"


def check_may_handle(actor, account):
    """Raise PrivacyRefused unless `actor` may correct or erase the data of `account`."""
    if not may_handle(actor, account):
        raise PrivacyRefused("admin_only")


def erase_person(mobile, reason, actor=None, email=""):
    """Anonymise everything held about `mobile` (and/or `email`) in one transaction; return
    counts per module.

    Raises PrivacyRefused, writing nothing, when the mobile belongs to an account `actor`
    may not erase (staff erasing an admin or staff account)."""
    mobile, email = mobile or "", normalise_email(email)
    if not mobile and not email:
        return {}
    with database.atomic():
        if mobile:
            check_may_handle(actor, User.get_or_none(User.mobile == mobile))
        counts = {item.name: item.erase_of(mobile, email) for item in providers()}
        audit.record(
            "privacy.erase",
            object_type="person",
            summary=f"{masked_person(mobile, email)}: {reason[:200]} "
            + ", ".join(f"{k}={v}" for k, v in counts.items()),
            actor=actor,
        )
    return counts


def purge_older_than(months):
    """Anonymise personal data whose purpose ended more than `months` months ago."""
    before = utcnow() - timedelta(days=round(months * 30.44))
    with database.atomic():
        counts = {item.name: item.purge(before) for item in providers()}
        audit.record(
            "privacy.purge",
            object_type="person",
            summary=f"older than {months} months: "
            + ", ".join(f"{k}={v}" for k, v in counts.items()),
        )
    return counts


def correct_account(user, name, position, actor=None):
    """Correct the name and position of an account on the person's request.

    Raises PrivacyRefused, writing nothing, when `actor` may not correct this account."""
    check_may_handle(actor, user)
    with database.atomic():
        User.update(name=name.strip(), position=position.strip()).where(
            User.id == user.id
        ).execute()
        audit.record("privacy.correct", user, "name/position corrected", actor=actor)


def _account_export(mobile):
    user = User.get_or_none(User.mobile == mobile)
    if user is None:
        return []
    return [
        (
            _l("Account"),
            [
                {
                    _l("Name"): user.name,
                    _l("Mobile number"): user.mobile,
                    _l("Username"): user.username,
                    _l("Role"): ROLE_NAMES.get(user.role, user.role),
                    _l("Enterprise"): user.enterprise.name if user.enterprise else "",
                    _l("Position"): user.position,
                    _l("Created"): user.created_at,
                    _l("Last login"): user.last_login_at,
                    _l("Consent given"): user.consent_at,
                    _l("Privacy notice version"): user.consent_version,
                }
            ],
        )
    ]


def _account_erase(mobile):
    user = User.get_or_none(User.mobile == mobile)
    if user is None:
        return 0
    anonymise_account(user)
    return 1


def anonymise_account(user):
    """Remove a person from their account; the row stays for the audit trail."""
    end_all_login_sessions(user)
    account_key, _address_key = throttle_keys(user.username, "")
    LoginAttempt.delete().where(LoginAttempt.key == account_key).execute()
    User.update(
        name=ERASED_NAME,
        mobile=None,
        username=f"deleted-{user.id}",
        position="",
        active=False,
        password_hash=UNUSABLE_PASSWORD,
        language=None,
    ).where(User.id == user.id).execute()


def _account_purge(before):
    # Accounts are kept while they are in use; an entrepreneur account not used for the
    # retention period is anonymised.
    stale = User.select().where(
        User.role == "entrepreneur",
        User.mobile.is_null(False),
        (User.last_login_at < before) | (User.last_login_at.is_null() & (User.created_at < before)),
    )
    count = 0
    for user in stale:
        anonymise_account(user)
        count += 1
    return count


ACCOUNTS = PersonalData("accounts", _account_export, _account_erase, _account_purge, order=90)


def _attempts_export(mobile):
    # Failed logins are throttle records (a key and a time), not shown: erased and purged.
    return []


def _attempts_erase(mobile):
    """Failed logins under this mobile as username (with or without an account)."""
    account_key, _address_key = throttle_keys(mobile, "")
    return LoginAttempt.delete().where(LoginAttempt.key == account_key).execute()


def _attempts_purge(before):
    """Failed logins (keyed by the username typed, often a mobile, or the client's address)
    only serve throttling for minutes: all those older than the limit go."""
    return LoginAttempt.delete().where(LoginAttempt.at < before).execute()


LOGIN_ATTEMPTS = PersonalData(
    "login_attempts", _attempts_export, _attempts_erase, _attempts_purge, order=95
)


def _notices_of(mobile, email=""):
    """Notices sent to this mobile number, to the account that has it, or to this e-mail
    address."""
    found = []
    if mobile:
        account = User.select(User.id).where(User.mobile == mobile)
        found += [Notice.mobile == mobile, Notice.recipient.in_(account)]
    if email:
        found.append(fn.LOWER(Notice.email) == email)
    if not found:
        return Notice.select().where(Notice.id.is_null())
    return Notice.select().where(reduce(operator.or_, found))


def _notices_export(mobile, email=""):
    rows = list(_notices_of(mobile, email).order_by(Notice.created_at, Notice.id))
    return [
        (
            _l("Notices"),
            [
                {
                    _l("Created"): row.created_at,
                    _l("Subject"): row.subject,
                    _l("Text"): row.body,
                    _l("Mobile number"): row.mobile or "",
                    _l("E-mail"): row.email or "",
                    _l("Sent"): row.sent_at,
                }
                for row in rows
            ],
        )
    ]


def _anonymise_notices(query):
    """Blank the text and addresses of these notices (an unsent one is never sent)."""
    ids = [row.id for row in query.select(Notice.id)]
    if ids:
        Notice.update(body=ERASED_TEXT, mobile=None, email=None, recipient=None).where(
            Notice.id.in_(ids)
        ).execute()
    return len(ids)


def _notices_erase(mobile, email=""):
    return _anonymise_notices(_notices_of(mobile, email))


def _notices_purge(before):
    return _anonymise_notices(
        Notice.select().where(Notice.created_at < before, Notice.body != ERASED_TEXT)
    )


NOTICES = PersonalData(
    "notices", _notices_export, _notices_erase, _notices_purge, order=80, by_email=True
)

# The core's personal data (db/modules.py lists this module beside accounts).
privacy_providers = (NOTICES, ACCOUNTS, LOGIN_ATTEMPTS)
