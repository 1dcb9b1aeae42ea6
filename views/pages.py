"""Rendering: one helper answers a full page or, for htmx, the named block of the same template.

Also the per-request database connection, safe `next` URLs, and content-hashed static URLs.
"""

import hashlib
import os
from functools import lru_cache
from urllib.parse import urlsplit

from flask import current_app, jsonify, make_response, render_template, request, url_for
from flask_wtf import FlaskForm
from jinja2_fragments.flask import render_block
from peewee import PeeweeException

import db
from db import database


class ButtonForm(FlaskForm):
    """An empty form: puts a CSRF token on a bare POST button."""


def is_fragment_request():
    """True for an htmx request that wants a fragment (not a boosted full navigation)."""
    return request.headers.get("HX-Request") == "true" and not request.headers.get("HX-Boosted")


def render_page(template, block=None, status=200, **context):
    """Render `template` whole, or only `block` when htmx asks; always `Vary: HX-Request`.

    Name the block after the element id it fills (`{% block rows %}` fills `id="rows"`).
    """
    if block and is_fragment_request():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def htmx_redirect(location):
    """Send an htmx request elsewhere (htmx ignores the Location of a 3xx)."""
    response = make_response("", 204)
    response.headers["HX-Redirect"] = location
    return response


def safe_next(target, default="main.home"):
    """A local path to go to after login, or the home page for anything else.

    Refuses schemes and hosts (`https://evil`, `javascript:`), protocol-relative `//evil`
    and the backslash forms browsers treat alike (`/\\evil`).
    """
    target = (target or "").strip()
    parts = urlsplit(target.replace("\\", "/"))
    if (
        not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or parts.scheme
        or parts.netloc
        or any(ord(c) < 32 for c in target)
    ):
        return url_for(default)
    return target


@lru_cache(maxsize=256)
def _file_hash(path):
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()[:12]


def asset_url(filename):
    """The URL of a static file with its content hash, so it can be cached for a year."""
    path = os.path.join(current_app.static_folder, filename)
    if current_app.debug:
        _file_hash.cache_clear()
    try:
        version = _file_hash(path)
    except OSError:
        version = "missing"
    return url_for("static", filename=filename, v=version)


def init_app(app):
    """Take a database connection from the pool for each request and give it back after."""

    @app.before_request
    def open_connection():
        try:
            database.connect(reuse_if_open=True)
        except PeeweeException:
            if request.endpoint == "main.healthz":
                return jsonify(status="error", database="unreachable"), 503
            raise
        return None

    @app.teardown_request
    def close_connection(exc):
        db.close_connection()

    app.jinja_env.globals.update(asset_url=asset_url, ButtonForm=ButtonForm)
