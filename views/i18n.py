"""Languages, time zone and number formats: Simplified Chinese by default, English complete.

Each module keeps its own catalog folder under `translations/<module>/` (its sources are
listed in `translations/<module>/SOURCES`); Flask-Babel merges them at run time.
"""

import os
from datetime import UTC
from functools import cached_property, lru_cache
from zoneinfo import ZoneInfo

import flask
from babel.support import Translations
from flask import g, request
from flask_babel import get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup, escape
from wtforms.i18n import messages_path

from db.accounts import LANGUAGES

LANGUAGE_COOKIE = "lang"
LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}
SHANGHAI = ZoneInfo("Asia/Shanghai")
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def translation_directories(root):
    """Every module's catalog folder, joined for BABEL_TRANSLATION_DIRECTORIES."""
    base = os.path.join(root, "translations")
    folders = sorted(
        os.path.join(base, name)
        for name in os.listdir(base)
        if os.path.isdir(os.path.join(base, name))
    )
    return ";".join(folders)


def select_locale():
    """The account's preference, else the guest's cookie, else Simplified Chinese."""
    chosen = getattr(g, "language_override", None)
    if chosen:
        return chosen
    if current_user and current_user.is_authenticated and current_user.language in LANGUAGES:
        return current_user.language
    cookie = request.cookies.get(LANGUAGE_COOKIE)
    return cookie if cookie in LANGUAGES else "zh_CN"


def html_lang():
    """The value for <html lang>: zh-CN or en."""
    return "en" if str(get_locale()) == "en" else "zh-CN"


def _language():
    """ "en" or "zh": the request's language for formatting."""
    return "en" if str(get_locale()) == "en" else "zh"


def _local(value):
    """A datetime (naive means UTC) in Asia/Shanghai; a date stays as it is."""
    if not hasattr(value, "hour"):
        return value
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(SHANGHAI)


def _date_text(day, language):
    """2026年11月26日 / 26 Nov 2026 (the y年M月d日 and d MMM y patterns, written out: the
    filters run for every row of every list, and Babel's general formatter costs 50 µs)."""
    if language == "en":
        return f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"
    return f"{day.year}年{day.month}月{day.day}日"


def date_filter(value):
    """2026年11月26日 / 26 Nov 2026, in Asia/Shanghai."""
    if value is None:
        return ""
    return _date_text(_local(value), _language())


def datetime_filter(value):
    """The date and a 24-hour time, in Asia/Shanghai."""
    if value is None:
        return ""
    moment = _local(value)
    return f"{_date_text(moment, _language())} {moment:%H:%M}"


def time_filter(value):
    """A 24-hour time, in Asia/Shanghai."""
    return f"{_local(value):%H:%M}" if value is not None else ""


def money_filter(fen):
    """Integer fen as ¥1,234.50."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(int(fen)), 100)
    return f"{sign}¥{yuan:,}.{cents:02d}"


def number_filter(value):
    """An integer with thousands separators (a fraction rounds half to even)."""
    return f"{round(value or 0):,}"


def nl2br_filter(text):
    """Plain text with its line breaks kept, escaped: never raw HTML."""
    return Markup("<br>\n").join(escape(line) for line in (text or "").splitlines())


# Templates translate through the catalog a render starts with (put in its context by
# `translations_context`), not through Flask-Babel's lookup of request, locale and catalog
# for each string: a page translates hundreds, at about 15 µs a lookup. A render inside
# force_locale (a notice in its recipient's language) starts with that language's catalog.
def _catalog(context):
    return context.get("_translations") or get_translations()


@pass_context
def _gettext(context, string):
    return _catalog(context).ugettext(string)


@pass_context
def _ngettext(context, singular, plural, n):
    return _catalog(context).ungettext(singular, plural, n)


@pass_context
def _pgettext(context, message_context, string):
    return _catalog(context).upgettext(message_context, string)


@pass_context
def _npgettext(context, message_context, singular, plural, n):
    return _catalog(context).unpgettext(message_context, singular, plural, n)


def translations_context():
    """The render's catalog, looked up once."""
    return {"_translations": get_translations()}


@lru_cache(maxsize=4)
def wtforms_catalog(locale):
    """WTForms' own messages in `locale` (its catalog read once per process)."""
    return Translations.load(messages_path(), [locale], domain="wtforms")


class Request(flask.Request):
    """Flask's request, holding the process's copy of WTForms' catalog.

    Flask-WTF reads that catalog from disk once per request that builds a form (0.3 ms, a
    tenth of a registration POST) unless `request.wtforms_translations` is already there:
    here it is, looked up when Flask-WTF first asks (so in the locale chosen by then, as
    before), from a copy read once per process and language."""

    @cached_property
    def wtforms_translations(self):
        """WTForms' catalog in the request's language."""
        return wtforms_catalog(str(get_locale()))


def init_app(app):
    """Register the formatting filters and the language helpers for templates."""
    app.request_class = Request
    app.jinja_env.install_gettext_callables(
        gettext=_gettext,
        ngettext=_ngettext,
        newstyle=True,
        pgettext=_pgettext,
        npgettext=_npgettext,
    )
    app.context_processor(translations_context)
    app.jinja_env.filters.update(
        date=date_filter,
        datetime=datetime_filter,
        time=time_filter,
        money=money_filter,
        number=number_filter,
        nl2br=nl2br_filter,
    )
    app.jinja_env.globals.update(html_lang=html_lang, language_names=LANGUAGE_NAMES)
