"""What the load runner drives: each endpoint's path, its wrk Lua script, and its reference.

`prepare()` signs the bench's staff and kiosk accounts in, opens a guest session for the
registration form, and looks up the ids the paths need (the bench's forum and its
registrations, a course that has held its sessions, the bench's towel, love cards with
visits left this month). The forum has only a few seats left and the towel a small stock, so
the write runs go past both limits. `check_allocation()` reads the database after the run
with its own SQL sums (not the product's cached totals): no event or course over its seats,
no stock or points below zero, the ledger chain intact — and whether the run did reach the
forum's seats and the towel's stock (otherwise those checks proved nothing).

Reads compare with the bare 50-row page ("rows"), POSTs with the bare insert ("insert").
"""

import re
import urllib.parse
from collections import namedtuple

from peewee import fn

import db.modules  # noqa: F401  (every module's models and integrity checks)
from bench.generate import BENCH_PASSWORD, STAFF_USERNAME
from bench.generate_events import BENCH_EVENT_TITLE
from bench.generate_market import BENCH_ITEM
from db import database, init_database
from db.base import utcnow
from db.events.models import CONFIRMED, WAITING, Event, Registration
from db.integrity import run_checks
from db.market.ledger import points_balances
from db.market.models import Household, Item, PointsEntry, Redemption, StockMovement
from db.market.periods import current_period
from db.market.redemption import reversed_redemption_ids
from db.market.rules import DEFAULTS
from db.training.models import Application, Course, CourseSession
from db.training.status import APPROVED, COMPLETED

KIOSK_USERNAME = "bench-kiosk"
THREADS = 2  # wrk -t; the Lua scripts split their ids between this many threads


def lua_headers(headers):
    """Lua lines that set wrk request headers."""
    return "".join(f'wrk.headers["{k}"] = "{v}"\n' for k, v in headers.items())


def lua_list(values):
    """A Lua table literal of strings."""
    return "{" + ",".join(f'"{v}"' for v in values) + "}"


# Each wrk thread learns its number (1 …) from setup(), which runs in the main Lua state.
THREAD_NUMBERS = """
local threads_started = 0
function setup(thread)
  threads_started = threads_started + 1
  thread:set("tid", threads_started)
  thread:set("nonce", os.time() % 100)
end
"""


def registration_script(context):
    """POST the guest registration form, a new mobile number every request (distinct people).

    Mobiles are 136 + run nonce (2 digits) + thread (1) + counter (5): the warm-up and the
    measured run start at different seconds, so no number repeats within an event.
    """
    guest = context["guest"]
    path = f"/events/{context['event_id']}/register"
    fixed = urllib.parse.urlencode(
        {
            "name": "基准访客",
            "enterprise": "基准企业00001",
            "position": "经理",
            "email": "",
            "consent": "y",
            "csrf_token": guest["token"],
        }
    )
    return (
        THREAD_NUMBERS
        + 'wrk.method = "POST"\n'
        + lua_headers(
            {"Cookie": guest["Cookie"], "Content-Type": "application/x-www-form-urlencoded"}
        )
        + f"""
local counter = 0
request = function()
  counter = counter + 1
  local mobile = string.format("136%02d%d%05d", nonce, tid, counter)
  return wrk.format(nil, "{path}", nil, "{fixed}&mobile=" .. mobile)
end
"""
    )


def check_in_script(context):
    """Check people of the bench forum in, then undo it, then again … (htmx row answers).

    Each thread owns every THREADS-th registration, so one person's check-in and its undo
    never race.
    """
    return (
        THREAD_NUMBERS
        + lua_headers(
            {
                "Cookie": context["staff"]["Cookie"],
                "HX-Request": "true",
                "X-CSRFToken": context["staff"]["X-CSRFToken"],
                "Content-Type": "application/x-www-form-urlencoded",
            }
        )
        + f"""
local all = {lua_list(context["check_in_ids"])}
local mine, index, pass = nil, 0, 0
request = function()
  if mine == nil then
    mine = {{}}
    for i = tid, #all, {THREADS} do mine[#mine + 1] = all[i] end
  end
  index = index + 1
  if index > #mine then index, pass = 1, pass + 1 end
  local action = (pass % 2 == 0) and "check-in" or "undo-check-in"
  return wrk.format("POST", "/manage/registrations/" .. mine[index] .. "/" .. action, nil,
                    "screen=list")
end
"""
    )


def redemption_script(context):
    """Redeem one towel with a different love card each time (each card as often as its
    visits left this month allow)."""
    staff = context["staff"]
    body = urllib.parse.urlencode(
        {f"qty-{context['item_id']}": "1", "csrf_token": staff["X-CSRFToken"]}
    )
    return (
        THREAD_NUMBERS
        + 'wrk.method = "POST"\n'
        + lua_headers(
            {"Cookie": staff["Cookie"], "Content-Type": "application/x-www-form-urlencoded"}
        )
        + f"""
local all = {lua_list(context["cards"])}
local mine, index = nil, 0
request = function()
  if mine == nil then
    mine = {{}}
    for i = tid, #all, {THREADS} do mine[#mine + 1] = all[i] end
  end
  index = index % #mine + 1
  return wrk.format(nil, "/market/counter/" .. mine[index], nil, "{body}")
end
"""
    )


