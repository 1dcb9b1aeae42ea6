"""What the supermarket reports: the monthly report for the street office, the public
disclosure (公示), twelve-month series, and the staff home's lists.

Every figure is a SQL aggregate (SUM/COUNT … GROUP BY) over the ledgers and documents; the
ledgers' own sums per item, month and kind are kept per process and extended with new rows
(db/market/totals.py), so a report reads the few groups it needs instead of every row. A
month is the `period` column (Asia/Shanghai month of the entry). Stock, points and cash are
the ledgers as written, reversals included, so they reconcile.

A published month does not change (the accountant's rule): a month's donations and
redemptions are those standing at its end. One reversed in the month it was recorded is left
out of that month; one reversed in a later month still counts in its own month, and its
reversal counts, as a negative line, in the month of the reversal (`late_donation_reversals`,
`_late_reversal_sums`).
"""

from dataclasses import dataclass, field

from peewee import JOIN, Case, fn

from db.accounts import Enterprise
from db.market.models import (
    CashEntry,
    Donation,
    Donor,
    Household,
    Item,
    Redemption,
    Reversal,
    StockMovement,
)
from db.market.periods import day_bounds_utc, last_periods, local_today
from db.market.redemption import reversed_redemption_ids
from db.market.totals import IN, NET, OUT, POINTS, POINTS_BY_MONTH, STOCK, VALUE, stock_by_item
from db.privacy import ERASED_NAME


def _int(value):
    """An aggregate's value as an int (SUM of nothing is NULL)."""
    return int(value or 0)


def reversed_in_own_month(document_field, periods):
    """A subquery of the ids of the documents (`Reversal.donation` or `Reversal.redemption`)
    of `periods` (one month, or a list) reversed in the month they were recorded: the only
    ones a month's figures leave out. Naming the months keeps the subquery to their few
    reversals (PostgreSQL otherwise hashes every document of every month to find them)."""
    document = document_field.rel_model.alias()
    months = [periods] if isinstance(periods, str) else list(periods)
    return (
        Reversal.select(document_field)
        .join(document, on=(document_field == document.id))
        .where(Reversal.period.in_(months) & (Reversal.period == document.period))
    )


def late_reversals(document_field, period):
    """A subquery of the ids of the reversals written in `period` of documents of earlier
    months (named by `Reversal.donation` or `Reversal.redemption`)."""
    document = document_field.rel_model.alias()
    return (
        Reversal.select(Reversal.id)
        .join(document, on=(document_field == document.id))
        .where((Reversal.period == period) & (document.period < period))
    )


def late_donation_reversals(period):
    """[dict(receipt_no, name, named, month, goods, money, value)] of the donations of earlier
    months reversed in `period`, each amount negative: the corrections this month shows."""
    query = (
        Donation.select(
            Donation.receipt_year,
            Donation.receipt_seq,
            Donation.period,
            Donation.named,
            Donation.goods_value,
            Donation.money,
            Donor.name.alias("donor_name"),
            Enterprise.name.alias("enterprise_name"),
        )
        .join(Reversal, on=(Reversal.donation == Donation.id))
        .switch(Donation)
        .join(Donor)
        .join(Enterprise, JOIN.LEFT_OUTER, on=(Donor.enterprise == Enterprise.id))
        .where((Reversal.period == period) & (Donation.period < period))
        .order_by(Donation.receipt_year, Donation.receipt_seq)
    )
    rows = []
    for row in query.dicts():
        name = row["enterprise_name"] or row["donor_name"]
        rows.append(
            dict(
                receipt_no=f"JZ-{row['receipt_year']}-{row['receipt_seq']:04d}",
                name=name,
                named=bool(row["named"]) and name != ERASED_NAME,
                month=row["period"],
                goods=-_int(row["goods_value"]),
                money=-_int(row["money"]),
                value=-_int(row["goods_value"]) - _int(row["money"]),
            )
        )
    return rows


