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

import json
from dataclasses import dataclass, field
from functools import partial

from peewee import JOIN, Case, Value, fn

from db import database
from db.accounts import Enterprise
from db.market.models import (
    CashEntry,
    Donation,
    Donor,
    Household,
    Item,
    Passbook,
    PassbookEntry,
    Redemption,
    Reversal,
    StockMovement,
)
from db.market.passbooks import EARNING_KINDS, SPENDING_KINDS
from db.market.periods import day_bounds_utc, last_periods, local_today
from db.market.redemption import reversed_redemption_ids
from db.market.totals import IN, NET, OUT, POINTS, POINTS_BY_MONTH, STOCK, VALUE, stock_by_item
from db.privacy import ERASED_NAME


def _int(value):
    """An aggregate's value as an int (SUM of nothing is NULL)."""
    return int(value or 0)


class Statement:
    """A month's query compiled to SQL once per process and kind of database, then run with
    the month alone changing. The figures' queries nest subqueries; building their SQL cost
    peewee about as much CPU as SQLite spent running them (December 2026, bench.profile).

    `build(month)` returns the peewee query; the month must be its only varying value.
    """

    MONTH = "\x00month\x00"  # stands for the month while the SQL is built

    def __init__(self, build):
        self.build = build
        self._compiled = {}

    def rows(self, period):
        """The query's rows (tuples) for `period`."""
        kind = type(database.obj)
        compiled = self._compiled.get(kind)
        if compiled is None:
            compiled = self._compiled[kind] = self.build(self.MONTH).sql()
        sql, params = compiled
        values = [period if value == self.MONTH else value for value in params]
        return database.execute_sql(sql, values).fetchall()


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
    """[[receipt no, donor id, named, month, goods, money]] of the donations of earlier
    months reversed in `period`, each amount negative: the corrections this month shows
    (the donor is named by id; names are read when the month is shown)."""
    return [
        [f"JZ-{year}-{seq:04d}", donor_id, int(bool(named)), month, -_int(goods), -_int(money)]
        for year, seq, donor_id, named, month, goods, money in LATE_DONATIONS.rows(period)
    ]


LATE_DONATIONS = Statement(
    lambda period: (
        Donation.select(
            Donation.receipt_year,
            Donation.receipt_seq,
            Donation.donor,
            Donation.named,
            Donation.period,
            Donation.goods_value,
            Donation.money,
        )
        .join(Reversal, on=(Reversal.donation == Donation.id))
        .where((Reversal.period == period) & (Donation.period < period))
        .order_by(Donation.receipt_year, Donation.receipt_seq)
    )
)


def donations_by_donor(period):
    """([[donor id, named, donations, goods value, money]], reversed) of the month's
    donations: one row per donor and named flag of the standing ones, largest first (names
    are read when the month is shown, so an erased donor is never kept here), and how many
    recorded in the month were reversed in it (not counted). One aggregate."""
    rows, reversed_count = [], 0
    for donor_id, named, was_reversed, count, goods, money in DONATIONS.rows(period):
        if was_reversed:
            reversed_count += _int(count)
        else:
            rows.append([donor_id, int(bool(named)), _int(count), _int(goods), _int(money)])
    rows.sort(key=lambda row: (-(row[3] + row[4]), row[0], row[1]))
    return rows, reversed_count


def _donations_query(period):
    """Donations of the month by donor, named flag and reversed-in-the-month flag."""
    reversed_flag = Case(
        None, [(Donation.id.in_(reversed_in_own_month(Reversal.donation, period)), 1)], 0
    )
    return (
        Donation.select(
            Donation.donor,
            Donation.named,
            reversed_flag,
            fn.COUNT(Donation.id),
            fn.SUM(Donation.goods_value),
            fn.SUM(Donation.money),
        )
        .where(Donation.period == period)
        .group_by(Donation.donor, Donation.named, reversed_flag)
    )


DONATIONS = Statement(_donations_query)


def earned_figures(period):
    """The month's volunteer points, as db.market.passbooks.earned_points_figures defines
    them ({"earned", "spent", "outstanding"}), in one aggregate over the passbook ledger."""
    by_kind, held = {}, 0
    for kind, in_month, total in EARNED.rows(period):
        by_kind[kind] = _int(in_month)
        held += _int(total)
    return {
        "earned": sum(by_kind.get(kind, 0) for kind in EARNING_KINDS),
        "spent": -sum(by_kind.get(kind, 0) for kind in SPENDING_KINDS),
        "outstanding": held,
    }


