"""Every route × every role: the status each gets, and no route left out of the table."""

import importlib
import pkgutil
from types import SimpleNamespace

import pytest

import tests.routes as routes_package
from tests.routes import ROLES

TABLE_MODULES = [
    importlib.import_module(f"tests.routes.{info.name}")
    for info in pkgutil.iter_modules(routes_package.__path__)
]
TABLE = [route for module in TABLE_MODULES for route in module.ROUTES]
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def test_every_route_is_in_the_table(app):
    listed = {(route.rule, route.method) for route in TABLE}
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - IGNORED_METHODS):
            if (rule.rule, method) not in listed:
                missing.append(f"{method} {rule.rule}")
    assert not missing, "routes missing from tests/routes/: " + ", ".join(missing)


def test_table_has_no_stale_rows(app):
    existing = {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - IGNORED_METHODS
    }
    stale = [f"{r.method} {r.rule}" for r in TABLE if (r.rule, r.method) not in existing]
    assert not stale, "table rows for routes that no longer exist: " + ", ".join(stale)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", TABLE, ids=lambda r: f"{r.method} {r.rule}")
def test_route_role_status(route, role, app, login_as, make_user, make_enterprise):
    ctx = SimpleNamespace(make_user=make_user, make_enterprise=make_enterprise, app=app)
    for module in TABLE_MODULES:
        if hasattr(module, "setup") and route in module.ROUTES:
            module.setup(ctx)
    client = login_as(None if role == "guest" else role)
    path = route.path(ctx)
    response = client.open(path, method=route.method, data=route.data)
    expected = route.expect[role]
    allowed = expected if isinstance(expected, tuple) else (expected,)
    assert response.status_code in allowed, (
        f"{route.method} {path} as {role}: got {response.status_code}, expected {expected}"
    )
    assert response.status_code != 500


@pytest.mark.parametrize(
    "route", [r for r in TABLE if r.method == "GET"], ids=lambda r: f"{r.method} {r.rule}"
)
def test_htmx_fragment_requests_render(route, app, login_as, make_user, make_enterprise):
    """Every GET also answers an htmx request (the fragment of its page) without an error."""
    ctx = SimpleNamespace(make_user=make_user, make_enterprise=make_enterprise, app=app)
    for module in TABLE_MODULES:
        if hasattr(module, "setup") and route in module.ROUTES:
            module.setup(ctx)
    role = next(
        (r for r in ("admin", "staff", "entrepreneur", "kiosk", "guest") if route.expect[r] == 200),
        "admin",
    )
    client = login_as(None if role == "guest" else role)
    response = client.get(route.path(ctx), headers={"HX-Request": "true"})
    assert response.status_code < 500
    if response.status_code == 200 and response.mimetype == "text/html":
        assert "HX-Request" in response.headers.get("Vary", "")


@pytest.mark.parametrize(
    "route", [r for r in TABLE if r.method == "GET"], ids=lambda r: f"{r.method} {r.rule}"
)
def test_query_budget(route, app, login_as, make_user, make_enterprise, query_counter):
    """Each page runs a bounded number of SQL statements (the session lookup included)."""
    ctx = SimpleNamespace(make_user=make_user, make_enterprise=make_enterprise, app=app)
    for module in TABLE_MODULES:
        if hasattr(module, "setup") and route in module.ROUTES:
            module.setup(ctx)
    for role in ("guest", "entrepreneur", "kiosk", "staff", "admin"):
        if route.expect[role] != 200:
            continue
        client = login_as(None if role == "guest" else role)
        client.get(route.path(ctx))  # warm up: per-process caches filled, as in steady state
        if cache := app.extensions.get("page_cache"):
            cache.clear()  # a cached public page counted as rendered (views/caching.py)
        with query_counter() as counter:
            client.get(route.path(ctx))
        assert counter.count <= route.query_budget, (
            f"{route.rule} as {role}: {counter.count} queries > {route.query_budget}: "
            + " | ".join(s[:80] for s in counter.statements)
        )