class Endpoint(
    namedtuple("Endpoint", "name path reference role fragment post refusals", defaults=((),))
):
    """One endpoint: `path(context)`; a GET as `role` (guest, staff, kiosk), as htmx when
    `fragment`; or a POST whose Lua script `post(context)` makes each request. `refusals`
    are the HTTP statuses that are a correct answer of this endpoint at its limit (the
    counter refuses a basket once the stock is out): counted apart, not as errors."""

    @property
    def method(self):
        """GET or POST."""
        return "POST" if self.post else "GET"

    def headers(self, context):
        """The request headers of a GET: the role's session cookie, htmx's header."""
        headers = {}
        if self.role != "guest":
            headers["Cookie"] = context[self.role]["Cookie"]
        if self.fragment:
            headers["HX-Request"] = "true"
        return headers

    def script(self, context):
        """The wrk Lua script of this endpoint."""
        if self.post:
            return self.post(context)
        return lua_headers(self.headers(context))


def page(name, path, role="guest", fragment=False):
    """A GET endpoint compared with the bare 50-row page."""
    return Endpoint(name, path, "rows", role, fragment, None)


def post(name, script, refusals=()):
    """A POST endpoint (its script sets method, path and body) compared with the bare insert."""
    return Endpoint(name, lambda c: "/", "insert", "staff", False, script, refusals)


SEARCH = "?q=" + urllib.parse.quote("基准用户012")
ENDPOINTS = [
    page("public event list", lambda c: "/events"),
    page("event page", lambda c: f"/events/{c['event_id']}"),
    post("registration POST", registration_script),
    page(
        "staff registrations search (htmx)",
        lambda c: f"/manage/events/{c['event_id']}{SEARCH}",
        "staff",
        fragment=True,
    ),
    page("staff registrations list", lambda c: f"/manage/events/{c['event_id']}", "staff"),
    post("check-in toggle (htmx)", check_in_script),
    page("course list", lambda c: "/courses"),
    page("review queue", lambda c: "/manage/applications", "staff"),
    page("attendance grid", lambda c: f"/manage/courses/{c['course_id']}/attendance", "staff"),
    page("stock page", lambda c: "/market/items", "staff"),
    post("redemption POST", redemption_script, refusals=(422,)),
    page("monthly report", lambda c: "/market/reports", "staff"),
    page("disclosure page", lambda c: "/market/disclosure"),
    page("kiosk start screen", lambda c: "/kiosk/", "kiosk"),
]


def guest_session(base_url, path):
    """A guest's session cookie and the CSRF token of the form at `path`."""
    import http.cookiejar
    import urllib.request

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base_url + path).read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return {"Cookie": "; ".join(f"{c.name}={c.value}" for c in jar), "token": token}


def redeemable_cards(limit_per_card=None):
    """Active love cards, each repeated once per visit it has left this month (and points for
    it), spread round-robin so one card's visits are far apart."""
    limit = limit_per_card or DEFAULTS["market.visit_limit"]
    period = current_period()
    visits = dict(
        Redemption.select(Redemption.household, fn.COUNT(Redemption.id))
        .where((Redemption.period == period) & Redemption.id.not_in(reversed_redemption_ids()))
        .group_by(Redemption.household)
        .tuples()
    )
    price = Item.get(Item.name == BENCH_ITEM).points_price
    balances = points_balances()
    left = {}
    for household_id, card_no in (
        Household.select(Household.id, Household.card_no)
        .where(Household.status == "active")
        .order_by(Household.card_no)
        .tuples()
    ):
        left[card_no] = min(
            limit - visits.get(household_id, 0), balances.get(household_id, 0) // price
        )
    cards = []
    for round_number in range(limit):
        cards += [card for card, n in left.items() if n > round_number]
    return cards


def lookup_ids(database_url):
    """The ids the paths and scripts need, read from the database."""
    init_database(database_url)
    with database.connection_context():
        event = Event.get(Event.title == BENCH_EVENT_TITLE)
        check_in_ids = [
            r.id
            for r in Registration.select(Registration.id)
            .where((Registration.event == event.id) & (Registration.status == CONFIRMED))
            .order_by(Registration.id)
        ]
        last_held = (
            CourseSession.select(CourseSession.course)
            .where(CourseSession.ends_at < utcnow())
            .order_by(CourseSession.starts_at.desc())
            .first()
        )
        context = dict(
            event_id=event.id,
            check_in_ids=check_in_ids,
            course_id=last_held.course_id,
            item_id=Item.get(Item.name == BENCH_ITEM).id,
            cards=redeemable_cards(),
        )
    database.close()
    return context