EARNED = Statement(
    lambda period: (
        PassbookEntry.select(
            PassbookEntry.kind,
            fn.SUM(Case(None, [(PassbookEntry.period == period, PassbookEntry.points)], 0)),
            fn.SUM(PassbookEntry.points),
        )
        .where(PassbookEntry.period <= period)
        .group_by(PassbookEntry.kind)
    )
)


def donor_names(period):
    """{donor id: (name, kind, erased)} of the donors a month's report names: those of its
    donations and of the earlier donations reversed in it. `erased`: a person donor whose
    details were erased, no longer named in public."""
    return {
        donor_id: (enterprise or name, kind, not enterprise and name == ERASED_NAME)
        for donor_id, name, kind, enterprise in DONORS.rows(period)
    }


def _donors_query(period):
    """The donors of the month's donations and of the earlier ones reversed in it."""
    donors = Donation.select(Donation.donor).where(
        (Donation.period == period)
        | Donation.id.in_(Reversal.select(Reversal.donation).where(Reversal.period == period))
    )
    return (
        Donor.select(Donor.id, Donor.name, Donor.kind, Enterprise.name)
        .join(Enterprise, JOIN.LEFT_OUTER, on=(Donor.enterprise == Enterprise.id))
        .where(Donor.id.in_(donors))
    )


DONORS = Statement(_donors_query)


class StockTotals:
    """The kept stock totals and the catalogue (id, name, unit, category), read once for a
    month: {(item id, month, kind): [net, in, out, value, points]} (db/market/totals.py)."""

    def __init__(self):
        self.groups = STOCK.current()
        self.items = catalogue()
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


def _adjustments_query(document, kind, expressions, period):
    """{category: [SUMs]} to add to the kept totals of one month's `kind` movements for
    standing documents (`document`: "donation" or "redemption"): less the movements of
    documents reversed in the month they were recorded, plus the reversal movements written
    in the month for documents of earlier months.

    Reversals are rare: the movements are found from them (IN on the document's and on the
    reversal's index), not the other way round; one statement, the two parts apart so that
    each keeps its index.
    """
    # A document's movements carry its month (both are written with its time).
    document_field = getattr(StockMovement, document)
    reversed_ids = reversed_in_own_month(getattr(Reversal, document), period)
    names = [f"s{index}" for index in range(len(expressions))]
    taken_back = (
        StockMovement.select(
            Item.category.alias("category"),
            *((0 - e).alias(name) for e, name in zip(expressions, names, strict=True)),
        )
        .join(Item)
        .where(
            document_field.in_(reversed_ids)
            & (StockMovement.kind == kind)
            & (StockMovement.period == period)
        )
    )
    returned = (
        StockMovement.select(
            Item.category.alias("category"),
            *(e.alias(name) for e, name in zip(expressions, names, strict=True)),
        )
        .join(Item)
        .where(
            (StockMovement.kind == "reversal")
            & (StockMovement.period == period)
            & StockMovement.reversal.in_(late_reversals(getattr(Reversal, document), period))
        )
    )
    both = taken_back.union_all(returned)
    return both.select_from(
        both.c.category, *(fn.SUM(getattr(both.c, name)) for name in names)
    ).group_by(both.c.category)


_OUT = 0 - StockMovement.quantity
# What the month's donations brought in (quantity, value) and its redemptions gave out
# (quantity, value, points), by category, as corrections of the kept totals.
DONATION_ADJUSTMENTS = Statement(
    partial(
        _adjustments_query,
        "donation",
        "donation",
        (StockMovement.quantity, StockMovement.quantity * StockMovement.unit_value),
    )
)
REDEMPTION_ADJUSTMENTS = Statement(
    partial(
        _adjustments_query,
        "redemption",
        "redemption",
        (
            _OUT,
            _OUT * StockMovement.unit_value,
            _OUT * fn.COALESCE(StockMovement.unit_points, 0),
        ),
    )
)


def _adjustments(statement, period):
    """{category: [SUMs]} of one of the adjustment statements for `period`."""
    return {row[0]: [_int(value) for value in row[1:]] for row in statement.rows(period)}


def _plus(totals, extra):
    """{category: (sums…)} of `totals` with `extra` added, over the categories of both."""
    result = {category: tuple(sums) for category, sums in totals.items()}
    for category, sums in extra.items():
        kept = result.get(category, (0,) * len(sums))
        result[category] = tuple(a + b for a, b in zip(kept, sums, strict=True))
    return result


