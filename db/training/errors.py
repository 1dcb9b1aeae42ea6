"""The one exception the training operations raise for a refused action."""


class TrainingError(ValueError):
    """A refused training action. `code` names the reason (the views translate it); `field`
    names the form field it belongs to; `params` fill the message."""

    def __init__(self, code, field=None, **params):
        super().__init__(code)
        self.code = code
        self.field = field
        self.params = params