def donations_by_donor(period):
    """[(donor name, donor kind, donations, goods value, money)] of standing donations."""
    query = (
        Donation.select(
            Donor.name.alias("donor_name"),
            Enterprise.name.alias("enterprise_name"),
            Donor.kind.alias("kind"),
            fn.COUNT(Donation.id).alias("donations"),
            fn.SUM(Donation.goods_value).alias("goods"),
            fn.SUM(Donation.money).alias("money"),
        )
        .join(Donor)
        .join(Enterprise, JOIN.LEFT_OUTER, on=(Donor.enterprise == Enterprise.id))
        .where(
            (Donation.period == period)
            & Donation.id.not_in(reversed_in_own_month(Reversal.donation, period))
        )
        .group_by(Donor.id, Donor.name, Enterprise.name, Donor.kind)
        .order_by(fn.SUM(Donation.goods_value + Donation.money).desc())
    )
    return [
        dict(
            name=row["enterprise_name"] or row["donor_name"],
            kind=row["kind"],
            donations=row["donations"],
            goods=_int(row["goods"]),
            money=_int(row["money"]),
            value=_int(row["goods"]) + _int(row["money"]),
        )
        for row in query.dicts()
    ]


class StockTotals:
    """The kept stock totals and the catalogue (id, name, unit, category), read once for a
    report: {(item id, month, kind): [net, in, out, value, points]} (db/market/totals.py)."""

    def __init__(self):
        self.groups = STOCK.current()
        self.items = list(
            Item.select(Item.id, Item.name, Item.unit, Item.category)
            .order_by(Item.category, Item.name)
            .dicts()
        )
        self.category_of = {item["id"]: item["category"] for item in self.items}

    def by_category(self, period, kind, columns, sign=1):
        """{category: [sums of `columns`]} of one month's movements of one kind."""
        result = {}
        for (item_id, month, group_kind), sums in self.groups.items():
            if month != period or group_kind != kind:
                continue
            kept = result.setdefault(self.category_of[item_id], [0] * len(columns))
            for index, column in enumerate(columns):
                kept[index] += sign * sums[column]
        return result


def _reversed_document_sums(document_field, kind, period, *expressions):
    """{category: [SUMs]} of one month's `kind` movements whose document (donation or
    redemption, named by `document_field`) was reversed in that month. Reversals are rare: the
    movements are found from them (IN on the document's index), not the other way round."""
    # A document's movements carry its month (both are written with its time).
    reversed_ids = reversed_in_own_month(getattr(Reversal, document_field.name), period)
    query = (
        StockMovement.select(Item.category, *(fn.SUM(e) for e in expressions))
        .join(Item)
        .where(
            document_field.in_(reversed_ids)
            & (StockMovement.kind == kind)
            & (StockMovement.period == period)
        )
        .group_by(Item.category)
        .tuples()
    )
    return {row[0]: [_int(value) for value in row[1:]] for row in query}


def _late_reversal_sums(document_field, period, *expressions):
    """{category: [SUMs]} of the reversal movements written in `period` for documents of
    earlier months (`Reversal.donation` or `Reversal.redemption`)."""
    query = (
        StockMovement.select(Item.category, *(fn.SUM(e) for e in expressions))
        .join(Item)
        .where(
            (StockMovement.kind == "reversal")
            & (StockMovement.period == period)
            & StockMovement.reversal.in_(late_reversals(document_field, period))
        )
        .group_by(Item.category)
        .tuples()
    )
    return {row[0]: [_int(value) for value in row[1:]] for row in query}


def _plus(totals, extra):
    """{category: (sums…)} of `totals` with `extra` added, over the categories of both."""
    result = {category: tuple(sums) for category, sums in totals.items()}
    for category, sums in extra.items():
        kept = result.get(category, (0,) * len(sums))
        result[category] = tuple(a + b for a, b in zip(kept, sums, strict=True))
    return result


def _less(totals, reversed_sums):
    """{category: (sums…)} of `totals` less the reversed documents' sums."""
    return {
        category: tuple(
            value - (reversed_sums.get(category) or [0] * len(sums))[index]
            for index, value in enumerate(sums)
        )
        for category, sums in totals.items()
    }


def donated_goods_by_category(period, stock):
    """{category: (quantity, value)} of goods in standing donations of the month.

    A donation's movements carry its time, so its month is theirs: the month's donation
    movements from the kept totals, less those of donations since reversed.
    """
    reversed_sums = _reversed_document_sums(
        StockMovement.donation,
        "donation",
        period,
        StockMovement.quantity,
        StockMovement.quantity * StockMovement.unit_value,
    )
    late = _late_reversal_sums(
        Reversal.donation,
        period,
        StockMovement.quantity,
        StockMovement.quantity * StockMovement.unit_value,
    )
    return _plus(_less(stock.by_category(period, "donation", (NET, VALUE)), reversed_sums), late)


