"""Love supermarket routes: staff pages, the counter, reports, and the public disclosure."""

from datetime import date

from db import market
from db.market.periods import local_today
from tests.routes import EVERYONE, STAFF_ONLY, Route

# A form posted empty: staff get the form back with its errors, everyone else is kept out.
STAFF_FORM = STAFF_ONLY | {"staff": 422, "admin": 422}
STAFF_REDIRECT = STAFF_ONLY | {"staff": 302, "admin": 302}


def setup(ctx):
    """One of everything a market URL can point at."""
    ctx.item = market.save_item(
        name="大米（5公斤）",
        category="grain_oil",
        unit="袋",
        points_price=30,
        reference_value=4500,
        low_stock_threshold=5,
        active=True,
    )
    ctx.donation = market.record_donation(
        "enterprise", "绿地建设集团", local_today(), lines=[(ctx.item.id, 10, 4500)], money=50_000
    )
    ctx.household = market.register_household(
        head_name="王秀英",
        size=2,
        category="dibao",
        status="active",
        next_review=date(2027, 1, 1),
        consent=True,
    )
    market.issue_allowance()
    ctx.redemption = market.redeem(ctx.household.id, [(ctx.item.id, 1)])
    ctx.write_off = market.write_off(ctx.item.id, 1, "破损")
    ctx.count = market.record_count({ctx.item.id: 7})
    ctx.purchase = market.record_purchase("粮油店", [(ctx.item.id, 2, 4000)])
    ctx.spending = market.record_spending(1000, "打印")
    ctx.passbook = market.open_passbook("志愿者丙", "13900139001")
    market.earn_points(ctx.passbook.id, 100, "routes:1", "志愿服务")
    ctx.passbook_redemption = market.redeem_passbook(ctx.passbook.id, [(ctx.item.id, 1)])


def card_url(suffix=""):
    """A URL under the setup household's card."""
    return lambda ctx: f"/market/counter/{ctx.household.card_no}{suffix}"


def passbook_counter_url(suffix=""):
    """A counter URL under the setup volunteer passbook."""
    return lambda ctx: f"/market/counter/{ctx.passbook.passbook_no}{suffix}"


