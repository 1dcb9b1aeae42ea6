"""`ledger verify` for the love supermarket: hash chains (stock, household points, cash and
volunteer passbooks), balances recomputed from every row and never below zero, documents that
agree with their ledger rows, each redemption paid from exactly one account, and gapless
receipt numbers."""

from peewee import JOIN, fn

from db.integrity import gapless_problems
from db.market.ledger import GENESIS, chain_hash
from db.market.models import (
    PASSBOOK_KINDS,
    CashEntry,
    Donation,
    PassbookEntry,
    PointsEntry,
    Purchase,
    Redemption,
    Reversal,
    StockCountLine,
    StockMovement,
)

BALANCE_KEYS = {
    StockMovement: ("item_id", "quantity", "stock of item {key}"),
    PointsEntry: ("household_id", "points", "points of household {key}"),
    CashEntry: (None, "amount", "cash balance"),
    PassbookEntry: ("passbook_id", "points", "points of passbook {key}"),
}


def walk_ledger(model):
    """(problems, rows, balances) of one ledger read in id order.

    Each row's hash must equal sha256(stored hash of the row before + its content); a row
    whose content or hash was changed is named. The running balance per item, household or
    cash box is recomputed row by row and must never drop below zero.
    """
    key_attr, amount_attr, label = BALANCE_KEYS[model]
    table = model._meta.table_name
    problems, balances, previous, rows = [], {}, GENESIS, 0
    for row in model.select().order_by(model.id).iterator():
        rows += 1
        if chain_hash(previous, row) != row.hash:
            problems.append(
                f"{table} #{row.id}: hash does not match its content and the row before "
                "(this row, or the one before it, was altered)"
            )
        previous = row.hash
        key = getattr(row, key_attr) if key_attr else None
        balances[key] = balances.get(key, 0) + getattr(row, amount_attr)
        if balances[key] < 0:
            problems.append(
                f"{table} #{row.id}: {label.format(key=key)} falls below zero ({balances[key]})"
            )
    return problems, rows, balances


def reversal_problems(model, amount_field):
    """Reversal rows must point at the entry they reverse and at a reversal, and cancel it."""
    original = model.alias()
    query = (
        model.select(model.id)
        .join(original, JOIN.LEFT_OUTER, on=(model.reverses == original.id))
        .where(
            (model.kind == "reversal")
            & (
                model.reverses.is_null()
                | model.reversal.is_null()
                | (getattr(model, amount_field) + getattr(original, amount_field) != 0)
                | (original.kind == "reversal")
            )
        )
    )
    table = model._meta.table_name
    return [f"{table} #{row.id}: reversal does not cancel the entry it names" for row in query]


def document_problems():
    """Donations, redemptions and stock counts must agree with the ledger rows they wrote."""
    problems = []
    goods = dict(
        StockMovement.select(
            StockMovement.donation, fn.SUM(StockMovement.quantity * StockMovement.unit_value)
        )
        .where(StockMovement.kind == "donation")
        .group_by(StockMovement.donation)
        .tuples()
    )
    money = dict(
        CashEntry.select(CashEntry.donation, fn.SUM(CashEntry.amount))
        .where(CashEntry.kind == "donation")
        .group_by(CashEntry.donation)
        .tuples()
    )
    for donation_id, year, seq, goods_value, amount in Donation.select(
        Donation.id,
        Donation.receipt_year,
        Donation.receipt_seq,
        Donation.goods_value,
        Donation.money,
    ).tuples():
        if (
            int(goods.get(donation_id) or 0) != goods_value
            or int(money.get(donation_id) or 0) != amount
        ):
            problems.append(
                f"market_donation JZ-{year}-{seq:04d}: value differs from its ledger rows"
            )
    debits = dict(
        PointsEntry.select(PointsEntry.redemption, fn.SUM(0 - PointsEntry.points))
        .where(PointsEntry.kind == "redemption")
        .group_by(PointsEntry.redemption)
        .tuples()
    )
    for redemption_id, points in (
        PassbookEntry.select(PassbookEntry.redemption, fn.SUM(0 - PassbookEntry.points))
        .where(PassbookEntry.kind == "redeemed")
        .group_by(PassbookEntry.redemption)
        .tuples()
    ):
        debits[redemption_id] = int(debits.get(redemption_id) or 0) + int(points or 0)
    lines = dict(
        StockMovement.select(
            StockMovement.redemption,
            fn.SUM((0 - StockMovement.quantity) * StockMovement.unit_points),
        )
        .where(StockMovement.kind == "redemption")
        .group_by(StockMovement.redemption)
        .tuples()
    )
    for redemption_id, total in Redemption.select(Redemption.id, Redemption.points_total).tuples():
        if (
            int(debits.get(redemption_id) or 0) != total
            or int(lines.get(redemption_id) or 0) != total
        ):
            problems.append(
                f"market_redemption #{redemption_id}: points differ from its ledger rows"
            )
    mismatched = (
        StockCountLine.select(StockCountLine.stock_count, StockCountLine.item)
        .join(
            StockMovement,
            JOIN.LEFT_OUTER,
            on=(
                (StockMovement.stock_count == StockCountLine.stock_count)
                & (StockMovement.item == StockCountLine.item)
                & (StockMovement.kind == "count")
            ),
        )
        .where(
            fn.COALESCE(StockMovement.quantity, 0)
            != StockCountLine.counted - StockCountLine.expected
        )
        .tuples()
    )
    for count_id, item_id in mismatched:
        problems.append(
            f"market_stock_count #{count_id}: item {item_id} difference not in the ledger"
        )
    problems.extend(purchase_problems())
    problems.extend(passbook_problems())
    problems.extend(whole_reversal_problems())
    return problems


