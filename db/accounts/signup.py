"""Entrepreneurs signing themselves up."""

from peewee import IntegrityError

from db import audit, database
from db.accounts.enterprises import find_or_create_enterprise
from db.accounts.errors import AccountError
from db.accounts.models import User
from db.accounts.rules import PRIVACY_NOTICE_VERSION, check_password_rules
from db.accounts.sessions import start_login_session
from db.base import utcnow


def sign_up_entrepreneur(name, mobile, enterprise_name, password, credit_code=None, position=""):
    """Create an entrepreneur account with consent recorded; return the user.

    Inputs are validated by the form; this re-checks what the database must guarantee.
    Raises AccountError("mobile_taken") if the mobile number already has an account.
    """
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