def goods_out_by_category(period, stock):
    """{category: (quantity, value, points)} given out in standing redemptions of the month:
    the month's redemption movements from the kept totals, less those since reversed."""
    out = 0 - StockMovement.quantity
    reversed_sums = _reversed_document_sums(
        StockMovement.redemption,
        "redemption",
        period,
        out,
        out * StockMovement.unit_value,
        out * fn.COALESCE(StockMovement.unit_points, 0),
    )
    totals = stock.by_category(period, "redemption", (NET, VALUE, POINTS), sign=-1)
    late = _late_reversal_sums(
        Reversal.redemption,
        period,
        out,
        out * StockMovement.unit_value,
        out * fn.COALESCE(StockMovement.unit_points, 0),
    )
    return _plus(_less(totals, reversed_sums), late)


def redemption_counts(period):
    """(redemptions, households served) of standing redemptions in the month."""
    row = (
        Redemption.select(
            fn.COUNT(Redemption.id).alias("redemptions"),
            fn.COUNT(fn.DISTINCT(Redemption.household)).alias("households"),
        )
        .where(
            (Redemption.period == period)
            & Redemption.id.not_in(reversed_in_own_month(Reversal.redemption, period))
        )
        .dicts()
        .get()
    )
    return _int(row["redemptions"]), _int(row["households"])


def points_by_kind(period, groups):
    """{kind: points} written to the points ledger in the month (signed), from the kept
    totals per month and kind (`groups`)."""
    return {kind: sums[0] for (month, kind), sums in groups.items() if month == period}


def points_held(period, groups):
    """Points held by all households at the end of the month."""
    return sum(sums[0] for (month, _kind), sums in groups.items() if month <= period)


def cash_summary(period):
    """Opening balance, {kind: amount} in the month, closing balance (fen): one aggregate
    per kind over the cash ledger."""
    query = CashEntry.select(
        CashEntry.kind,
        fn.SUM(Case(None, [(CashEntry.period < period, CashEntry.amount)], 0)),
        fn.SUM(Case(None, [(CashEntry.period == period, CashEntry.amount)], 0)),
        fn.SUM(Case(None, [(CashEntry.period == period, 1)], 0)),
    ).group_by(CashEntry.kind)
    opening, kinds = 0, {}
    for kind, before, during, entries in query.tuples():
        opening += _int(before)
        if _int(entries):
            kinds[kind] = _int(during)
    return opening, kinds, opening + sum(kinds.values())


def closing_stock(period):
    """{item id: stock at the end of the month}, summed straight from the stock ledger (one
    aggregate over the table, not the kept totals), so it can disagree with them."""
    query = (
        StockMovement.select(StockMovement.item, fn.SUM(StockMovement.quantity))
        .where(StockMovement.period <= period)
        .group_by(StockMovement.item)
        .tuples()
    )
    return {item_id: _int(total) for item_id, total in query}


def stock_reconciliation(period, stock):
    """Per item: opening, in and out for the month from the kept totals (db/market/totals.py),
    and the closing stock summed from the ledger table on its own (closing_stock), so
    opening + in − out = closing is a real check: `difference` is closing minus
    (opening + in − out), 0 when the item balances."""
    figures = {}
    for (item_id, month, _kind), sums in stock.groups.items():
        values = figures.setdefault(item_id, dict(opening=0, inflow=0, outflow=0))
        if month < period:
            values["opening"] += sums[NET]
        if month == period:
            values["inflow"] += sums[IN]
            values["outflow"] -= sums[OUT]
    closing = closing_stock(period)
    rows = []
    empty = dict(opening=0, inflow=0, outflow=0)
    for item in stock.items:
        values = dict(figures.get(item["id"], empty))
        values["closing"] = closing.get(item["id"], 0)
        expected = values["opening"] + values["inflow"] - values["outflow"]
        values["difference"] = values["closing"] - expected
        values["balanced"] = values["difference"] == 0
        rows.append(dict(item, **values))
    return rows


