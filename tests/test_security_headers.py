"""Security headers on what the GET walk of tests/test_pages.py does not reach: POST answers,
the error pages (400, 403, 404, 405, 413, 422, 500), and downloads, which must not be cached
(CSV, XLSX and calendar exports, the personal-data export). HSTS over HTTPS."""

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.routes import ROLES
from tests.test_routes import TABLE, TABLE_MODULES

REQUIRED = {
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def assert_headers(response, what):
    for name, value in REQUIRED.items():
        assert value in response.headers.get(name, ""), f"{name} missing on {what}"
    assert response.headers.get("Cache-Control") == "no-store", f"cacheable: {what}"


def setup_context(app, make_user, make_enterprise):
    ctx = SimpleNamespace(make_user=make_user, make_enterprise=make_enterprise, app=app)
    for module in TABLE_MODULES:
        if hasattr(module, "setup"):
            module.setup(ctx)
    return ctx


@pytest.mark.parametrize("role", ROLES)
def test_every_post_answer_carries_the_headers(app, login_as, make_user, make_enterprise, role):
    ctx = setup_context(app, make_user, make_enterprise)
    client = login_as(None if role == "guest" else role)
    posts = [route for route in TABLE if route.method == "POST"]
    assert len(posts) > 20
    for route in posts:
        if route.rule == "/logout":
            continue
        path = route.path(ctx)
        response = client.post(path, data=route.data)
        assert_headers(response, f"POST {path} as {role} ({response.status_code})")


def test_error_pages_carry_the_headers(app, client, login_as):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.config["MAX_CONTENT_LENGTH"] = 1024

    @app.route("/test-crash")
    def crash():
        raise RuntimeError("boom")

    answers = {
        404: client.get("/no-such-page"),
        405: client.put("/login"),
        413: client.post("/login", data={"username": "x" * 4096, "password": "y"}),
        422: client.post("/login", data={}),
        403: login_as("entrepreneur").get("/manage/events"),
        500: client.get("/test-crash"),
    }
    for status, response in answers.items():
        assert response.status_code == status, (status, response.status_code)
        assert_headers(response, f"the {status} page")


def test_csrf_refusal_carries_the_headers(csrf_app):
    response = csrf_app.test_client().post("/login", data={"username": "a", "password": "b"})
    assert response.status_code == 400
    assert_headers(response, "the CSRF refusal (400)")


# Routes that serve a static file at a fixed address (browsers ask for it unprompted): cached
# like the static files, never personal.
STATIC_ROUTES = {"/favicon.ico"}


@pytest.mark.parametrize("role", ["staff", "entrepreneur"])
def test_downloads_are_not_cached(app, login_as, make_user, make_enterprise, role):
    """Every non-HTML answer of the route table (CSV, XLSX, ICS, QR codes …) is no-store."""
    ctx = setup_context(app, make_user, make_enterprise)
    client = login_as(role)
    downloads = []
    for route in TABLE:
        if route.method != "GET" or route.rule in STATIC_ROUTES:
            continue
        response = client.get(route.path(ctx))
        if response.status_code == 200 and response.mimetype != "text/html":
            downloads.append((route.path(ctx), response.mimetype))
            assert_headers(response, f"download {route.path(ctx)} ({response.mimetype})")
    if role == "staff":
        kinds = {mimetype for _path, mimetype in downloads}
        assert "text/csv" in kinds and "text/calendar" in kinds, kinds
        assert any("spreadsheet" in kind for kind in kinds), kinds


def test_personal_data_export_is_not_cached(login_as, make_user):
    person = make_user(mobile="13912345678")
    response = login_as("staff").post("/staff/personal-data/export", data={"mobile": person.mobile})
    assert response.status_code == 200 and response.mimetype != "text/html"
    assert_headers(response, "the personal-data export")


def test_static_files_stay_cacheable(client):
    response = client.get("/static/css/app.css")
    if response.status_code == 404:
        pytest.skip("no app.css")
    assert "no-store" not in response.headers.get("Cache-Control", "")
    for path in STATIC_ROUTES:
        assert "no-store" not in client.get(path).headers.get("Cache-Control", "")


def test_hsts_only_over_https(app, client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    app.config["SESSION_COOKIE_SECURE"] = True
    for response in (client.get("/login"), client.post("/login"), client.get("/nothing")):
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")


TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# What the CSP (style-src 'self'; script-src 'self') refuses when it is written in a page:
# style attributes and <style> elements, <script> without src, inline event handlers and
# javascript: URLs.
INLINE = (
    (re.compile(r"<[a-zA-Z][^>]*\sstyle\s*=", re.S), "style attribute"),
    (re.compile(r"<style[\s>]", re.I), "<style> element"),
    (re.compile(r"<script(?![^>]*\ssrc\s*=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<[a-zA-Z][^>]*\son[a-z]+\s*=", re.S), "inline event handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
)


def inline_code(text):
    """(what, excerpt) of every inline style or script in a template's text."""
    found = []
    for pattern, what in INLINE:
        for match in pattern.finditer(text):
            found.append((what, match.group(0)[:80]))
    return found


def test_no_template_has_inline_style_or_script():
    """The CSP refuses them, so a page with one silently loses its look or behaviour."""
    templates = sorted(TEMPLATES.rglob("*.html"))
    assert len(templates) > 50
    problems = [
        f"{path.relative_to(TEMPLATES)}: {what} {excerpt!r}"
        for path in templates
        for what, excerpt in inline_code(path.read_text(encoding="utf-8"))
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "markup",
    [
        '<div class="x" style="width: 40%">',
        "<p\n  style='color:red'>",
        "<style>.a{}</style>",
        "<script>alert(1)</script>",
        '<button onclick="go()">',
        '<a href="javascript:void(0)">',
    ],
)
def test_the_inline_code_check_catches(markup):
    assert inline_code(markup)


def test_the_inline_code_check_lets_through_what_the_pages_use():
    allowed = (
        '<script src="/static/js/app.js" defer></script>'
        '<link rel="stylesheet" href="/static/css/app.css">'
        '<input hx-trigger="search, keyup delay:200ms changed" data-style="x">'
    )
    assert inline_code(allowed) == []
