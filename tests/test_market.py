# ruff: noqa: F811  (pytest fixtures imported from tests.market_helpers are redefined as arguments)
"""The love supermarket through the app and its operations: catalogue, donations and receipts,
cash, stock, households, the monthly allowance, the counter, reports and the public notice.

After every test the ledgers must pass `flask --app app ledger verify`.
"""

import io
import re
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from peewee import IntegrityError

from db import market
from db.accounts import Enterprise
from db.audit import AuditEntry
from db.market.households import due_for_review, one_year_after
from db.market.ledger import MarketError
from db.market.models import (
    Donation,
    Household,
    Item,
    PointsEntry,
    Redemption,
    StockCount,
    StockMovement,
)
from db.market.numerals import capital_amount
from db.market.periods import current_period, local_today, period_of, shift_period, to_utc
from db.market.reports import disclosure, monthly_report
from db.market.rules import monthly_allowance, save_rules
from db.market.stock import ITEM_FIELDS
from db.settings import set_setting
from tests.market_helpers import (  # noqa: F401  (fixtures)
    cash,
    ledger_rows,
    make_household,
    make_item,
    points,
    stock,
)

TODAY = local_today


@pytest.fixture(autouse=True)
def ledger_verifies_after_each_test(app, runner):
    """Every scenario ends with `flask --app app ledger verify` passing."""
    yield
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output
    assert "all checks passed" in result.output


@pytest.fixture
def staff(login_as):
    """A client signed in as staff."""
    return login_as("staff")


def text(response):
    """The response body as text."""
    return response.get_data(as_text=True)


# --- Chinese capital numerals ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("fen", "expected"),
    [
        (1_200_000, "壹万贰仟元整"),
        (1_000_500, "壹万零伍元整"),
        (140_950, "壹仟肆佰零玖元伍角"),
        (600_714, "陆仟零柒元壹角肆分"),
        (168_032, "壹仟陆佰捌拾元叁角贰分"),
        (1_640_902, "壹万陆仟肆佰零玖元零贰分"),
        (32_504, "叁佰贰拾伍元零肆分"),
        (10_700_053, "壹拾万柒仟元伍角叁分"),
        (1_000, "壹拾元整"),
        (10_000_000, "壹拾万元整"),
        (10_100_000, "壹拾万壹仟元整"),
        (5, "伍分"),
        (50, "伍角"),
        (55, "伍角伍分"),
        (105, "壹元零伍分"),
        (0, "零元整"),
        (10_000_000_500, "壹亿零伍元整"),
        (10_005_000_000, "壹亿零伍万元整"),
        (10_000_100_000, "壹亿零壹仟元整"),
        (123_456_789_01, "壹亿贰仟叁佰肆拾伍万陆仟柒佰捌拾玖元零壹分"),
    ],
)
def test_capital_amount(fen, expected):
    assert capital_amount(fen) == expected


def test_capital_amount_refuses_negative():
    with pytest.raises(ValueError):
        capital_amount(-1)


# --- Catalogue and stock ------------------------------------------------------------------


def test_staff_add_and_change_an_item(staff):
    response = staff.post(
        "/market/items/new",
        data=dict(
            name="纯牛奶",
            category="food",
            unit="箱",
            points_price="25",
            reference_value="42.5",
            low_stock_threshold="3",
            active="y",
        ),
    )
    assert response.status_code == 302
    item = market.models.Item.get(market.models.Item.name == "纯牛奶")
    assert (item.reference_value, item.points_price) == (4250, 25)
    again = staff.post(
        "/market/items/new",
        data=dict(
            name="纯牛奶",
            category="food",
            unit="箱",
            points_price="1",
            reference_value="1",
            low_stock_threshold="0",
        ),
    )
    assert again.status_code == 422
    assert "物资目录中已有同名物资" in text(again)
    bad = staff.post(
        f"/market/items/{item.id}/edit",
        data=dict(
            name="纯牛奶",
            category="food",
            unit="箱",
            points_price="-1",
            reference_value="abc",
            low_stock_threshold="3",
        ),
    )
    assert bad.status_code == 422
    assert "请以元为单位输入金额" in text(bad)
    assert market.models.Item.get_by_id(item.id).points_price == 25


def test_stock_page_flags_low_stock(staff, make_item):
    rice = make_item(name="大米", threshold=5)
    oil = make_item(name="食用油", threshold=2)
    market.record_donation(
        "person", "热心居民", TODAY(), lines=[(rice.id, 3, 100), (oil.id, 9, 100)]
    )
    page = text(staff.get("/market/items"))
    assert re.search(rf'data-stock-item="{rice.id}">3 ', page)
    assert re.search(rf'data-stock-item="{oil.id}">9 ', page)
    low = text(staff.get("/market/items?low=1", headers={"HX-Request": "true"}))
    assert "大米" in low and "食用油" not in low
    assert "<html" not in low  # the rows fragment only
    history = text(staff.get(f"/market/items/{rice.id}"))
    assert "捐赠入库" in history and "+3" in history


def test_write_off_needs_a_reason_and_stock(staff, make_item):
    item = make_item()
    market.record_donation("person", "张三", TODAY(), lines=[(item.id, 2, 100)])
    no_reason = staff.post("/market/stock/write-off", data=dict(item=item.id, quantity="1"))
    assert no_reason.status_code == 422 and "请填写原因" in text(no_reason)
    too_many = staff.post(
        "/market/stock/write-off", data=dict(item=item.id, quantity="3", reason="过期")
    )
    assert too_many.status_code == 422
    assert "库存不足" in text(too_many)
    assert stock(item) == 2
    ok = staff.post("/market/stock/write-off", data=dict(item=item.id, quantity="2", reason="过期"))
    assert ok.status_code == 302
    assert stock(item) == 0
    movement = StockMovement.get(StockMovement.kind == "write_off")
    assert movement.note == "过期" and movement.quantity == -2


