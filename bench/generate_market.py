"""District-scale love supermarket: two years of donations, allowances and redemptions.

The generator replays the months in time order the way the counter would have lived them:
on the 1st the allowance (with the carry-over expiry), then donations and redemptions through
the month, a few redemptions reversed, a few write-offs. Every rule holds on the way (stock
and points never below zero, at most `market.visit_limit` visits a household a month,
gapless receipt numbers per year), and every ledger row is chained with the market's own
`chain_hash`, so `flask --app app ledger verify` passes on the generated database.

Item 0 ("基准爱心毛巾", 5 points) is the bench's: a small stock (a fifth of the households
in units), so the redemption POST of the load runner runs it out and the counter refuses
the rest — the check after the run proves the stock never went below zero.
"""

from datetime import datetime, timedelta

from bench.generate import STAFF_USERNAME, bulk_insert, first_id, generator
from db.accounts import Enterprise, User
from db.base import utcnow
from db.market.ledger import chain_hash, last_hash
from db.market.models import (
    CashEntry,
    Donation,
    Donor,
    Household,
    Item,
    PointsEntry,
    Redemption,
    Reversal,
    StockMovement,
)
from db.market.periods import last_periods, local, month_start, period_of, shift_period, to_utc
from db.market.rules import DEFAULTS, monthly_allowance

MONTHS = 24
BENCH_ITEM = "基准爱心毛巾"
BENCH_ITEM_STOCK_PER_HOUSEHOLD = 0.2
REVERSED_SHARE = 0.005
CATALOGUE = (
    ("大米", "grain_oil", "袋", 30, 4500),
    ("食用油", "grain_oil", "桶", 40, 6800),
    ("挂面", "grain_oil", "包", 6, 900),
    ("面粉", "grain_oil", "袋", 12, 1800),
    ("纯牛奶", "food", "箱", 25, 4200),
    ("鸡蛋", "food", "盒", 15, 2400),
    ("饼干", "food", "包", 6, 1000),
    ("罐头", "food", "罐", 8, 1200),
    ("毛巾", "daily", "条", 8, 1500),
    ("洗衣液", "daily", "瓶", 15, 2600),
    ("牙膏牙刷套装", "daily", "套", 8, 1200),
    ("香皂", "daily", "块", 4, 600),
    ("文具套装", "stationery", "套", 12, 2000),
    ("作业本", "stationery", "包", 5, 800),
    ("书包", "stationery", "个", 30, 5000),
    ("雨伞", "other", "把", 10, 1600),
)
SIZES = ("小号", "中号", "大号", "家庭装")
CATEGORIES = ("dibao", "dibao", "low_income", "low_income", "illness", "disability", "other")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ("秀英", "建华", "桂芳", "志强", "玉兰", "国平", "丽娟", "海燕", "德明", "淑珍")
ROADS = ("广中路", "水电路", "同心路", "车站南路", "西江湾路")


class Writer:
    """Rows with ids given here, ledger rows chained as db.market.ledger.append chains them.

    Rows wait in memory until `flush()`, which inserts documents before the ledger rows
    that point at them, each table in id order (so the chain follows the ids).
    """

    ORDER = (Donation, Redemption, Reversal, StockMovement, PointsEntry, CashEntry)

    def __init__(self, actor_id, actor_label):
        self.actor_id, self.actor_label = actor_id, actor_label
        self.rows = {model: [] for model in self.ORDER}
        self.next_id = {model: first_id(model) for model in self.ORDER}
        self.last = {model: last_hash(model) for model in (StockMovement, PointsEntry, CashEntry)}
        self.written = {model: 0 for model in self.ORDER}

    def document(self, model, at, **values):
        """A document row (donation, redemption, reversal) made at `at`; returns its id."""
        row_id = self.next_id[model]
        self.next_id[model] += 1
        self.rows[model].append(
            dict(
                id=row_id,
                created_at=at,
                period=period_of(at),
                actor=self.actor_id,
                actor_label=self.actor_label,
                **values,
            )
        )
        return row_id

    def append(self, model, at, **values):
        """A ledger row chained to the one before; returns its id."""
        row = model(
            at=at, period=period_of(at), actor=self.actor_id, actor_label=self.actor_label, **values
        )
        row.hash = chain_hash(self.last[model], row)
        row.id = self.next_id[model]
        self.last[model] = row.hash
        self.next_id[model] += 1
        self.rows[model].append(
            {f.name: row.__data__.get(f.name) for f in model._meta.sorted_fields}
        )
        return row.id

    def flush(self):
        """Insert what waits, documents first."""
        for model in self.ORDER:
            self.written[model] += bulk_insert(model, self.rows[model])
            self.rows[model] = []


