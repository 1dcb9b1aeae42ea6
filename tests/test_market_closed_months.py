"""Closed months computed once (db/market/closed_months.py): a month that has ended is summed
from the ledgers the first time its report or notice is asked for, stored, and read from
there after; this month is never stored; a correction booked later leaves a closed month as
it was; `ledger verify` sums every stored month again and fails on any difference; two
workers storing the same month at once store it once. Runs on SQLite and PostgreSQL."""
# ruff: noqa: F811  (pytest fixtures imported from tests.market_helpers)

import json
import threading
import urllib.request
from datetime import date, datetime, timedelta

import pytest
from peewee import IntegrityError

from db import database, market
from db.integrity import run_checks
from db.market import closed_months
from db.market import privacy as market_privacy
from db.market.closed_months import ClosedMonth, is_closed
from db.market.models import Donor
from db.market.periods import current_period, month_start, shift_period, to_utc
from db.market.reports import disclosure, month_figures, monthly_report
from db.privacy import ERASED_NAME
from tests.market_helpers import make_household, make_item  # noqa: F401  (fixtures)

THIS = current_period()
EARLIER = shift_period(THIS, -3)  # ended long ago, whatever the day of the test
LATER = shift_period(THIS, -2)


def at_day(period, day, hour=10):
    """Naive UTC of an Asia/Shanghai day and hour in `period`."""
    start = month_start(period)
    return to_utc(datetime(start.year, start.month, day, hour))


def text(response):
    return response.get_data(as_text=True)


def main(response):
    """The page's <main> (what it shows, without the session's CSRF token)."""
    page = text(response)
    return page[page.index('<main id="main"') : page.index("</main>")]


def stored_periods():
    return [row.period for row in ClosedMonth.select().order_by(ClosedMonth.period)]


def stored_figures(period):
    return json.loads(ClosedMonth.get(ClosedMonth.period == period).figures)


@pytest.fixture
def staff(login_as):
    return login_as("staff")


@pytest.fixture
def earlier_month(app, make_item, make_household):
    """EARLIER: a named and an unnamed donation, an allowance, two redemptions, cash, and
    volunteer points earned and spent; LATER: one more donation."""
    rice = make_item(name="大米", points=10, value=500, category="grain_oil")
    pens = make_item(name="文具套装", points=5, value=2000, category="stationery")
    households = [make_household(size=1), make_household(size=2)]
    day = month_start(EARLIER).replace(day=5)
    named = market.record_donation(
        "enterprise",
        "华谊集团",
        day,
        lines=[(rice.id, 10, 500)],
        money=10_000,
        named=True,
        at=at_day(EARLIER, 5),
    )
    market.record_donation(
        "person",
        "赵桂兰",
        day,
        lines=[(pens.id, 4, 2000)],
        contact="13800003001",
        at=at_day(EARLIER, 5, 11),
    )
    market.issue_allowance(at=at_day(EARLIER, 6))
    first = market.redeem(households[0].id, [(rice.id, 2)], at=at_day(EARLIER, 7))
    market.redeem(households[1].id, [(pens.id, 1)], at=at_day(EARLIER, 8))
    passbook = market.open_passbook("志愿者甲", at=at_day(EARLIER, 9))
    market.earn_points(passbook.id, 40, "hours:1", "服务4小时", at=at_day(EARLIER, 9, 11))
    market.record_donation(
        "enterprise", "华谊集团", day, money=5_000, named=True, at=at_day(LATER, 3)
    )
    return dict(rice=rice, pens=pens, households=households, named=named, redemption=first)


def test_a_closed_month_is_stored_once_and_read_from_there(staff, earlier_month, query_counter):
    assert stored_periods() == []
    page = main(staff.get(f"/market/reports?month={EARLIER}"))
    assert 'data-report="redemptions">2<' in page and "华谊集团" in page
    assert EARLIER in stored_periods()
    rows = ClosedMonth.select().count()
    with query_counter() as counter:
        again = main(staff.get(f"/market/reports?month={EARLIER}"))
    assert again == page
    assert ClosedMonth.select().count() == rows  # nothing stored twice
    ledger_tables = ("market_stock_movement", "market_points_entry", "market_cash_entry")
    read = " ".join(counter.statements)
    assert "market_closed_month" in read
    assert not any(table in read for table in ledger_tables), counter.statements
    # What is stored is what the ledgers sum to, figure by figure.
    assert stored_figures(EARLIER) == month_figures(EARLIER)
    assert closed_months.monthly_report(EARLIER) == monthly_report(EARLIER)


