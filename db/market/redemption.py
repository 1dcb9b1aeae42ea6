"""The counter: goods taken for points in one transaction that checks every rule first, and
the reversal of a redemption made by mistake."""

from db import audit
from db.base import utcnow
from db.market.ledger import (
    MarketError,
    actor_fields,
    append,
    market_lock,
    points_balance,
    stock_of,
    write_reversal,
)
from db.market.models import (
    Household,
    Item,
    Passbook,
    PassbookEntry,
    PointsEntry,
    Redemption,
    Reversal,
    StockMovement,
)
from db.market.passbooks import passbook_balance
from db.market.periods import period_of
from db.market.rules import rule


def merge_basket(lines):
    """({item id: quantity}, {item id: line number}) from [(item id, quantity)], dropping zero
    lines; refuses negatives. An item's line number is its first line's place in `lines`
    (from 1, zero lines counted), so a refusal names the row the person sees."""
    basket, line_of = {}, {}
    for number, (item_id, quantity) in enumerate(lines, start=1):
        if quantity is None or quantity == 0:
            continue
        if quantity < 0:
            raise MarketError("line_quantity", line=number)
        basket[int(item_id)] = basket.get(int(item_id), 0) + quantity
        line_of.setdefault(int(item_id), number)
    return basket, line_of


def price_basket(basket):
    """[(item, quantity, points)] and the total for a basket, at today's points prices."""
    items = {item.id: item for item in Item.select().where(Item.id.in_(list(basket)))}
    lines = [(items[i], q, q * items[i].points_price) for i, q in basket.items() if i in items]
    return lines, sum(points for _, _, points in lines)


def reversed_redemption_ids():
    """A subquery of the ids of reversed redemptions."""
    return Reversal.select(Reversal.redemption).where(Reversal.redemption.is_null(False))


def visits_in(household_id, period):
    """Standing (not reversed) redemptions of a household in a month."""
    return (
        Redemption.select()
        .where(
            (Redemption.household == household_id)
            & (Redemption.period == period)
            & Redemption.id.not_in(reversed_redemption_ids())
        )
        .count()
    )


def redeem(household_id, lines, actor=None, at=None):
    """Give goods for a household's points: [(item id, quantity)].

    One transaction under the market lock checks, in this order, the card's status, the
    month's visit limit, every line (item available, enough in stock) and the balance, then
    writes the redemption, its stock movements and the points debit. The first rule that fails
    is raised as a MarketError naming it (and the line: its place in `lines`, counting lines
    of quantity 0, so the counter passes every row of its table), and nothing is written.
    """
    at = at or utcnow()
    basket, line_of = merge_basket(lines)
    if not basket:
        raise MarketError("empty_basket")
    # A setting, read before the lock: only what allocates (visits, stock, points) is
    # counted inside it. The limit is the one in force when the counter asked.
    limit = rule("market.visit_limit")
    _bring_stock_up_to_date()
    with market_lock():
        household = Household.get_or_none(Household.id == household_id)
        if household is None:
            raise MarketError("unknown_card")
        if household.status != "active":
            raise MarketError("card_not_active", status=household.status)
        visits = visits_in(household.id, period_of(at))
        if visits >= limit:
            raise MarketError("visit_limit", limit=limit, visits=visits)
        items, total = _checked_basket(basket, line_of)
        balance = points_balance(household.id)
        if total > balance:
            raise MarketError("not_enough_points", balance=balance, total=total)
        redemption = Redemption.create(
            household=household, points_total=total, **actor_fields(actor, at)
        )
        _write_movements(redemption, items, basket, at, actor)
        append(
            PointsEntry,
            at,
            actor,
            household=household,
            points=-total,
            kind="redemption",
            redemption=redemption,
        )
        audit.record(
            "market.redeem",
            redemption,
            f"{household.card_no}: {total} points, {len(basket)} lines",
            actor=actor,
        )
    return redemption