def passbook_problems():
    """Each redemption is paid from exactly one of a love card and a passbook, and its debit
    is written to that account; passbook entries are of a known kind with the sign it
    implies (earned +, correction and redeemed -), a debit naming its redemption."""
    problems = []
    for (redemption_id,) in (
        Redemption.select(Redemption.id)
        .where(Redemption.household.is_null() == Redemption.passbook.is_null())
        .tuples()
    ):
        problems.append(
            f"market_redemption #{redemption_id}: must name exactly one of a household "
            "and a passbook"
        )
    misplaced = (
        PassbookEntry.select(PassbookEntry.id)
        .join(Redemption, JOIN.LEFT_OUTER, on=(PassbookEntry.redemption == Redemption.id))
        .where(
            (PassbookEntry.kind == "redeemed")
            & (Redemption.id.is_null() | (Redemption.passbook != PassbookEntry.passbook))
        )
        .tuples()
    )
    for (entry_id,) in misplaced:
        problems.append(
            f"market_passbook_entry #{entry_id}: debit not of the passbook its redemption names"
        )
    misplaced = (
        PointsEntry.select(PointsEntry.id)
        .join(Redemption, on=(PointsEntry.redemption == Redemption.id))
        .where((PointsEntry.kind == "redemption") & (Redemption.household != PointsEntry.household))
        .tuples()
    )
    for (entry_id,) in misplaced:
        problems.append(
            f"market_points_entry #{entry_id}: debit not of the household its redemption names"
        )
    wrong_sign = PassbookEntry.select(PassbookEntry.id, PassbookEntry.kind).where(
        PassbookEntry.kind.not_in(PASSBOOK_KINDS)
        | ((PassbookEntry.kind == "earned") & (PassbookEntry.points <= 0))
        | (PassbookEntry.kind.in_(("correction", "redeemed")) & (PassbookEntry.points >= 0))
    )
    for entry_id, kind in wrong_sign.tuples():
        problems.append(f"market_passbook_entry #{entry_id}: {kind} entry of the wrong sign")
    return problems


def purchase_problems():
    """Each purchase's total must equal its goods (stock rows) and its payment (cash rows)."""
    goods = dict(
        StockMovement.select(
            StockMovement.purchase, fn.SUM(StockMovement.quantity * StockMovement.unit_value)
        )
        .where(StockMovement.kind == "purchase")
        .group_by(StockMovement.purchase)
        .tuples()
    )
    paid = dict(
        CashEntry.select(CashEntry.purchase, fn.SUM(0 - CashEntry.amount))
        .where(CashEntry.kind == "purchase")
        .group_by(CashEntry.purchase)
        .tuples()
    )
    problems = []
    for purchase_id, total in Purchase.select(Purchase.id, Purchase.total).tuples():
        if int(goods.get(purchase_id) or 0) != total:
            problems.append(f"market_purchase #{purchase_id}: goods differ from its total")
        if int(paid.get(purchase_id) or 0) != total:
            problems.append(f"market_purchase #{purchase_id}: payment differs from its total")
    return problems


# (ledger, document column, kind of the document's own rows) for every document a reversal
# names: reversing the document must reverse each of those rows, with that reversal.
DOCUMENT_ROWS = (
    (StockMovement, "donation", "donation"),
    (CashEntry, "donation", "donation"),
    (StockMovement, "purchase", "purchase"),
    (CashEntry, "purchase", "purchase"),
    (StockMovement, "redemption", "redemption"),
    (PointsEntry, "redemption", "redemption"),
    (PassbookEntry, "redemption", "redeemed"),
)


def whole_reversal_problems():
    """A reversal of a donation, purchase or redemption must cover the whole document: every
    ledger row the document wrote has a row that reverses it, written by that reversal."""
    problems = []
    for model, column, kind in DOCUMENT_ROWS:
        undo = model.alias()
        query = (
            model.select(model.id, Reversal.id)
            .join(Reversal, on=(getattr(Reversal, column) == getattr(model, column)))
            .switch(model)
            .join(undo, JOIN.LEFT_OUTER, on=(undo.reverses == model.id))
            .where((model.kind == kind) & (undo.id.is_null() | (undo.reversal != Reversal.id)))
            .tuples()
        )
        table = model._meta.table_name
        for row_id, reversal_id in query:
            problems.append(
                f"market_reversal #{reversal_id}: {table} #{row_id} of the {column} it "
                "reverses is not reversed with it"
            )
    return problems


def verify_market():
    """Every check of the supermarket's ledgers; (problems, one-line summary)."""
    problems = []
    counts = {}
    balances = {}
    for model in (StockMovement, PointsEntry, CashEntry, PassbookEntry):
        found, rows, totals = walk_ledger(model)
        problems.extend(found)
        counts[model] = rows
        balances[model] = totals
    problems.extend(reversal_problems(StockMovement, "quantity"))
    problems.extend(reversal_problems(PointsEntry, "points"))
    problems.extend(reversal_problems(CashEntry, "amount"))
    problems.extend(reversal_problems(PassbookEntry, "points"))
    problems.extend(document_problems())
    summary = (
        f"love supermarket: {counts[StockMovement]} stock movements, "
        f"{counts[PointsEntry]} points entries, {counts[CashEntry]} cash entries, "
        f"{counts[PassbookEntry]} passbook entries; "
        f"cash balance {balances[CashEntry].get(None, 0)} fen"
    )
    return problems, summary


def receipt_numbers():
    """Donation receipt numbers run 1, 2, 3 … within each year."""
    return gapless_problems(
        "donation receipts JZ", Donation, Donation.receipt_seq, Donation.receipt_year
    )
