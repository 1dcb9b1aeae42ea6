"""The account lists staff and administrators read."""

from db.accounts.models import User
from db.accounts.rules import ROLES


def find_accounts(q="", role=""):
    """Accounts, newest first, whose name, username or mobile contains `q`, of `role` (any
    role when it is not one of ROLES)."""
    query = User.select().order_by(User.created_at.desc(), User.id.desc())
    if q:
        like = f"%{q}%"
        query = query.where(User.name**like | User.username**like | User.mobile**like)
    if role in ROLES:
        query = query.where(User.role == role)
    return query


def account_by_mobile(mobile):
    """The account with this mobile number, or None."""
    return User.get_or_none(User.mobile == mobile) if mobile else None