def test_stock_count_writes_differences_tied_to_the_count(staff, make_item):
    rice, oil, salt = make_item(name="大米"), make_item(name="食用油"), make_item(name="盐")
    market.record_donation(
        "person", "张三", TODAY(), lines=[(rice.id, 10, 100), (oil.id, 5, 100), (salt.id, 1, 100)]
    )
    bad = staff.post("/market/stock/count", data={f"counted-{rice.id}": "-1"})
    assert bad.status_code == 422 and "请输入 0 或以上的整数" in text(bad)
    empty = staff.post("/market/stock/count", data={})
    assert empty.status_code == 422
    form = text(staff.get("/market/stock/count"))
    assert f'name="expected-{rice.id}" value="10"' in form  # the book figure the form shows
    response = staff.post(
        "/market/stock/count",
        data={
            f"counted-{rice.id}": "8",
            f"expected-{rice.id}": "10",
            f"counted-{oil.id}": "5",
            f"expected-{oil.id}": "5",
            "note": "月度盘点",
        },
    )
    assert response.status_code == 302
    assert (stock(rice), stock(oil), stock(salt)) == (8, 5, 1)
    movements = list(StockMovement.select().where(StockMovement.kind == "count"))
    assert len(movements) == 1
    assert movements[0].quantity == -2 and movements[0].stock_count_id is not None
    page = text(staff.get(response.headers["Location"]))
    assert "-2" in page and "月度盘点" in page
    # A count difference is reversed with a reason, never edited.
    reverse = staff.post(
        f"/market/reverse/movement/{movements[0].id}", data=dict(reason="点错了货架")
    )
    assert reverse.status_code == 302
    assert stock(rice) == 10
    again = staff.post(f"/market/reverse/movement/{movements[0].id}", data=dict(reason="再来"))
    assert again.status_code == 422 and "该记录已冲正" in text(again)


def test_a_count_against_books_that_moved_since_is_refused(make_item, make_household):
    """Books 10, three redeemed while staff count, staff post 10 against the 10 they were
    shown: the count is refused by name and nothing is written (not a +3 gain)."""
    rice, oil = make_item(name="大米", points=10), make_item(name="食用油")
    market.record_donation("person", "张三", TODAY(), lines=[(rice.id, 10, 100), (oil.id, 4, 100)])
    household = make_household(size=1)
    market.issue_allowance()
    market.redeem(household.id, [(rice.id, 3)])
    before, counts = ledger_rows(), StockCount.select().count()
    with pytest.raises(MarketError) as refused:
        market.record_count({rice.id: 10, oil.id: 4}, shown={rice.id: 10, oil.id: 4})
    assert refused.value.code == "count_books_changed"
    assert refused.value.params["items"] == ["大米"]
    with pytest.raises(MarketError):  # a figure not shown at all is no better
        market.record_count({rice.id: 7}, shown={})
    assert ledger_rows() == before and StockCount.select().count() == counts
    assert stock(rice) == 7
    count = market.record_count({rice.id: 7, oil.id: 3}, shown={rice.id: 7, oil.id: 4})
    assert [(m.item_id, m.quantity) for m in count.movements] == [(oil.id, -1)]
    assert stock(rice) == 7 and stock(oil) == 3


def test_the_count_form_refuses_a_stale_figure_and_shows_the_new_one(
    staff, make_item, make_household
):
    rice, oil = make_item(name="大米", points=10), make_item(name="食用油")
    market.record_donation("person", "张三", TODAY(), lines=[(rice.id, 10, 100), (oil.id, 4, 100)])
    household = make_household(size=1)
    market.issue_allowance()
    form = text(staff.get("/market/stock/count"))
    assert f'name="expected-{rice.id}" value="10"' in form
    market.redeem(household.id, [(rice.id, 3)])  # at the counter, while the form is open
    before = ledger_rows()
    stale = {
        f"counted-{rice.id}": "10",
        f"expected-{rice.id}": "10",
        f"counted-{oil.id}": "3",
        f"expected-{oil.id}": "4",
    }
    response = staff.post("/market/stock/count", data=stale)
    page = text(response)
    assert response.status_code == 422
    assert "账面库存有变动：大米" in page and "请重新清点" in page and "食用油" in page
    assert ledger_rows() == before and StockCount.select().count() == 0
    assert stock(rice) == 7 and stock(oil) == 4
    assert f'name="expected-{rice.id}" value="7"' in page  # the new figure, to count against
    assert f'name="counted-{rice.id}" value=""' in page  # the stale count is not kept
    assert f'name="counted-{oil.id}" value="3"' in page  # the others are
    # A post without the figure (an old form) is refused the same way.
    old_form = staff.post("/market/stock/count", data={f"counted-{rice.id}": "7"})
    assert old_form.status_code == 422 and "大米" in text(old_form)
    fresh = dict(stale, **{f"counted-{rice.id}": "7", f"expected-{rice.id}": "7"})
    assert staff.post("/market/stock/count", data=fresh).status_code == 302
    assert stock(rice) == 7 and stock(oil) == 3


def test_inactive_items_still_in_stock_can_be_counted(staff, make_item):
    rice, oil, salt = make_item(name="大米"), make_item(name="食用油"), make_item(name="旧盐")
    market.record_donation("person", "张三", TODAY(), lines=[(oil.id, 2, 100)])
    for item in (oil, salt):  # off the counter: oil still has 2 on the shelf, salt none
        market.save_item(
            item, **{f: getattr(item, f) for f in ITEM_FIELDS if f != "active"}, active=False
        )
    page = text(staff.get("/market/stock/count"))
    assert f'id="counted-{rice.id}"' in page and f'id="counted-{oil.id}"' in page
    assert f'id="counted-{salt.id}"' not in page
    response = staff.post(
        "/market/stock/count", data={f"counted-{oil.id}": "0", f"expected-{oil.id}": "2"}
    )
    assert response.status_code == 302 and stock(oil) == 0
    assert f'id="counted-{oil.id}"' not in text(staff.get("/market/stock/count"))


