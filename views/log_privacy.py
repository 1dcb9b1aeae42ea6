"""Keep personal data out of logs: mobile numbers, ID numbers and passwords are redacted.

A filter on the app's, werkzeug's, gunicorn's and peewee's loggers, and on their handlers and
the root logger's, rewrites every record and its traceback before it is written. Mobiles
keep the masked form staff recognise (138****1234), also when written with +86 / 86 (or
%2B86) in front, or in groups of 3-4-4 separated by spaces, dashes, + or %20 (URL-encoded).
"""

import logging
import re

GAP = r"(?:[ +\-]|%20)?"  # between the groups of a typed number, plain or URL-encoded
MOBILE = re.compile(
    r"(?:(?<!\d)|(?<=%20))"  # not inside a longer number (a URL-encoded space may precede)
    rf"(?P<prefix>(?:\+|%2[Bb]|00)?86{GAP})?"
    rf"(?P<head>1[3-9]\d){GAP}\d{{4}}{GAP}(?P<tail>\d{{4}})"
    r"(?!\d)"
)
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
PASSWORD = re.compile(r"(password[^=:\s]*[=:]\s*)[^&\s'\"]+", re.I)
LOGGERS = ("", "flask.app", "werkzeug", "gunicorn.error", "gunicorn.access", "peewee")


def _masked_mobile(match):
    return f"{match['prefix'] or ''}{match['head']}****{match['tail']}"


def redact(text):
    """`text` with mobiles masked and ID numbers and password values removed."""
    text = ID_NUMBER.sub("[id-number]", text)
    text = MOBILE.sub(_masked_mobile, text)
    return PASSWORD.sub(r"\1[hidden]", text)


class RedactPersonalData(logging.Filter):
    """Rewrites the message and its arguments of every record, and its traceback: an
    exception's text (a PostgreSQL unique violation names the mobile it refused) is
    formatted here, redacted, and kept as `exc_text`, which formatters print as it is."""

    _formatter = logging.Formatter()

    def filter(self, record):
        if record.exc_info and not getattr(record, "_redacted_exc", False):
            record.exc_text = redact(self._formatter.formatException(record.exc_info))
            record._redacted_exc = True
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        if isinstance(record.msg, tuple) and len(record.msg) == 2:
            # peewee logs (sql, params): keep the shape (the query counter reads it).
            sql, params = record.msg
            record.msg = (sql, tuple(redact(p) if isinstance(p, str) else p for p in params or ()))
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        record.msg, record.args = redact(message), ()
        return True


REDACTOR = RedactPersonalData()


def protect(target):
    """Add the filter to a logger or handler once."""
    if not any(isinstance(f, RedactPersonalData) for f in target.filters):
        target.addFilter(REDACTOR)


def init_app(app):
    """Install the filter on every logger that may carry request data, and on every handler
    of those loggers and of the root logger: a handler filter also sees records propagated
    from loggers of other libraries, which a logger's own filters never see."""
    for name in (*LOGGERS, app.logger.name):
        logger = logging.getLogger(name)
        protect(logger)
        for handler in logger.handlers:
            protect(handler)
