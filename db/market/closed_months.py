"""Closed months, computed once: the monthly report's and the public notice's figures of
every month that has ended, stored the first time they are asked for.

Why they never change: the ledgers are append-only and a correction is booked in the month
it is made (a reversal of January's donation written in February counts in February), so
once a month has ended no row of it can be added or taken back.

When a month is closed: from 01:00 Asia/Shanghai on the first of the next month
(CLOSING_DELAY after it ended). The hour is far beyond any write begun in the month — a write
takes its time when it starts and waits at most the lock's busy timeout (10 s) — so nothing
can commit into a month after its figures were stored. The first request after that (a
report, the notice, or this month's page, which starts from the month before) sums the
month from the ledgers and stores it; every later one reads the stored row. The current
month is never stored, nor a month in the future; a month before the first ledger row is
all zeros, shown without a query and stored only as the start of this month's figures (one
row a month, however many months are asked for).

Race-safe: two workers that compute the same month at once both insert; the unique key on
`period` keeps the first and the second reads it back (both computed the same figures from
the same closed rows).

`ledger verify` (verify_closed_months, in the market's `ledger_checks`) sums every stored
month from the ledgers again and names each figure that differs.

The row holds numbers keyed by ids only (donors, items): names are read when the month is
shown, so erasing a donor's details changes what the notice names without touching a
stored month, and no personal data is kept here.
"""

import json
from datetime import datetime, time, timedelta

from peewee import (
    BigIntegerField,
    CharField,
    DatabaseError,
    IntegerField,
    IntegrityError,
    TextField,
    fn,
)

from db import database
from db.base import BaseModel, UTCDateTimeField, utcnow
from db.market.models import CashEntry, PassbookEntry, PointsEntry, StockMovement
from db.market.periods import last_periods, month_start, shift_period, to_utc
from db.market.reports import (
    FORMAT,
    StockTotals,
    disclosure_of,
    empty_figures,
    month_figures,
    report_of,
    series_point,
)

CLOSING_DELAY = timedelta(hours=1)


class ClosedMonth(BaseModel):
    """The figures of one closed month, stored once (db/migrations/0019)."""

    period = CharField(max_length=7, unique=True)
    format = IntegerField()  # reports.FORMAT when it was stored
    figures = TextField()  # canonical JSON of reports.month_figures
    # The month's point of the notice's charts (reports.series_point), in fen: the charts
    # read eleven closed months without decoding their figures.
    donated = BigIntegerField()
    given = BigIntegerField()
    stored_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "market_closed_month"


def closes_at(period):
    """When `period` counts as closed: CLOSING_DELAY after its last day ended, naive UTC."""
    next_month = month_start(shift_period(period, 1))
    return to_utc(datetime.combine(next_month, time())) + CLOSING_DELAY


def is_closed(period, now=None):
    """True once `period` has ended (and CLOSING_DELAY passed)."""
    return (now or utcnow()) >= closes_at(period)


