"""Demo data for the love supermarket: everyday goods, partner enterprises as donors, twenty
invented households, and a year of donations, allowances and redemptions up to today, so the
staff home, the reports and the public disclosure look alive."""

import random
from contextlib import suppress
from datetime import datetime, timedelta

from db.base import utcnow
from db.market.cash import record_purchase, record_spending
from db.market.donations import record_donation, reverse_donation
from db.market.households import issue_allowance, register_household
from db.market.ledger import MarketError, stock_of
from db.market.models import Household
from db.market.periods import last_periods, local_today, month_start, to_utc
from db.market.redemption import redeem
from db.market.stock import record_count, save_item, write_off

# (name, category, unit, points, reference value fen, low-stock threshold)
ITEMS = (
    ("大米（5公斤）", "grain_oil", "袋", 30, 4500, 10),
    ("食用油（5升）", "grain_oil", "桶", 40, 6800, 8),
    ("挂面（1公斤）", "grain_oil", "包", 6, 900, 10),
    ("纯牛奶（250毫升×12）", "food", "箱", 25, 4200, 6),
    ("鸡蛋（30枚）", "food", "盒", 15, 2400, 5),
    ("毛巾", "daily", "条", 8, 1500, 10),
    ("洗衣液（2公斤）", "daily", "瓶", 15, 2600, 6),
    ("牙膏牙刷套装", "daily", "套", 8, 1200, 8),
    ("小学生文具套装", "stationery", "套", 12, 2000, 5),
    ("作业本（10本装）", "stationery", "包", 5, 800, 10),
    ("书包", "stationery", "个", 30, 5000, 3),
)

# (donor, named in the disclosure, {item index: quantity}, money fen)
DONATIONS = (
    ("绿地建设集团", True, {0: 60, 1: 40, 3: 30}, 0),
    ("宝华集团", True, {5: 40, 6: 30, 7: 40}, 300_000),
    ("华谊集团", True, {2: 80, 4: 30, 3: 20}, 0),
    ("爱景置业", True, {8: 30, 9: 60, 10: 10}, 100_000),
    ("明凯集团", False, {0: 30, 1: 20, 2: 30}, 50_000),
)
PERSON_DONOR = ("赵桂兰", "13800003001")

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ("秀英", "建华", "桂芳", "志强", "玉兰", "国平", "丽娟", "海燕", "德明", "淑珍")
CATEGORIES = ("dibao", "dibao", "low_income", "low_income", "illness", "disability", "other")
ROADS = ("广中路", "水电路", "同心路", "车站南路", "西江湾路")


def demo_at(day, hour, minute=0):
    """A demo moment: a local (Asia/Shanghai) day and time, as naive UTC."""
    return to_utc(datetime(day.year, day.month, day.day, hour, minute))


def seed_market():
    """Catalogue, households, and twelve months of activity ending today."""
    rng = random.Random(2026)
    items = [
        save_item(
            name=name,
            category=category,
            unit=unit,
            points_price=points,
            reference_value=value,
            low_stock_threshold=threshold,
            active=True,
        )
        for name, category, unit, points, value, threshold in ITEMS
    ]
    now = utcnow()
    today = local_today(now)
    households = []
    for number in range(20):
        name = SURNAMES[number] + GIVEN[number % len(GIVEN)]
        review = today + timedelta(days=rng.randint(-20, 330)) if number % 6 else today
        households.append(
            register_household(
                head_name=name,
                mobile=f"1380000{2001 + number:04d}",
                address=f"{ROADS[number % len(ROADS)]}{100 + number * 7}弄{number % 9 + 1}号",
                size=rng.randint(1, 5),
                category=CATEGORIES[number % len(CATEGORIES)],
                status="active" if number < 18 else ("suspended" if number == 18 else "closed"),
                next_review=review,
                note="",
                consent=True,
            )
        )
    active = households[:18]
    for index, period in enumerate(last_periods(today.strftime("%Y-%m"), 12)):
        _seed_month(rng, index, month_start(period), today, now, items, active)
    _seed_corrections(items, today, now)