ROUTES = [
    Route("/market/", "GET", STAFF_ONLY),
    Route("/market/items", "GET", STAFF_ONLY),
    Route("/market/items/new", "GET", STAFF_ONLY),
    Route("/market/items/new", "POST", STAFF_FORM),
    Route(
        "/market/items/<int:item_id>",
        "GET",
        STAFF_ONLY,
        url=lambda ctx: f"/market/items/{ctx.item.id}",
    ),
    Route(
        "/market/items/<int:item_id>/edit",
        "GET",
        STAFF_ONLY,
        url=lambda ctx: f"/market/items/{ctx.item.id}/edit",
    ),
    Route(
        "/market/items/<int:item_id>/edit",
        "POST",
        STAFF_FORM,
        url=lambda ctx: f"/market/items/{ctx.item.id}/edit",
    ),
    Route("/market/stock/write-off", "GET", STAFF_ONLY),
    Route("/market/stock/write-off", "POST", STAFF_FORM),
    Route("/market/stock/count", "GET", STAFF_ONLY),
    Route("/market/stock/count", "POST", STAFF_FORM),
    Route(
        "/market/stock/counts/<int:count_id>",
        "GET",
        STAFF_ONLY,
        url=lambda ctx: f"/market/stock/counts/{ctx.count.id}",
    ),
    Route(
        "/market/reverse/<kind>/<int:object_id>",
        "GET",
        STAFF_ONLY,
        url=lambda ctx: f"/market/reverse/donation/{ctx.donation.id}",
    ),
    Route(
        "/market/reverse/<kind>/<int:object_id>",
        "POST",
        STAFF_FORM,
        url=lambda ctx: f"/market/reverse/movement/{ctx.write_off.id}",
    ),
    Route("/market/donations", "GET", STAFF_ONLY),
    Route("/market/donations/new", "GET", STAFF_ONLY),
    Route("/market/donations/new", "POST", STAFF_FORM),
    Route(
        "/market/donations/<int:donation_id>",
        "GET",
        STAFF_ONLY,
        url=lambda ctx: f"/market/donations/{ctx.donation.id}",
    ),
    Route(
        "/market/donations/<int:donation_id>/certificate",
        "GET",
        STAFF_ONLY,
        url=lambda ctx: f"/market/donations/{ctx.donation.id}/certificate",
    ),
    Route("/market/donors", "GET", STAFF_ONLY),
    Route(
        "/market/donors/<int:donor_id>",
        "GET",
        STAFF_ONLY,
        url=lambda ctx: f"/market/donors/{ctx.donation.donor_id}",
    ),
    Route("/market/cash", "GET", STAFF_ONLY),
    Route("/market/purchases/new", "GET", STAFF_ONLY),
    Route("/market/purchases/new", "POST", STAFF_FORM),
    Route(
        "/market/purchases/<int:purchase_id>",
        "GET",
        STAFF_ONLY,
        url=lambda ctx: f"/market/purchases/{ctx.purchase.id}",
    ),
    Route("/market/spending/new", "GET", STAFF_ONLY),
    Route("/market/spending/new", "POST", STAFF_FORM),
    Route("/market/households", "GET", STAFF_ONLY),
    Route("/market/households/new", "GET", STAFF_ONLY),
    Route("/market/households/new", "POST", STAFF_FORM),
    Route(
        "/market/households/<int:household_id>",
        "GET",
        STAFF_ONLY,
        url=lambda ctx: f"/market/households/{ctx.household.id}",
    ),
    Route(
        "/market/households/<int:household_id>/edit",
        "GET",
        STAFF_ONLY,
        url=lambda ctx: f"/market/households/{ctx.household.id}/edit",
    ),
    Route(
        "/market/households/<int:household_id>/edit",
        "POST",
        STAFF_FORM,
        url=lambda ctx: f"/market/households/{ctx.household.id}/edit",
    ),
    Route(
        "/market/households/<int:household_id>/card",
        "GET",
        STAFF_ONLY,
        url=lambda ctx: f"/market/households/{ctx.household.id}/card",
    ),
    Route(
        "/market/households/<int:household_id>/review",
        "POST",
        STAFF_REDIRECT,
        url=lambda ctx: f"/market/households/{ctx.household.id}/review",
    ),
    Route("/market/allowance", "GET", STAFF_ONLY),
    Route("/market/allowance", "POST", STAFF_ONLY),
    Route("/market/settings", "GET", STAFF_ONLY),
    Route("/market/settings", "POST", STAFF_FORM),
    Route("/market/counter", "GET", STAFF_ONLY),
    Route("/market/counter/<card_no>", "GET", STAFF_ONLY, url=card_url()),
    # An empty basket is refused with the page (422) and nothing written.
    Route("/market/counter/<card_no>", "POST", STAFF_FORM, url=card_url()),
    Route("/market/counter/<card_no>/total", "GET", STAFF_ONLY, url=card_url("/total?qty-1=1")),
    # The same counter with a volunteer passbook number (ZY…) instead of a love card.
    Route("/market/counter/<card_no>", "GET", STAFF_ONLY, url=passbook_counter_url()),
    Route("/market/counter/<card_no>", "POST", STAFF_FORM, url=passbook_counter_url()),
    Route(
        "/market/counter/<card_no>/total",
        "GET",
        STAFF_ONLY,
        url=passbook_counter_url("/total?qty-1=1"),
    ),
    Route(
        "/market/redemptions/<int:redemption_id>",
        "GET",
        STAFF_ONLY,
        url=lambda ctx: f"/market/redemptions/{ctx.passbook_redemption.id}",
    ),
    Route("/market/passbooks", "GET", STAFF_ONLY),
    Route(
        "/market/passbooks/<int:passbook_id>",
        "GET",
        STAFF_ONLY,
        url=lambda ctx: f"/market/passbooks/{ctx.passbook.id}",
    ),
    Route(
        "/market/redemptions/<int:redemption_id>",
        "GET",
        STAFF_ONLY,
        url=lambda ctx: f"/market/redemptions/{ctx.redemption.id}",
    ),
    # The monthly report runs one SQL aggregate per section, plus the later reversals of
    # earlier months' documents (shown in the month they happened): a fixed 14, not a page budget;
    # and the data version the page cache reads first (views/caching.py): counted as rendered.
    Route("/market/reports", "GET", STAFF_ONLY, query_budget=15),
    Route(
        "/market/reports/<month>.xlsx",
        "GET",
        STAFF_ONLY,
        url=lambda ctx: f"/market/reports/{local_today():%Y-%m}.xlsx",
        query_budget=14,
    ),
    # Public: guests, entrepreneurs and the kiosk read the monthly notice too.
    # The public notice: a fixed set of SQL aggregates (with later reversals of earlier months'
    # documents, and the ledger-totals freshness check).
    # The kiosk is sent to the same notice in its own frame (/kiosk/notices/market).
    # 13 to render (since the closed months), the session lookup of a signed-in reader, and
    # the data version the page cache reads first (views/caching.py): counted as rendered.
    Route("/market/disclosure", "GET", EVERYONE | {"kiosk": 302}, query_budget=15),
]