def donated_goods_by_category(period, stock):
    """{category: (quantity, value)} of goods in standing donations of the month.

    A donation's movements carry its time, so its month is theirs: the month's donation
    movements from the kept totals, less those of donations since reversed in the month,
    plus (negative) the goods of earlier months' donations reversed in it.
    """
    adjustments = _adjustments(DONATION_ADJUSTMENTS, period)
    return _plus(stock.by_category(period, "donation", (NET, VALUE)), adjustments)


def goods_out_by_category(period, stock):
    """{category: (quantity, value, points)} given out in standing redemptions of the month:
    the month's redemption movements from the kept totals, less those reversed in the
    month, less the goods of earlier months' redemptions that came back in it."""
    adjustments = _adjustments(REDEMPTION_ADJUSTMENTS, period)
    totals = stock.by_category(period, "redemption", (NET, VALUE, POINTS), sign=-1)
    return _plus(totals, adjustments)


def redemption_counts(period):
    """(redemptions, households served) of standing redemptions in the month."""
    redemptions, households = REDEMPTIONS.rows(period)[0]
    return _int(redemptions), _int(households)


REDEMPTIONS = Statement(
    lambda period: Redemption.select(
        fn.COUNT(Redemption.id), fn.COUNT(fn.DISTINCT(Redemption.household))
    ).where(
        (Redemption.period == period)
        & Redemption.id.not_in(reversed_in_own_month(Reversal.redemption, period))
    )
)


def points_by_kind(period, groups):
    """{kind: points} written to the points ledger in the month (signed), from the kept
    totals per month and kind (`groups`)."""
    return {kind: sums[0] for (month, kind), sums in groups.items() if month == period}


def points_held(period, groups):
    """Points held by all households at the end of the month."""
    return sum(sums[0] for (month, _kind), sums in groups.items() if month <= period)


def cash_summary(period, opening=None):
    """Opening balance, {kind: amount} in the month, closing balance (fen). From the start
    (`opening` None): one aggregate per kind over the cash ledger; from a known `opening`
    (the month before's closing): the month's rows alone."""
    statement = CASH_FROM_START if opening is None else CASH_OF_MONTH
    kinds, start = {}, opening or 0
    for kind, earlier, amount, count in statement.rows(period):
        start += _int(earlier)
        if _int(count):
            kinds[kind] = _int(amount)
    return start, kinds, start + sum(kinds.values())


def _cash_query(period, from_start):
    """Cash by kind: before the month (from the start only), in the month, entries in it."""
    during = fn.SUM(Case(None, [(CashEntry.period == period, CashEntry.amount)], 0))
    entries = fn.SUM(Case(None, [(CashEntry.period == period, 1)], 0))
    if from_start:
        before = fn.SUM(Case(None, [(CashEntry.period < period, CashEntry.amount)], 0))
        query = CashEntry.select(CashEntry.kind, before, during, entries)
    else:
        query = CashEntry.select(CashEntry.kind, Value(0), during, entries).where(
            CashEntry.period == period
        )
    return query.group_by(CashEntry.kind)


CASH_FROM_START = Statement(partial(_cash_query, from_start=True))
CASH_OF_MONTH = Statement(partial(_cash_query, from_start=False))


def closing_stock(period, opening=None):
    """{item id: stock at the end of the month}, summed straight from the stock ledger (not
    the kept totals), so it can disagree with them: from the start (`opening` None), one
    aggregate over every row up to the month; from the month before's closing stock
    ({item id: quantity}), that plus the month's rows."""
    statement = STOCK_FROM_START if opening is None else STOCK_OF_MONTH
    closing = {} if opening is None else dict(opening)
    for item_id, total in statement.rows(period):
        closing[item_id] = closing.get(item_id, 0) + _int(total)
    return closing


def _stock_query(period, from_start):
    """Stock movements summed by item: up to the month, or in the month."""
    if from_start:
        where = StockMovement.period <= period
    else:
        # Naming the items lets the (item, period, quantity) index answer it alone.
        where = StockMovement.item.in_(Item.select(Item.id)) & (StockMovement.period == period)
    return (
        StockMovement.select(StockMovement.item, fn.SUM(StockMovement.quantity))
        .where(where)
        .group_by(StockMovement.item)
    )


STOCK_FROM_START = Statement(partial(_stock_query, from_start=True))
STOCK_OF_MONTH = Statement(partial(_stock_query, from_start=False))


