"""The volunteer module's refused actions."""

from db.errors import DomainError


class VolunteerError(DomainError):
    """A refused volunteer action; `code` names the rule (see views/volunteers/common.py)."""
