"""Volunteers' passbooks (爱心存折): opening, earning (idempotent, corrections, nested in a
caller's transaction), the counter (a passbook number instead of a love card, same stock and
balance rules, reversal), earned points untouched by the monthly allowance, `ledger verify`
over the passbook chain, and personal data. Runs on SQLite and PostgreSQL."""
# ruff: noqa: F811  (pytest fixtures imported from tests.market_helpers)

import re

import pytest

from db import audit, database, market, write_lock
from db.accounts import PRIVACY_NOTICE_VERSION
from db.integrity import run_checks
from db.market.ledger import MarketError, append, market_lock
from db.market.models import Passbook, PassbookEntry, PointsEntry, Redemption, StockMovement
from db.market.periods import current_period, local_today
from db.privacy import ERASED_NAME, erase_person, export_person, purge_older_than
from db.settings import set_setting
from tests.market_helpers import make_household, make_item, stock  # noqa: F401
from tests.test_market_ledger import triggers_off, verify

MOBILE = "13900139077"


def text(response):
    return response.get_data(as_text=True)


@pytest.fixture
def staff(login_as):
    return login_as("staff")


@pytest.fixture
def shelf(make_item):
    """Rice (10 points, 5 in stock) and oil (30 points, 2 in stock)."""
    rice, oil = make_item(name="大米", points=10), make_item(name="食用油", points=30)
    market.record_donation(
        "person", "张三", local_today(), lines=[(rice.id, 5, 4500), (oil.id, 2, 6000)]
    )
    return rice, oil


@pytest.fixture
def passbook():
    """A volunteer's passbook holding 40 earned points."""
    book = market.open_passbook("李志愿", MOBILE)
    market.earn_points(book.id, 40, "hours:1", "敬老院服务 4 小时")
    return book


def passbook_rows():
    return (
        PassbookEntry.select().count(),
        Redemption.select().count(),
        StockMovement.select().count(),
    )


# --- opening and earning ---------------------------------------------------------------


def test_open_passbook_numbers_records_consent_and_audits(app):
    first = market.open_passbook("李志愿", "13800138000")
    second = market.open_passbook("  王志愿 ")
    assert (first.passbook_no, second.passbook_no) == ("ZY0001", "ZY0002")
    assert second.holder_name == "王志愿" and second.mobile == ""
    assert first.consent_version == PRIVACY_NOTICE_VERSION and first.consent_at
    assert market.passbook_by_no(" zy 0001 ").id == first.id
    assert market.passbook_by_no("GZ00001") is None and market.passbook_by_no("") is None
    summaries = [
        e.summary
        for e in audit.AuditEntry.select().where(audit.AuditEntry.action == "market.passbook.open")
    ]
    assert summaries == ["ZY0001", "ZY0002"]  # the number, never the name or mobile


def test_numbers_go_past_four_digits(app):
    Passbook.create(passbook_no="ZY9999", holder_name="甲")
    assert market.open_passbook("乙").passbook_no == "ZY10000"
    assert market.open_passbook("丙").passbook_no == "ZY10001"


@pytest.mark.parametrize(
    ("name", "mobile", "code"),
    [
        ("", "", "name_required"),
        ("  ", "", "name_required"),
        ("李" * 51, "", "name_too_long"),
        ("李志愿", "1380013800", "passbook_mobile"),
        ("李志愿", "１３８００１３８０００", "passbook_mobile"),
    ],
)
def test_open_passbook_refuses_bad_details(app, name, mobile, code):
    with pytest.raises(MarketError) as refused:
        market.open_passbook(name, mobile)
    assert refused.value.code == code
    assert Passbook.select().count() == 0


def test_earn_points_is_idempotent_by_source_key(app, passbook):
    again = market.earn_points(passbook.id, 40, "hours:1", "敬老院服务 4 小时")
    assert again.kind == "earned" and PassbookEntry.select().count() == 1
    assert market.passbook_balance(passbook.id) == 40
    other = market.open_passbook("王志愿")
    with pytest.raises(MarketError) as refused:
        market.earn_points(other.id, 40, "hours:1", "")
    assert refused.value.code == "source_key_taken"
    assert market.passbook_balance(other.id) == 0


def test_corrections_never_take_a_passbook_below_zero(app, passbook):
    with pytest.raises(MarketError) as refused:
        market.earn_points(passbook.id, -41, "fix:1", "多记了")
    assert refused.value.code == "passbook_balance"
    assert refused.value.params == {"balance": 40, "points": 41}
    assert PassbookEntry.select().count() == 1
    entry = market.earn_points(passbook.id, -40, "fix:1", "多记了")
    assert entry.kind == "correction" and market.passbook_balance(passbook.id) == 0
    assert run_checks()[0] == []