def stock_figures(period, stock, opening=None):
    """{item id: [opening, in, out, closing]} of every item with movements up to the month.

    In and out come from the kept totals (db/market/totals.py); the closing stock is summed
    from the ledger table on its own (closing_stock), so opening + in − out = closing is a
    real check. The opening is the kept totals' sum of the months before, or, when the month
    before is known (`opening`, its closing stock), that month's closing as it was shown."""
    figures = {}
    for (item_id, month, _kind), sums in stock.groups.items():
        if month > period:
            continue
        values = figures.setdefault(item_id, [0, 0, 0])
        if month < period:
            values[0] += sums[NET]
        else:
            values[1] += sums[IN]
            values[2] -= sums[OUT]
    if opening is not None:
        for item_id in set(figures) | set(opening):
            figures.setdefault(item_id, [0, 0, 0])[0] = opening.get(item_id, 0)
    closing = closing_stock(period, opening)
    rows = {}
    for item_id in sorted(set(figures) | set(closing)):
        opening_qty, inflow, outflow = figures.get(item_id, (0, 0, 0))
        rows[str(item_id)] = [opening_qty, inflow, outflow, closing.get(item_id, 0)]
    return rows


# What a month's figures hold (month_figures): bump FORMAT when that changes, so that months
# stored in an older shape are shown from the ledger again, not misread.
FORMAT = 1


def month_figures(period, before=None, notice=False, stock=None):
    """Everything the month's report and public notice show, as plain numbers (JSON: str
    keys, lists), with donors and items named by id — names are read when it is shown
    (report_of, disclosure_of), so these never hold personal data.

    `before` is the figures of the month before (stored or computed): the month's opening
    stock and cash are then its closing ones, and only the month's rows are summed. Without
    it everything is summed from the start of the ledgers. `notice`: only what the public
    notice shows (no stock, cash or count of reversed donations), for an open month's
    notice; such figures are never stored. `stock`: the StockTotals already read for this
    request.
    """
    stock = stock or StockTotals()
    points = POINTS_BY_MONTH.current()
    redemptions, households = redemption_counts(period)
    donors, reversed_donations = donations_by_donor(period)
    figures = dict(
        format=FORMAT,
        period=period,
        donors=donors,
        corrections=late_donation_reversals(period),
        donated=donated_goods_by_category(period, stock),
        goods_out=goods_out_by_category(period, stock),
        redemptions=redemptions,
        households=households,
        points=points_by_kind(period, points),
        points_held=points_held(period, points),
        earned=earned_figures(period),
    )
    if not notice:
        opening_stock = opening_cash = None
        if before is not None:
            opening_stock = {int(item): row[3] for item, row in before["stock"].items()}
            opening_cash = before["cash"][2]
        figures.update(
            reversed_donations=reversed_donations,
            cash=list(cash_summary(period, opening_cash)),
            stock=stock_figures(period, stock, opening_stock),
        )
    return json.loads(json.dumps(figures))  # exactly what storing and reading back gives


def empty_figures(period):
    """The figures of a month before the first ledger row: nothing at all."""
    return dict(
        format=FORMAT,
        period=period,
        donors=[],
        corrections=[],
        reversed_donations=0,
        donated={},
        goods_out={},
        redemptions=0,
        households=0,
        points={},
        points_held=0,
        earned=dict(earned=0, spent=0, outstanding=0),
        cash=[0, {}, 0],
        stock={},
    )


def series_point(figures):
    """(month, donated value in, goods value out) of one month's figures, in fen: the
    month's standing donations less earlier ones reversed in it, and the value of the goods
    given out less those that came back."""
    donated = sum(row[3] + row[4] for row in figures["donors"])
    donated += sum(row[4] + row[5] for row in figures["corrections"])
    given = sum(row[1] for row in figures["goods_out"].values())
    return figures["period"], donated, given


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
    earned: dict = field(default_factory=dict)
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


def catalogue():
    """[dict(id, name, unit, category)] of every item, by category and name."""
    return list(
        Item.select(Item.id, Item.name, Item.unit, Item.category)
        .order_by(Item.category, Item.name)
        .dicts()
    )


