"""Browser tests: Debian's Chromium driven by Playwright against a live gunicorn server.

Screenshots go to test-output/screenshots/ (look at them before calling a page done).
"""

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
KIOSK = {"width": 1080, "height": 1920}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def wait_for_htmx(page):
    """Wait until the page has loaded its deferred scripts and htmx has processed it (htmx
    listens only from DOMContentLoaded; typing before then sends nothing)."""
    page.wait_for_function("() => document.readyState === 'complete' && Boolean(window.htmx)")


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium as root")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


@pytest.fixture
def server(app, live_server):
    """A live server for this test's fresh database (the test process binds to it too).

    One gevent worker serves a page's parallel requests (htmx, assets) as `make run` does;
    the tests that need several processes (seats, throttling, counters) start their own."""
    return live_server(workers=1)


@pytest.fixture
def new_page(browser, server):
    """new_page(viewport=DESKTOP) → a page in a fresh browser context, base URL set."""
    contexts = []

    def factory(viewport=None, locale="zh-CN"):
        context = browser.new_context(
            base_url=server.url, viewport=viewport or DESKTOP, locale=locale
        )
        context.set_default_timeout(10_000)
        # Nothing may leave the machine: fail any request to another host.
        context.route(
            "**/*",
            lambda route: (
                route.continue_() if route.request.url.startswith(server.url) else route.abort()
            ),
        )
        contexts.append(context)
        return context.new_page()

    yield factory
    for context in contexts:
        context.close()


@pytest.fixture
def shot():
    """shot(page, name): save a full-page screenshot under test-output/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name):
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


AXE_SOURCE = Path(__file__).resolve().parent / "vendor" / "axe-4.14.1.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture
def axe_check():
    """axe_check(page): fail on any WCAG 2.2 A/AA violation axe-core finds on the page."""
    source = AXE_SOURCE.read_text()

    def check(page):
        page.evaluate(source)
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
        )
        problems = [
            f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(n["target"][0] for n in v["nodes"][:3])
            for v in result["violations"]
        ]
        assert not problems, f"{page.url}: " + " | ".join(problems)

    return check
