"""The accounts module's refusals."""


class AccountError(ValueError):
    """A refused account operation; `field` names the form field it belongs to."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field
