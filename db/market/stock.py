"""The catalogue and the stock operations that are not donations or redemptions: write-offs,
stock counts, and reversing a single write-off or count difference."""

from peewee import IntegrityError

from db import audit
from db.base import utcnow
from db.market.labels import UNITS
from db.market.ledger import (
    MarketError,
    actor_fields,
    append,
    market_lock,
    require_stock,
    stock_of,
    write_reversal,
)
from db.market.models import ITEM_CATEGORIES, Item, StockCount, StockCountLine, StockMovement

ITEM_FIELDS = (
    "name",
    "category",
    "unit",
    "points_price",
    "reference_value",
    "low_stock_threshold",
    "active",
)


def save_item(item=None, actor=None, **fields):
    """Create a catalogue item, or change one (`item`); the stock history is untouched.

    The unit is one of `labels.UNITS` (the word on the shelf label, shown in the reader's
    language). Once an item has any stock movement its category is fixed: reports and the
    public notice group past movements by the item's category, so changing it would rewrite
    published months ("category_locked"; create a new item instead). Name, unit and prices
    may change.
    """
    fields = {key: fields[key] for key in ITEM_FIELDS if key in fields}
    fields["name"] = (fields.get("name") or "").strip()
    if not fields["name"]:
        raise MarketError("name_required", field="name")
    if fields.get("category") not in ITEM_CATEGORIES:
        raise MarketError("unknown_category", field="category")
    # A unit outside the list cannot be shown in the reader's language; one typed before the
    # list existed may stay on its item.
    if fields.get("unit") not in UNITS and (item is None or fields.get("unit") != item.unit):
        raise MarketError("unknown_unit", field="unit")
    for key in ("points_price", "reference_value", "low_stock_threshold"):
        if int(fields.get(key) or 0) < 0:
            raise MarketError("not_negative", field=key)
    try:
        with market_lock():  # serialised with ledger writers: no movement slips in unseen
            if item is None:
                item = Item.create(**fields)
                audit.record("market.item.create", item, item.name, actor=actor)
            else:
                current = Item.get_by_id(item.id)
                if (
                    fields["category"] != current.category
                    and StockMovement.select().where(StockMovement.item == item.id).exists()
                ):
                    raise MarketError("category_locked", field="category", item=current.name)
                Item.update(**fields).where(Item.id == item.id).execute()
                item = Item.get_by_id(item.id)
                audit.record("market.item.update", item, item.name, actor=actor)
    except IntegrityError as exc:
        raise MarketError("item_name_taken", field="name") from exc
    return item


def write_off(item_id, quantity, reason, actor=None, at=None):
    """Take expired or damaged goods out of stock, with the reason; never below zero."""
    at = at or utcnow()
    reason = (reason or "").strip()
    if quantity is None or quantity <= 0:
        raise MarketError("quantity_positive", field="quantity")
    if not reason:
        raise MarketError("reason_required", field="reason")
    with market_lock():
        item = Item.get_or_none(Item.id == item_id)
        if item is None:
            raise MarketError("unknown_item", field="item")
        require_stock({item.id: -quantity})
        movement = append(
            StockMovement,
            at,
            actor,
            item=item,
            quantity=-quantity,
            kind="write_off",
            unit_value=item.reference_value,
            note=reason[:500],
        )
        audit.record(
            "market.write_off", movement, f"{item.name} -{quantity}: {reason}"[:500], actor=actor
        )
    return movement


def record_count(counted, note="", actor=None, at=None, shown=None):
    """Record a stock count: {item id: counted quantity}. Each item whose count differs from
    the books gets a movement of the difference tied to the count.

    `shown` is {item id: the book figure the count form showed}. When the books of any counted
    item differ from it under the lock (goods came in or went out while staff were counting,
    or the figure is missing), the whole count is refused ("count_books_changed", naming the
    items) and nothing is written: the counted quantity may or may not include that movement,
    so only a recount can tell. Without `shown` (demo data, tests) the books at this moment
    are the reference.
    """
    at = at or utcnow()
    counted = {int(k): v for k, v in counted.items() if v is not None}
    if not counted:
        raise MarketError("nothing_counted")
    if any(v < 0 for v in counted.values()):
        raise MarketError("not_negative")
    with market_lock():
        items = {item.id: item for item in Item.select().where(Item.id.in_(list(counted)))}
        if len(items) != len(counted):
            raise MarketError("unknown_item")
        expected = stock_of(counted)
        if shown is not None:
            shown = {int(k): v for k, v in shown.items()}
            changed = [
                item_id for item_id in counted if shown.get(item_id) != expected.get(item_id, 0)
            ]
            if changed:
                changed.sort(key=lambda item_id: (items[item_id].category, items[item_id].name))
                raise MarketError(
                    "count_books_changed",
                    item_ids=changed,
                    items=[items[item_id].name for item_id in changed],
                )
        count = StockCount.create(note=(note or "").strip()[:500], **actor_fields(actor, at))
        differences = 0
        for item_id in sorted(counted):
            books = expected.get(item_id, 0)
            StockCountLine.create(
                stock_count=count, item=item_id, expected=books, counted=counted[item_id]
            )
            if counted[item_id] != books:
                differences += 1
                append(
                    StockMovement,
                    at,
                    actor,
                    item=item_id,
                    quantity=counted[item_id] - books,
                    kind="count",
                    unit_value=items[item_id].reference_value,
                    stock_count=count,
                    note=count.note,
                )
        audit.record(
            "market.count",
            count,
            f"{len(counted)} items counted, {differences} differ",
            actor=actor,
        )
    return count


def reverse_movement(movement_id, reason, actor=None, at=None):
    """Reverse one write-off or stock-count difference with a reason (a movement pointing at it).

    Donation, purchase and redemption movements are reversed with their whole document.
    """
    at = at or utcnow()
    with market_lock():
        movement = StockMovement.get_or_none(StockMovement.id == movement_id)
        if movement is None or movement.kind not in ("write_off", "count"):
            raise MarketError("not_reversible")
        if StockMovement.select().where(StockMovement.reverses == movement.id).exists():
            raise MarketError("already_reversed")
        require_stock({movement.item_id: -movement.quantity})
        what = f"stock movement {movement.id}"
        reversal = write_reversal([movement], reason, what, at, actor)
    return reversal


def movement_reversed(movement_ids):
    """The ids among `movement_ids` that a reversal already points at."""
    query = StockMovement.select(StockMovement.reverses).where(
        StockMovement.reverses.in_(list(movement_ids))
    )
    return {row.reverses_id for row in query}
