"""Form pieces shared by the modules: local date-time fields, the single-line filter, number
and money fields, and the one way a refused action reaches the user (`ErrorMessages` +
`refused`)."""

import re

from flask_babel import gettext as _
from wtforms import DateTimeLocalField, IntegerField, StringField
from wtforms.validators import StopValidation

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


# Numbers typed into forms: ASCII digits only, the rule views/params.parse_int states for the
# query string. int() and Decimal() also read full-width (１２３) and other scripts' digits
# (٣), so a WTForms IntegerField would save them; these fields refuse them, saying why.
WHOLE_NUMBER_RE = re.compile(r"-?[0-9]{1,10}")
AMOUNT_RE = re.compile(r"[0-9]{1,9}(\.[0-9]{1,2})?")


def has_other_digits(text):
    """True when `text` holds a digit other than ASCII 0-9 (full-width, Arabic-Indic …)."""
    return any(char.isdecimal() and not char.isascii() for char in text)


def other_digits_message():
    """What to say about digits that are not 0-9."""
    return _("Type the number with the digits 0-9 (half-width).")


class WholeNumberField(IntegerField):
    """A whole number typed in ASCII digits (an optional minus sign, at most 10 digits).

    Blank leaves `data` None for InputRequired/Optional to judge; anything else that is not
    such a number is refused with one message, before the field's range is checked.
    """

    def process_formdata(self, valuelist):
        """Read the typed text; a mistake is reported by pre_validate."""
        self.parse_error = None
        if not valuelist:
            return
        text = (valuelist[0] or "").strip()
        self.data = int(text) if WHOLE_NUMBER_RE.fullmatch(text) else None
        if text and self.data is None:
            if has_other_digits(text):
                self.parse_error = other_digits_message()
            else:
                self.parse_error = _("Enter a whole number, like 12.")

    def pre_validate(self, form):
        """Refuse text that is not a whole number in ASCII digits."""
        if getattr(self, "parse_error", None):
            raise StopValidation(self.parse_error)


def parse_yuan(text):
    """'1,234.5' / '¥12' / '45' → fen; None for blank; ValueError for anything else."""
    text = (text or "").strip().replace(",", "").replace("，", "").lstrip("¥￥").strip()
    if not text:
        return None
    if not AMOUNT_RE.fullmatch(text):
        raise ValueError(text)
    whole, _sep, cents = text.partition(".")
    return int(whole) * 100 + int((cents + "00")[:2])


def yuan_text(fen):
    """Fen as the plain text a money input shows: 4500 → '45.00'."""
    return "" if fen is None else f"{fen // 100}.{fen % 100:02d}"


class MoneyField(StringField):
    """An amount typed in yuan in ASCII digits (45, 45.5, 1,234.50), held as integer fen."""

    def process_formdata(self, valuelist):
        """Parse the typed text; a mistake is reported by pre_validate."""
        self.raw_text = valuelist[0] if valuelist else ""
        try:
            self.data = parse_yuan(self.raw_text)
            self.parse_error = False
        except ValueError:
            self.data = None
            self.parse_error = True

    def process_data(self, value):
        """Show a stored amount (fen) as yuan."""
        self.data = value
        self.raw_text = yuan_text(value)
        self.parse_error = False

    def pre_validate(self, form):
        """Refuse text that is not an amount."""
        if getattr(self, "parse_error", False):
            if has_other_digits(self.raw_text):
                raise StopValidation(other_digits_message())
            raise StopValidation(_("Enter an amount in yuan, like 45 or 45.50."))

    def _value(self):
        """What the input shows: the text as typed, or the stored amount."""
        return getattr(self, "raw_text", None) or yuan_text(self.data)