@dataclass
class MonthlyReport:
    """The street office's monthly report."""

    period: str
    donors: list = field(default_factory=list)
    donated_by_category: dict = field(default_factory=dict)
    donations: int = 0
    donated_goods: int = 0
    donated_money: int = 0
    reversed_donations: int = 0
    corrections: list = field(default_factory=list)
    goods_out: dict = field(default_factory=dict)
    redemptions: int = 0
    households_served: int = 0
    points: dict = field(default_factory=dict)
    points_outstanding: int = 0
    cash_opening: int = 0
    cash_kinds: dict = field(default_factory=dict)
    cash_closing: int = 0
    stock: list = field(default_factory=list)

    @property
    def donated_value(self):
        """Goods and money donated in the month, in fen."""
        return self.donated_goods + self.donated_money

    @property
    def stock_balanced(self):
        """True when every item's opening + in − out equals its closing stock."""
        return all(row["balanced"] for row in self.stock)


def monthly_report(period):
    """Everything the street office's monthly report shows, for one month."""
    report = MonthlyReport(period=period)
    stock = StockTotals()
    report.donors = donations_by_donor(period)
    report.donated_by_category = donated_goods_by_category(period, stock)
    report.donations = sum(row["donations"] for row in report.donors)
    report.donated_goods = sum(row["goods"] for row in report.donors)
    report.donated_money = sum(row["money"] for row in report.donors)
    # Earlier months' donations reversed this month: negative lines, in this month's totals.
    report.corrections = late_donation_reversals(period)
    report.donated_goods += sum(row["goods"] for row in report.corrections)
    report.donated_money += sum(row["money"] for row in report.corrections)
    report.reversed_donations = (
        Donation.select()
        .where(
            (Donation.period == period)
            & Donation.id.in_(reversed_in_own_month(Reversal.donation, period))
        )
        .count()
    )
    report.goods_out = goods_out_by_category(period, stock)
    report.redemptions, report.households_served = redemption_counts(period)
    points = POINTS_BY_MONTH.current()
    report.points = points_by_kind(period, points)
    report.points_outstanding = points_held(period, points)
    report.cash_opening, report.cash_kinds, report.cash_closing = cash_summary(period)
    report.stock = stock_reconciliation(period, stock)
    return report


@dataclass
class Disclosure:
    """The public monthly notice: no personal data, unnamed donors together as one line."""

    period: str
    named: list
    anonymous_donations: int
    anonymous_value: int
    goods_out: dict
    households_served: int
    redemptions: int
    months: list
    corrections: list = field(default_factory=list)

    @property
    def received_value(self):
        """Named and unnamed donations of this month together, in fen."""
        return sum(row["value"] for row in self.named) + self.anonymous_value

    @property
    def corrected_value(self):
        """Earlier months' donations reversed this month, in fen (0 or negative)."""
        return sum(row["value"] for row in self.corrections)

    @property
    def donated_value(self):
        """This month's donations less earlier months' donations reversed this month, in fen
        (negative in a month with reversals only: the notice shows the two apart)."""
        return self.received_value + self.corrected_value


def monthly_series(period, groups, count=12):
    """[(month, donated value in, goods value out)] for the `count` months ending at `period`;
    `groups` are the kept stock totals."""
    months = last_periods(period, count)
    donated = (
        Donation.select(
            Donation.period, fn.SUM(Donation.goods_value + Donation.money).alias("value")
        )
        .where(
            Donation.period.in_(months)
            & Donation.id.not_in(reversed_in_own_month(Reversal.donation, months))
        )
        .group_by(Donation.period)
    )
    donated_by = {row["period"]: _int(row["value"]) for row in donated.dicts()}
    corrected = (
        Donation.select(Reversal.period, fn.SUM(Donation.goods_value + Donation.money))
        .join(Reversal, on=(Reversal.donation == Donation.id))
        .where(Reversal.period.in_(months) & (Donation.period < Reversal.period))
        .group_by(Reversal.period)
        .tuples()
    )
    for month, value in corrected:
        donated_by[month] = donated_by.get(month, 0) - _int(value)
    given_by = dict.fromkeys(months, 0)
    for (_item, month, kind), sums in groups.items():
        if kind == "redemption" and month in given_by:
            given_by[month] -= sums[VALUE]
    reversed_out = (
        StockMovement.select(
            StockMovement.period,
            fn.SUM((0 - StockMovement.quantity) * StockMovement.unit_value),
        )
        .where(
            StockMovement.redemption.in_(reversed_in_own_month(Reversal.redemption, months))
            & (StockMovement.kind == "redemption")
            & StockMovement.period.in_(months)
        )
        .group_by(StockMovement.period)
        .tuples()
    )
    for month, value in reversed_out:
        given_by[month] -= _int(value)
    # Goods of earlier months' redemptions reversed in a month come back in that month.
    returned = (
        StockMovement.select(
            StockMovement.period, fn.SUM(StockMovement.quantity * StockMovement.unit_value)
        )
        .where(
            (StockMovement.kind == "reversal")
            & StockMovement.period.in_(months)
            & StockMovement.reversal.in_(
                Reversal.select(Reversal.id)
                .join(Redemption, on=(Reversal.redemption == Redemption.id))
                .where(Reversal.period.in_(months) & (Redemption.period < Reversal.period))
            )
        )
        .group_by(StockMovement.period)
        .tuples()
    )
    for month, value in returned:
        given_by[month] -= _int(value)
    return [(month, donated_by.get(month, 0), given_by[month]) for month in months]