def test_category_is_fixed_once_an_item_has_stock_movements(staff, make_item):
    """Reports group past movements by the item's category: changing it would rewrite them."""
    item = make_item(name="面粉", category="grain_oil", value=500)
    fresh = make_item(name="挂面", category="grain_oil")
    fields = dict(
        name="面粉（5公斤）",
        category="food",
        unit="袋",
        points_price="12",
        reference_value="6",
        low_stock_threshold="2",
        active="y",
    )
    # No movement yet: the category may still be corrected.
    assert (
        staff.post(f"/market/items/{fresh.id}/edit", data=dict(fields, name="挂面")).status_code
        == 302
    )
    assert Item.get_by_id(fresh.id).category == "food"
    market.record_donation("person", "张三", TODAY(), lines=[(item.id, 2, 500)])
    report_before = monthly_report(current_period())
    assert report_before.donated_by_category == {"grain_oil": (2, 1000)}
    refused = staff.post(f"/market/items/{item.id}/edit", data=fields)
    assert refused.status_code == 422
    assert "已有库存记录，不能再更改类别" in text(refused) and "新建" in text(refused)
    assert Item.get_by_id(item.id).category == "grain_oil"
    assert monthly_report(current_period()) == report_before
    with pytest.raises(MarketError) as error:
        market.save_item(item, **dict(fields, category="food", points_price=12))
    assert (error.value.code, error.value.field) == ("category_locked", "category")
    # Name, unit and prices may change.
    allowed = staff.post(f"/market/items/{item.id}/edit", data=dict(fields, category="grain_oil"))
    assert allowed.status_code == 302
    changed = Item.get_by_id(item.id)
    assert (changed.name, changed.points_price, changed.reference_value) == (
        "面粉（5公斤）",
        12,
        600,
    )
    assert monthly_report(current_period()).donated_by_category == {"grain_oil": (2, 1000)}


# --- Donations ----------------------------------------------------------------------------


def test_record_donation_of_two_goods_and_money_through_the_form(staff, make_item):
    rice, towel = make_item(name="大米", value=4500), make_item(name="毛巾", value=1500)
    enterprise = Enterprise.create(name="绿地建设集团", is_partner=True)
    form = {
        "donor_kind": "enterprise",
        "donor_name": "绿地建设集团",
        "donated_on": TODAY().isoformat(),
        "lines-0-item": str(rice.id),
        "lines-0-quantity": "100",
        "lines-0-unit_value": "",
        "lines-1-item": str(towel.id),
        "lines-1-quantity": "50",
        "lines-1-unit_value": "12",
        "lines-2-item": "",
        "lines-2-quantity": "",
        "money": "3,000",
        "named": "y",
        "note": "年终慰问",
    }
    response = staff.post("/market/donations/new", data=form)
    assert response.status_code == 302, text(response)[:2000]
    donation = Donation.get()
    year = TODAY().year
    assert donation.receipt_no == f"JZ-{year}-0001"
    assert donation.donor.enterprise_id == enterprise.id  # the shared enterprise record
    assert (donation.goods_value, donation.money) == (100 * 4500 + 50 * 1200, 300_000)
    assert (stock(rice), stock(towel), cash()) == (100, 50, 300_000)
    detail = text(staff.get(f"/market/donations/{donation.id}"))
    assert f"JZ-{year}-0001" in detail and "¥8,100.00" in detail
    certificate = text(staff.get(f"/market/donations/{donation.id}/certificate"))
    assert "捐赠证书" in certificate and "捌仟壹佰元整" in certificate
    assert "绿地建设集团" in certificate and f"JZ-{year}-0001" in certificate
    assert AuditEntry.select().where(AuditEntry.action == "market.donation").count() == 1


def test_donation_form_errors(staff, make_item):
    item = make_item()
    empty = staff.post(
        "/market/donations/new",
        data={
            "donor_kind": "person",
            "donor_name": "李四",
            "donated_on": TODAY().isoformat(),
            "consent": "y",
        },
    )
    assert empty.status_code == 422 and "请至少填写一行物资或一笔捐款" in text(empty)
    future = staff.post(
        "/market/donations/new",
        data={
            "donor_kind": "person",
            "donor_name": "李四",
            "consent": "y",
            "donated_on": (TODAY() + timedelta(days=2)).isoformat(),
            "money": "10",
        },
    )
    assert future.status_code == 422 and "日期不能晚于今天" in text(future)
    half_line = staff.post(
        "/market/donations/new",
        data={
            "donor_kind": "person",
            "donor_name": "李四",
            "consent": "y",
            "donated_on": TODAY().isoformat(),
            "lines-0-item": str(item.id),
            "lines-0-quantity": "",
        },
    )
    assert half_line.status_code == 422 and "请输入数量" in text(half_line)
    more = staff.post("/market/donations/new", data={"add_line": "1", "lines-0-item": ""})
    assert more.status_code == 200
    assert 'name="lines-3-item"' in text(more)
    assert Donation.select().count() == 0


def test_large_amounts_fit_on_every_database(staff, make_item):
    item = make_item()
    response = staff.post(
        "/market/donations/new",
        data={
            "donor_kind": "enterprise",
            "donor_name": "华谊集团",
            "donated_on": TODAY().isoformat(),
            "lines-0-item": str(item.id),
            "lines-0-quantity": "100000",
            "lines-0-unit_value": "999,999,999.99",
            "money": "999999999.99",
        },
    )
    assert response.status_code == 302
    donation = Donation.get()
    assert donation.money == 99_999_999_999
    assert donation.goods_value == 100_000 * 99_999_999_999
    assert cash() == 99_999_999_999
    certificate = text(staff.get(f"/market/donations/{donation.id}/certificate"))
    assert capital_amount(donation.total_value) in certificate
    too_big = staff.post("/market/spending/new", data={"amount": "1234567890", "purpose": "x"})
    assert too_big.status_code == 422 and "请以元为单位输入金额" in text(too_big)


def test_receipt_numbers_are_gapless_per_year(make_item):
    item = make_item()
    this_year = TODAY().year
    numbers = [
        market.record_donation("person", "张三", TODAY(), money=100).receipt_no for _ in range(3)
    ]
    assert numbers == [f"JZ-{this_year}-000{n}" for n in (1, 2, 3)]
    market.reverse_donation(Donation.get(Donation.receipt_seq == 2).id, "录入错误")
    next_one = market.record_donation("person", "张三", TODAY(), lines=[(item.id, 1, 10)])
    assert next_one.receipt_no == f"JZ-{this_year}-0004"  # a reversed number stays used
    new_year = to_utc(datetime(this_year + 1, 1, 1, 9))
    first = market.record_donation("person", "张三", TODAY(), money=5, at=new_year)
    assert first.receipt_no == f"JZ-{this_year + 1}-0001"