@pytest.mark.parametrize("points", [0, True, 1.5, "3"])
def test_earn_points_refuses_what_is_not_a_whole_number(app, passbook, points):
    with pytest.raises(MarketError) as refused:
        market.earn_points(passbook.id, points, "hours:9", "")
    assert refused.value.code == "points_required"
    assert PassbookEntry.select().count() == 1


def test_earn_points_refuses_unknown_closed_and_overlong_keys(app, passbook):
    for passbook_id, key, code in (
        (987_654, "hours:2", "unknown_passbook"),
        (passbook.id, "h" * 41, "source_key"),
        (passbook.id, "  ", "source_key"),
    ):
        with pytest.raises(MarketError) as refused:
            market.earn_points(passbook_id, 5, key, "")
        assert refused.value.code == code
    Passbook.update(status="closed").where(Passbook.id == passbook.id).execute()
    with pytest.raises(MarketError) as refused:
        market.earn_points(passbook.id, 5, "hours:2", "")
    assert refused.value.code == "passbook_not_active"
    # Taking points back from a closed passbook is still a correction.
    market.earn_points(passbook.id, -5, "fix:2", "")
    assert market.passbook_balance(passbook.id) == 35


def test_earn_points_joins_the_callers_transaction(app, passbook):
    """The volunteer module approves hours and books points in one transaction: when the
    caller's transaction fails after earn_points, the points are not booked either."""

    class Boom(Exception):
        pass

    with pytest.raises(Boom), write_lock():
        market.earn_points(passbook.id, 3, "hours:2", "")
        assert market.passbook_balance(passbook.id) == 43  # seen inside
        raise Boom
    assert market.passbook_balance(passbook.id) == 40
    assert not PassbookEntry.select().where(PassbookEntry.source_key == "hours:2").exists()
    with write_lock():
        market.earn_points(passbook.id, 3, "hours:2", "")
        market.earn_points(passbook.id, 2, "hours:3", "")
    assert market.passbook_balance(passbook.id) == 45
    assert run_checks()[0] == []


# --- the counter --------------------------------------------------------------------------


def test_redeem_from_a_passbook_debits_it_and_reversal_restores(app, shelf, passbook):
    rice, oil = shelf
    redemption = market.redeem_passbook(passbook.id, [(rice.id, 1), (oil.id, 1)])
    assert (redemption.passbook_id, redemption.household_id) == (passbook.id, None)
    assert redemption.points_total == 40 and market.passbook_balance(passbook.id) == 0
    debit = PassbookEntry.get(PassbookEntry.redemption == redemption.id)
    assert (debit.kind, debit.points) == ("redeemed", -40)
    assert (stock(rice), stock(oil)) == (4, 1)
    market.reverse_redemption(redemption.id, "误操作")
    assert market.passbook_balance(passbook.id) == 40 and (stock(rice), stock(oil)) == (5, 2)
    reversal = PassbookEntry.get(PassbookEntry.reverses == debit.id)
    assert (reversal.kind, reversal.points) == ("reversal", 40)
    assert market.earned_points_figures(current_period()) == {
        "earned": 40,
        "spent": 0,
        "outstanding": 40,
    }
    assert run_checks()[0] == []


def test_passbook_redemption_refusals_write_nothing(app, shelf, passbook):
    rice, oil = shelf
    before = passbook_rows()
    for lines, code in (
        ([(oil.id, 2)], "not_enough_points"),  # 60 > 40
        ([(rice.id, 6)], "line_not_enough_stock"),
        ([(rice.id, 0)], "empty_basket"),
    ):
        with pytest.raises(MarketError) as refused:
            market.redeem_passbook(passbook.id, lines)
        assert refused.value.code == code
    with pytest.raises(MarketError) as refused:
        market.redeem_passbook(987_654, [(rice.id, 1)])
    assert refused.value.code == "unknown_passbook"
    Passbook.update(status="closed").where(Passbook.id == passbook.id).execute()
    with pytest.raises(MarketError) as refused:
        market.redeem_passbook(passbook.id, [(rice.id, 1)])
    assert refused.value.code == "passbook_not_active"
    assert passbook_rows() == before


def test_the_household_visit_limit_does_not_apply_to_passbooks(app, shelf, passbook):
    rice, _ = shelf
    set_setting("market.visit_limit", 1)
    market.redeem_passbook(passbook.id, [(rice.id, 1)])
    market.redeem_passbook(passbook.id, [(rice.id, 1)])
    assert market.passbook_balance(passbook.id) == 20


