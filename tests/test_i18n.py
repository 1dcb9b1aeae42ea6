"""Both catalogs are complete, templates hold no untranslated text, pages switch language."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
MODULES = sorted(p for p in TRANSLATIONS.iterdir() if (p / "SOURCES").exists())
LOCALES = ("zh_Hans_CN", "en")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
METHODS = [("**.py", "python"), ("**.html", "jinja2")]


def sources_of(module):
    return [line.strip() for line in (module / "SOURCES").read_text().splitlines() if line.strip()]


def extracted_ids(module):
    ids = set()
    for source in sources_of(module):
        path = ROOT / source
        assert path.exists(), f"{module.name}/SOURCES names a missing path: {source}"
        if path.is_dir():
            found = extract_from_dir(str(path), METHODS, keywords=KEYWORDS)
            messages = (m[2] for m in found)
        else:
            method = "python" if path.suffix == ".py" else "jinja2"
            messages = (m[1] for m in extract_from_file(method, str(path), keywords=KEYWORDS))
        for message in messages:
            ids.add(message[0] if isinstance(message, tuple) else message)
    return ids


@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.name)
@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_translates_every_message(module, locale):
    with (module / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    translated = {
        m.id if isinstance(m.id, str) else m.id[0]: m
        for m in catalog
        if m.id and m.string and not m.fuzzy
    }
    missing = sorted(extracted_ids(module) - set(translated))
    assert not missing, f"{module.name}/{locale}: untranslated: {missing[:10]}"


def test_every_template_and_view_belongs_to_a_catalog():
    covered = set()
    for module in MODULES:
        for source in sources_of(module):
            path = ROOT / source
            covered.update(path.rglob("*") if path.is_dir() else [path])
    files = list((ROOT / "templates").rglob("*.html")) + list((ROOT / "views").rglob("*.py"))
    orphans = [str(f.relative_to(ROOT)) for f in files if f not in covered]
    assert not orphans, f"not listed in any translations/*/SOURCES: {orphans}"


CLASS_BLOCKS = re.compile(r"\{%\s*block (body_class|main_class)\s*%\}.*?\{%\s*endblock\s*%\}", re.S)
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
SCRIPT_STYLE = re.compile(r"<(script|style)\b.*?</\1>", re.S)
TEXT_ATTRS = re.compile(
    r"\b(placeholder|title|alt|aria-label|aria-description|data-confirm|hx-confirm|hx-prompt)"
    r'="([^"]*)"'
)
# Attributes shown only on some elements: a button's value, a meta description's content.
TAG = re.compile(r"<[A-Za-z][^>]*>")
SHOWN_VALUE = re.compile(r'^<input\b[^>]*\btype="(?:submit|button|reset)"', re.I)
META_TEXT = re.compile(r'^<meta\b[^>]*\bname="(?:description|keywords|application-name)"', re.I)
VALUE_ATTR = re.compile(r'\bvalue="([^"]*)"')
CONTENT_ATTR = re.compile(r'\bcontent="([^"]*)"')


def text_attributes(source):
    """The values of attributes a person reads, Jinja parts removed."""
    values = []
    for tag in TAG.findall(JINJA.sub(" ", source)):
        values += [value for _, value in TEXT_ATTRS.findall(tag)]
        if SHOWN_VALUE.search(tag):
            values += VALUE_ATTR.findall(tag)
        if META_TEXT.search(tag):
            values += CONTENT_ATTR.findall(tag)
    return [v.strip() for v in values if v.strip()]


WORDS = re.compile(r"[A-Za-z]{2,}|[\u4e00-\u9fff]")
# Text that is the same in every language.
ALLOWED = {"中文", "English"}


def visible_text(template):
    """Text nodes and text attributes of a template with all Jinja parts removed."""
    source = CLASS_BLOCKS.sub("", SCRIPT_STYLE.sub("", template))
    attrs = text_attributes(source)
    source = JINJA.sub(" ", source)
    text = re.sub(r"<[^>]*>", " ", source)
    return [t.strip() for t in text.split("  ") if t.strip()] + attrs


@pytest.mark.parametrize(
    ("snippet", "found"),
    [
        ('<input type="submit" value="Save">', ["Save"]),
        ('<input type="submit" value="{{ _(\'Save\') }}">', []),
        ('<input type="hidden" name="lang" value="zh_CN">', []),
        ('<button hx-post="/x" hx-confirm="Really delete?">', ["Really delete?"]),
        ('<form data-confirm="确定吗？">', ["确定吗？"]),
        ('<meta name="description" content="Community service desk">', ["Community service desk"]),
        ('<meta name="htmx-config" content=\'{"selfRequestsOnly":true}\'>', []),
        ('<a title="{{ _("Help") }}" href="/help">', []),
    ],
)
def test_text_attribute_scan(snippet, found):
    assert text_attributes(snippet) == found


@pytest.mark.parametrize(
    "path", sorted((ROOT / "templates").rglob("*.html")), ids=lambda p: str(p.name)
)
def test_templates_hold_no_untranslated_text(path):
    leftovers = [t for t in visible_text(path.read_text()) if WORDS.search(t) and t not in ALLOWED]
    assert not leftovers, f"{path.relative_to(ROOT)}: text outside _(): {leftovers[:5]}"


def test_language_switch_remembered_for_guest(client):
    assert "登录" in client.get("/login").get_data(as_text=True)
    response = client.post("/language/en", data={"next": "/login"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page and "Log in" in page
    client.post("/language/zh_CN", data={"next": "/login"})
    assert '<html lang="zh-CN">' in client.get("/login").get_data(as_text=True)


def test_language_preference_stored_for_account(client, auth, make_user):
    user = make_user(role="entrepreneur")
    auth.login(user)
    client.post("/language/en", data={"next": "/account"})
    client.delete_cookie("lang")
    assert "My account" in client.get("/account").get_data(as_text=True)
    from db.accounts import User

    assert User.get_by_id(user.id).language == "en"


def test_unknown_language_changes_nothing(client):
    response = client.post("/language/xx", data={"next": "/"})
    assert response.status_code == 302
    assert "lang=" not in response.headers.get("Set-Cookie", "")


def test_dates_and_money_formats(app):
    from datetime import datetime

    from views.i18n import date_filter, datetime_filter, money_filter

    utc = datetime(2026, 11, 26, 1, 30)  # 09:30 in Shanghai
    with app.test_request_context("/"):
        assert date_filter(utc) == "2026年11月26日"
        assert datetime_filter(utc).endswith("09:30")
    with app.test_request_context("/", headers={"Cookie": "lang=en"}):
        assert date_filter(utc) == "26 Nov 2026"
    assert money_filter(123450) == "¥1,234.50"
    assert money_filter(-5) == "-¥0.05"


def test_a_message_means_the_same_in_every_catalog():
    """Catalogs are merged at run time, so one English message must have one translation."""
    seen = {}
    clashes = []
    for module in MODULES:
        with (module / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
            for message in read_po(handle):
                if not message.id or not message.string:
                    continue
                key = message.id if isinstance(message.id, str) else message.id[0]
                if key in seen and seen[key][1] != message.string:
                    clashes.append(
                        f"{key!r}: {seen[key][0]} {seen[key][1]!r} ≠ "
                        f"{module.name} {message.string!r}"
                    )
                seen.setdefault(key, (module.name, message.string))
    assert not clashes, "; ".join(clashes)


def test_filters_write_what_babel_would(app):
    """The date, time, money and number filters spell their patterns out for speed; they
    must agree with Babel's formatting of the same patterns, in both languages."""
    import random
    from datetime import UTC, date, datetime, timedelta

    from babel.numbers import format_decimal
    from flask_babel import format_date, format_datetime, format_time

    from views.i18n import date_filter, datetime_filter, money_filter, number_filter, time_filter

    rng = random.Random(7)
    start = datetime(2019, 1, 1)
    moments = [start + timedelta(minutes=rng.randrange(6_000_000)) for _ in range(300)]
    moments += [datetime(2026, 12, 31, 16, 0), datetime(2026, 12, 31, 15, 59, 59, 999_999)]
    for cookie, pattern in (("", "y年M月d日"), ("lang=en", "d MMM y")):
        with app.test_request_context("/", headers={"Cookie": cookie}):
            for moment in moments:
                assert date_filter(moment) == format_datetime(moment, pattern)
                assert time_filter(moment) == format_time(moment, "HH:mm")
                expected = f"{format_datetime(moment, pattern)} {format_time(moment, 'HH:mm')}"
                assert datetime_filter(moment) == expected
                assert date_filter(moment.replace(tzinfo=UTC)) == format_datetime(moment, pattern)
                day = date(moment.year, moment.month, moment.day)
                assert date_filter(day) == format_date(day, pattern)
    for value in [
        0,
        1,
        5,
        99,
        100,
        123_450,
        10**9 + 7,
        *(rng.randrange(10**10) for _ in range(200)),
    ]:
        for signed in (value, -value):
            sign = "-" if signed < 0 else ""
            babel = format_decimal(abs(signed) / 100, format="#,##0.00", locale="en")
            assert money_filter(signed) == f"{sign}¥{babel}"
            assert number_filter(signed) == format_decimal(signed, format="#,##0", locale="en")
    assert number_filter(None) == "0" and money_filter(None) == "" and date_filter(None) == ""


