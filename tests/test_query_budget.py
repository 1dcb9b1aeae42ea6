"""Query budget at scale: the main list pages run the same number of SQL statements with 10
rows and with 1,000 rows, at most 8 for an ordinary page, and no response lists more than
100 rows.

Each page has a seeder in tests/scale_support.py that bulk-inserts `n` rows of what the page
lists. The test seeds 10, warms the page up (per-process
caches filled, as in a worker's steady state), counts the statements of one request, seeds
up to 1,000, and counts again. A count that grows with the rows is an N+1 query; a list
longer than 100 rows is a page without paging.

The cached pages, public and staff (views/caching.py), are counted as rendered (the cache
emptied first: the data version and the clock's horizon are in the count, one statement more
for the staff registrations list and the monthly report), and again served from the cache,
where they read the data version and nothing else.

Reports have a higher fixed budget (REPORT_BUDGET): a monthly report or the public
disclosure is a set of independent SQL aggregates — donations by donor, goods in by
category, goods out by category, corrections (later reversals, as negative lines of their
own month), redemptions and households served, points by kind, cash by kind, the closing
stock summed from the ledger — one statement each, because one statement per figure keeps
each aggregate on its own index; add the session lookup and the kept ledger totals'
freshness checks (the last id and hash of a ledger). 14 is what the monthly report runs
(December 2026). The number is fixed: it must not grow with the data, and a new figure that
needs another statement has to raise it here, in review. Since the closed months are stored
(db/market/closed_months.py) this month's pages also read the month before's stored row,
the volunteers' passbook points and the donors' names apart from the figures, and save two
statements by folding the reversed donations into the donations by donor and each
category's reversal corrections into one statement: still 14.

A closed month's report or notice reads its stored figures (CLOSED_MONTH_BUDGET): the
session, the stored row, the donors' names, and the catalogue (the report, 4) or the eleven
earlier months' chart points and the page cache's data version (the notice, 5).
"""

from html.parser import HTMLParser

import pytest

from db.accounts import User
from tests.scale_support import PAGES, World

ORDINARY_BUDGET = 8
REPORT_BUDGET = 14  # see the module docstring; fixed, not a function of the data
CLOSED_MONTH_BUDGET = 5  # a closed month read from its stored row (module docstring)
MOST_ROWS = 100
SIZES = (10, 1_000)
# A staff page served from the page cache reads the data version first (views/caching.py):
# one fixed statement more when it is rendered, the only one when it is served again.
DATA_VERSION = 1
BUDGET = {
    "staff registrations list": ORDINARY_BUDGET + DATA_VERSION,
    "staff registrations search (htmx)": ORDINARY_BUDGET + DATA_VERSION,
    "monthly report": REPORT_BUDGET + DATA_VERSION,
    "disclosure page": REPORT_BUDGET,
    "monthly report (closed month)": CLOSED_MONTH_BUDGET,
    "disclosure page (closed month)": CLOSED_MONTH_BUDGET,
}
# The pages views/caching.py serves from its cache, public and staff: when nothing changed,
# the data version is all they read (the session lookup aside), at any size.
CACHED_PAGES = (
    "public event list",
    "event page",
    "course list",
    "disclosure page",
    "kiosk start screen",
    "staff registrations list",
    "staff registrations search (htmx)",
    "review queue",
    "attendance grid",
    "stock page",
    "monthly report",
)


# What proves the seeded rows reached the page (a page that shows none would pass
# vacuously): the seeded names ("预算…"), or for pages of figures the figure the rows make.
SHOWS = {
    "event page": lambda size: str(5_000 - size),  # seats left of 5000
    "monthly report": lambda size: f"{size:,}",
    "disclosure page": lambda size: f"{size:,}",
    "monthly report (closed month)": lambda size: f"{size:,}",
    "disclosure page (closed month)": lambda size: f"{size:,}",
}