def _catalogue(rng, now):
    """Item rows: the bench's towel first, then sizes of everyday goods (a few retired)."""
    rows = [
        dict(
            name=BENCH_ITEM,
            category="daily",
            unit="条",
            points_price=5,
            reference_value=1000,
            low_stock_threshold=10,
            active=True,
            created_at=now,
        )
    ]
    for name, category, unit, points, value in CATALOGUE:
        for index, size in enumerate(SIZES):
            rows.append(
                dict(
                    name=f"{name}（{size}）",
                    category=category,
                    unit=unit,
                    points_price=points * (index + 2) // 2,
                    reference_value=value * (index + 1) // 2,
                    low_stock_threshold=rng.choice((5, 10, 20)),
                    active=rng.random() > 0.05,
                    created_at=now,
                )
            )
    return rows


def _households(rng, count, today, created):
    """Household rows with love cards GZ00001 …; most active, some suspended or closed."""
    rows = []
    for n in range(1, count + 1):
        draw = rng.random()
        rows.append(
            dict(
                card_no=f"GZ{n:05d}",
                head_name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                mobile=f"137{n:08d}",
                address=f"{rng.choice(ROADS)}{rng.randint(1, 999)}弄{rng.randint(1, 30)}号",
                size=rng.randint(1, 6),
                category=rng.choice(CATEGORIES),
                status="active" if draw < 0.92 else ("suspended" if draw < 0.97 else "closed"),
                next_review=today + timedelta(days=rng.randint(-20, 340)),
                note="",
                created_at=created,
                updated_at=created,
            )
        )
    return rows