def disclosure(period):
    """The public notice for one month."""
    stock = StockTotals()
    standing = (Donation.period == period) & Donation.id.not_in(
        reversed_in_own_month(Reversal.donation, period)
    )
    named = (
        Donation.select(
            Donor.name.alias("donor_name"),
            Enterprise.name.alias("enterprise_name"),
            fn.COUNT(Donation.id).alias("donations"),
            fn.SUM(Donation.goods_value + Donation.money).alias("value"),
        )
        .join(Donor)
        .join(Enterprise, JOIN.LEFT_OUTER, on=(Donor.enterprise == Enterprise.id))
        .where(standing & Donation.named)
        .group_by(Donor.id, Donor.name, Enterprise.name)
        .order_by(fn.SUM(Donation.goods_value + Donation.money).desc())
    )
    anonymous = (
        Donation.select(
            fn.COUNT(Donation.id).alias("donations"),
            fn.SUM(Donation.goods_value + Donation.money).alias("value"),
        )
        .where(standing & ~Donation.named)
        .dicts()
        .get()
    )
    redemptions, households = redemption_counts(period)
    named_rows = []
    anonymous_donations, anonymous_value = anonymous["donations"], anonymous["value"]
    for row in named.dicts():
        if not row["enterprise_name"] and row["donor_name"] == ERASED_NAME:
            # A person donor whose details were erased is no longer named.
            anonymous_donations = _int(anonymous_donations) + row["donations"]
            anonymous_value = _int(anonymous_value) + _int(row["value"])
            continue
        named_rows.append(
            dict(
                name=row["enterprise_name"] or row["donor_name"],
                donations=row["donations"],
                value=_int(row["value"]),
            )
        )
    return Disclosure(
        period=period,
        named=named_rows,
        anonymous_donations=_int(anonymous_donations),
        anonymous_value=_int(anonymous_value),
        goods_out=goods_out_by_category(period, stock),
        households_served=households,
        redemptions=redemptions,
        months=monthly_series(period, stock.groups),
        corrections=[
            dict(month=row["month"], name=row["name"] if row["named"] else None, value=row["value"])
            for row in late_donation_reversals(period)
        ],
    )


def low_stock(limit=None):
    """[(item, stock)] of active items at or below their low-stock threshold, lowest first."""
    stock = stock_by_item()
    rows = [
        (item, stock.get(item.id, 0))
        for item in Item.select().where(Item.active)
        if stock.get(item.id, 0) <= item.low_stock_threshold
    ]
    rows.sort(key=lambda pair: (pair[1], pair[0].name))
    return rows[:limit] if limit else rows


def todays_counter(today=None, limit=8):
    """Today's redemptions (newest first, at most `limit`), their count and points."""
    start, end = day_bounds_utc(today or local_today())
    today_q = (Redemption.created_at >= start) & (Redemption.created_at < end)
    totals = (
        Redemption.select(
            fn.COUNT(Redemption.id).alias("count"),
            fn.SUM(Redemption.points_total).alias("points"),
        )
        .where(today_q & Redemption.id.not_in(reversed_redemption_ids()))
        .dicts()
        .get()
    )
    recent = (
        Redemption.select(Redemption, Household)
        .join(Household)
        .where(today_q)
        .order_by(Redemption.created_at.desc())
        .limit(limit)
    )
    return list(recent), _int(totals["count"]), _int(totals["points"])