def redeem_passbook(passbook_id, lines, actor=None, at=None):
    """Give goods for a volunteer passbook's points: [(item id, quantity)].

    The same transaction and rules as `redeem` for the goods (every line available and in
    stock) and the balance (the passbook's own points); the household visit limit does not
    apply to points earned by volunteering. Writes the redemption (its `passbook` set), its
    stock movements and a "redeemed" passbook entry; a refusal writes nothing.
    """
    at = at or utcnow()
    basket, line_of = merge_basket(lines)
    if not basket:
        raise MarketError("empty_basket")
    _bring_stock_up_to_date()
    with market_lock():
        passbook = Passbook.get_or_none(Passbook.id == passbook_id)
        if passbook is None:
            raise MarketError("unknown_passbook")
        if passbook.status != "active":
            raise MarketError("passbook_not_active", status=passbook.status)
        items, total = _checked_basket(basket, line_of)
        balance = passbook_balance(passbook.id)
        if total > balance:
            raise MarketError("not_enough_points", balance=balance, total=total)
        redemption = Redemption.create(
            passbook=passbook, points_total=total, **actor_fields(actor, at)
        )
        _write_movements(redemption, items, basket, at, actor)
        append(
            PassbookEntry,
            at,
            actor,
            passbook=passbook,
            points=-total,
            kind="redeemed",
            redemption=redemption,
        )
        audit.record(
            "market.redeem",
            redemption,
            f"{passbook.passbook_no}: {total} points, {len(basket)} lines",
            actor=actor,
        )
    return redemption


def _bring_stock_up_to_date():
    """Let this process's kept stock totals take in the rows written since it last looked,
    before the lock: outside a transaction they are kept (db/market/totals.py), so inside
    it the stock check only reads the newest row, instead of summing again what it missed."""
    stock_of()


def _checked_basket(basket, line_of):
    """({item id: item}, points total) once every line passes: the item exists and is
    active, and the stock holds the quantity. Call inside market_lock()."""
    items = {item.id: item for item in Item.select().where(Item.id.in_(list(basket)))}
    stock = stock_of(basket)
    for item_id, quantity in basket.items():  # in the order of their first lines
        number = line_of[item_id]
        item = items.get(item_id)
        if item is None:
            raise MarketError("item_unavailable", line=number)
        if not item.active:  # taken off the catalogue after the basket was loaded
            raise MarketError("line_item_inactive", line=number, item=item.name)
        if stock.get(item_id, 0) < quantity:
            raise MarketError(
                "line_not_enough_stock",
                line=number,
                item=item.name,
                unit=item.unit,
                available=stock.get(item_id, 0),
                wanted=quantity,
            )
    return items, sum(items[i].points_price * q for i, q in basket.items())


def _write_movements(redemption, items, basket, at, actor):
    """The redemption's stock movements, one per item."""
    for item_id, quantity in basket.items():
        item = items[item_id]
        append(
            StockMovement,
            at,
            actor,
            item=item,
            quantity=-quantity,
            kind="redemption",
            unit_value=item.reference_value,
            unit_points=item.points_price,
            redemption=redemption,
        )


def reverse_redemption(redemption_id, reason, actor=None, at=None):
    """Undo a redemption made by mistake: goods back into stock, points back to the card or
    the passbook it was paid from."""
    at = at or utcnow()
    with market_lock():
        redemption = Redemption.get_or_none(Redemption.id == redemption_id)
        if redemption is None:
            raise MarketError("not_reversible")
        if Reversal.select().where(Reversal.redemption == redemption.id).exists():
            raise MarketError("already_reversed")
        movements = list(redemption.movements.where(StockMovement.kind == "redemption"))
        debits = list(redemption.points_entries.where(PointsEntry.kind == "redemption"))
        debits += list(redemption.passbook_entries.where(PassbookEntry.kind == "redeemed"))
        reversal = write_reversal(
            movements + debits,
            reason,
            f"redemption {redemption.slip_no}",
            at,
            actor,
            redemption=redemption,
        )
    return reversal


def redemption_lines(redemption):
    """The slip's lines: the redemption's movements with their items."""
    return list(
        StockMovement.select(StockMovement, Item)
        .join(Item)
        .where((StockMovement.redemption == redemption.id) & (StockMovement.kind == "redemption"))
        .order_by(StockMovement.id)
    )