def _seed_month(rng, index, first, today, now, items, households):
    """One month: allowance on the 1st, a donation or two, redemptions through the month."""
    issue_allowance(at=demo_at(first, 9))
    donor, named, goods, money = DONATIONS[index % len(DONATIONS)]
    # On the 3rd, or already today early in the month: the current month's notice is never empty.
    day = min(first + timedelta(days=2), today)
    lines = [(items[i].id, qty, items[i].reference_value) for i, qty in goods.items()]
    record_donation(
        "enterprise",
        donor,
        day,
        lines=lines,
        money=money,
        named=named,
        at=min(demo_at(day, 10, 30), now),
    )
    if index % 4 == 1 and first + timedelta(days=12) <= today:
        day = first + timedelta(days=12)
        record_donation(
            "person",
            PERSON_DONOR[0],
            day,
            lines=[(items[5].id, 10, 1500)],
            contact=PERSON_DONOR[1],
            consent=True,
            at=demo_at(day, 15),
        )
    if index % 3 == 2 and first + timedelta(days=15) <= today:
        day = first + timedelta(days=15)
        with suppress(MarketError):  # skipped if the cash box is short that month
            record_purchase(
                "广中路粮油店",
                [(items[0].id, 10, 4200), (items[2].id, 20, 850)],
                at=demo_at(day, 11),
            )
    for visit in range(rng.randint(30, 40)):
        day = first + timedelta(days=rng.randint(3, 27))
        at = demo_at(day, 9 + visit % 8, rng.randint(0, 59))
        if at >= now:
            continue
        _demo_redemption(rng, rng.choice(households), items, at)


def _demo_redemption(rng, household, items, at):
    """A plausible basket the household can afford from what is in stock; skipped if not."""
    stock = stock_of()
    choices = [item for item in items if stock.get(item.id, 0) > 2]
    basket = [(item.id, 1) for item in rng.sample(choices, min(len(choices), rng.randint(2, 4)))]
    with suppress(MarketError):  # a refused basket is simply not part of the demo
        redeem(household.id, basket, at=at)


def _seed_corrections(items, today, now):
    """Last week: a write-off, a stock count, a spending, a donation entered wrongly, reversed
    and entered again. Today: low stock on two items and a few visits at the counter."""
    last_week = today - timedelta(days=6)
    if stock_of([items[4].id]).get(items[4].id, 0) >= 2:
        write_off(items[4].id, 2, "临期：保质期至本周", at=demo_at(last_week, 16))
    counted = stock_of([item.id for item in items])
    counted[items[5].id] = max(0, counted.get(items[5].id, 0) - 1)
    record_count(counted, "月度盘点", at=demo_at(last_week, 17))
    record_spending(12_000, "爱心卡制卡费", at=demo_at(last_week, 11))
    wrong = record_donation(
        "enterprise",
        "华谊集团",
        last_week,
        lines=[(items[3].id, 100, 4200)],
        named=True,
        at=demo_at(last_week, 14),
    )
    reverse_donation(wrong.id, "数量录错：实为 10 箱", at=demo_at(last_week, 14, 20))
    record_donation(
        "enterprise",
        "华谊集团",
        last_week,
        lines=[(items[3].id, 10, 4200)],
        named=True,
        at=demo_at(last_week, 14, 25),
    )
    # The schoolbags and the washing liquid run low, so /market has something to flag.
    for item, keep in ((items[10], 2), (items[6], 3)):
        extra = stock_of([item.id]).get(item.id, 0) - keep
        if extra > 0:
            write_off(item.id, extra, "包装破损", at=now - timedelta(hours=3))
    rng = random.Random(today.toordinal())
    households = list(Household.select().where(Household.status == "active").limit(6))
    for minutes in (150, 95, 40):
        at = now - timedelta(minutes=minutes)
        if local_today(at) == today:
            _demo_redemption(rng, rng.choice(households), items, at)
