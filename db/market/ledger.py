"""The append-only ledgers: the one lock, the hash chain, and balances summed from rows.

Every write to a ledger happens inside `market_lock()`, which serialises all of the market's
ledger writers (SQLite: BEGIN IMMEDIATE; PostgreSQL: the shared advisory lock of
`write_lock()`). Stock, points and cash are scarce and shared between counters, and the hash
chain needs each new row to follow the last committed one, so one lock for all three keeps
both simple and correct. Balances are always counted after taking it. Because rows commit in
id order under the lock, the sums over them are kept and extended (db/market/totals.py).
"""

import hashlib
import json
from datetime import date, datetime

from peewee import fn

from db import audit, write_lock
from db.errors import DomainError
from db.market.models import (
    CashEntry,
    Household,
    Item,
    PassbookEntry,
    PointsEntry,
    Reversal,
    StockMovement,
)
from db.market.periods import period_of
from db.market.totals import POINTS_BY_HOUSEHOLD, stock_by_item

GENESIS = "0" * 64


class MarketError(DomainError):
    """A refused market operation (see `db.errors.DomainError`)."""


def market_lock():
    """The transaction every ledger write runs in (see the module docstring)."""
    return write_lock()


def _plain(value):
    """A JSON-stable form of one column value."""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def canonical(row):
    """The content of a ledger row that its hash covers, as one stable string.

    Foreign keys count by id (peewee keeps ids in `__data__`); the row's own id and hash are
    left out, so the hash can be computed before the insert.
    """
    content = [[name, _plain(row.__data__.get(name))] for name in type(row).HASHED]
    return json.dumps([row._meta.table_name, content], ensure_ascii=False, separators=(",", ":"))


def chain_hash(previous_hash, row):
    """sha256 of the previous row's hash followed by this row's canonical content."""
    return hashlib.sha256((previous_hash + canonical(row)).encode("utf-8")).hexdigest()


def last_hash(model):
    """The hash of the newest row of a ledger, or the genesis value for an empty one."""
    newest = model.select(model.hash).order_by(model.id.desc()).limit(1).first()
    return newest.hash if newest else GENESIS


def append(model, at, actor=None, **values):
    """Append one row to a ledger, chained to the newest row. Call inside market_lock()."""
    row = model(at=at, period=period_of(at), actor=actor, actor_label=_label(actor), **values)
    row.hash = chain_hash(last_hash(model), row)
    row.save(force_insert=True)
    return row


def stock_of(item_ids=None):
    """{item id: stock} summed from the movements (items without movements are absent)."""
    stock = stock_by_item()
    if item_ids is None:
        return dict(stock)
    return {item_id: stock[item_id] for item_id in item_ids if item_id in stock}


def stock_levels(active_only=False):
    """[(item, stock)] for the catalogue in category and name order."""
    query = Item.select().order_by(Item.category, Item.name)
    if active_only:
        query = query.where(Item.active)
    stock = stock_by_item()
    return [(item, stock.get(item.id, 0)) for item in query]


def points_balance(household_id):
    """A household's points: the sum of its entries."""
    total = (
        PointsEntry.select(fn.COALESCE(fn.SUM(PointsEntry.points), 0))
        .where(PointsEntry.household == household_id)
        .scalar()
    )
    return int(total or 0)


def points_balances(household_ids=None):
    """{household id: points} for the given households (all when None); households without
    entries are absent."""
    totals = POINTS_BY_HOUSEHOLD.current()
    if household_ids is None:
        return {key[0]: sums[0] for key, sums in totals.items()}
    return {
        household_id: totals[(household_id,)][0]
        for household_id in household_ids
        if (household_id,) in totals
    }


def cash_balance():
    """Money held: the sum of the cash ledger, in fen."""
    return int(CashEntry.select(fn.COALESCE(fn.SUM(CashEntry.amount), 0)).scalar() or 0)


def total_points_outstanding():
    """Points held by all households together."""
    return sum(sums[0] for sums in POINTS_BY_HOUSEHOLD.current().values())


