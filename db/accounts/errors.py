"""The accounts module's refusals."""

from db.errors import DomainError


class AccountError(DomainError):
    """A refused account action (see `db.errors.DomainError`).

    Codes: `username_invalid`, `username_taken`, `name_invalid`, `mobile_invalid`,
    `mobile_taken`, `password_too_short`, `wrong_password`, `credit_code_mismatch`,
    `throttled`, `cannot_deactivate_self`, `unknown_role`, `unknown_language`; the messages
    are `views.auth.ACCOUNT_MESSAGES`.
    """
