"""The one exception the training operations raise for a refused action."""

from db.errors import DomainError


class TrainingError(DomainError):
    """A refused training action (see `db.errors.DomainError`)."""
