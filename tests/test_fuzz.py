"""Fuzzing of every form and query parameter the pages offer, for every role: never a 5xx,
payloads shown escaped, nothing half-written; wrong methods answer 405.

The forms are discovered from the pages themselves: every GET route of the route × role table
that the role may open, every `<form>` on it and every element with `hx-get` / `hx-post`. So a
new module's forms are fuzzed without new code here. Each discovered form is fuzzed on every
run, deterministically: each field gets one attack while the others keep their page values
(so the attack reaches the validation behind the first field), then the whole form is sent
with numbers that are not plain digits, with the attribute-breaking payload, empty, and with
every field repeated. Every page is also sent the query names of its forms plus a fixed list.
A Hypothesis test adds random combinations on top (derandomized: the same on every run).
"""

import itertools
from html.parser import HTMLParser
from types import SimpleNamespace
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import IntegerConverter

from tests.routes import ROLES
from tests.test_routes import TABLE, TABLE_MODULES

SCRIPT_XSS = "<script>alert(1)</script>"
ATTRIBUTE_XSS = '"><img src=x onerror=alert(1)>'
# Numbers that are not plain ASCII digits, or too large for any column.
NUMBERS = [
    "²",
    "٣",
    "９",
    "-1",
    "0",
    "99999999999999999999999",
    "2147483648",
    "1e309",
    "NaN",
    "1.5",
    "0x10",
    "-0",
]
TEXTS = [
    SCRIPT_XSS,
    ATTRIBUTE_XSS,
    "' onmouseover='alert(1)",
    "' OR 1=1 --",
    "'; DROP TABLE user; --",
    '=HYPERLINK("http://x")',
    "\u202eevil\u202c",
    "مرحبا بالعالم",
    "😀" * 50,
    "\x00\x01\x1f\x7f",
    "a" * 5000,
    "{{7*7}}",
    "../../etc/passwd",
    "%00",
    "",
    " ",
    "2026-02-30",
    "9999-99-99T99:99",
    "0000-00-00",
    "2026-13-01T25:61",
    "javascript:alert(1)",
]
PAYLOADS = NUMBERS + TEXTS
QUERY_NAMES = [
    "course",
    "session",
    "category",
    "card",
    "code",
    "item",
    "object_type",
    "actor",
    "page",
    "month",
    "q",
    "status",
    "kind",
    "year",
    "role",
    "action",
    "due",
    "low",
    "next",
    "applied",
    "team",
]
HEADERS = [
    {},
    {"HX-Request": "true"},
    {"HX-Request": "\x7f<>", "HX-Target": "'\""},
    {"HX-Request": "true", "HX-Boosted": "yes", "HX-Current-URL": ATTRIBUTE_XSS},
]
# What must never come back raw in a page: the tags the payloads try to inject.
RAW_MARKS = (SCRIPT_XSS, "<img src=x onerror=alert(1)>", "onmouseover='alert(1)")
MAX_FIELDS = 12
SKIPPED_ACTIONS = ("/logout",)


class FormParser(HTMLParser):
    """Collects a page's forms (action, method, fields with their page values and options)
    and its `hx-get` / `hx-post` elements (each a form of its own name, if it has one)."""

    def __init__(self):
        super().__init__()
        self.forms = []
        self._form = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {
                "action": attrs.get("action"),
                "method": (attrs.get("method") or "get").upper(),
                "fields": {},
            }
            self.forms.append(self._form)
        for verb in ("get", "post"):
            url = attrs.get(f"hx-{verb}")
            if url:
                fields = {}
                if attrs.get("name") and attrs["name"] != "csrf_token":
                    fields[attrs["name"]] = [attrs.get("value") or ""]
                self.forms.append({"action": url, "method": verb.upper(), "fields": fields})
        name = attrs.get("name")
        if self._form is None or tag not in ("input", "textarea", "select") or not name:
            if tag == "option" and self._select is not None:
                self._select.append(attrs.get("value", ""))
            return
        if attrs.get("type") in ("submit", "button", "file", "image") or name == "csrf_token":
            return
        options = self._form["fields"].setdefault(name, [])
        if tag == "select":
            self._select = options
        elif attrs.get("type") in ("checkbox", "radio") or attrs.get("value"):
            options.append(attrs.get("value") or "on")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "form":
            self._form = None


def setup_context(app, make_user, make_enterprise):
    """Every module's route setup: one of each object the URLs point at."""
    ctx = SimpleNamespace(make_user=make_user, make_enterprise=make_enterprise, app=app)
    for module in TABLE_MODULES:
        if hasattr(module, "setup"):
            module.setup(ctx)
    return ctx


