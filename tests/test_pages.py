"""Every page: security headers, no external URLs, error pages in the layout and language."""

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.test_routes import TABLE, TABLE_MODULES

# Any attribute that makes the browser fetch or send something, quoted or not, whose value
# starts with another host (//host or http(s)://host); srcset lists may name it anywhere;
# CSS url(…) and @import (inline or in static/css) likewise.
EXTERNAL = re.compile(
    r"""\b(?:src|href|action|formaction|poster|data|hx-(?:get|post|put|patch|delete))"""
    r"""\s*=\s*["']?\s*(?:https?:)?//"""
    r"""|\b(?:image)?srcset\s*=\s*["']?[^"'>]*?(?:https?:)?//"""
    r"""|url\(\s*["']?\s*(?:https?:)?//"""
    r"""|@import\s+(?:url\(\s*)?["']?\s*(?:https?:)?//""",
    re.I,
)
GET_ROUTES = [r for r in TABLE if r.method == "GET"]
ROOT = Path(__file__).resolve().parent.parent


def served_from_page_cache(app, response):
    """True when the view that answered is one of views/caching.py's cached public pages."""
    endpoint, _ = app.url_map.bind("localhost").match(response.request.path)
    return getattr(app.view_functions[endpoint], "page_cached", False)


def visit_every_page(app, login_as, make_user, make_enterprise, role):
    ctx = SimpleNamespace(make_user=make_user, make_enterprise=make_enterprise, app=app)
    for module in TABLE_MODULES:
        if hasattr(module, "setup"):
            module.setup(ctx)
    client = login_as(None if role == "guest" else role)
    for route in GET_ROUTES:
        yield route, client.get(route.path(ctx))


@pytest.mark.parametrize("role", ["guest", "entrepreneur", "kiosk", "staff", "admin"])
def test_security_headers_and_no_external_urls(app, login_as, make_user, make_enterprise, role):
    for route, response in visit_every_page(app, login_as, make_user, make_enterprise, role):
        headers = response.headers
        csp = headers.get("Content-Security-Policy", "")
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp, route.rule
        assert "unsafe-inline" not in csp
        assert headers.get("X-Content-Type-Options") == "nosniff", route.rule
        assert headers.get("Referrer-Policy") == "same-origin", route.rule
        if response.mimetype == "text/html":
            body = response.get_data(as_text=True)
            assert not EXTERNAL.search(body), f"{route.rule} references another host"
            assert "<script>" not in body and " style=" not in body, route.rule
            cache_control = headers.get("Cache-Control", "")
            if role == "guest" and "ETag" in headers and served_from_page_cache(app, response):
                # views/caching.py: nothing personal, so the browser may keep it (revalidating).
                assert cache_control == "private, no-cache", route.rule
            else:
                assert "no-store" in cache_control, route.rule
            assert len(response.data) < 30 * 1024, f"{route.rule} is over 30 KB"


@pytest.mark.parametrize(
    "snippet",
    [
        '<img src="https://cdn.example/a.png">',
        "<script src=//cdn.example/htmx.js></script>",
        '<form action="http://evil.example/">',
        '<button formaction="https://evil.example/">',
        '<img srcset="/static/a.png 1x, https://cdn.example/a@2x.png 2x">',
        '<source srcset="//cdn.example/a.webp">',
        '<button hx-get="https://evil.example/x">',
        '<button hx-post="//evil.example/x">',
        '<button hx-put="https://evil.example/x">',
        '<button data-hx-delete="https://evil.example/x">',
        ".logo { background: url(https://cdn.example/logo.png); }",
        ".logo { background: url( '//cdn.example/logo.png'); }",
        '@import "https://fonts.example/css";',
        "@import url(https://fonts.example/css);",
    ],
)
def test_external_url_pattern_catches(snippet):
    assert EXTERNAL.search(snippet)


@pytest.mark.parametrize(
    "snippet",
    [
        '<img src="/static/a.png" srcset="/static/a.png 1x, /static/a@2x.png 2x">',
        '<button hx-post="/events/1/register" formaction="/x">',
        ".logo { background: url(/static/logo.png); }",
        '<a href="/help">https://example.org is mentioned in text</a>',
    ],
)
def test_external_url_pattern_allows_local(snippet):
    assert not EXTERNAL.search(snippet)


@pytest.mark.parametrize(
    "path", sorted(ROOT.glob("static/**/*.css")), ids=lambda p: str(p.relative_to(ROOT))
)
def test_stylesheets_reference_no_other_host(path):
    assert not EXTERNAL.search(path.read_text()), f"{path.name} references another host"


def test_not_found_page_in_layout_and_language(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "页面不存在" in body and "联建服务台" in body
    client.set_cookie("lang", "en")
    assert "Page not found" in client.get("/no-such-page").get_data(as_text=True)


def test_method_not_allowed_page(client):
    response = client.put("/login")
    assert response.status_code == 405
    assert "不能以这种方式使用此页面" in response.get_data(as_text=True)


def test_oversized_body_refused(client):
    response = client.post("/login", data={"username": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413
    assert "内容过大" in response.get_data(as_text=True)


def test_server_error_page_says_nothing_was_saved(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/boom-for-test")
    def boom():
        raise RuntimeError("boom")

    response = app.test_client().get("/boom-for-test")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "出错了" in body and "未保存任何内容" in body and "RuntimeError" not in body


def test_fragment_answers_with_vary(client, login_as):
    admin = login_as("admin")
    full = admin.get("/admin/users")
    fragment = admin.get("/admin/users", headers={"HX-Request": "true"})
    assert "<html" in full.get_data(as_text=True)
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and "<table" in body
    assert "HX-Request" in fragment.headers["Vary"]
    boosted = admin.get("/admin/users", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in boosted.get_data(as_text=True)


def test_htmx_is_configured_without_eval(client):
    body = client.get("/login").get_data(as_text=True)
    assert '"allowEval":false' in body and '"selfRequestsOnly":true' in body
    assert '"historyCacheSize":0' in body
