"""The words of event notices, written in the language the person registered in.

Notices are composed when they are queued (inside the transaction of the change), so the
outbox holds finished text in the registrant's language even when the change was made by
someone else (staff approving, a cancellation promoting the next). The catalogs are read
with Babel directly, so this works in a request, a CLI command or a plain script alike.
"""

from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime
from babel.support import NullTranslations, Translations

from db import notices

SHANGHAI = ZoneInfo("Asia/Shanghai")
WHEN_FORMATS = {"zh_CN": "y年M月d日 HH:mm", "en": "d MMM y, HH:mm"}
# The day and time a reminder's subject names ("on 2 Dec at 14:00"), never "tomorrow".
SOON_FORMATS = {"zh_CN": "M月d日 HH:mm", "en": "d MMM 'at' HH:mm"}
TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"


@lru_cache(maxsize=4)
def catalog(language):
    """Every module's compiled catalog for `language`, merged (English needs none)."""
    merged = NullTranslations()
    for folder in sorted(path for path in TRANSLATIONS.iterdir() if path.is_dir()):
        loaded = Translations.load(str(folder), [str(Locale.parse(language))])
        if isinstance(loaded, Translations):
            merged = loaded if not isinstance(merged, Translations) else merged.merge(loaded)
    return merged


def translator(language):
    """A `_(message, **params)` that translates into `language`."""
    translations = catalog("en" if language == "en" else "zh_CN")

    def _(message, **params):
        """The translation of `message`, with `params` filled in."""
        text = translations.gettext(message)
        return text % params if params else text

    return _


def local_when(moment, language, formats=WHEN_FORMATS):
    """A UTC time as Shanghai wall-clock text in `language`."""
    aware = moment.replace(tzinfo=ZoneInfo("UTC")).astimezone(SHANGHAI)
    locale = "en" if language == "en" else "zh_CN"
    return format_datetime(aware, formats[locale], locale=locale)


def _subject_and_intro(kind, registration, reason, _):
    """The subject line and first paragraph for one kind of notice (`_` translates)."""
    title = registration.event.title
    texts = {
        "event.confirmed": (
            _("Registration confirmed: %(title)s", title=title),
            _("Your seat is confirmed. Show your code or its QR code at the door."),
        ),
        "event.waiting": (
            _("On the waiting list: %(title)s", title=title),
            _(
                "The event is full, so you are on the waiting list. If a seat frees, the "
                "first person waiting gets it and is told at once."
            ),
        ),
        "event.pending": (
            _("Registration received: %(title)s", title=title),
            _("The organisers review registrations for this event; you will hear from us."),
        ),
        "event.promoted": (
            _("A seat is yours: %(title)s", title=title),
            _("A seat became free and you were next on the waiting list: you are confirmed."),
        ),
        "event.approved": (
            _("Registration approved: %(title)s", title=title),
            _("Your registration was approved and your seat is confirmed."),
        ),
        "event.approved_waiting": (
            _("Approved, on the waiting list: %(title)s", title=title),
            _(
                "Your registration was approved, but every seat is taken: you are on the "
                "waiting list and move up in order."
            ),
        ),
        "event.rejected": (
            _("Registration not accepted: %(title)s", title=title),
            _(
                "We are sorry: your registration was not accepted. Reason: %(reason)s",
                reason=reason,
            ),
        ),
        "event.cancelled_registration": (
            _("Registration cancelled: %(title)s", title=title),
            _("Your registration has been cancelled.")
            + (" " + _("Reason: %(reason)s", reason=reason) if reason else ""),
        ),
        "event.changed": (
            _("Changed: %(title)s", title=title),
            _("The time or place of this event has changed. Please note the details below."),
        ),
        "event.cancelled": (
            _("Cancelled: %(title)s", title=title),
            _("We are sorry: this event has been cancelled.")
            + (" " + _("Reason: %(reason)s", reason=reason) if reason else ""),
        ),
        "event.reminder": (
            _(
                "On %(when)s: %(title)s",
                when=local_when(registration.event.starts_at, registration.language, SOON_FORMATS),
                title=title,
            ),
            _("A reminder that your event is coming up. We look forward to seeing you."),
        ),
    }
    return texts[kind]


def compose(kind, registration, reason=""):
    """(subject, body) of a notice about `registration`, in its language."""
    event = registration.event
    language = registration.language
    _ = translator(language)
    subject, intro = _subject_and_intro(kind, registration, reason, _)
    lines = [
        _("Dear %(name)s,", name=registration.name),
        "",
        intro,
        "",
        _("Event: %(title)s", title=event.title),
        _("When: %(when)s", when=local_when(event.starts_at, language)),
        _("Where: %(venue)s", venue=event.venue),
    ]
    if kind not in ("event.rejected", "event.cancelled", "event.cancelled_registration"):
        lines.append(_("Your code: %(code)s", code=registration.code))
    lines += ["", _("Guangzhong Community Party-Building Service Centre")]
    return subject, "\n".join(lines)


def notify(kind, registration, reason=""):
    """Queue a notice about `registration` to its person (inside the caller's transaction)."""
    subject, body = compose(kind, registration, reason)
    return notices.queue(
        kind,
        subject,
        body,
        recipient=registration.user_id,
        mobile=registration.mobile,
        email=registration.email,
        link=registration.private_path,
    )
