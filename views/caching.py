"""Cached pages: the public ones (the event list, an event's page, the course list, the
market's public notice, the kiosk's start screen) and the staff read pages (an event's
registrations and their search, the review queue, the attendance grid, the stock page, the
monthly report), rendered once and served again until the data or the clock changes them,
with conditional GET (ETag, 304).

What a stored page is keyed by — everything it is rendered from:
- the data version (db/data_version.py), read before anything else: triggers change it in
  the transaction of every write to a table these pages read, so a write is seen by the next
  request, whoever made it and however (a domain action, a bulk insert, the database shell);
- the endpoint and the full path (query string), page or htmx fragment;
- the viewer: "guest", or the signed-in account's role, id and name (the header shows the
  name, the role picks the menu), and the language; the demo banner;
- the clock: a page is kept until the first moment it would change with no write
  (db/horizons.py: a registration opening, an event starting, midnight in Shanghai; or a
  moment the view names while it renders, `changes_at()`: this event's end, when this
  course's sessions open for marking), and a minute at most.
A request with flash messages waiting is never served from or stored in the cache (the
messages belong to that visitor).

The CSRF token. Every page carries the visitor's token (the htmx header, the language and
log-out forms). The stored page holds a placeholder instead (random for each process, so no
text shown can contain it), and each answer gets its own visitor's token put in. Tokens do
not expire by time here (WTF_CSRF_TIME_LIMIT is None, app.py), so a page revalidated by a
304 keeps a token that still works: the ETag includes a digest of the session's raw token
(a new session, a new ETag).

Headers. `Vary: Cookie, HX-Request` (the session and language cookies choose the viewer).
Guests get `Cache-Control: private, no-cache`: a browser may keep the page but asks again
every time, and no shared cache stores it (there is nothing personal in a guest's page).
Signed-in people and the kiosk keep `no-store` (views/security.py, views/kiosk): their pages
carry a name, and Back must not show a previous visitor's screen. A staff page is stored for
that one staff member (role, id and name in the key) below the view's access check, so a
refused visitor never reaches the cache, and is served to nobody else.

The cache is a small LRU per process (each gunicorn worker has its own), emptied when the
process points at another database; it switches itself off for a database whose version row
or triggers are missing (a SQLite table rebuilt by a later migration loses its triggers), so
it can never serve a page a write did not invalidate.
"""

import hashlib
import logging
import secrets
import threading
from collections import OrderedDict, namedtuple
from datetime import timedelta
from functools import wraps

from flask import current_app, g, make_response, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from db import data_version, database, horizons
from db.base import utcnow
from views.navigation import demo_mode
from views.pages import is_fragment_request

log = logging.getLogger(__name__)

# At most this long in the cache, whatever the horizon says (a safety net, not the rule).
MAX_AGE = timedelta(seconds=60)
CACHE_SIZE = 512  # pages a process keeps, least recently used dropped (about 10 MB)
# Headers a view's answer may carry and still be stored (anything else — a cookie, an htmx
# trigger — belongs to that one answer).
STORABLE_HEADERS = {"content-type", "content-length", "vary"}

Entry = namedtuple("Entry", "body digest mimetype expires")


class PageCache:
    """Rendered pages by key, least recently used dropped; per process and database."""

    def __init__(self, size=CACHE_SIZE):
        self.size = size
        self._entries = OrderedDict()
        self._lock = threading.Lock()
        self._database = None
        self._usable = None

    def _follow_database(self):
        """Forget everything when the models point at another database (and check it)."""
        if self._database is not database.obj:
            self._entries.clear()
            self._database, self._usable = database.obj, None

    def usable(self):
        """True once this database is seen to have every version trigger (checked once)."""
        with self._lock:
            self._follow_database()
            if self._usable is not None:
                return self._usable
        missing = data_version.missing_triggers()
        if missing:
            log.error("page cache off: no data-version triggers on %s", ", ".join(missing))
        with self._lock:
            self._usable = not missing
            return self._usable

    def get(self, key):
        """The entry stored under `key`, or None."""
        with self._lock:
            self._follow_database()
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key, entry):
        """Store `entry` under `key`."""
        with self._lock:
            self._follow_database()
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self):
        """Forget every page."""
        with self._lock:
            self._entries.clear()


def page_cache():
    """This application's cache (made on first use)."""
    cache = current_app.extensions.get("page_cache")
    if cache is None:
        cache = current_app.extensions.setdefault("page_cache", PageCache())
    return cache


# What stands in for the CSRF token in a stored page: random for each process, letters and
# digits only (escaping leaves it as it is), so nothing a page shows can contain it.
HOLE = "csrf" + secrets.token_hex(16)