def prepare(base_url, login, database_url):
    """Ids, signed-in sessions (staff, kiosk) and a guest's form session for the endpoints."""
    context = lookup_ids(database_url)
    context.update(
        staff=login(base_url, STAFF_USERNAME, BENCH_PASSWORD),
        kiosk=login(base_url, KIOSK_USERNAME, BENCH_PASSWORD),
        guest=guest_session(base_url, f"/events/{context['event_id']}/register"),
    )
    return context


def _below_zero(model, group, amount):
    """How many `group` values of `model` sum `amount` below zero (SQL, not the caches)."""
    total = fn.SUM(amount)
    return model.select(group).group_by(group).having(total < 0).count()


def bench_stock(database_url):
    """The bench towel's stock now, summed in SQL."""
    init_database(database_url)
    with database.connection_context():
        item = Item.get(Item.name == BENCH_ITEM)
        stock = (
            StockMovement.select(fn.SUM(StockMovement.quantity))
            .where(StockMovement.item == item.id)
            .scalar()
        )
    database.close()
    return stock or 0


def check_allocation(database_url, start):
    """Sentences for the report: seats, stock, points and the ledger chain after the run; a
    broken rule starts with "FAILED", a limit the run did not reach with "NOT TESTED".

    `start` is what `allocation_start()` read before the write runs."""
    init_database(database_url)
    problems, untested, facts = [], [], []
    with database.connection_context():
        confirmed = fn.COUNT(Registration.id)
        overbooked = (
            Event.select(Event.id)
            .join(Registration)
            .where(Registration.status == CONFIRMED)
            .group_by(Event.id, Event.seats)
            .having(confirmed > Event.seats)
            .count()
        )
        seated = fn.COUNT(Application.id)
        over_courses = (
            Course.select(Course.id)
            .join(Application)
            .where(Application.status.in_((APPROVED, COMPLETED)))
            .group_by(Course.id, Course.seats)
            .having(seated > Course.seats)
            .count()
        )
        negative_stock = _below_zero(StockMovement, StockMovement.item, StockMovement.quantity)
        negative_points = _below_zero(PointsEntry, PointsEntry.household, PointsEntry.points)
        bench_event = Event.get(Event.title == BENCH_EVENT_TITLE)
        live = Registration.select().where(
            (Registration.event == bench_event.id) & (Registration.status != "cancelled")
        )
        live_count = live.count()
        distinct = live.select(fn.COUNT(fn.DISTINCT(Registration.mobile))).scalar()
        bench_confirmed = live.where(Registration.status == CONFIRMED).count()
        waiting = live.where(Registration.status == WAITING)
        waiting_count = waiting.count()
        waiting_numbers = waiting.select(
            fn.COUNT(fn.DISTINCT(Registration.waiting_number))
        ).scalar()
        item = Item.get(Item.name == BENCH_ITEM)
        towel = (
            StockMovement.select(fn.SUM(StockMovement.quantity))
            .where(StockMovement.item == item.id)
            .scalar()
        ) or 0
        chain_problems, _summaries = run_checks()
    database.close()
    facts.append(f"{overbooked} events and {over_courses} courses over their seats")
    facts.append(
        f"bench forum: {start['live']:,} live registrations before the run, {live_count:,} "
        f"after ({distinct:,} distinct mobiles); {bench_confirmed:,} confirmed of "
        f"{bench_event.seats:,} seats, {waiting_count:,} waiting"
    )
    facts.append(
        f"bench towel: stock {start['towel']:,} before the run, {towel:,} after "
        f"({start['towel'] - towel:,} redeemed)"
    )
    facts.append(f"{negative_stock} items and {negative_points} households below zero")
    facts.append("ledger verify: " + ("all checks passed" if not chain_problems else "FAILED"))
    if overbooked or over_courses or negative_stock or negative_points:
        problems.append("allocation broken")
    if distinct != live_count:
        problems.append("a mobile registered twice")
    if waiting_numbers != waiting_count:
        problems.append("two waiting registrations share a waiting number")
    if bench_confirmed == bench_event.seats and waiting_count == 0:
        problems.append("the forum is full but nobody went onto the waiting list")
    problems += chain_problems[:5]
    if live_count <= bench_event.seats:
        untested.append("the registration run did not go past the forum's seats")
    if towel > 0:
        untested.append("the redemption run did not run the towel's stock out")
    if untested:
        facts.insert(0, "NOT TESTED: " + "; ".join(untested))
    if problems:
        facts.insert(0, "FAILED: " + "; ".join(problems))
    return facts


def allocation_start(database_url):
    """The bench forum's live registrations and the towel's stock before the write runs."""
    init_database(database_url)
    with database.connection_context():
        bench_event = Event.get(Event.title == BENCH_EVENT_TITLE)
        live = (
            Registration.select()
            .where((Registration.event == bench_event.id) & (Registration.status != "cancelled"))
            .count()
        )
    database.close()
    return {"live": live, "towel": bench_stock(database_url)}
