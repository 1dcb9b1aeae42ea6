# ruff: noqa: F811  (pytest fixtures imported from tests.market_helpers are redefined as arguments)
"""The counter and its slip as the person at the desk sees them: a refused line is named by its
row in the table, the confirm button is off (and says why) while the basket is over the card's
balance, and the slip names the staff member who served."""

import re
from types import SimpleNamespace

import pytest

from db import market
from db.market.models import Item, Redemption
from db.market.periods import local_today
from tests.market_helpers import ledger_rows, make_household, make_item, points  # noqa: F401


@pytest.fixture
def staff(login_as):
    """A client signed in as a staff member with a username unlike their name."""
    return login_as("staff", username="wangxh", name="王晓红")


@pytest.fixture
def shelf(make_item, make_household):
    """Three goods in table order — 大米 (row 1, 5 in stock), 挂面 (row 2, none in stock),
    食用油 (row 3, 1 in stock) — and an active one-person household with 100 points."""
    rice = make_item(name="大米", points=30, value=4500)
    noodles = make_item(name="挂面", points=6, value=900)
    oil = make_item(name="食用油", points=40, value=6800, unit="桶")
    market.record_donation(
        "person", "张三", local_today(), lines=[(rice.id, 5, 4500), (oil.id, 1, 6800)]
    )
    household = make_household(size=1, head_name="王秀英")
    market.issue_allowance()
    return SimpleNamespace(rice=rice, noodles=noodles, oil=oil, household=household)


def text(response):
    return response.get_data(as_text=True)


def page_form(client, card_no):
    """The basket form as the page sends it: CSRF token and the table's rows, no quantities."""
    page = text(client.get(f"/market/counter/{card_no}"))
    rows = re.search(r'name="rows" value="([^"]*)"', page)
    assert rows, "the basket form does not send its rows"
    return {"rows": rows.group(1)}


def confirm_button(html):
    """The confirm button's tag in a page or fragment."""
    match = re.search(r"<button[^>]*>(确认兑换|Confirm the redemption)</button>", html)
    assert match, "no confirm button"
    return match.group(0)


# --- A refusal names the row the person sees ------------------------------------------------


def test_a_stock_refusal_names_the_table_row(staff, shelf):
    """Only the oil is filled in; it is the third row of the table (the second filled-in
    line is not the point: the person reads row numbers off the table)."""
    oil, household = shelf.oil, shelf.household
    before = ledger_rows()
    data = page_form(staff, household.card_no) | {f"qty-{oil.id}": "2"}
    response = staff.post(f"/market/counter/{household.card_no}", data=data)
    assert response.status_code == 422
    assert "第 3 行：食用油库存不足（剩 1 桶，需要 2 桶）" in text(response)
    assert ledger_rows() == before


def test_the_row_number_is_the_row_of_the_page_that_was_sent(staff, shelf):
    """The noodles leave the catalogue while the basket is open: the oil was on row 3 of the
    page the person filled in, so the refusal says row 3, not its row in the new table."""
    rice, noodles, oil, household = shelf.rice, shelf.noodles, shelf.oil, shelf.household
    data = page_form(staff, household.card_no)
    Item.update(active=False).where(Item.id == noodles.id).execute()
    data |= {f"qty-{rice.id}": "1", f"qty-{oil.id}": "3"}
    response = staff.post(f"/market/counter/{household.card_no}", data=data)
    assert response.status_code == 422
    assert "第 3 行：食用油库存不足" in text(response)


def test_the_row_number_in_english(staff, shelf):
    oil, household = shelf.oil, shelf.household
    staff.post("/language/en", data={"next": "/"})
    data = page_form(staff, household.card_no) | {f"qty-{oil.id}": "2"}
    response = staff.post(f"/market/counter/{household.card_no}", data=data)
    assert "Line 3: not enough 食用油 in stock (1 jug left, 2 jugs wanted)." in text(response)


def test_repeated_rows_in_a_forged_form_count_once(staff, shelf):
    """A row id sent twice is one row: its quantity is not taken twice."""
    rice, oil, household = shelf.rice, shelf.oil, shelf.household
    rows = f"{rice.id},{rice.id},{oil.id}"
    response = staff.post(
        f"/market/counter/{household.card_no}", data={"rows": rows, f"qty-{rice.id}": "2"}
    )
    assert response.status_code == 302
    assert Redemption.get().points_total == 60 and points(household) == 40


# --- Over the balance the confirm button is off, and says why -------------------------------


def test_the_live_total_turns_the_button_off_over_the_balance(staff, shelf):
    rice, household = shelf.rice, shelf.household
    url = f"/market/counter/{household.card_no}/total"
    over = text(staff.get(f"{url}?qty-{rice.id}=4", headers={"HX-Request": "true"}))
    button = confirm_button(over)
    assert " disabled" in button and 'aria-describedby="basket-over"' in button
    reason = re.search(r'<p class="basket-over" id="basket-over">(.*?)</p>', over, re.S)
    assert reason and "兑换清单比卡内积分多出 20 分" in reason.group(1)
    within = text(staff.get(f"{url}?qty-{rice.id}=3", headers={"HX-Request": "true"}))
    assert " disabled" not in confirm_button(within) and 'id="basket-over"' not in within


