"""Totals of the append-only ledgers, kept per process and brought up to date incrementally.

Stock, points and the monthly figures are sums over hundreds of thousands of ledger rows.
Summing them on every page would cost hundreds of milliseconds, so each process keeps the
sums (SQL aggregates grouped by a few columns) and adds only the rows written since.

Why this is exact: ledger rows are never updated or deleted (migration 0004's triggers refuse
it) and every append happens inside market_lock(), so rows become visible in id order. A sum
over the rows up to id N therefore never changes. Each read asks the database for its newest
row: when that is the row counted last (same id, same chain hash) the kept sums are current;
otherwise only the rows after it are summed (a range of the primary key) and added. The chain
hash of the last row counted stands for every row before it, so if that row is gone or
differs (another database, a restored backup, a test's fresh database) the sums are
recomputed from the start.

Inside a transaction, which may hold this process's own rows not yet committed, the newer
rows are added for that read only and not kept.
"""

import threading

from peewee import Case, fn

from db import database
from db.market.models import PointsEntry, StockMovement


class LedgerTotals:
    """SUMs of expressions over a ledger, grouped by some of its columns.

    `current()` returns {group key tuple: [sum, …]} over every row; treat it as read-only.
    Group columns and summed columns must be among the ones the chain hash covers (HASHED),
    so a row counted under a hash cannot have different content.
    """

    def __init__(self, model, group_by, sums):
        self.model = model
        self.group_by = tuple(group_by)
        self.sums = tuple(sums)
        self._lock = threading.Lock()
        self._reset()

    def _reset(self):
        """Forget everything counted."""
        self._totals, self._last_id, self._last_hash = {}, 0, None

    def _newest(self):
        """(id, hash) of the ledger's newest row, or None for an empty ledger."""
        model = self.model
        query = model.select(model.id, model.hash).order_by(model.id.desc()).limit(1)
        return query.tuples().first()

    def _still_counted(self, newest_id):
        """True when the row counted last is still the ledger's row of that id, unchanged."""
        if self._last_id == 0:
            return True
        if self._last_id > newest_id:
            return False
        model = self.model
        stored = model.select(model.hash).where(model.id == self._last_id).scalar()
        return stored == self._last_hash

    def _add(self, totals, after_id, upto_id):
        """Add the sums of the rows with after_id < id ≤ upto_id into `totals` (one query)."""
        model = self.model
        width = len(self.group_by)
        query = (
            model.select(*self.group_by, *(fn.SUM(expression) for expression in self.sums))
            .where((model.id > after_id) & (model.id <= upto_id))
            .group_by(*self.group_by)
            .tuples()
        )
        for row in query:
            key, values = row[:width], row[width:]
            kept = totals.get(key)
            if kept is None:
                totals[key] = [int(value or 0) for value in values]
            else:
                for index, value in enumerate(values):
                    kept[index] += int(value or 0)

    def current(self):
        """{group key: [sums]} over every row of the ledger as this connection sees it."""
        newest = self._newest()
        keep = not database.in_transaction()
        with self._lock:
            if newest is None:
                if keep:
                    self._reset()
                return {}
            newest_id, newest_hash = newest
            if (newest_id, newest_hash) == (self._last_id, self._last_hash):
                return self._totals
            if self._still_counted(newest_id):
                base, after = self._totals, self._last_id
            else:
                base, after = {}, 0
            totals = base if keep else {key: list(values) for key, values in base.items()}
            try:
                self._add(totals, after, newest_id)
            except Exception:
                self._reset()  # a half-added delta must not be kept
                raise
            if keep:
                self._totals, self._last_id, self._last_hash = totals, newest_id, newest_hash
            return totals


_quantity = StockMovement.quantity
# Per item, month and kind: net quantity, quantity in, quantity out (negative), value (fen)
# and points, each signed as the movements are.
STOCK = LedgerTotals(
    StockMovement,
    group_by=(StockMovement.item, StockMovement.period, StockMovement.kind),
    sums=(
        _quantity,
        Case(None, [(_quantity > 0, _quantity)], 0),
        Case(None, [(_quantity < 0, _quantity)], 0),
        _quantity * StockMovement.unit_value,
        _quantity * fn.COALESCE(StockMovement.unit_points, 0),
    ),
)
NET, IN, OUT, VALUE, POINTS = range(5)

# Points per household (balances), and per month and kind (the monthly report).
POINTS_BY_HOUSEHOLD = LedgerTotals(PointsEntry, (PointsEntry.household,), (PointsEntry.points,))
POINTS_BY_MONTH = LedgerTotals(
    PointsEntry, (PointsEntry.period, PointsEntry.kind), (PointsEntry.points,)
)


# Net quantity per item alone: the counter, the stock page and the low-stock list ask for an
# item's stock, which summing STOCK's groups (item x month x kind, thousands of them at
# district scale) would cost a loop over every group on each ask.
STOCK_BY_ITEM = LedgerTotals(StockMovement, (StockMovement.item,), (_quantity,))


def stock_by_item():
    """{item id: stock} of every item that has movements."""
    return {key[0]: sums[0] for key, sums in STOCK_BY_ITEM.current().items()}