def _donors(rng, now):
    """Enterprise donors (partners first) and people who give in their own name."""
    enterprises = list(
        Enterprise.select(Enterprise.id, Enterprise.name)
        .order_by(Enterprise.is_partner.desc(), Enterprise.id)
        .limit(max(10, Enterprise.select().count() // 5))
        .tuples()
    )
    rows = [
        dict(kind="enterprise", enterprise=eid, name=name, contact="", created_at=now)
        for eid, name in enterprises
    ]
    rows += [
        dict(
            kind="person",
            enterprise=None,
            name=rng.choice(SURNAMES) + rng.choice(GIVEN) + f"{n:03d}",
            contact="",
            created_at=now,
        )
        for n in range(len(enterprises) // 4 + 1)
    ]
    return rows


def _moments(rng, count, start, end):
    """`count` sorted random naive UTC times in [start, end)."""
    span = (end - start).total_seconds()
    return sorted(start + timedelta(seconds=rng.uniform(0, span)) for _ in range(count))


def _office_hours(at, now):
    """The same moment moved into 09:00–17:00 Asia/Shanghai of its day (unless that is
    still to come today)."""
    day = local(at)
    minutes = (day.hour * 60 + day.minute) % (8 * 60)
    moved = to_utc(
        datetime(day.year, day.month, day.day, 9 + minutes // 60, minutes % 60, day.second)
    )
    return moved if moved < now else at


class Market:
    """The state the rules need while the months are replayed."""

    def __init__(self, rng, writer, items, households, donor_ids):
        self.rng, self.writer = rng, writer
        self.items, self.donor_ids = items, donor_ids
        self.households = households
        self.active = [h for h in households if h["status"] == "active"]
        self.stock = {item["id"]: 0 for item in items}
        self.points = {h["id"]: 0 for h in households}
        self.receipts = {}
        self.lines_asked = self.lines_out = 0  # baskets come out smaller than asked

    def allowance(self, at, month):
        """The monthly run: expire beyond the carry-over cap, then credit every active card."""
        for household in self.active:
            allowance = monthly_allowance(household["category"], household["size"], DEFAULTS)
            cap = DEFAULTS["market.carry_over_months"] * allowance
            balance = self.points[household["id"]]
            if balance > cap:
                self.writer.append(
                    PointsEntry,
                    at,
                    household=household["id"],
                    points=cap - balance,
                    kind="expiry",
                    allowance_month=month,
                )
            self.writer.append(
                PointsEntry,
                at,
                household=household["id"],
                points=allowance,
                kind="allowance",
                allowance_month=month,
            )
            self.points[household["id"]] = min(balance, cap) + allowance

    def donation(self, at, lines=None, money=None):
        """A donation of goods [(item, quantity)] and/or money, with the year's next receipt."""
        rng = self.rng
        if lines is None:
            lines = []
            if rng.random() < 0.85:
                for item in rng.sample(self.items[1:], rng.randint(2, 7)):
                    lines.append((item, rng.randint(10, 60)))
            money = (
                rng.choice((20_000, 50_000, 100_000, 300_000))
                if not lines or rng.random() < 0.2
                else 0
            )
        year = local(at).year
        self.receipts[year] = self.receipts.get(year, 0) + 1
        donation_id = self.writer.document(
            Donation,
            at,
            receipt_year=year,
            receipt_seq=self.receipts[year],
            donor=rng.choice(self.donor_ids),
            donated_on=local(at).date(),
            named=rng.random() < 0.7,
            note="",
            goods_value=sum(item["reference_value"] * quantity for item, quantity in lines),
            money=money or 0,
        )
        for item, quantity in lines:
            self.writer.append(
                StockMovement,
                at,
                item=item["id"],
                quantity=quantity,
                kind="donation",
                unit_value=item["reference_value"],
                donation=donation_id,
            )
            self.stock[item["id"]] += quantity
        if money:
            self.writer.append(CashEntry, at, amount=money, kind="donation", donation=donation_id)

    def redemption(self, at, household, lines_wanted, visits):
        """A basket the household can afford from the stock (True), or nothing (False)."""
        rng = self.rng
        balance = self.points[household["id"]]
        basket = []
        for item in rng.sample(self.items[1:], len(self.items) - 1):
            if len(basket) >= lines_wanted:
                break
            quantity = 1 if rng.random() < 0.75 else 2
            cost = item["points_price"] * quantity
            if item["active"] and self.stock[item["id"]] >= quantity and cost <= balance:
                basket.append((item, quantity))
                balance -= cost
        if not basket:
            return False
        total = sum(item["points_price"] * quantity for item, quantity in basket)
        redemption_id = self.writer.document(
            Redemption, at, household=household["id"], points_total=total
        )
        movements = []
        for item, quantity in basket:
            movements.append(
                self.writer.append(
                    StockMovement,
                    at,
                    item=item["id"],
                    quantity=-quantity,
                    kind="redemption",
                    unit_value=item["reference_value"],
                    unit_points=item["points_price"],
                    redemption=redemption_id,
                )
            )
            self.stock[item["id"]] -= quantity
        entry = self.writer.append(
            PointsEntry,
            at,
            household=household["id"],
            points=-total,
            kind="redemption",
            redemption=redemption_id,
        )
        self.points[household["id"]] -= total
        self.lines_asked += lines_wanted
        self.lines_out += len(basket)
        if rng.random() < REVERSED_SHARE:
            self.reverse(
                at + timedelta(minutes=10),
                redemption_id,
                household,
                basket,
                movements,
                entry,
                total,
            )
        else:
            visits[household["id"]] = visits.get(household["id"], 0) + 1
        return True

    def reverse(self, at, redemption_id, household, basket, movements, entry, total):
        """A redemption entered by mistake, reversed: goods back, points back."""
        reason = "录入错误：家庭卡号选错"
        reversal_id = self.writer.document(Reversal, at, reason=reason, redemption=redemption_id)
        for (item, quantity), movement_id in zip(basket, movements, strict=True):
            self.writer.append(
                StockMovement,
                at,
                item=item["id"],
                quantity=quantity,
                kind="reversal",
                unit_value=item["reference_value"],
                unit_points=item["points_price"],
                reversal=reversal_id,
                reverses=movement_id,
                note=reason,
            )
            self.stock[item["id"]] += quantity
        self.writer.append(
            PointsEntry,
            at,
            household=household["id"],
            points=total,
            kind="reversal",
            reversal=reversal_id,
            reverses=entry,
            note=reason,
        )
        self.points[household["id"]] += total

    def write_off(self, at):
        """Expired or damaged goods taken out of stock."""
        item = self.rng.choice(self.items[1:])
        quantity = min(self.stock[item["id"]], self.rng.randint(1, 5))
        if quantity:
            self.writer.append(
                StockMovement,
                at,
                item=item["id"],
                quantity=-quantity,
                kind="write_off",
                unit_value=item["reference_value"],
                note="临期或包装破损",
            )
            self.stock[item["id"]] -= quantity


@generator
def market(scale, rng):
    """Catalogue, donors, households, then MONTHS months of the supermarket's life."""
    now = utcnow()
    today = local(now).date()
    staff = User.get(User.username == STAFF_USERNAME)
    months = last_periods(period_of(now), MONTHS)
    created = to_utc(datetime.combine(month_start(months[0]), datetime.min.time()))

    bulk_insert(Item, _catalogue(rng, created))
    items = list(Item.select().order_by(Item.id).dicts())
    bulk_insert(Household, _households(rng, scale["households"], today, created))
    households = list(
        Household.select(Household.id, Household.category, Household.size, Household.status)
        .order_by(Household.id)
        .dicts()
    )
    bulk_insert(Donor, _donors(rng, created))
    donor_ids = [d.id for d in Donor.select(Donor.id)]

    writer = Writer(staff.id, staff.username)
    bench_stock = max(10, int(scale["households"] * BENCH_ITEM_STOCK_PER_HOUSEHOLD))
    state = Market(rng, writer, items, households, donor_ids)
    state.donation(created + timedelta(hours=2), lines=[(items[0], bench_stock)], money=0)

    points_target = scale["points_entries"]
    movements_target = scale["stock_movements"]
    donations_left = scale["donations"] - 1
    limit = DEFAULTS["market.visit_limit"]
    for index, month in enumerate(months):
        months_left = MONTHS - index
        start = to_utc(datetime.combine(month_start(month), datetime.min.time()))
        end = min(
            to_utc(datetime.combine(month_start(shift_period(month, 1)), datetime.min.time())),
            now - timedelta(hours=1),
        )
        state.allowance(start + timedelta(hours=1), month)
        points_written = writer.written[PointsEntry] + len(writer.rows[PointsEntry])
        future_allowances = len(state.active) * (months_left - 1)
        redemptions = max(0, (points_target - points_written - future_allowances) // months_left)
        donations = donations_left // months_left
        donations_left -= donations
        movements_written = writer.written[StockMovement] + len(writer.rows[StockMovement])
        future_donation_lines = int(4.5 * 0.85 * (donations_left + donations))
        lines_wanted = max(
            1.0,
            (movements_target - movements_written - future_donation_lines)
            / max(1, redemptions * months_left),
        ) * (state.lines_asked / state.lines_out if state.lines_out else 1.0)
        start = start + timedelta(hours=2)  # after the allowance run
        timeline = [(at, "donation") for at in _moments(rng, donations, start, end)]
        timeline += [(at, "redemption") for at in _moments(rng, redemptions, start, end)]
        timeline += [(at, "write_off") for at in _moments(rng, 10, start, end)]
        timeline = sorted((max(_office_hours(at, now), start), kind) for at, kind in timeline)
        visits = {}
        for at, kind in timeline:
            if kind == "donation":
                state.donation(at)
            elif kind == "write_off":
                state.write_off(at)
            else:
                for _attempt in range(5):
                    household = rng.choice(state.active)
                    if visits.get(household["id"], 0) >= limit:
                        continue
                    lines = max(1, round(rng.gauss(lines_wanted, 1.0)))
                    if state.redemption(at, household, lines, visits):
                        break
        writer.flush()
    return {
        "households": len(households),
        "stock_movements": writer.written[StockMovement],
        "points_entries": writer.written[PointsEntry],
        "donations": writer.written[Donation],
    }