def test_counter_finds_a_passbook_and_redeems(app, staff, shelf, passbook):
    rice, oil = shelf
    found = staff.get("/market/counter?card=zy0001")
    assert found.status_code == 302 and found.headers["Location"].endswith("/market/counter/ZY0001")
    page = text(staff.get("/market/counter/ZY0001"))
    assert "李志愿" in page and "爱心存折" in page and "data-counter-passbook" in page
    assert "本月兑换次数" not in page  # no household visit count for a passbook
    # Over the balance: 确认兑换 is off, with the reason, on the live total.
    total = text(staff.get(f"/market/counter/ZY0001/total?qty-{oil.id}=2"))
    assert re.search(r'<button type="submit" class="button button--primary" disabled', total)
    assert "本次兑换比存折积分多需 20 分" in total
    # The server refuses it too, and nothing is written.
    before = passbook_rows()
    refused = staff.post("/market/counter/ZY0001", data={f"qty-{oil.id}": "2"})
    assert refused.status_code == 422 and "积分不足" in text(refused)
    assert passbook_rows() == before
    done = staff.post("/market/counter/ZY0001", data={f"qty-{rice.id}": "1"})
    assert done.status_code == 302
    redemption = Redemption.get(Redemption.passbook == passbook.id)
    slip = text(staff.get(done.headers["Location"]))
    assert "爱心存折：ZY0001（李*愿）" in slip and "李志愿" not in slip
    assert "存折剩余积分：30" in slip
    assert redemption.points_total == 10 and market.passbook_balance(passbook.id) == 30
    unknown = staff.get("/market/counter?card=ZY9999")
    assert unknown.status_code == 422 and "没有这个号码的爱心卡或爱心存折" in text(unknown)
    assert staff.get("/market/counter/ZY9999").status_code == 404


def test_counter_in_english_names_the_passbook(app, login_as, shelf, passbook):
    client = login_as("staff", language="en")
    page = text(client.get("/market/counter/ZY0001"))
    assert "Volunteer passbook" in page and "Points in the passbook: 40" in page


def test_reversal_page_of_a_passbook_redemption(app, staff, shelf, passbook):
    rice, _ = shelf
    redemption = market.redeem_passbook(passbook.id, [(rice.id, 2)])
    page = text(staff.get(f"/market/reverse/redemption/{redemption.id}"))
    assert "ZY0001" in page and "积分退回爱心存折" in page
    done = staff.post(f"/market/reverse/redemption/{redemption.id}", data={"reason": "拿错了"})
    assert done.status_code == 302
    assert market.passbook_balance(passbook.id) == 40
    history = text(staff.get(f"/market/passbooks/{passbook.id}"))
    assert history.count('data-passbook-entry="') == 3 and "已冲正" in history


def test_passbook_pages_for_staff(app, staff, shelf, passbook):
    rice, _ = shelf
    market.redeem_passbook(passbook.id, [(rice.id, 1)])
    listing = text(staff.get("/market/passbooks"))
    assert "ZY0001" in listing and "李志愿" in listing and "139****9077" in listing
    assert f'data-balance-passbook="{passbook.id}">30<' in listing
    assert "ZY0001" not in text(staff.get("/market/passbooks?q=王"))
    assert "ZY0001" in text(staff.get("/market/passbooks?q=ZY00"))
    page = text(staff.get(f"/market/passbooks/{passbook.id}"))
    assert "data-passbook-balance>30<" in page
    assert "data-passbook-earned>40<" in page and "data-passbook-spent>10<" in page
    assert "敬老院服务 4 小时" in page and 'href="/market/counter/ZY0001"' in page
    assert staff.get("/market/passbooks/987654").status_code == 404
    # The passbooks are reachable from every market page's menu; today's counter lists the
    # passbook's redemption.
    home = text(staff.get("/market/"))
    assert 'href="/market/passbooks"' in home and "· ZY0001</a>" in home


# --- earned points never expire ------------------------------------------------------------


def test_the_monthly_allowance_and_its_cap_never_touch_passbooks(app, make_household, passbook):
    """The carry-over cap expires household points above it; a passbook holding far more
    than any cap keeps every point, however many months are issued."""
    set_setting("market.carry_over_months", 0)  # every unspent household point expires
    household = make_household(size=1, category="other")
    market.earn_points(passbook.id, 5_000, "hours:2", "")
    before = list(PassbookEntry.select().order_by(PassbookEntry.id).tuples())
    from datetime import datetime

    for month in (1, 2, 3):
        market.issue_allowance(at=datetime(2030, month, 15, 4))
    assert list(PassbookEntry.select().order_by(PassbookEntry.id).tuples()) == before
    assert market.passbook_balance(passbook.id) == 5_040
    expiries = PointsEntry.select().where(PointsEntry.kind == "expiry")
    assert expiries.count() == 2 and {e.household_id for e in expiries} == {household.id}
    assert run_checks()[0] == []


