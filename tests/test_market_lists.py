# ruff: noqa: F811  (pytest fixtures imported from tests.market_helpers are redefined as arguments)
"""The market's staff lists share the app's kit: the active search box, one pager that keeps a
page past the end on the last page, a row action that answers with its row, and refusals put
on the form through `ErrorMessages` with a 422 answer."""

import re
from datetime import timedelta

import pytest

from db import market
from db.market.households import one_year_after
from db.market.models import Household
from db.market.periods import local_today
from tests.market_helpers import make_household, make_item  # noqa: F401


@pytest.fixture
def staff(login_as):
    return login_as("staff")


def text(response):
    return response.get_data(as_text=True)


@pytest.mark.parametrize(
    "url", ["/market/items", "/market/households", "/market/donations", "/market/donors"]
)
def test_lists_search_as_you_type_with_the_shared_box(staff, url):
    page = text(staff.get(url))
    box = re.search(r'<input id="q" type="search" name="q"[^>]*>', page)
    assert box, f"{url}: no search box"
    assert f'hx-get="{url}"' in box.group(0) and 'hx-target="#rows"' in box.group(0)
    assert 'maxlength="50"' in box.group(0)  # the macro's, not a copy of it
    assert '<label for="q" class="field__label">搜索</label>' in page


def test_a_page_past_the_end_shows_the_last_page(staff, make_item):
    for n in range(52):
        make_item(name=f"物资{n:02d}")
    last = text(staff.get("/market/items?page=2"))
    assert "共 52 种物资" in last and "物资51" in last and "物资00" not in last
    beyond = text(staff.get("/market/items?page=9"))
    assert "物资51" in beyond and "第 2 页，共 2 页" in beyond


def test_a_household_due_for_review_is_reviewed_from_its_row(staff, make_household):
    due = make_household(next_review=local_today() + timedelta(days=3))
    later = make_household(next_review=local_today() + timedelta(days=200))
    page = text(staff.get("/market/households?due=1"))
    url = f"/market/households/{due.id}/review"
    form = re.search(rf'<form method="post" action="{url}"[^>]*>', page)
    assert form, "no row action for the household due"
    assert 'hx-target="closest tr"' in form.group(0) and "hx-confirm=" in form.group(0)
    assert f"/market/households/{later.id}/review" not in text(staff.get("/market/households"))
    row = staff.post(url, headers={"HX-Request": "true"})
    assert row.status_code == 200
    html = text(row)
    assert html.strip().startswith("<tr>") and html.count("<tr>") == 1
    assert "已记录复核" in html and due.card_no in html
    assert Household.get_by_id(due.id).next_review == one_year_after(local_today())
    # Without JavaScript the form posts and the household's page says what happened.
    again = staff.post(url)
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/{due.id}")


def test_a_refusal_without_a_field_heads_the_form(staff, make_item):
    """Not enough stock belongs to no one field: it is in the error summary, the form comes
    back with 422."""
    rice = make_item(name="大米")
    market.record_donation("person", "张三", local_today(), lines=[(rice.id, 2, 4500)])
    response = staff.post(
        "/market/stock/write-off", data={"item": str(rice.id), "quantity": "5", "reason": "受潮"}
    )
    assert response.status_code == 422
    summary = re.search(r'<div class="error-summary".*?</div>', text(response), re.S)
    assert summary and "大米库存不足：剩 2 袋，需要 5 袋。" in summary.group(0)
    assert 'id="quantity-error"' not in text(response)  # not pinned on a field it is not about


def test_a_refusal_of_a_field_sits_by_the_field(staff, make_item):
    make_item(name="大米")
    response = staff.post(
        "/market/items/new",
        data=dict(
            name="大米",
            category="food",
            unit="袋",
            points_price="1",
            reference_value="1",
            low_stock_threshold="0",
        ),
    )
    assert response.status_code == 422
    assert re.search(
        r'<p class="field__error" id="name-error">[^<]*物资目录中已有同名物资', text(response)
    )


def test_the_books_changed_refusal_lists_the_items_in_the_readers_language(staff, make_item):
    rice, oil = make_item(name="Rice"), make_item(name="Oil")
    page = text(staff.get("/market/stock/count"))
    assert f'name="expected-{rice.id}" value="0"' in page
    market.record_donation(
        "person", "张三", local_today(), lines=[(rice.id, 1, 100), (oil.id, 1, 100)]
    )
    data = {
        f"counted-{rice.id}": "1",
        f"expected-{rice.id}": "0",
        f"counted-{oil.id}": "1",
        f"expected-{oil.id}": "0",
    }
    zh = staff.post("/market/stock/count", data=data)
    assert zh.status_code == 422 and "账面库存有变动：Oil和Rice。" in text(zh)
    staff.post("/language/en", data={"next": "/"})
    en = staff.post("/market/stock/count", data=data)
    assert "The books changed while you were counting: Oil and Rice." in text(en)