def test_stored_figures_hold_ids_not_names(staff, earlier_month):
    staff.get(f"/market/reports?month={EARLIER}")
    raw = ClosedMonth.get(ClosedMonth.period == EARLIER).figures
    for name in ("华谊集团", "赵桂兰", "13800003001", "志愿者甲", "大米"):
        assert name not in raw


def test_this_month_is_never_stored(staff, client, earlier_month, make_item):
    item = make_item()
    market.record_donation("enterprise", "华谊集团", date.today(), lines=[(item.id, 1, 100)])
    staff.get("/market/reports")
    client.get("/market/disclosure")
    staff.get(f"/market/reports/{THIS}.xlsx")
    assert THIS not in stored_periods()
    # This month starts from the month before, stored as it ended.
    assert shift_period(THIS, -1) in stored_periods()
    # This month's page, from the month before's stored closing, equals a sum from the start.
    assert closed_months.monthly_report(THIS) == monthly_report(THIS)
    assert closed_months.disclosure(THIS) == disclosure(THIS)


def test_when_a_month_closes():
    """A month closes at 01:00 Asia/Shanghai on the first of the next month (17:00 UTC)."""
    assert closed_months.closes_at("2026-11") == datetime(2026, 11, 30, 17, 0)
    assert not is_closed("2026-11", now=datetime(2026, 11, 30, 16, 59, 59))
    assert is_closed("2026-11", now=datetime(2026, 11, 30, 17, 0))
    assert not is_closed(THIS)
    assert is_closed(shift_period(THIS, -2))


def test_a_month_is_not_stored_in_the_hour_after_it_ended(earlier_month):
    """In the hour after EARLIER ended it is still summed from the ledgers each time."""
    ended = closed_months.closes_at(EARLIER) - timedelta(minutes=30)
    report = closed_months.monthly_report(EARLIER, now=ended)
    assert report.redemptions == 2
    assert EARLIER not in stored_periods()
    closed_months.monthly_report(EARLIER, now=ended + timedelta(hours=1))
    assert EARLIER in stored_periods()


def test_months_before_the_first_ledger_row_are_not_stored(staff, client, earlier_month):
    response = staff.get("/market/reports?month=2019-01")
    assert response.status_code == 200
    assert client.get("/market/disclosure?month=2019-06").status_code == 200
    assert [p for p in stored_periods() if p < "2020-01"] == []
    assert ClosedMonth.select().count() == 0


def test_a_correction_in_a_later_month_leaves_the_closed_month_unchanged(
    staff, client, earlier_month
):
    report_page = main(staff.get(f"/market/reports?month={EARLIER}"))
    notice_page = main(client.get(f"/market/disclosure?month={EARLIER}"))
    kept = ClosedMonth.get(ClosedMonth.period == EARLIER).figures
    # Both corrections are booked now, in this month.
    market.reverse_redemption(earlier_month["redemption"].id, "录错了")
    market.reverse_donation(earlier_month["named"].id, "金额有误")
    assert ClosedMonth.get(ClosedMonth.period == EARLIER).figures == kept
    assert main(staff.get(f"/market/reports?month={EARLIER}")) == report_page
    assert main(client.get(f"/market/disclosure?month={EARLIER}")) == notice_page
    # The ledgers, summed again, agree: the month did not change.
    assert json.loads(kept) == month_figures(EARLIER)
    assert run_checks()[0] == []
    # The corrections are negative lines of this month.
    now = closed_months.monthly_report(THIS)
    assert [c["receipt_no"] for c in now.corrections] == [earlier_month["named"].receipt_no]
    assert now.goods_out["grain_oil"] == (-2, -1000, -20)