def test_reverse_donation_whole_with_reason(staff, make_item, make_household):
    item = make_item(points=10)
    donation = market.record_donation(
        "person", "张三", TODAY(), lines=[(item.id, 5, 100)], money=900
    )
    page = staff.get(f"/market/reverse/donation/{donation.id}")
    assert page.status_code == 200 and "收据编号保留不再使用" in text(page)
    no_reason = staff.post(f"/market/reverse/donation/{donation.id}", data={"reason": " "})
    assert no_reason.status_code == 422
    response = staff.post(f"/market/reverse/donation/{donation.id}", data={"reason": "重复登记"})
    assert response.status_code == 302
    assert (stock(item), cash()) == (0, 0)
    detail = text(staff.get(f"/market/donations/{donation.id}"))
    assert "已冲正" in detail and "重复登记" in detail
    certificate = text(staff.get(f"/market/donations/{donation.id}/certificate"))
    assert "作废" in certificate
    with pytest.raises(MarketError, match="already_reversed"):
        market.reverse_donation(donation.id, "再冲一次")


def test_reversing_a_donation_whose_goods_are_gone_is_refused(staff, make_item, make_household):
    item = make_item(points=10)
    donation = market.record_donation("person", "张三", TODAY(), lines=[(item.id, 2, 100)])
    household = make_household()
    market.issue_allowance()
    market.redeem(household.id, [(item.id, 1)])
    before = ledger_rows()
    response = staff.post(f"/market/reverse/donation/{donation.id}", data={"reason": "录错"})
    assert response.status_code == 422
    assert "库存不足" in text(response) and item.name in text(response)
    assert ledger_rows() == before


def test_donor_page_cumulative_value_and_honour_level(staff, make_item):
    save_rules({"market.honour.bronze": 10_000, "market.honour.silver": 50_000})
    first = market.record_donation("enterprise", "宝华集团", TODAY(), money=6_000)
    market.record_donation("enterprise", "宝华集团", TODAY(), money=6_000)
    wrong = market.record_donation("enterprise", "宝华集团", TODAY(), money=90_000)
    market.reverse_donation(wrong.id, "金额错误")
    page = text(staff.get(f"/market/donors/{first.donor_id}"))
    assert "¥120.00" in page  # the reversed donation does not count
    assert "铜牌爱心捐赠人" in page
    listing = text(staff.get("/market/donors"))
    assert "宝华集团" in listing and "铜牌爱心捐赠人" in listing
    settings = staff.post(
        "/market/settings",
        data={
            key.replace(".", "__"): str(v)
            for key, v in {
                "market.base_points.dibao": 80,
                "market.base_points.low_income": 60,
                "market.base_points.illness": 70,
                "market.base_points.disability": 70,
                "market.base_points.other": 40,
                "market.points_per_person": 20,
                "market.carry_over_months": 2,
                "market.visit_limit": 4,
                "market.honour.bronze": 50,
                "market.honour.silver": 100,
                "market.honour.gold": 110,
            }.items()
        },
    )
    assert settings.status_code == 302
    # Thresholds are entered in yuan: gold from ¥110, and the cumulative value is ¥120.
    assert "金牌爱心捐赠人" in text(staff.get(f"/market/donors/{first.donor_id}"))


def test_settings_form_refuses_bad_numbers(staff):
    response = staff.post("/market/settings", data={"market__visit_limit": "-2"})
    assert response.status_code == 422
    assert "请输入 0 或以上的整数" in text(response)


# --- Cash ---------------------------------------------------------------------------------


def test_cash_never_goes_negative(staff, make_item):
    item = make_item()
    market.record_donation("person", "张三", TODAY(), money=10_000)
    too_much = staff.post(
        "/market/purchases/new",
        data={
            "supplier": "粮油店",
            "lines-0-item": str(item.id),
            "lines-0-quantity": "3",
            "lines-0-unit_value": "40",
        },
    )
    assert too_much.status_code == 422 and "捐款结余不足" in text(too_much)
    ok = staff.post(
        "/market/purchases/new",
        data={
            "supplier": "粮油店",
            "lines-0-item": str(item.id),
            "lines-0-quantity": "2",
            "lines-0-unit_value": "40",
        },
    )
    assert ok.status_code == 302
    assert (stock(item), cash()) == (2, 2_000)
    spend = staff.post("/market/spending/new", data={"amount": "20.01", "purpose": "运输"})
    assert spend.status_code == 422 and "捐款结余不足" in text(spend)
    spend = staff.post("/market/spending/new", data={"amount": "20", "purpose": "运输"})
    assert spend.status_code == 302 and cash() == 0
    page = text(staff.get("/market/cash"))
    assert "data-cash-balance>¥0.00" in page and "运输" in page


def test_reverse_purchase_and_spending(staff, make_item):
    item = make_item()
    market.record_donation("person", "张三", TODAY(), money=10_000)
    purchase = market.record_purchase("粮油店", [(item.id, 2, 1000)])
    spending = market.record_spending(3000, "印刷")
    assert cash() == 5_000
    assert (
        staff.post(f"/market/reverse/purchase/{purchase.id}", data={"reason": "退货"}).status_code
        == 302
    )
    assert (stock(item), cash()) == (0, 7_000)
    assert (
        staff.post(f"/market/reverse/spending/{spending.id}", data={"reason": "记错"}).status_code
        == 302
    )
    assert cash() == 10_000
    assert staff.get("/market/reverse/nonsense/1").status_code == 404
    assert staff.get("/market/reverse/donation/999").status_code == 404


# --- Households ---------------------------------------------------------------------------


def test_register_household_and_card(staff):
    response = staff.post(
        "/market/households/new",
        data=dict(
            head_name="王秀英",
            mobile="138 0000 2001",
            address="广中路100弄1号",
            size="3",
            category="dibao",
            status="active",
            next_review=(TODAY() + timedelta(days=365)).isoformat(),
            consent="y",
        ),
    )
    assert response.status_code == 302
    household = Household.get()
    assert household.card_no == "GZ00001" and household.mobile == "13800002001"
    card = text(staff.get(f"/market/households/{household.id}/card"))
    assert "<svg" in card and "GZ00001" in card and "王秀英" in card
    bad = staff.post(
        "/market/households/new",
        data=dict(
            head_name="", mobile="123", size="0", category="dibao", status="active", next_review=""
        ),
    )
    assert bad.status_code == 422
    page = text(bad)
    assert "请输入姓名" in page and "请输入家庭人数" in page and "11 位" in page
    assert Household.select().count() == 1
    audit = AuditEntry.get(AuditEntry.action == "market.household.create")
    assert "王秀英" not in audit.summary and "13800002001" not in audit.summary