def allowed(route, role):
    expected = route.expect[role]
    return 200 in (expected if isinstance(expected, tuple) else (expected,))


def discover(client, ctx, role):
    """(pages, forms): the GET pages `role` may open, and every distinct form on them."""
    pages, forms, seen = [], [], set()
    for route in TABLE:
        if route.method != "GET" or not allowed(route, role):
            continue
        path = route.path(ctx)
        response = client.get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        pages.append(urlsplit(path).path)
        parser = FormParser()
        parser.feed(response.get_data(as_text=True))
        for form in parser.forms:
            action = urlsplit(form["action"] or path)
            fields = {name: [value] for name, value in parse_qsl(action.query)}
            fields |= form["fields"]
            key = (action.path, form["method"], tuple(sorted(fields)))
            if key in seen or action.path.startswith(SKIPPED_ACTIONS) or action.netloc:
                continue
            seen.add(key)
            forms.append({"action": action.path, "method": form["method"], "fields": fields})
    return pages, forms


def page_values(form):
    """The values the page itself would send (first option, or empty)."""
    return {name: (options[0] if options else "") for name, options in form["fields"].items()}


def variants(form, index):
    """The deterministic attacks on one form (`index` rotates the payloads across forms)."""
    names = list(form["fields"])[:MAX_FIELDS]
    base = page_values(form)
    for offset, name in enumerate(names):
        yield base | {name: PAYLOADS[(index + offset) % len(PAYLOADS)]}
    yield {name: NUMBERS[(index + offset) % len(NUMBERS)] for offset, name in enumerate(names)}
    yield {name: ATTRIBUTE_XSS for name in names}
    yield {}
    yield {name: [SCRIPT_XSS, NUMBERS[index % len(NUMBERS)]] for name in names}


def query_variants(names, index):
    """The attacks on one page's query string."""
    yield {name: NUMBERS[(index + offset) % len(NUMBERS)] for offset, name in enumerate(names)}
    yield {name: TEXTS[(index + offset) % len(TEXTS)] for offset, name in enumerate(names)}
    yield {name: [ATTRIBUTE_XSS, "²"] for name in names}


def send(client, method, path, values, headers):
    if method == "POST":
        return client.post(path, data=values, headers=headers)
    return client.get(path, query_string=values, headers=headers)


def assert_sane(response, method, path, sent):
    assert response.status_code < 500, f"{response.status_code} for {method} {path} {sent!r}"
    if response.mimetype == "text/html":
        body = response.get_data(as_text=True)
        for mark in RAW_MARKS:
            assert mark not in body, f"unescaped {mark!r} in {method} {path} for {sent!r}"


def used_payloads(values):
    for value in values.values():
        yield from value if isinstance(value, list) else [value]


def assert_nothing_half_written(runner):
    """`ledger verify`, SQLite's integrity and foreign-key checks (amcheck on PostgreSQL),
    no orphaned rows, no redemption without its points and stock, no registration without
    its notice and audit entry."""
    from db.events import Event
    from tests.faults.harness import half_done_problems, storage_problems

    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output
    assert storage_problems() == []
    events = [e.id for e in Event.select(Event.id).order_by(Event.id).limit(2)] + [0, 0]
    fixture = SimpleNamespace(big_event=events[0], small_event=events[1], small_seats=10**6)
    assert half_done_problems(fixture) == []


@pytest.mark.parametrize("role", ROLES)
def test_fuzz_every_form_and_query(app, login_as, make_user, make_enterprise, runner, role):
    ctx = setup_context(app, make_user, make_enterprise)
    client = login_as(None if role == "guest" else role)
    pages, forms = discover(client, ctx, role)
    assert pages and forms, "nothing discovered: the fuzzer would prove nothing"
    headers = itertools.cycle(HEADERS)
    used = set()
    fuzzed = 0
    for index, form in enumerate(forms):
        for values in variants(form, index):
            response = send(client, form["method"], form["action"], values, next(headers))
            assert_sane(response, form["method"], form["action"], values)
            used.update(used_payloads(values))
        fuzzed += 1
    query_names = sorted({n for f in forms if f["method"] == "GET" for n in f["fields"]})
    names = list(dict.fromkeys(QUERY_NAMES + query_names))
    for index, path in enumerate(pages):
        for values in query_variants(names, index):
            response = client.get(path, query_string=values, headers=next(headers))
            assert_sane(response, "GET", path, values)
            used.update(used_payloads(values))
    assert fuzzed == len(forms)
    assert set(PAYLOADS) <= used, f"payloads never sent: {set(PAYLOADS) - used}"
    assert_nothing_half_written(runner)