def household_by_card(card_no):
    """The household holding this card number (spaces and case forgiven), or None."""
    card_no = (card_no or "").strip().upper().replace(" ", "")
    if not card_no:
        return None
    return Household.get_or_none(Household.card_no == card_no)


def require_stock(deltas):
    """Refuse (MarketError "not_enough_stock") if applying {item id: change} would leave any
    item below zero. Call inside market_lock(), before writing."""
    wanted_out = {item_id: -delta for item_id, delta in deltas.items() if delta < 0}
    if not wanted_out:
        return
    stock = stock_of(wanted_out)
    for item_id, wanted in wanted_out.items():
        available = stock.get(item_id, 0)
        if available < wanted:
            item = Item.get_by_id(item_id)
            raise MarketError(
                "not_enough_stock",
                item=item.name,
                unit=item.unit,
                available=available,
                wanted=wanted,
            )


def require_cash(amount):
    """Refuse (MarketError "not_enough_cash") paying out `amount` fen the cash ledger lacks."""
    available = cash_balance()
    if amount > available:
        raise MarketError("not_enough_cash", field="amount", available=available, wanted=amount)


# What a reversing row copies from the row it reverses: the signed amount, negated, and
# these columns. (unit_points is set on redemption movements only.)
REVERSED_AMOUNT = {
    StockMovement: "quantity",
    PointsEntry: "points",
    CashEntry: "amount",
    PassbookEntry: "points",
}
REVERSAL_COPIES = {
    StockMovement: ("item", "unit_value", "unit_points"),
    PointsEntry: ("household",),
    CashEntry: (),
    PassbookEntry: ("passbook",),
}


def write_reversal(rows, reason, what, at, actor=None, **document):
    """Reverse ledger rows, once the caller's checks have passed: the reversal header (reason,
    author, and the whole `document` it reverses, if any), one row of the opposite amount per
    row in `rows`, each pointing at the row it undoes, and the audit entry "what: reason".
    Call inside market_lock(). Refuses an empty reason ("reason_required")."""
    reason = (reason or "").strip()
    if not reason:
        raise MarketError("reason_required", field="reason")
    reversal = Reversal.create(reason=reason[:500], **actor_fields(actor, at), **document)
    for row in rows:
        model = type(row)
        amount = REVERSED_AMOUNT[model]
        copied = {name: row.__data__.get(name) for name in REVERSAL_COPIES[model]}
        copied[amount] = -getattr(row, amount)
        append(
            model,
            at,
            actor,
            kind="reversal",
            reversal=reversal,
            reverses=row,
            note=reversal.reason,
            **copied,
        )
    audit.record("market.reverse", reversal, f"{what}: {reversal.reason}"[:500], actor=actor)
    return reversal


def actor_fields(actor, at):
    """created_at, period and author columns for a document row."""
    return dict(created_at=at, period=period_of(at), actor=actor, actor_label=_label(actor))


def _label(actor):
    """The author's username as stored beside the id, or "system"."""
    return (actor.username if actor else "system")[:100]


def clean_goods_lines(lines):
    """[(item, quantity, unit value)] from [(item id, quantity, unit value fen)], merging
    repeats of an item at one value; refuses a line without a positive quantity."""
    merged = {}
    for index, (item_id, quantity, unit_value) in enumerate(lines, start=1):
        if quantity is None or quantity <= 0:
            raise MarketError("line_quantity", line=index)
        if unit_value is None or unit_value < 0:
            raise MarketError("line_value", line=index)
        key = (int(item_id), unit_value)
        merged[key] = merged.get(key, 0) + quantity
    item_ids = {item_id for item_id, _ in merged}
    items = {item.id: item for item in Item.select().where(Item.id.in_(list(item_ids)))}
    if len(items) != len(item_ids):
        raise MarketError("unknown_item")
    return [(items[item_id], qty, value) for (item_id, value), qty in merged.items()]