def canonical(figures):
    """The stored text of a month's figures (sorted keys: equal figures, equal text)."""
    return json.dumps(figures, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def first_period():
    """The month of the oldest ledger row, or None when every ledger is empty (one query)."""
    oldest = [
        model.select(fn.MIN(model.period)) for model in (PointsEntry, CashEntry, PassbookEntry)
    ]
    query = StockMovement.select(fn.MIN(StockMovement.period).alias("period"))
    for part in oldest:
        query = query.union_all(part)
    found = [row[0] for row in database.execute(query).fetchall() if row[0]]
    return min(found) if found else None


def stored(periods):
    """{period: figures} of those of `periods` that are stored in the current format."""
    if not periods:
        return {}
    query = ClosedMonth.select(ClosedMonth.period, ClosedMonth.figures).where(
        ClosedMonth.period.in_(list(periods)) & (ClosedMonth.format == FORMAT)
    )
    return {period: json.loads(text) for period, text in query.tuples()}


def store(period, figures):
    """Store a closed month's figures once; when another worker stored it first, theirs are
    kept and returned (the unique key on `period` decides)."""
    _month, donated, given = series_point(figures)
    try:
        with database.atomic():
            ClosedMonth.create(
                period=period,
                format=FORMAT,
                figures=canonical(figures),
                donated=donated,
                given=given,
            )
        return figures
    except IntegrityError:
        pass
    row = ClosedMonth.get_or_none(ClosedMonth.period == period)
    if row is None or row.format != FORMAT:
        return figures  # stored in an older shape: shown from the ledgers
    return json.loads(row.figures)


def figures_of(periods, now=None, notice=False, stock=None):
    """{period: figures} of months `periods` (oldest first, consecutive unless `notice`):
    closed months as stored (summed and stored now when they are not yet), open ones (this
    month) summed from the ledgers on top of the month before's figures. `notice`: an open
    month only as far as the public notice shows it (which needs nothing of the month
    before); `stock`: the request's reports.StockTotals, when already read."""
    now = now or utcnow()
    periods = list(periods)
    walk = list(periods)
    while not notice and not is_closed(walk[0], now):  # it starts from the month before
        walk.insert(0, shift_period(walk[0], -1))
    result = stored([period for period in walk if is_closed(period, now)])
    # The closed month an open one starts from is stored even when empty (one a month), so
    # that this month's page does not look for the first ledger row on every request.
    bases = {shift_period(p, -1) for p in walk if not notice and not is_closed(p, now)}
    unstored = [p for p in walk if p not in result and is_closed(p, now) and p not in bases]
    first = first_period() if unstored else None
    for period in walk:
        if period in result:
            continue
        if not is_closed(period, now):
            before = None if notice else result[shift_period(period, -1)]
            result[period] = month_figures(period, before, notice=notice, stock=stock)
        elif period in bases:
            result[period] = store(period, month_figures(period, stock=stock))
        elif first is None or period < first:
            result[period] = empty_figures(period)  # before the first ledger row: not stored
        else:
            result[period] = store(period, month_figures(period, stock=stock))
    return {period: result[period] for period in periods}


def series_of(periods, now=None):
    """{period: (period, donated, given)} of the closed months among `periods` that are
    stored: the charts' points, read from their columns (one query, nothing decoded)."""
    periods = [period for period in periods if is_closed(period, now)]
    if not periods:
        return {}
    query = ClosedMonth.select(ClosedMonth.period, ClosedMonth.donated, ClosedMonth.given).where(
        ClosedMonth.period.in_(periods) & (ClosedMonth.format == FORMAT)
    )
    return {period: (period, donated, given) for period, donated, given in query.tuples()}


def monthly_report(period, now=None):
    """The monthly report of `period`: a closed month as stored, this month from the ledger."""
    if is_closed(period, now):
        return report_of(figures_of([period], now)[period])
    stock = StockTotals()  # the kept totals and the catalogue, read once
    return report_of(figures_of([period], now, stock=stock)[period], items=stock.items)


def disclosure(period, count=12, now=None):
    """The public notice of `period`, with the `count` months ending at it in its charts:
    the month's figures, and the earlier months' points from their stored columns (months
    not stored yet are summed, and stored when they have ended)."""
    now = now or utcnow()
    months = last_periods(period, count)
    points = series_of(months[:-1], now)
    missing = [month for month in months[:-1] if month not in points]
    # In the notice's shape an open month needs no month before, so the months need not
    # follow each other here.
    figures = figures_of([*missing, period], now, notice=True)
    for month, figures_of_month in figures.items():
        points.setdefault(month, series_point(figures_of_month))
    return disclosure_of(figures[period], [points[month] for month in months])


def differences(stored_figures, recomputed):
    """Names of the figures that differ between a stored month and the ledgers' sums."""
    names = []
    for key in sorted(set(stored_figures) | set(recomputed)):
        kept, now = stored_figures.get(key), recomputed.get(key)
        if kept == now:
            continue
        if isinstance(kept, dict) and isinstance(now, dict):
            inner = sorted(k for k in set(kept) | set(now) if kept.get(k) != now.get(k))
            names.append(f"{key} ({', '.join(inner)})")
        else:
            names.append(key)
    return names


def verify_closed_months():
    """(problems, summary): every stored month summed again from the ledgers; a month whose
    stored figures differ is named with the figures that differ. A month stored in an older
    format is not read by the pages and is counted apart."""
    problems, checked, older = [], 0, 0
    try:
        rows = list(ClosedMonth.select().order_by(ClosedMonth.period))
    except DatabaseError:
        return [], "closed months: none (table missing)"
    for row in rows:
        if row.format != FORMAT:
            older += 1
            continue
        checked += 1
        try:
            kept = json.loads(row.figures)
        except ValueError:
            problems.append(f"market_closed_month {row.period}: stored figures are not readable")
            continue
        recomputed = month_figures(row.period)
        found = differences(kept, recomputed)
        if (row.period, row.donated, row.given) != series_point(recomputed):
            found.append("chart point (donated, given)")
        if found:
            problems.append(
                f"market_closed_month {row.period}: stored figures differ from the ledgers "
                f"in {'; '.join(found)}"
            )
    summary = f"closed months: {checked} stored months summed again from the ledgers"
    if older:
        summary += f", {older} in an older format not checked"
    return problems, summary