class ListRows(HTMLParser):
    """The length of the longest list in a page: the most <tr>, <li> or <article> children
    any one element has (an infinite-scroll sentinel row, class "sentinel", is no row)."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
    ROWS = {"tr", "li", "article"}

    def __init__(self):
        super().__init__()
        self.stack = [0]
        self.most = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.ROWS and "sentinel" not in (dict(attrs).get("class") or ""):
            self.stack[-1] += 1
            self.most = max(self.most, self.stack[-1])
        if tag not in self.VOID:
            self.stack.append(0)

    def handle_startendtag(self, tag, attrs):
        if tag in self.ROWS:
            self.stack[-1] += 1
            self.most = max(self.most, self.stack[-1])

    def handle_endtag(self, tag):
        if tag not in self.VOID and len(self.stack) > 1:
            self.stack.pop()


def longest_list(html):
    """The number of rows of the longest list in `html`."""
    parser = ListRows()
    parser.feed(html)
    return parser.most


def test_row_counter_counts_the_longest_list():
    """The row counter sees rows of tables and lists, nested or not (so its ≤ 100 can fail)."""
    rows = "".join(f"<tr><td>{n}</td><td><br></td></tr>" for n in range(150))
    more = '<tr class="sentinel" hx-get="?page=2"></tr>'
    page = f"<ul><li>a</li><li>b</li></ul><table><tbody>{rows}{more}</tbody></table>"
    assert longest_list(page) == 150
    assert longest_list("<ol><li><ul><li>x</li></ul></li><li>y</li></ol>") == 2


@pytest.mark.parametrize("page", PAGES, ids=[p[0] for p in PAGES])
def test_queries_do_not_grow_with_rows(page, app, login_as, query_counter):
    """The page runs the same number of statements at 10 and at 1,000 rows, within its
    budget, and shows at most 100 rows."""
    name, role, seed, url, htmx = page
    budget = BUDGET.get(name, ORDINARY_BUDGET)
    staff = User.create(
        username="budget-staff", name="预算工作人员", role="staff", password_hash="x"
    )
    world, state = World(staff), {}
    client = login_as(role)
    headers = {"HX-Request": "true"} if htmx else {}
    counts, seeded = {}, 0
    for size in SIZES:
        seed(world, state, size - seeded)
        seeded = size
        warm = client.get(url(state), headers=headers)  # per-process caches filled
        assert warm.status_code == 200, f"{name}: {warm.status_code}"
        if cache := app.extensions.get("page_cache"):
            cache.clear()  # a cached page (views/caching.py) counted as rendered: its worst case
        with query_counter() as counter:
            response = client.get(url(state), headers=headers)
        assert response.status_code == 200
        counts[size] = counter.statements
        html = response.get_data(as_text=True)
        shows = SHOWS.get(name, lambda size: "预算")(size)
        assert shows in html, f"{name} at {size} rows does not show {shows!r}"
        rows = longest_list(html)
        assert rows <= MOST_ROWS, f"{name} at {size} rows lists {rows} rows in one response"
    small, large = (counts[size] for size in SIZES)
    assert len(large) == len(small), (
        f"{name}: {len(small)} statements at {SIZES[0]} rows, {len(large)} at {SIZES[1]}: "
        + " | ".join(s[:100] for s in large[len(small) :] or large)
    )
    assert len(large) <= budget, f"{name}: {len(large)} statements > {budget}: " + " | ".join(
        s[:100] for s in large
    )


@pytest.mark.parametrize(
    "page", [p for p in PAGES if p[0] in CACHED_PAGES], ids=[p for p in CACHED_PAGES]
)
def test_cached_pages_read_only_the_data_version(page, app, login_as, query_counter):
    """Served from the page cache, a cached page (public or staff) runs one statement (the
    data version) at 10 and at 1,000 rows, and shows the rows seeded in bulk in between (the
    version saw them). This month's first report stores the month before (closed months,
    db/market/closed_months.py): a write, so a new version; the render after it is kept."""
    name, role, seed, url, htmx = page
    staff = User.create(
        username="budget-staff", name="预算工作人员", role="staff", password_hash="x"
    )
    world, state = World(staff), {}
    client = login_as(role)
    headers = {"HX-Request": "true"} if htmx else {}
    seeded = 0
    for size in SIZES:
        seed(world, state, size - seeded)
        seeded = size
        for _render in range(2):
            assert client.get(url(state), headers=headers).status_code == 200
        with query_counter() as counter:
            response = client.get(url(state), headers=headers)
        assert response.status_code == 200 and "ETag" in response.headers, name
        page_reads = [s for s in counter.statements if "login_session" not in s]
        assert page_reads == ["SELECT token FROM data_version WHERE id = 1"], (name, page_reads)
        shows = SHOWS.get(name, lambda size: "预算")(size)
        assert shows in response.get_data(as_text=True), f"{name} at {size} rows"
