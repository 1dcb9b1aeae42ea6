"""Spending donated money: purchases of goods (cash out, stock in), other spending, and their
reversals. The cash balance never goes below zero."""

from db import audit
from db.base import utcnow
from db.market.ledger import (
    MarketError,
    actor_fields,
    append,
    clean_goods_lines,
    market_lock,
    require_cash,
    require_stock,
    write_reversal,
)
from db.market.models import CashEntry, Purchase, Reversal, StockMovement


def record_purchase(supplier, lines, note="", actor=None, at=None):
    """Buy goods with donated money: [(item id, quantity, unit cost fen)]."""
    at = at or utcnow()
    supplier = (supplier or "").strip()
    if not supplier:
        raise MarketError("supplier_required", field="supplier")
    if not lines:
        raise MarketError("no_lines")
    with market_lock():
        clean = clean_goods_lines(lines)
        total = sum(qty * value for _, qty, value in clean)
        require_cash(total)
        purchase = Purchase.create(
            supplier=supplier[:100],
            note=(note or "").strip()[:500],
            total=total,
            **actor_fields(actor, at),
        )
        for item, quantity, value in clean:
            append(
                StockMovement,
                at,
                actor,
                item=item,
                quantity=quantity,
                kind="purchase",
                unit_value=value,
                purchase=purchase,
            )
        append(
            CashEntry,
            at,
            actor,
            amount=-total,
            kind="purchase",
            purchase=purchase,
            note=supplier[:500],
        )
        audit.record("market.purchase", purchase, f"{supplier}: {total} fen", actor=actor)
    return purchase


def record_spending(amount, purpose, actor=None, at=None):
    """Pay out donated money for something other than goods (transport, printing …)."""
    at = at or utcnow()
    purpose = (purpose or "").strip()
    if amount is None or amount <= 0:
        raise MarketError("amount_positive", field="amount")
    if not purpose:
        raise MarketError("purpose_required", field="purpose")
    with market_lock():
        require_cash(amount)
        entry = append(CashEntry, at, actor, amount=-amount, kind="spending", note=purpose[:500])
        audit.record("market.spending", entry, f"{amount} fen: {purpose}"[:500], actor=actor)
    return entry


def reverse_purchase(purchase_id, reason, actor=None, at=None):
    """Reverse a whole purchase: its goods leave stock (if still there), its money comes back."""
    at = at or utcnow()
    with market_lock():
        purchase = Purchase.get_or_none(Purchase.id == purchase_id)
        if purchase is None:
            raise MarketError("not_reversible")
        if Reversal.select().where(Reversal.purchase == purchase.id).exists():
            raise MarketError("already_reversed")
        movements = list(purchase.movements.where(StockMovement.kind == "purchase"))
        deltas = {}
        for movement in movements:
            deltas[movement.item_id] = deltas.get(movement.item_id, 0) - movement.quantity
        require_stock(deltas)
        rows = movements + list(purchase.cash_entries.where(CashEntry.kind == "purchase"))
        reversal = write_reversal(
            rows, reason, f"purchase {purchase.id}", at, actor, purchase=purchase
        )
    return reversal


def reverse_spending(entry_id, reason, actor=None, at=None):
    """Reverse one spending entry (the money comes back) with a reason."""
    at = at or utcnow()
    with market_lock():
        entry = CashEntry.get_or_none(CashEntry.id == entry_id)
        if entry is None or entry.kind != "spending":
            raise MarketError("not_reversible")
        if CashEntry.select().where(CashEntry.reverses == entry.id).exists():
            raise MarketError("already_reversed")
        reversal = write_reversal([entry], reason, f"cash entry {entry.id}", at, actor)
    return reversal