def test_personal_data_is_for_staff_only(login_as, make_household):
    household = make_household(head_name="赵桂兰", mobile="13800003001")
    for role in (None, "entrepreneur", "kiosk"):
        client = login_as(role)
        for url in (
            f"/market/households/{household.id}",
            "/market/households",
            f"/market/households/{household.id}/card",
        ):
            response = client.get(url)
            assert response.status_code in (302, 403)
            assert "赵桂兰" not in text(response)


def test_reviews_due_and_marking_reviewed(staff, make_household):
    soon = make_household(next_review=TODAY() + timedelta(days=10))
    make_household(next_review=TODAY() + timedelta(days=200))
    make_household(next_review=TODAY() - timedelta(days=1), status="closed")
    assert [h.id for h in due_for_review()] == [soon.id]
    listing = text(staff.get("/market/households?due=1"))
    assert soon.card_no in listing and "GZ00002" not in listing
    response = staff.post(f"/market/households/{soon.id}/review")
    assert response.status_code == 302
    assert Household.get_by_id(soon.id).next_review == one_year_after(TODAY())
    assert list(due_for_review()) == []


def test_edit_household_keeps_card_and_history(staff, make_household):
    household = make_household(size=2)
    market.issue_allowance()
    response = staff.post(
        f"/market/households/{household.id}/edit",
        data=dict(
            head_name="新户主",
            mobile="",
            address="",
            size="4",
            category="illness",
            status="suspended",
            next_review="2031-01-01",
        ),
    )
    assert response.status_code == 302
    changed = Household.get_by_id(household.id)
    assert (changed.card_no, changed.size, changed.status) == (household.card_no, 4, "suspended")
    assert points(changed) == monthly_allowance("dibao", 2)


# --- The monthly allowance ----------------------------------------------------------------


def test_allowance_formula_uses_the_settings_table():
    assert monthly_allowance("dibao", 3) == 80 + 3 * 20
    set_setting("market.base_points.dibao", 100)
    set_setting("market.points_per_person", 15)
    assert monthly_allowance("dibao", 3) == 100 + 45


def test_issuing_a_month_is_idempotent(staff, make_household):
    one, two = make_household(size=1), make_household(size=3, category="other")
    make_household(status="suspended")
    first = staff.post("/market/allowance")
    assert first.status_code == 200 and "已为 2 户发放积分" in text(first)
    second = staff.post("/market/allowance")
    assert second.status_code == 200 and "已为 0 户发放积分" in text(second)
    assert (points(one), points(two)) == (80 + 20, 40 + 60)
    assert PointsEntry.select().where(PointsEntry.kind == "allowance").count() == 2
    # A household registered later gets its month on the next run, still once.
    three = make_household(size=2)
    run = market.issue_allowance()
    assert (run.credited, run.already) == (1, 2)
    assert points(three) == 120
    # The database itself refuses a second allowance row for the same household and month.
    with pytest.raises(IntegrityError):
        PointsEntry.create(
            household=one,
            points=1,
            kind="allowance",
            allowance_month=current_period(),
            period=current_period(),
            hash="x" * 64,
        )


def test_carry_over_is_capped_and_the_excess_expires_in_the_same_run(make_household):
    household = make_household(size=1, category="dibao")  # 100 points a month
    start = to_utc(datetime(2026, 1, 1, 9))
    for month in range(4):
        market.issue_allowance(at=start + timedelta(days=31 * month))
    # Jan 100; Feb 200; Mar 300; Apr: 300 > cap 200 → 100 expire, then +100 → 300.
    entries = list(household.points_entries.order_by(PointsEntry.id))
    kinds = [(e.kind, e.points, e.allowance_month) for e in entries]
    assert ("expiry", -100, "2026-04") in kinds
    assert points(household) == 300
    expiry = next(e for e in entries if e.kind == "expiry")
    allowance = next(e for e in entries if e.kind == "allowance" and e.allowance_month == "2026-04")
    assert expiry.id < allowance.id  # same run, expiry first
    report = monthly_report("2026-04")
    assert (report.points["allowance"], report.points["expiry"]) == (100, -100)