def test_the_refused_page_keeps_the_button_off_and_the_server_still_refuses(staff, shelf):
    """A basket over the balance posted anyway (a click before the new total arrived, or no
    JavaScript) is refused and written nowhere; the page it gets back has the button off."""
    rice, household = shelf.rice, shelf.household
    before = ledger_rows()
    data = page_form(staff, household.card_no) | {f"qty-{rice.id}": "4"}
    response = staff.post(f"/market/counter/{household.card_no}", data=data)
    assert response.status_code == 422
    html = text(response)
    assert "积分不足：本次兑换需要 120 分，卡内仅有 100 分" in html
    assert " disabled" in confirm_button(html) and "多出 20 分" in html
    assert ledger_rows() == before and Redemption.select().count() == 0


def test_without_javascript_the_total_is_updated_by_a_button(staff, shelf):
    """The page offers "update the total" for browsers without JavaScript: it prices the
    basket, turns the confirm button on or off, and redeems nothing."""
    rice, household = shelf.rice, shelf.household
    page = text(staff.get(f"/market/counter/{household.card_no}"))
    assert re.search(r'<noscript><button type="submit" name="update"', page)
    data = page_form(staff, household.card_no)
    over = staff.post(
        f"/market/counter/{household.card_no}", data=data | {f"qty-{rice.id}": "4", "update": "1"}
    )
    assert over.status_code == 200 and " disabled" in confirm_button(text(over))
    fine = staff.post(
        f"/market/counter/{household.card_no}", data=data | {f"qty-{rice.id}": "2", "update": "1"}
    )
    assert fine.status_code == 200 and " disabled" not in confirm_button(text(fine))
    assert "60 积分" in text(fine)
    assert Redemption.select().count() == 0


# --- The slip names the staff member --------------------------------------------------------


def test_the_slip_names_the_staff_member_not_the_username(staff, shelf):
    rice, household = shelf.rice, shelf.household
    data = page_form(staff, household.card_no) | {f"qty-{rice.id}": "1"}
    confirmed = staff.post(f"/market/counter/{household.card_no}", data=data)
    assert confirmed.status_code == 302
    slip = text(staff.get(confirmed.headers["Location"]))
    assert "经办人：王晓红" in slip and "wangxh" not in slip
    redemption = Redemption.get()
    reverse = f"/market/reverse/redemption/{redemption.id}"
    staff.post(reverse, data={"reason": "录错了"})
    slip = text(staff.get(confirmed.headers["Location"]))
    assert "由 王晓红 冲正" in slip and "wangxh" not in slip


def test_documents_name_the_staff_member(staff, shelf):
    """The donation, purchase and stock pages say who recorded each entry by name."""
    rice = shelf.rice
    donation = staff.post(
        "/market/donations/new",
        data={
            "donor_kind": "enterprise",
            "donor_name": "宝华集团",
            "donated_on": local_today().isoformat(),
            "money": "500",
        },
    )
    assert donation.status_code == 302
    donation_page = text(staff.get(donation.headers["Location"]))
    assert "王晓红" in donation_page and "wangxh" not in donation_page
    purchase = staff.post(
        "/market/purchases/new",
        data={"supplier": "粮油店", "lines-0-item": str(rice.id), "lines-0-quantity": "1"},
    )
    assert purchase.status_code == 302
    purchase_page = text(staff.get(purchase.headers["Location"]))
    assert "王晓红" in purchase_page and "wangxh" not in purchase_page
    for url in (f"/market/items/{rice.id}", "/market/cash"):
        page = text(staff.get(url))
        assert "王晓红" in page and "wangxh" not in page, url


# --- A refusal's page is cheap to render ------------------------------------------------------


def test_the_basket_page_looks_its_words_up_once_a_render_not_once_a_row(
    staff, shelf, make_item, monkeypatch
):
    """The refused basket (the counter's usual answer once an item runs out) and the basket
    page translate item categories and "3 袋" with the render's catalog: as many Flask-Babel
    lookups with 30 more goods in stock as without them (each lookup finds the request, its
    locale and catalog again: 15-25 µs, once a row before)."""
    from flask_babel import Domain

    lookups = [0]
    original = Domain.get_translations

    def counted(self):
        lookups[0] += 1
        return original(self)

    monkeypatch.setattr(Domain, "get_translations", counted)
    card, refused = shelf.household.card_no, {f"qty-{shelf.noodles.id}": "1"}  # none in stock

    def renders():
        counts = []
        for send in (
            lambda: staff.get(f"/market/counter/{card}"),
            lambda: staff.post(f"/market/counter/{card}", data=refused),
        ):
            lookups[0] = 0
            response = send()
            assert response.status_code in (200, 422)
            counts.append(lookups[0])
        return counts

    renders()  # warm
    few = renders()
    for n in range(30):
        item = make_item(name=f"添加物资{n:02d}", category=("food", "daily")[n % 2], unit="盒")
        market.record_donation("person", "李四", local_today(), lines=[(item.id, 3, 1000)])
    many = renders()
    assert "3 盒" in text(staff.get(f"/market/counter/{card}"))
    assert many == few, (few, many)
