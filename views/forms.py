"""Form pieces shared by the modules: local date-time fields, the single-line filter, and the
one way a refused action reaches the user (`ErrorMessages` + `refused`)."""

from wtforms import DateTimeLocalField

from db.validators import one_line
from views.calendar import local_to_utc, utc_to_local
from views.pages import render_page

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def single_line(value):
    """A WTForms filter for single-line fields (see db.validators.one_line)."""
    return value if value is None else one_line(value)


class LocalDateTimeField(DateTimeLocalField):
    """A date and time typed in Asia/Shanghai (native picker), stored as naive UTC."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format=LOCAL_FORMAT, **kwargs)

    @property
    def utc(self):
        """The entered time as naive UTC, or None."""
        return local_to_utc(self.data)

    def set_utc(self, moment):
        """Show a stored UTC time in the field."""
        self.data = utc_to_local(moment)


class ErrorMessages:
    """A module's user's-language messages for its domain errors (`db.errors.DomainError`).

    `messages` maps a code to a lazy message with `%(param)s` slots; `formatters` maps a
    parameter name to a function that shows its value in the user's language (money, a list
    of names), applied before the message is filled.
    """

    def __init__(self, messages, formatters=None):
        self.messages = messages
        self.formatters = formatters or {}

    def text(self, error):
        """The message for `error` (its code when no message is known)."""
        message = self.messages.get(error.code)
        if message is None:
            return str(error.code)
        if not error.params:
            return str(message)
        params = {
            name: self.formatters[name](value, error) if name in self.formatters else value
            for name, value in error.params.items()
        }
        return str(message) % params

    def add(self, form, error):
        """Put the message next to its field, or at the top of the form."""
        field = form._fields.get(error.field) if error.field else None
        if field is not None:
            field.errors = [*field.errors, self.text(error)]
        else:
            form.form_errors.append(self.text(error))


def refused(template, block=None, **context):
    """Answer a refused form: the same page (or its htmx block) with its errors, status 422.

    Put the errors on the form first (`ErrorMessages.add`, or WTForms' own validation); htmx
    is configured to swap 422 answers, so the form with its messages replaces the old one.
    """
    return render_page(template, block=block, status=422, **context)
