"""The one exception the events operations raise for a refused action."""

from db.errors import DomainError


class EventError(DomainError):
    """A refused events action (see `db.errors.DomainError`)."""
