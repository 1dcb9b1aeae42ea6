"""Form pieces shared by the modules: local date-time fields, the single-line filter and
domain-error messages."""

from wtforms import DateTimeLocalField

from db.validators import one_line
from views.calendar import local_to_utc, utc_to_local

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
    """A module's user's-language messages for its domain errors (`code`, `field`, `params`)."""

    def __init__(self, messages):
        self.messages = messages

    def text(self, error):
        """The message for `error` (its code when no message is known)."""
        message = self.messages.get(error.code)
        if message is None:
            return str(error.code)
        return str(message) % error.params if error.params else str(message)

    def add(self, form, error):
        """Put the message next to its field, or at the top of the form."""
        field = form._fields.get(error.field) if error.field else None
        if field is not None:
            field.errors = [*field.errors, self.text(error)]
        else:
            form.form_errors.append(self.text(error))