def test_ledger_verify_fails_when_a_stored_figure_is_changed(staff, runner, earlier_month):
    staff.get(f"/market/reports?month={EARLIER}")
    assert run_checks()[0] == []
    figures = stored_figures(EARLIER)
    figures["redemptions"] += 1
    figures["stock"][str(earlier_month["rice"].id)][3] -= 1
    ClosedMonth.update(figures=closed_months.canonical(figures)).where(
        ClosedMonth.period == EARLIER
    ).execute()
    problems = run_checks()[0]
    assert len(problems) == 1, problems
    assert f"market_closed_month {EARLIER}" in problems[0]
    assert "redemptions" in problems[0]
    assert f"stock ({earlier_month['rice'].id})" in problems[0]
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code != 0 and f"market_closed_month {EARLIER}" in result.output


def test_ledger_verify_fails_when_a_chart_point_is_changed(client, earlier_month):
    client.get(f"/market/disclosure?month={LATER}")
    assert run_checks()[0] == []
    ClosedMonth.update(donated=ClosedMonth.donated + 100).where(
        ClosedMonth.period == EARLIER
    ).execute()
    problems = run_checks()[0]
    assert problems == [
        f"market_closed_month {EARLIER}: stored figures differ from the ledgers in "
        "chart point (donated, given)"
    ]
    # The notice's chart shows the stored point: verify is what catches it.
    notice = closed_months.disclosure(LATER)
    assert dict((m, d) for m, d, _g in notice.months)[EARLIER] == (
        dict((m, d) for m, d, _g in disclosure(LATER).months)[EARLIER] + 100
    )


def test_ledger_verify_fails_when_a_row_is_booked_into_a_stored_month(staff, earlier_month):
    """A row written into a month after it was stored (which no operation does: each books
    at the time it is made) makes the stored month differ from the ledgers."""
    staff.get(f"/market/reports?month={EARLIER}")
    market.write_off(earlier_month["rice"].id, 1, "破损", at=at_day(EARLIER, 20))
    problems = run_checks()[0]
    assert any(p.startswith(f"market_closed_month {EARLIER}:") for p in problems), problems
    assert "stock" in problems[0]


def test_unreadable_stored_figures_fail_verify(staff, earlier_month):
    staff.get(f"/market/reports?month={EARLIER}")
    ClosedMonth.update(figures="{not json").where(ClosedMonth.period == EARLIER).execute()
    assert run_checks()[0] == [f"market_closed_month {EARLIER}: stored figures are not readable"]


def test_two_stores_of_one_month_keep_the_first(earlier_month):
    figures = month_figures(EARLIER)
    assert closed_months.store(EARLIER, figures) == figures
    other = dict(figures, redemptions=figures["redemptions"] + 5)
    # The second worker's figures are not stored; it gets the stored ones back.
    assert closed_months.store(EARLIER, other) == figures
    assert ClosedMonth.select().where(ClosedMonth.period == EARLIER).count() == 1
    # The unique key is what decides (a plain second insert is refused).
    with pytest.raises(IntegrityError), database.atomic():
        ClosedMonth.create(
            period=EARLIER, format=1, figures=closed_months.canonical(other), donated=0, given=0
        )


def test_an_older_format_is_not_read(staff, earlier_month):
    """A month stored in an older shape of the figures is shown from the ledgers, and left
    out of verify (counted apart)."""
    staff.get(f"/market/reports?month={EARLIER}")
    ClosedMonth.update(format=0, figures="{}").where(ClosedMonth.period == EARLIER).execute()
    assert closed_months.monthly_report(EARLIER) == monthly_report(EARLIER)
    problems, summaries = run_checks()
    assert problems == []
    assert any("1 in an older format not checked" in s for s in summaries)


def test_the_notice_shows_allowance_and_volunteer_points_apart(client, earlier_month):
    page = text(client.get(f"/market/disclosure?month={EARLIER}"))
    # The allowance: 1-person and 2-person households (market rules), not the 40 earned.
    issued = monthly_report(EARLIER).points["allowance"]
    assert issued > 0
    assert f'data-disclosure="allowance">{issued:,}<' in page
    assert 'data-disclosure="earned">40<' in page
    assert stored_figures(EARLIER)["earned"] == {"earned": 40, "spent": 0, "outstanding": 40}
    assert "志愿者甲" not in page