def test_the_public_notice_shows_allowance_and_earned_points_apart(
    app, client, make_household, shelf, passbook
):
    rice, _ = shelf
    make_household(size=2, category="dibao")  # 80 + 2 × 20 = 120 allowance points
    market.issue_allowance()
    market.redeem_passbook(passbook.id, [(rice.id, 1)])
    page = text(client.get("/market/disclosure"))
    assert 'data-disclosure="allowance">120<' in page
    assert 'data-disclosure="earned">40<' in page
    assert "李志愿" not in page and "ZY0001" not in page


# --- ledger verify -------------------------------------------------------------------------


def test_verify_covers_the_passbook_chain(app, runner, shelf, passbook):
    rice, _ = shelf
    market.redeem_passbook(passbook.id, [(rice.id, 1)])
    code, output = verify(runner)
    assert code == 0 and "2 passbook entries" in output, output
    first = PassbookEntry.select().order_by(PassbookEntry.id).first()
    with triggers_off("market_passbook_entry"):
        database.execute_sql(
            f"UPDATE market_passbook_entry SET points = 400 WHERE id = {database.param}",
            (first.id,),
        )
    code, output = verify(runner)
    assert code == 1 and f"market_passbook_entry #{first.id}: hash does not match" in output


def test_verify_finds_a_passbook_below_zero_and_a_wrong_sign(app, runner, passbook):
    with market_lock():  # past earn_points' checks, the chain intact
        append(
            PassbookEntry,
            passbook.created_at,
            None,
            passbook=passbook,
            points=-50,
            kind="correction",
        )
        append(
            PassbookEntry, passbook.created_at, None, passbook=passbook, points=5, kind="redeemed"
        )
    code, output = verify(runner)
    assert code == 1
    assert f"points of passbook {passbook.id} falls below zero (-10)" in output
    assert "redeemed entry of the wrong sign" in output
    assert "hash does not match" not in output


def test_verify_wants_exactly_one_account_per_redemption(
    app, runner, shelf, passbook, make_household
):
    rice, _ = shelf
    redemption = market.redeem_passbook(passbook.id, [(rice.id, 1)])
    household = make_household()
    with triggers_off("market_redemption"):
        database.execute_sql(
            f"UPDATE market_redemption SET household_id = {database.param} "
            f"WHERE id = {database.param}",
            (household.id, redemption.id),
        )
    code, output = verify(runner)
    assert code == 1
    assert f"market_redemption #{redemption.id}: must name exactly one of" in output


# --- personal data -------------------------------------------------------------------------


def test_privacy_export_erase_and_purge_of_a_passbook_holder(app, shelf, passbook):
    rice, _ = shelf
    market.redeem_passbook(passbook.id, [(rice.id, 1)])
    sections = {str(title): rows for title, rows in export_person(MOBILE)}
    (row,) = sections["Love supermarket volunteer passbooks"]
    values = {str(key): value for key, value in row.items()}
    assert values["Passbook"] == "ZY0001" and values["Passbook holder"] == "李志愿"
    assert values["Points"] == 30 and values["Points earned by volunteering"] == 40
    assert values["Redemptions"] == 1
    entries = list(PassbookEntry.select().order_by(PassbookEntry.id).tuples())
    counts = erase_person(MOBILE, "本人要求")
    assert counts["market"] == 1
    erased = Passbook.get_by_id(passbook.id)
    assert (erased.holder_name, erased.mobile, erased.status) == (ERASED_NAME, "", "closed")
    assert erased.passbook_no == "ZY0001" and erased.closed_at is not None
    # The ledger stays as it was: balance, entries, chain.
    assert list(PassbookEntry.select().order_by(PassbookEntry.id).tuples()) == entries
    assert market.passbook_balance(passbook.id) == 30 and run_checks()[0] == []
    assert export_person(MOBILE) == [] or not any(
        rows for title, rows in export_person(MOBILE) if "passbook" in str(title)
    )


def test_purge_anonymises_passbooks_closed_long_ago(app):
    from datetime import timedelta

    from db.base import utcnow

    old = market.open_passbook("旧志愿", "13900139011")
    recent = market.open_passbook("新志愿", "13900139012")
    open_one = market.open_passbook("在用志愿", "13900139013")
    Passbook.update(status="closed", closed_at=utcnow() - timedelta(days=800)).where(
        Passbook.id == old.id
    ).execute()
    Passbook.update(status="closed", closed_at=utcnow() - timedelta(days=10)).where(
        Passbook.id == recent.id
    ).execute()
    purge_older_than(24)
    names = {p.id: p.holder_name for p in Passbook.select()}
    assert names == {old.id: ERASED_NAME, recent.id: "新志愿", open_one.id: "在用志愿"}