def viewer():
    """Who the page is rendered for, as far as the templates can tell."""
    if current_user.is_authenticated:
        return (current_user.role, current_user.id, current_user.name)
    return ("guest",)


def _csrf_field():
    return current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")


def changes_at(*moments):
    """Tell the page cache that the page being rendered changes by the clock at each of
    `moments` (naive UTC; None and moments already past are ignored): a view names what only
    it knows, such as its event's end, without a query. Outside a cached view, nothing."""
    found = g.get("page_changes_at")
    if found is not None:
        found.extend(moment for moment in moments if moment is not None)


def _render(view, args, kwargs):
    """(The view's answer, rendered with the placeholder where the CSRF token goes; the
    moments it said its page changes at, `changes_at()`)."""
    field = _csrf_field()
    token = getattr(g, field)
    setattr(g, field, HOLE)
    g.page_changes_at = moments = []
    try:
        return view(*args, **kwargs), moments
    finally:
        setattr(g, field, token)
        g.pop("page_changes_at", None)


def _storable(response):
    """True for a plain 200 page: no cookie, no extra header, nothing streamed."""
    return (
        response.status_code == 200
        and not response.is_streamed
        and not response.direct_passthrough
        and all(name.lower() in STORABLE_HEADERS for name, _ in response.headers)
        and "_flashes" not in session
    )


def _fill(body, token):
    """The stored body with this visitor's CSRF token in its places."""
    return body.replace(HOLE.encode(), token.encode())


def _etag(entry, key):
    """A weak validator: the page's content, who it is for, and the session's CSRF token."""
    raw = str(session.get(_csrf_field(), ""))
    text = "|".join((entry.digest, repr(key[:-1]), hashlib.sha256(raw.encode()).hexdigest()))
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _finish(response, etag):
    """The headers every answer of a cached page carries."""
    response.set_etag(etag, weak=True)
    response.vary.update(("Cookie", "HX-Request"))
    if not current_user.is_authenticated:
        response.headers["Cache-Control"] = "private, no-cache"
    return response


def clock(*kinds, midnight=False):
    """A horizon: the next change by the clock of the events and/or courses a page shows
    (db/horizons.py), or the next midnight in Shanghai if sooner and `midnight`."""

    def horizon(now):
        times = [horizons.next_change(now, *kinds) if kinds else None]
        if midnight:
            times.append(horizons.next_midnight(now))
        times = [t for t in times if t is not None]
        return min(times) if times else None

    return horizon


def cached_page(horizon=None):
    """Serve a GET view from the page cache (see the module docstring).

    `horizon(now)` is the first moment after `now` at which the view's page may change with
    no write (or None); the view may name more while it renders (`changes_at()`); without
    either a page is kept a minute at most (MAX_AGE). Put it below the access checks: the
    view runs only for whoever passed them, and what it rendered is stored for that viewer
    alone.
    """

    def decorator(view):
        @wraps(view)
        def cached(*args, **kwargs):
            if (
                request.method != "GET"
                or not current_app.config.get("PAGE_CACHE", True)
                or "_flashes" in session
            ):
                return view(*args, **kwargs)
            version = data_version.current()  # first: db/data_version.py says why
            cache = page_cache()
            if version is None or not cache.usable():
                return view(*args, **kwargs)
            token = generate_csrf()
            key = (
                request.endpoint,
                request.full_path,
                is_fragment_request(),
                str(get_locale()),
                viewer(),
                demo_mode(current_app),
                version,
            )
            now = utcnow()
            entry = cache.get(key)
            if entry is None or entry.expires <= now:
                response, moments = _render(view, args, kwargs)
                if not _storable(response):
                    if not response.is_streamed and not response.direct_passthrough:
                        response.set_data(_fill(response.get_data(), token))
                    return response
                body = response.get_data()
                ahead = [now + MAX_AGE, *(moment for moment in moments if moment > now)]
                if horizon is not None and (moment := horizon(now)) is not None:
                    ahead.append(moment)
                expires = min(ahead)
                digest = hashlib.blake2b(body, digest_size=16).hexdigest()
                entry = Entry(body, digest, response.mimetype, expires)
                cache.put(key, entry)
            etag = _etag(entry, key)
            if request.if_none_match.contains_weak(etag):
                return _finish(make_response("", 304), etag)
            response = make_response(_fill(entry.body, token))
            response.mimetype = entry.mimetype
            return _finish(response, etag)

        cached.page_cached = True  # tests/test_pages.py: a guest's copy may be revalidated
        return cached

    return decorator
