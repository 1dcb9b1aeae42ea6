"""The one base for every module's refused actions.

A domain action that refuses raises a subclass of `DomainError` (`EventError`, `TrainingError`,
`MarketError`, …). The error carries a `code` naming the rule, the form `field` it belongs to
(None: the whole form) and `params` that fill the message; the views turn it into the user's
language with `views.forms.ErrorMessages` and answer 422 with the form.
"""


class DomainError(ValueError):
    """A refused action: `code` names the rule, `field` the form field, `params` the details."""

    def __init__(self, code, field=None, **params):
        super().__init__(code)
        self.code = code
        self.field = field
        self.params = params