def test_the_report_shows_volunteer_points(staff, earlier_month):
    page = text(staff.get(f"/market/reports?month={EARLIER}"))
    assert 'data-report="earned">40<' in page
    assert 'data-report="earned-held">40<' in page
    later = text(staff.get(f"/market/reports?month={LATER}"))
    assert 'data-report="earned">0<' in later and 'data-report="earned-held">40<' in later


def test_an_erased_donor_is_no_longer_named_in_a_stored_month(client, earlier_month):
    """Names are read when the month is shown: erasing a person donor's details after the
    month was stored takes the name off the notice without touching the stored month."""
    market.record_donation(
        "person",
        "钱志强",
        month_start(EARLIER),
        money=3_000,
        named=True,
        contact="13800005555",
        at=at_day(EARLIER, 12),
    )
    first = text(client.get(f"/market/disclosure?month={EARLIER}"))
    assert "钱志强" in first and "华谊集团" in first
    kept = ClosedMonth.get(ClosedMonth.period == EARLIER).figures
    market_privacy.erase("13800005555")
    assert ERASED_NAME in [donor.name for donor in Donor.select()]
    after = text(client.get(f"/market/disclosure?month={EARLIER}"))
    assert "钱志强" not in after and "华谊集团" in after
    notice = closed_months.disclosure(EARLIER)
    assert notice.anonymous_donations == 2  # the unnamed one, and the erased donor's
    assert notice.anonymous_value == 8_000 + 3_000
    assert ClosedMonth.get(ClosedMonth.period == EARLIER).figures == kept
    assert run_checks()[0] == []


def test_the_charts_read_stored_months(client, earlier_month):
    client.get("/market/disclosure")
    # The ended months with ledger rows are stored; the empty ones before them are not.
    assert stored_periods() == [EARLIER, LATER, shift_period(THIS, -1)]
    assert closed_months.disclosure(THIS).months == disclosure(THIS).months
    points = {month: (came, went) for month, came, went in closed_months.disclosure(THIS).months}
    # EARLIER: 10 rice at ¥5 and ¥100 named, 4 pens at ¥20; out 2 rice and 1 pen.
    assert points[EARLIER] == (5_000 + 10_000 + 8_000, 1_000 + 2_000)
    assert points[LATER] == (5_000, 0)
    assert points[shift_period(THIS, -11)] == (0, 0)


@pytest.mark.live
def test_two_workers_storing_the_same_months_store_each_once(live_server, earlier_month):
    """Six guests open the notice of a month of which nothing is stored, at the same moment,
    on two workers: each month is stored once, nobody gets an error, everybody sees the same
    notice."""
    server = live_server(workers=2)
    barrier = threading.Barrier(6)
    pages = [None] * 6

    def guest(index):
        barrier.wait()
        url = f"{server.url}/market/disclosure?month={LATER}"
        with urllib.request.urlopen(url, timeout=60) as response:
            body = response.read().decode()
            pages[index] = (response.status, body[body.index('<main id="main"') :])

    threads = [threading.Thread(target=guest, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(page is not None and page[0] == 200 for page in pages), pages
    assert len({body for _status, body in pages}) == 1
    assert 'data-disclosure="donated">¥50.00<' in pages[0][1]
    database.connect(reuse_if_open=True)
    assert sorted(row.period for row in ClosedMonth.select()) == [EARLIER, LATER]
    assert run_checks()[0] == []


def test_a_month_before_the_first_shown_is_this_month(client, staff):
    """A month before 2000 (the year 1 or 0 among them, which cannot be dated) is not a
    month the pages show: this month instead, or 404 for the workbook — never a 500."""
    for month in ("0000-01", "0001-01", "1999-12"):
        response = client.get(f"/market/disclosure?month={month}")
        assert response.status_code == 200
        assert f'<option value="{THIS}" selected' in text(response)
        assert staff.get(f"/market/reports?month={month}").status_code == 200
        assert staff.get(f"/market/reports/{month}.xlsx").status_code == 404
    assert client.get("/market/disclosure?month=2000-01").status_code == 200
    # Only the month this month's report starts from was stored.
    assert stored_periods() == [shift_period(THIS, -1)]