def test_an_allowance_is_reversed_from_the_household_page(staff, make_household):
    household = make_household(size=1, category="dibao")  # 100 points a month
    market.issue_allowance()
    allowance = PointsEntry.get(PointsEntry.kind == "allowance")
    page = text(staff.get(f"/market/households/{household.id}"))
    link = f"/market/reverse/points/{allowance.id}"
    assert f'href="{link}"' in page
    form = text(staff.get(link))
    assert household.card_no in form and "+100" in form
    assert staff.post(link, data={"reason": ""}).status_code == 422
    response = staff.post(link, data={"reason": "户籍已迁出，不应发放"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/market/households/{household.id}")
    assert points(household) == 0
    reversal = PointsEntry.get(PointsEntry.reverses == allowance.id)
    assert (reversal.kind, reversal.points) == ("reversal", -100)
    assert reversal.note == "户籍已迁出，不应发放"
    audit = AuditEntry.get(AuditEntry.action == "market.reverse")
    assert f"points entry {allowance.id} (allowance +100)" in audit.summary
    page = text(staff.get(f"/market/households/{household.id}"))
    assert f'href="{link}"' not in page and "已冲正" in page
    again = staff.post(link, data={"reason": "再来一次"})
    assert again.status_code == 422 and "该记录已冲正" in text(again)
    # Still issued for the month: the monthly run does not credit it again.
    assert market.issue_allowance().credited == 0 and points(household) == 0


def test_reversing_an_allowance_is_refused_below_zero(staff, counter_setup):
    rice, _, household, _ = counter_setup  # 100 points; rice costs 30
    market.redeem(household.id, [(rice.id, 1)])
    allowance = PointsEntry.get(
        (PointsEntry.kind == "allowance") & (PointsEntry.household == household.id)
    )
    before = ledger_rows()
    response = staff.post(f"/market/reverse/points/{allowance.id}", data={"reason": "发错了"})
    assert response.status_code == 422
    assert "冲正该记录会使爱心卡积分低于零：卡内有 70 分，该记录为 100 分" in text(response)
    assert ledger_rows() == before
    with pytest.raises(MarketError, match="points_would_go_negative"):
        market.reverse_points_entry(allowance.id, "发错了")


def test_an_expiry_is_reversed_and_other_entries_are_not(staff, make_household):
    household = make_household(size=1, category="dibao")
    start = to_utc(datetime(2026, 1, 1, 9))
    for month in range(4):
        market.issue_allowance(at=start + timedelta(days=31 * month))
    expiry = PointsEntry.get(PointsEntry.kind == "expiry")
    response = staff.post(f"/market/reverse/points/{expiry.id}", data={"reason": "上限设置有误"})
    assert response.status_code == 302 and points(household) == 400
    reversal = PointsEntry.get(PointsEntry.reverses == expiry.id)
    assert reversal.points == 100
    # A reversal is not reversed, nor a redemption's debit on its own; unknown ids are 404.
    refused = staff.post(f"/market/reverse/points/{reversal.id}", data={"reason": "x"})
    assert refused.status_code == 422 and "不能单独冲正" in text(refused)
    assert staff.get("/market/reverse/points/999999").status_code == 404


# --- The counter --------------------------------------------------------------------------


@pytest.fixture
def counter_setup(make_item, make_household):
    """Rice (30 points, 5 in stock), oil (40 points, 1 in stock), one active household with 100
    points (dibao, one person), one suspended household."""
    rice = make_item(name="大米", points=30, value=4500)
    oil = make_item(name="食用油", points=40, value=6800)
    market.record_donation("person", "张三", TODAY(), lines=[(rice.id, 5, 4500), (oil.id, 1, 6800)])
    household = make_household(size=1, head_name="王秀英")
    suspended = make_household(status="suspended")
    market.issue_allowance()
    return rice, oil, household, suspended


def test_redeem_at_the_counter_by_card_number(staff, counter_setup):
    rice, oil, household, _ = counter_setup
    found = staff.get(f"/market/counter?card={household.card_no.lower()}")
    assert found.status_code == 302 and found.headers["Location"].endswith(household.card_no)
    page = text(staff.get(f"/market/counter/{household.card_no}"))
    assert "王秀英" in page and "data-counter-balance>100<" in page
    total = staff.get(
        f"/market/counter/{household.card_no}/total?qty-{rice.id}=2&qty-{oil.id}=1",
        headers={"HX-Request": "true"},
    )
    assert "<html" not in text(total) and "data-basket-total>100 积分<" in text(total)
    response = staff.post(
        f"/market/counter/{household.card_no}", data={f"qty-{rice.id}": "2", f"qty-{oil.id}": "1"}
    )
    assert response.status_code == 302
    redemption = Redemption.get()
    assert redemption.points_total == 100
    assert (points(household), stock(rice), stock(oil)) == (0, 3, 0)
    slip = text(staff.get(response.headers["Location"]))
    assert "领取人签名" in slip and redemption.slip_no in slip and "王*英" in slip


def test_over_balance_basket_is_refused_and_nothing_written(staff, counter_setup):
    rice, _, household, _ = counter_setup
    before = ledger_rows()
    response = staff.post(f"/market/counter/{household.card_no}", data={f"qty-{rice.id}": "4"})
    assert response.status_code == 422
    assert "积分不足：本次兑换需要 120 分，卡内仅有 100 分" in text(response)
    assert ledger_rows() == before and Redemption.select().count() == 0


def test_refusal_names_the_line_short_of_stock(staff, counter_setup):
    rice, oil, household, _ = counter_setup
    before = ledger_rows()
    response = staff.post(
        f"/market/counter/{household.card_no}", data={f"qty-{rice.id}": "1", f"qty-{oil.id}": "2"}
    )
    assert response.status_code == 422
    assert "第 2 行：食用油库存不足（剩 1 袋，需要 2 袋）" in text(response)
    assert ledger_rows() == before


def test_a_line_deactivated_after_loading_is_refused_by_name(staff, counter_setup):
    """The basket was loaded with oil on it; oil leaves the catalogue before confirming. The
    line is refused by number and name, not silently dropped from the redemption."""
    rice, oil, household, _ = counter_setup
    page = text(staff.get(f"/market/counter/{household.card_no}"))
    assert f'name="qty-{oil.id}"' in page
    market.models.Item.update(active=False).where(market.models.Item.id == oil.id).execute()
    before = ledger_rows()
    response = staff.post(
        f"/market/counter/{household.card_no}", data={f"qty-{rice.id}": "1", f"qty-{oil.id}": "1"}
    )
    assert response.status_code == 422
    assert "第 2 行（食用油）：开始兑换后该物品已下架" in text(response)
    assert ledger_rows() == before and Redemption.select().count() == 0
    # The refused page lists only what can be taken: confirming again takes the rice alone.
    assert f'name="qty-{oil.id}"' not in text(response)
    again = staff.post(f"/market/counter/{household.card_no}", data={f"qty-{rice.id}": "1"})
    assert again.status_code == 302 and (stock(rice), stock(oil), points(household)) == (4, 1, 70)


def test_a_line_of_an_unknown_item_is_refused(staff, counter_setup):
    rice, _, household, _ = counter_setup
    response = staff.post(
        f"/market/counter/{household.card_no}", data={f"qty-{rice.id}": "1", "qty-999999": "1"}
    )
    # An id that was never in the catalogue is no basket line (and never a 500).
    assert response.status_code == 302 and stock(rice) == 4


def test_suspended_card_and_unknown_card_are_refused(staff, counter_setup):
    rice, _, _, suspended = counter_setup
    page = staff.get(f"/market/counter/{suspended.card_no}")
    assert "不能在柜台使用" in text(page)
    response = staff.post(f"/market/counter/{suspended.card_no}", data={f"qty-{rice.id}": "1"})
    assert response.status_code == 422 and "暂停" in text(response)
    unknown = staff.get("/market/counter?card=XX999")
    assert unknown.status_code == 422 and "没有这个号码的爱心卡或爱心存折" in text(unknown)
    assert staff.get("/market/counter/XX999").status_code == 404
    bad_qty = staff.post(f"/market/counter/{suspended.card_no}", data={f"qty-{rice.id}": "abc"})
    assert bad_qty.status_code == 422
    assert Redemption.select().count() == 0


def test_visit_limit_is_a_setting(staff, counter_setup):
    rice, _, household, _ = counter_setup
    set_setting("market.visit_limit", 1)
    market.redeem(household.id, [(rice.id, 1)])
    before = ledger_rows()
    response = staff.post(f"/market/counter/{household.card_no}", data={f"qty-{rice.id}": "1"})
    assert response.status_code == 422
    assert "已达兑换次数上限：此卡本月已兑换 1 次（上限 1 次）" in text(response)
    assert ledger_rows() == before
    # A reversed redemption gives the visit back.
    market.reverse_redemption(Redemption.get().id, "拿错了")
    assert (
        staff.post(f"/market/counter/{household.card_no}", data={f"qty-{rice.id}": "1"}).status_code
        == 302
    )


def test_reverse_redemption_returns_goods_and_points(staff, counter_setup):
    rice, _, household, _ = counter_setup
    redemption = market.redeem(household.id, [(rice.id, 2)])
    assert (points(household), stock(rice)) == (40, 3)
    response = staff.post(f"/market/reverse/redemption/{redemption.id}", data={"reason": "误操作"})
    assert response.status_code == 302
    assert (points(household), stock(rice)) == (100, 5)
    assert "已冲正" in text(staff.get(f"/market/redemptions/{redemption.id}"))


# --- Reports and the public notice ---------------------------------------------------------


def scenario(make_item, make_household):
    """A month with named and unnamed donors, purchases, redemptions, a write-off."""
    rice = make_item(name="大米", points=30, value=4500, category="grain_oil")
    pens = make_item(name="文具套装", points=10, value=2000, category="stationery")
    market.record_donation(
        "enterprise",
        "绿地建设集团",
        TODAY(),
        lines=[(rice.id, 20, 4500)],
        money=100_000,
        named=True,
    )
    market.record_donation(
        "person", "赵桂兰", TODAY(), lines=[(pens.id, 10, 2000)], contact="13800003001"
    )
    wrong = market.record_donation("enterprise", "宝华集团", TODAY(), money=999_900, named=True)
    market.reverse_donation(wrong.id, "金额错误")
    market.record_purchase("粮油店", [(rice.id, 5, 4000)])
    households = [
        make_household(size=2, head_name=f"户主{n}", mobile=f"1380000400{n}") for n in range(3)
    ]
    market.issue_allowance()
    market.redeem(households[0].id, [(rice.id, 2), (pens.id, 1)])
    market.redeem(households[1].id, [(rice.id, 1)])
    market.redeem(households[0].id, [(pens.id, 2)])
    market.write_off(pens.id, 1, "破损")
    return rice, pens, households


def test_monthly_report_totals_equal_ledger_sums(staff, make_item, make_household):
    rice, pens, _ = scenario(make_item, make_household)
    report = monthly_report(current_period())
    assert report.donations == 2 and report.reversed_donations == 1
    assert report.donated_goods == 20 * 4500 + 10 * 2000 and report.donated_money == 100_000
    assert report.goods_out == {"grain_oil": (3, 3 * 4500, 90), "stationery": (3, 3 * 2000, 30)}
    assert (report.redemptions, report.households_served) == (3, 2)
    assert report.points["allowance"] == 3 * 120 and report.points["redemption"] == -120
    assert report.cash_closing == cash() == 100_000 - 20_000
    assert report.stock_balanced
    closing = {row["id"]: row["closing"] for row in report.stock}
    assert closing == {rice.id: stock(rice), pens.id: stock(pens)}
    page = text(staff.get("/market/reports"))
    assert "绿地建设集团" in page and "赵桂兰" in page and "✓" in page
    assert 'data-report="households">2<' in page


def test_report_is_a_fixed_number_of_queries(app, staff, make_item, make_household, query_counter):
    scenario(make_item, make_household)
    staff.get("/market/reports")  # warm up the per-process caches
    app.extensions["page_cache"].clear()  # counted as rendered, not served (views/caching.py)
    with query_counter() as small:
        staff.get("/market/reports")
    for n in range(5):
        market.record_donation("enterprise", f"企业{n}", TODAY(), money=100)
    item = make_item()
    market.record_donation("person", "张三", TODAY(), lines=[(item.id, 9, 10)])
    for household in Household.select():
        market.redeem(household.id, [(item.id, 1)])
    staff.get("/market/reports")  # the kept ledger totals take in the new rows once
    app.extensions["page_cache"].clear()
    with query_counter() as large:
        staff.get("/market/reports")
    assert large.count == small.count > 2


def test_report_xlsx(staff, make_item, make_household):
    scenario(make_item, make_household)
    response = staff.get(f"/market/reports/{current_period()}.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.get_data()))
    assert "库存核对" in workbook.sheetnames and "按捐赠人统计的捐赠" in workbook.sheetnames
    donors = [row[0].value for row in workbook["按捐赠人统计的捐赠"].iter_rows(min_row=2)]
    assert "绿地建设集团" in donors
    assert staff.get("/market/reports/2026-13.xlsx").status_code == 404
    future = shift_period(current_period(), 1)
    assert staff.get(f"/market/reports/{future}.xlsx").status_code == 404


def test_disclosure_is_public_and_holds_no_personal_data(login_as, make_item, make_household):
    scenario(make_item, make_household)
    for role in (None, "entrepreneur", "kiosk", "staff"):
        # The kiosk is sent to the same notice in its own frame (kiosk.market_notice).
        response = login_as(role).get("/market/disclosure", follow_redirects=True)
        assert response.status_code == 200
        assert (response.request.path == "/kiosk/notices/market") == (role == "kiosk")
        page = text(response)
        assert "绿地建设集团" in page and "爱心人士" in page
        assert 'data-disclosure="households">2<' in page
        for private in ("赵桂兰", "13800003001", "户主0", "1380000400", "GZ0000", "宝华集团"):
            assert private not in page, private
        assert page.count("<svg") == 2 and "<title" in page
    notice = disclosure(current_period())
    assert notice.anonymous_donations == 1 and notice.anonymous_value == 20_000


def test_disclosure_of_an_earlier_month(client, make_item):
    item = make_item()
    earlier = shift_period(current_period(), -3)
    day = date.fromisoformat(earlier + "-10")
    at = to_utc(datetime(day.year, day.month, day.day, 10))
    market.record_donation(
        "enterprise", "华谊集团", day, lines=[(item.id, 2, 500)], named=True, at=at
    )
    assert period_of(at) == earlier
    page = text(client.get(f"/market/disclosure?month={earlier}"))
    assert "华谊集团" in page
    assert "华谊集团" not in text(client.get("/market/disclosure"))
    assert client.get("/market/disclosure?month=nonsense").status_code == 200


def test_a_published_month_does_not_change_when_a_reversal_comes_later(
    client, staff, make_item, make_household
):
    """The accountant's rule: January's donation and redemption reversed in February stay in
    January's report and notice; February shows the reversals as negative lines."""
    item = make_item(name="大米", points=10, value=500)
    household = make_household(size=1)
    january = to_utc(datetime(2026, 1, 10, 10))
    february = to_utc(datetime(2026, 2, 5, 10))
    donation = market.record_donation(
        "enterprise",
        "华谊集团",
        date(2026, 1, 10),
        lines=[(item.id, 2, 500)],
        money=10_000,
        named=True,
        at=january,
    )
    market.issue_allowance(at=january)
    redemption = market.redeem(household.id, [(item.id, 1)], at=january + timedelta(hours=1))
    report_before, notice_before = monthly_report("2026-01"), disclosure("2026-01")
    assert report_before.donated_value == 11_000 and report_before.redemptions == 1
    market.reverse_redemption(redemption.id, "录错了", at=february)
    market.reverse_donation(donation.id, "金额有误", at=february + timedelta(hours=1))
    assert monthly_report("2026-01") == report_before
    assert disclosure("2026-01") == notice_before
    assert "华谊集团" in text(client.get("/market/disclosure?month=2026-01"))

    report = monthly_report("2026-02")
    assert report.donations == 0 and report.reversed_donations == 0
    assert [(c["receipt_no"], c["month"], c["value"]) for c in report.corrections] == [
        (donation.receipt_no, "2026-01", -11_000)
    ]
    assert report.donated_value == -11_000
    assert report.donated_by_category == {"grain_oil": (-2, -1000)}
    assert report.goods_out == {"grain_oil": (-1, -500, -10)}
    assert (report.redemptions, report.households_served) == (0, 0)
    assert report.stock_balanced
    page = text(staff.get("/market/reports?month=2026-02"))
    assert f'data-correction="{donation.receipt_no}"' in page and "-¥110.00" in page
    notice = disclosure("2026-02")
    assert notice.corrections == [dict(month="2026-01", name="华谊集团", value=-11_000)]
    assert notice.donated_value == -11_000
    assert notice.months[-2:] == [("2026-01", 11_000, 500), ("2026-02", -11_000, -500)]
    public = text(client.get("/market/disclosure?month=2026-02"))
    assert "data-correction" in public and "华谊集团" in public and "-¥110.00" in public


def test_the_notice_headline_is_never_a_negative_donation(client, make_item):
    """A month with only the reversal of an earlier donation: the headline shows what came in
    (nothing), the reversal stands beside it as its own figure, not as a negative total."""
    item = make_item(name="大米", value=500)
    donation = market.record_donation(
        "enterprise",
        "华谊集团",
        date(2026, 1, 10),
        lines=[(item.id, 2, 500)],
        money=10_000,
        named=True,
        at=to_utc(datetime(2026, 1, 10, 10)),
    )
    market.reverse_donation(donation.id, "金额有误", at=to_utc(datetime(2026, 2, 5, 10)))
    february = text(client.get("/market/disclosure?month=2026-02"))
    assert 'data-disclosure="donated">¥0.00<' in february
    assert 'data-disclosure="corrected">-¥110.00<' in february
    chart = february[february.index('id="chart-in"') :]
    assert not re.search(r'<rect [^>]*height="-', chart)
    january = text(client.get("/market/disclosure?month=2026-01"))
    assert 'data-disclosure="donated">¥110.00<' in january
    assert 'data-disclosure="corrected"' not in january


def test_an_unnamed_donation_reversed_later_stays_unnamed(client, make_item):
    item = make_item()
    january = to_utc(datetime(2026, 1, 10, 10))
    donation = market.record_donation(
        "person", "赵桂兰", date(2026, 1, 10), lines=[(item.id, 1, 800)], at=january
    )
    market.reverse_donation(donation.id, "重复录入", at=to_utc(datetime(2026, 2, 1, 10)))
    assert disclosure("2026-01").anonymous_value == 800
    assert disclosure("2026-02").corrections == [dict(month="2026-01", name=None, value=-800)]
    public = text(client.get("/market/disclosure?month=2026-02"))
    assert "赵桂兰" not in public and "爱心人士" in public and "-¥8.00" in public


# --- Home, dashboard, navigation, demo ------------------------------------------------------


def test_market_home_and_dashboard_panel(staff, make_item, make_household):
    item = make_item(name="书包", threshold=5)
    market.record_donation("person", "张三", TODAY(), lines=[(item.id, 2, 100)])
    make_household(next_review=TODAY() + timedelta(days=3), head_name="李建华")
    home = text(staff.get("/market/"))
    assert "书包" in home and "李建华" in home and "今日兑换" in home
    dashboard = text(staff.get("/"))
    assert "爱心超市" in dashboard and "书包" in dashboard and "李建华" in dashboard


def test_navigation_entries(client, login_as):
    assert "爱心超市公示" in text(client.get("/"))
    assert 'href="/market/"' in text(login_as("staff").get("/"))
    assert 'href="/market/"' not in text(login_as("entrepreneur").get("/"))


def test_demo_data_makes_the_market_look_alive(demo_data, runner, login_as):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    staff = login_as("staff")
    assert Household.select().count() == 20
    assert Redemption.select().count() > 100
    months = {row.period for row in Donation.select(Donation.period).distinct()}
    assert len(months) == 12  # one a month for a year, this month's included
    home = text(staff.get("/market/"))
    assert "书包" in home  # kept low on purpose, so the low-stock list has something
    notice = text(staff.get("/market/disclosure"))
    assert any(name in notice for name in ("绿地建设集团", "宝华集团", "华谊集团", "爱景置业"))
