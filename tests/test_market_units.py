# ruff: noqa: F811  (pytest fixtures imported from tests.market_helpers are redefined as arguments)
"""An item's unit is shown in the reader's language everywhere a quantity or unit appears: the
catalogue, the item, the counter, the count, donations, purchases, the report and its workbook,
the low-stock lists, the item choices and the refusals. The item names here are English, so an
English page holding a Chinese unit word ("袋") shows the defect."""

import io
import re
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from db import market
from db.market.models import Item
from db.market.periods import current_period, local_today
from tests.market_helpers import make_household, make_item  # noqa: F401

# The units of the goods below, as the catalogue stores them.
CHINESE_UNITS = re.compile("袋|条")


@pytest.fixture
def staff(login_as):
    return login_as("staff")


@pytest.fixture
def english(staff):
    """The staff client, reading English."""
    staff.post("/language/en", data={"next": "/"})
    return staff


@pytest.fixture
def goods(make_item, make_household):
    """Rice in bags (3 in stock, low), towels in pieces (1 in stock, low), a household with
    points, one donation, one purchase and one stock count."""
    rice = make_item(name="Rice", unit="袋", threshold=5, points=10)
    towel = make_item(name="Towel", unit="条", threshold=5, category="daily")
    donation = market.record_donation(
        "enterprise", "Baohua Group", local_today(), lines=[(rice.id, 3, 4500)], money=100_000
    )
    purchase = market.record_purchase("Grain shop", [(towel.id, 2, 1500)])
    market.record_count({towel.id: 1})
    household = make_household(size=2)
    market.issue_allowance()
    return SimpleNamespace(
        rice=rice, towel=towel, donation=donation, purchase=purchase, household=household
    )


def text(response):
    assert response.status_code in (200, 422), response.status_code
    return response.get_data(as_text=True)


def test_quantities_read_in_each_language(app):
    from db.market.labels import quantity_text

    with app.test_request_context("/", headers={"Cookie": "lang=en"}):
        assert quantity_text(1, "袋") == "1 bag"
        assert quantity_text(1200, "袋") == "1,200 bags"
        assert quantity_text(3, "盒") == "3 boxes"
        assert quantity_text(2, "箱") == "2 cartons"
    with app.test_request_context("/", headers={"Cookie": "lang=zh_CN"}):
        assert quantity_text(3, "件") == "3 件"
        assert quantity_text(1200, "袋") == "1,200 袋"


def test_every_page_showing_units_in_english(english, goods):
    rice, donation, purchase = goods.rice, goods.donation, goods.purchase
    household = goods.household
    pages = {
        "/market/items": ["3 bags", "1 piece"],
        f"/market/items/{rice.id}": ["3 bags"],
        f"/market/counter/{household.card_no}": ["3 bags", "1 piece"],
        "/market/stock/count": ["3 bags", "1 piece"],
        f"/market/donations/{donation.id}": ["3 bags"],
        f"/market/donations/{donation.id}/certificate": ["3 bags"],
        f"/market/purchases/{purchase.id}": ["2 pieces"],
        "/market/reports": ["3 bags", "1 piece"],
        "/market/": ["3 bags left", "1 piece left"],
        "/": ["3 bags left", "1 piece left"],  # the staff dashboard's market panel
        "/market/donations/new": ["Rice (bag)", "Towel (piece)"],
        "/market/purchases/new": ["Rice (bag)"],
        "/market/stock/write-off": ["Rice (bag)"],
        f"/market/items/{rice.id}/edit": ['<option selected value="袋">bag</option>'],
    }
    for url, expected in pages.items():
        html = text(english.get(url))
        for phrase in expected:
            assert phrase in html, f"{url}: {phrase!r} not shown"
        shown = CHINESE_UNITS.findall(re.sub(r'value="[^"]*"', "", html))
        assert not shown, f"{url} shows Chinese units in English: {shown}"


def test_every_page_showing_units_in_chinese(staff, goods):
    purchase = goods.purchase
    assert "3 袋" in text(staff.get("/market/items"))
    assert "剩 3 袋" in text(staff.get("/market/"))
    assert "Rice（袋）" in text(staff.get("/market/donations/new"))
    assert "2 条" in text(staff.get(f"/market/purchases/{purchase.id}"))


def test_the_report_workbook_names_units_in_english(english, goods):
    response = english.get(f"/market/reports/{current_period()}.xlsx")
    workbook = load_workbook(io.BytesIO(response.get_data()))
    sheet = workbook["Stock reconciliation"]
    units = {row[0].value: row[1].value for row in sheet.iter_rows(min_row=2)}
    assert units == {"Rice": "bag", "Towel": "piece"}


def test_refusals_name_quantities_in_english(english, goods):
    rice, towel, household = goods.rice, goods.towel, goods.household
    write_off = english.post(
        "/market/stock/write-off", data={"item": str(rice.id), "quantity": "5", "reason": "damp"}
    )
    assert write_off.status_code == 422
    assert "Not enough Rice in stock: 3 bags left, 5 bags needed." in text(write_off)
    counter = english.post(f"/market/counter/{household.card_no}", data={f"qty-{towel.id}": "2"})
    # Towels (daily necessities) are the first row: the table lists categories in code order.
    assert "Line 1: not enough Towel in stock (1 piece left, 2 pieces wanted)." in text(counter)


def test_the_unit_is_chosen_from_the_list(staff):
    fields = dict(
        name="Soap",
        category="daily",
        points_price="4",
        reference_value="6",
        low_stock_threshold="3",
        active="y",
    )
    refused = staff.post("/market/items/new", data=fields | {"unit": "坨"})
    assert refused.status_code == 422 and Item.select().count() == 0
    saved = staff.post("/market/items/new", data=fields | {"unit": "块"})
    assert saved.status_code == 302 and Item.get().unit == "块"


def test_an_item_with_a_unit_from_before_the_list_keeps_it(staff):
    """A unit typed before the list existed stays on its item when the item is edited (and
    is shown as typed: there is no other word for it)."""
    item = Item.create(
        name="Umbrella", category="other", unit="顶", points_price=10, reference_value=1600
    )
    form = text(staff.get(f"/market/items/{item.id}/edit"))
    assert '<option selected value="顶">顶</option>' in form
    saved = staff.post(
        f"/market/items/{item.id}/edit",
        data=dict(
            name="Umbrella",
            category="other",
            unit="顶",
            points_price="12",
            reference_value="16",
            low_stock_threshold="0",
        ),
    )
    assert saved.status_code == 302
    assert Item.get_by_id(item.id).unit == "顶" and Item.get_by_id(item.id).points_price == 12
