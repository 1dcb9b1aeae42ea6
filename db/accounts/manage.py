"""Managing accounts: creating them (admin UI, CLI), activation, password and language."""

from peewee import IntegrityError

from db import audit, database
from db.accounts.errors import AccountError
from db.accounts.models import User
from db.accounts.rules import LANGUAGES, ROLES, check_account_fields, check_password_rules
from db.accounts.sessions import end_all_login_sessions
from db.validators import mask_username, normalise_mobile


def create_account(username, name, role, password, mobile=None, actor=None):
    """Create a staff, kiosk, admin or entrepreneur account (admin UI and CLI)."""
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
    if language not in LANGUAGES:
        raise AccountError("unknown_language", field="language")
    with database.atomic():
        User.update(language=language).where(User.id == user.id).execute()
        user.language = language
        audit.record("account.language", user, language, actor=user)