# Chinese text takes full-width punctuation (？！；，：). An ASCII ? ! ; , or : touching a
# Chinese character (or ending a Chinese sentence) is a slip: "确认删除?" "姓名:".
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
ASCII_PUNCTUATION_IN_CHINESE = re.compile(rf"[{CJK}]\s*[?!;,:]|[?!;,:]\s*[{CJK}]|[?!;]\s*$")


def ascii_punctuation_slips(text):
    """The ASCII punctuation marks in Chinese `text` that should be full-width."""
    if not re.search(f"[{CJK}]", text):
        return []  # no Chinese here: ASCII punctuation is right
    return [m.group(0) for m in ASCII_PUNCTUATION_IN_CHINESE.finditer(text)]


@pytest.mark.parametrize(
    "text, slips",
    [
        ("确认删除?", ["除?"]),
        ("要撤销 %(name)s 的签到吗?", ["吗?"]),
        ("确定删除 %(name)s?", ["?"]),
        ("姓名:请填写此项。", ["名:"]),
        ("第 2 行, 数量", ["行,"]),
        ("保存成功!", ["功!"]),
        ("开始: 14:00", ["始:"]),
        ("姓名：请填写此项。", []),
        ("%(start)s–%(end)s，共 %(count)s 人", []),
        ("14:00 开始", []),
        ("Lianjian Desk: ok?", []),
    ],
)
def test_ascii_punctuation_check(text, slips):
    assert ascii_punctuation_slips(text) == slips


@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.name)
def test_chinese_catalog_uses_full_width_punctuation(module):
    with (module / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple | list) else [message.string]
        for text in strings:
            if slips := ascii_punctuation_slips(text or ""):
                key = message.id if isinstance(message.id, str) else message.id[0]
                problems.append(f"{key!r} → {text!r} ({', '.join(slips)})")
    assert not problems, f"{module.name}: " + "; ".join(problems[:10])


def test_wtforms_messages_follow_each_requests_language(client):
    """WTForms' own messages come from a catalog kept per process and language
    (views/i18n.py: Request), so one request's language never leaks into the next."""
    for language, required in (
        ("zh_CN", "该字段是必填字段。"),
        ("en", "This field is required."),
        ("zh_CN", "该字段是必填字段。"),
    ):
        client.set_cookie("lang", language)
        response = client.post("/signup", data={"mobile": "13800005678"})
        assert response.status_code == 422
        assert required in response.get_data(as_text=True), language