def report_of(figures, items=None):
    """The monthly report of one month's figures, with today's names of donors and items
    (`items`: the catalogue, when already read)."""
    period = figures["period"]
    names = donor_names(period) if figures["donors"] or figures["corrections"] else {}
    unknown = (ERASED_NAME, "person", True)
    by_donor = {}
    for donor_id, _named, count, goods, money in figures["donors"]:
        row = by_donor.get(donor_id)
        if row is None:
            name, kind, _erased = names.get(donor_id, unknown)
            row = by_donor[donor_id] = dict(
                name=name, kind=kind, donations=0, goods=0, money=0, value=0
            )
        row["donations"] += count
        row["goods"] += goods
        row["money"] += money
        row["value"] += goods + money
    donors = sorted(by_donor.values(), key=lambda row: -row["value"])
    corrections = []
    for receipt_no, donor_id, named, month, goods, money in figures["corrections"]:
        name, _kind, erased = names.get(donor_id, unknown)
        corrections.append(
            dict(
                receipt_no=receipt_no,
                name=name,
                named=bool(named) and not erased,
                month=month,
                goods=goods,
                money=money,
                value=goods + money,
            )
        )
    stock = []
    for item in catalogue() if items is None else items:
        opening, inflow, outflow, closing = figures["stock"].get(str(item["id"]), (0, 0, 0, 0))
        difference = closing - (opening + inflow - outflow)
        stock.append(
            dict(
                item,
                opening=opening,
                inflow=inflow,
                outflow=outflow,
                closing=closing,
                difference=difference,
                balanced=difference == 0,
            )
        )
    cash_opening, cash_kinds, cash_closing = figures["cash"]
    return MonthlyReport(
        period=period,
        donors=donors,
        donated_by_category={code: tuple(sums) for code, sums in figures["donated"].items()},
        donations=sum(row["donations"] for row in donors),
        donated_goods=sum(row["goods"] for row in donors + corrections),
        donated_money=sum(row["money"] for row in donors + corrections),
        reversed_donations=figures["reversed_donations"],
        corrections=corrections,
        goods_out={code: tuple(sums) for code, sums in figures["goods_out"].items()},
        redemptions=figures["redemptions"],
        households_served=figures["households"],
        points=dict(figures["points"]),
        points_outstanding=figures["points_held"],
        earned=dict(figures["earned"]),
        cash_opening=cash_opening,
        cash_kinds=dict(cash_kinds),
        cash_closing=cash_closing,
        stock=stock,
    )


def monthly_report(period):
    """Everything the street office's monthly report shows for one month, summed from the
    ledgers now (db/market/closed_months.py serves a closed month as it was stored)."""
    return report_of(month_figures(period))


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
    points_issued: int = 0
    earned: dict = field(default_factory=dict)

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


def disclosure_of(figures, series):
    """The public notice of one month's figures; `series` is [(month, in, out)] of the
    months its charts show (series_point of each month's figures)."""
    period = figures["period"]
    names = donor_names(period) if figures["donors"] or figures["corrections"] else {}
    unknown = (ERASED_NAME, "person", True)
    named, anonymous_donations, anonymous_value = {}, 0, 0
    for donor_id, is_named, count, goods, money in figures["donors"]:
        name, _kind, erased = names.get(donor_id, unknown)
        if not is_named or erased:
            # Unnamed by the donor's wish, or a person whose details were erased.
            anonymous_donations += count
            anonymous_value += goods + money
            continue
        row = named.setdefault(donor_id, dict(name=name, donations=0, value=0))
        row["donations"] += count
        row["value"] += goods + money
    corrections = []
    for _receipt, donor_id, is_named, month, goods, money in figures["corrections"]:
        name, _kind, erased = names.get(donor_id, unknown)
        shown = name if is_named and not erased else None
        corrections.append(dict(month=month, name=shown, value=goods + money))
    return Disclosure(
        period=period,
        named=sorted(named.values(), key=lambda row: -row["value"]),
        anonymous_donations=anonymous_donations,
        anonymous_value=anonymous_value,
        goods_out={code: tuple(sums) for code, sums in figures["goods_out"].items()},
        households_served=figures["households"],
        redemptions=figures["redemptions"],
        months=list(series),
        corrections=corrections,
        points_issued=figures["points"].get("allowance", 0),
        earned=dict(figures["earned"]),
    )


def disclosure(period, count=12):
    """The public notice for one month, summed from the ledgers now, with the `count` months
    ending at it in its charts (db/market/closed_months.py serves closed months stored)."""
    months = [month_figures(month) for month in last_periods(period, count)]
    return disclosure_of(months[-1], [series_point(month) for month in months])


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
    recent = (  # a love card's redemption or a volunteer passbook's
        Redemption.select(Redemption, Household, Passbook)
        .join(Household, JOIN.LEFT_OUTER)
        .switch(Redemption)
        .join(Passbook, JOIN.LEFT_OUTER)
        .switch(Redemption)
        .where(today_q)
        .order_by(Redemption.created_at.desc())
        .limit(limit)
    )
    return list(recent), _int(totals["count"]), _int(totals["points"])
