"""The refusals of the outreach module (codes; views/outreach/common.py words them)."""

from db.errors import DomainError


class OutreachError(DomainError):
    """An outreach action the rules refuse: copying, inviting, a survey or an answer."""