@pytest.mark.parametrize("role", ["guest", "staff"])
def test_fuzz_random_combinations(app, login_as, make_user, make_enterprise, runner, role):
    """Random mixes of attacks, missing and repeated fields on top (the same on every run)."""
    ctx = setup_context(app, make_user, make_enterprise)
    client = login_as(None if role == "guest" else role)
    _, forms = discover(client, ctx, role)
    nasty = st.one_of(st.sampled_from(PAYLOADS), st.text(max_size=200))

    @settings(
        max_examples=60,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def fuzz(data):
        form = data.draw(st.sampled_from(forms))
        values = {}
        for name, options in form["fields"].items():
            choice = data.draw(st.sampled_from(["nasty", "option", "missing", "repeated"]))
            if choice == "missing":
                continue
            if choice == "option" and options:
                values[name] = data.draw(st.sampled_from(options))
            elif choice == "repeated":
                values[name] = [data.draw(nasty), data.draw(nasty)]
            else:
                values[name] = data.draw(nasty)
        response = send(
            client, form["method"], form["action"], values, data.draw(st.sampled_from(HEADERS))
        )
        assert_sane(response, form["method"], form["action"], values)

    fuzz()
    assert_nothing_half_written(runner)


def test_the_parser_finds_forms_fields_and_hx_elements():
    parser = FormParser()
    parser.feed(
        '<form method="post" action="/x"><input name="a" value="1"><select name="s">'
        '<option value="p">P</option><option value="q">Q</option></select>'
        '<input type="checkbox" name="c" value="9"><input type="submit" name="go"></form>'
        '<input name="q" hx-get="/search?kind=all"><button hx-post="/do">do</button>'
    )
    assert parser.forms == [
        {"action": "/x", "method": "POST", "fields": {"a": ["1"], "s": ["p", "q"], "c": ["9"]}},
        {"action": "/search?kind=all", "method": "GET", "fields": {"q": [""]}},
        {"action": "/do", "method": "POST", "fields": {}},
    ]


def test_the_checks_catch_an_unescaped_payload():
    """The escape check can fail: a page echoing the attribute payload raw is caught."""
    page = SimpleNamespace(
        status_code=200,
        mimetype="text/html",
        get_data=lambda as_text: f'<input value="{ATTRIBUTE_XSS}">',
    )
    with pytest.raises(AssertionError, match="unescaped"):
        assert_sane(page, "GET", "/x", {})


def url_for_rule(rule, real_urls):
    """A URL of `rule`: the real one from the route table, or one with dummy arguments."""
    if rule.rule in real_urls:
        return real_urls[rule.rule]
    values = {
        name: 1 if isinstance(rule._converters[name], IntegerConverter) else "x"
        for name in rule.arguments
    }
    return rule.build(values)[1]


@pytest.mark.parametrize("role", ["guest", "admin"])
def test_wrong_methods_are_405(app, login_as, make_user, make_enterprise, role):
    """Every route, with real ids (from the route table) and dummy ones: each method it does
    not take (POST on GET-only routes included) is 405, never a 500."""
    ctx = setup_context(app, make_user, make_enterprise)
    real = {route.rule: route.path(ctx).split("?")[0] for route in TABLE}
    client = login_as(None if role == "guest" else role)
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        urls = {url_for_rule(rule, real), url_for_rule(rule, {})}
        for url, method in itertools.product(urls, {"GET", "POST", "PUT", "DELETE", "PATCH"}):
            if method in rule.methods:
                continue
            adapter = app.url_map.bind("localhost")
            if any(adapter.test(url, m) for m in ({method} - {"HEAD"})):
                continue  # another rule takes this method at this URL
            response = client.open(url, method=method)
            assert response.status_code == 405, f"{method} {url}: {response.status_code}"
            checked += 1
    assert checked > 50


def test_escaped_payload_shows_as_text(client):
    response = client.post("/signup", data={"name": SCRIPT_XSS, "mobile": "x"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and SCRIPT_XSS not in body


def test_attribute_payload_is_escaped_in_a_field(client):
    response = client.post("/signup", data={"name": ATTRIBUTE_XSS, "mobile": "x"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in body or "&quot;&gt;&lt;img" in body
    assert "<img src=x onerror" not in body


def test_payload_in_search_is_escaped(login_as):
    response = login_as("admin").get("/admin/users", query_string={"q": SCRIPT_XSS})
    body = response.get_data(as_text=True)
    assert SCRIPT_XSS not in body and "&lt;script&gt;" in body
