"""The lists the market's staff pages show, each one page at a time (a `db.pagination.Page`)
with the few extra figures its rows need, in a fixed number of statements whatever the data.

Rows that show who made them come with the account joined (`with_actor`), so a page of them
reads every name in the same statement.
"""

import re
from datetime import timedelta

from peewee import JOIN, fn

from db.accounts import Enterprise, User
from db.market.donations import reversed_donation_ids
from db.market.households import REVIEW_SOON_DAYS
from db.market.ledger import cash_balance, stock_of
from db.market.models import (
    HOUSEHOLD_CATEGORIES,
    HOUSEHOLD_STATUSES,
    ITEM_CATEGORIES,
    CashEntry,
    Donation,
    Donor,
    Household,
    Item,
    Passbook,
    PassbookEntry,
    PointsEntry,
    Redemption,
    Reversal,
    StockCountLine,
    StockMovement,
)
from db.market.periods import current_period, local_today
from db.market.rules import honour_level, rules
from db.pagination import paginate, paginate_list

PAGE_SIZE = 50
MAX_SEARCH = 50
RECEIPT_RE = re.compile(r"^JZ-?(\d{4})(?:-?(\d{1,4}))?$", re.IGNORECASE)


def with_actor(query, model):
    """`query` of `model` rows with the account that made each one (None for "system")."""
    return query.select_extend(User).join(User, JOIN.LEFT_OUTER, on=(model.actor == User.id))


def catalogue_items(active_only=True):
    """Catalogue items in category and name order (for the item choices of a form)."""
    query = Item.select().order_by(Item.category, Item.name)
    return query.where(Item.active) if active_only else query


def catalogue_page(page, category="", search="", only_low=False, per_page=PAGE_SIZE):
    """A page of [(item, stock)] of the catalogue, filtered by category, part of the name, or
    to active items at or below their low-stock threshold."""
    query = Item.select().order_by(Item.category, Item.name, Item.id)
    if category in ITEM_CATEGORIES:
        query = query.where(Item.category == category)
    search = (search or "").strip()[:MAX_SEARCH]
    if search:
        query = query.where(Item.name.contains(search))
    stock = stock_of()  # the kept totals: no query
    if only_low:  # stock is not a column: this filter runs over the (filtered) catalogue
        rows = [(item, stock.get(item.id, 0)) for item in query]
        rows = [(i, s) for i, s in rows if i.active and s <= i.low_stock_threshold]
        return paginate_list(rows, page, per_page)
    listing = paginate(query, page, per_page)
    listing.rows = [(item, stock.get(item.id, 0)) for item in listing.rows]
    return listing


def movements_page(item, stock, page, per_page=PAGE_SIZE):
    """(page of an item's stock movements, newest first, each with `balance_after`; the ids
    among them already reversed). `stock` is the item's stock now."""
    query = with_actor(StockMovement.select(), StockMovement)
    query = query.where(StockMovement.item == item.id).order_by(StockMovement.id.desc())
    listing = paginate(query, page, per_page)
    if listing.rows:
        # The balance after the newest row on this page: stock less everything newer.
        newer = (
            StockMovement.select(fn.COALESCE(fn.SUM(StockMovement.quantity), 0))
            .where((StockMovement.item == item.id) & (StockMovement.id > listing.rows[0].id))
            .scalar()
        )
        running = stock - int(newer or 0)
        for movement in listing.rows:
            movement.balance_after = running
            running -= movement.quantity
    reversed_ids = {
        row.reverses_id
        for row in StockMovement.select(StockMovement.reverses).where(
            StockMovement.reverses.in_([m.id for m in listing.rows])
        )
    }
    return listing, reversed_ids


def cash_page(page, per_page=PAGE_SIZE):
    """(page of the cash ledger, newest first, each entry with `balance_after`; the ids among
    them already reversed; the balance now)."""
    query = with_actor(CashEntry.select(), CashEntry).order_by(CashEntry.id.desc())
    listing = paginate(query, page, per_page)
    balance = cash_balance()
    if listing.rows:
        newer = (
            CashEntry.select(fn.COALESCE(fn.SUM(CashEntry.amount), 0))
            .where(CashEntry.id > listing.rows[0].id)
            .scalar()
        )
        running = balance - int(newer or 0)
        for entry in listing.rows:
            entry.balance_after = running
            running -= entry.amount
    reversed_ids = {
        row.reverses_id
        for row in CashEntry.select(CashEntry.reverses).where(
            CashEntry.reverses.in_([e.id for e in listing.rows])
        )
    }
    return listing, reversed_ids, balance


def donation_search(search):
    """A receipt number (JZ-2026-0001, or a year JZ-2026) or part of the donor's name."""
    receipt = RECEIPT_RE.match(search)
    if receipt:
        where = Donation.receipt_year == int(receipt.group(1))
        if receipt.group(2):
            where &= Donation.receipt_seq == int(receipt.group(2))
        return where
    like = f"%{search}%"
    enterprises = Enterprise.select(Enterprise.id).where(Enterprise.name**like)
    return (Donor.name**like) | Donor.enterprise.in_(enterprises)


def donations_page(page, search="", per_page=PAGE_SIZE):
    """(page of donations with their donors, newest first; the ids among them reversed)."""
    query = (
        Donation.select(Donation, Donor)
        .join(Donor)
        .switch(Donation)
        .order_by(Donation.created_at.desc(), Donation.id.desc())
    )
    search = (search or "").strip()[:MAX_SEARCH]
    if search:
        query = query.where(donation_search(search))
    listing = paginate(query, page, per_page)
    standing_reversed = Reversal.select(Reversal.donation).where(
        Reversal.donation.in_([d.id for d in listing.rows])
    )
    return listing, {row.donation_id for row in standing_reversed}


def donors_page(page, search="", per_page=PAGE_SIZE):
    """A page of donors with their standing count (`donations`), cumulative value (`value`),
    honour level (`level`) and last donation date (`last_on`), biggest givers first."""
    value = fn.COALESCE(fn.SUM(Donation.goods_value + Donation.money), 0)
    query = (
        Donor.select(
            Donor,
            fn.COUNT(Donation.id).alias("donations"),
            value.alias("value"),
            fn.MAX(Donation.donated_on).alias("last_on"),
        )
        .left_outer_join(
            Donation,
            on=((Donation.donor == Donor.id) & Donation.id.not_in(reversed_donation_ids())),
        )
        .left_outer_join(Enterprise, on=(Donor.enterprise == Enterprise.id))
        .group_by(Donor.id)
        .order_by(value.desc(), Donor.name)
    )
    search = (search or "").strip()[:MAX_SEARCH]
    if search:
        like = f"%{search}%"
        query = query.where(Donor.name**like | Enterprise.name**like)
    listing = paginate(query, page, per_page, total=query.count())
    values = rules()
    for donor in listing.rows:
        donor.level = honour_level(int(donor.value), values)
    return listing


def households_page(page, search="", status="", category="", due=False, per_page=PAGE_SIZE):
    """A page of households by card number, found by card number, name or mobile, filtered by
    status and category, or (`due`) those whose review falls within REVIEW_SOON_DAYS, soonest
    first."""
    query = Household.select().order_by(Household.card_no)
    search = (search or "").strip()[:MAX_SEARCH]
    if search:
        like = f"%{search}%"
        query = query.where(
            Household.card_no**like | Household.head_name**like | Household.mobile**like
        )
    if status in HOUSEHOLD_STATUSES:
        query = query.where(Household.status == status)
    if category in HOUSEHOLD_CATEGORIES:
        query = query.where(Household.category == category)
    if due:
        soon = local_today() + timedelta(days=REVIEW_SOON_DAYS)
        query = query.where((Household.status != "closed") & (Household.next_review <= soon))
        query = query.order_by(Household.next_review, Household.card_no)
    return paginate(query, page, per_page)


def household_history(household, entries=PAGE_SIZE, redemptions=20):
    """(the household's newest points entries, its newest redemptions each with
    `reversal_id`), one query each."""
    points = list(household.points_entries.order_by(PointsEntry.id.desc()).limit(entries))
    recent = list(
        household.redemptions.select(Redemption, Reversal.id.alias("reversal_id"))
        .join(Reversal, JOIN.LEFT_OUTER, on=(Reversal.redemption == Redemption.id))
        .order_by(Redemption.created_at.desc())
        .limit(redemptions)
        .objects()
    )
    return points, recent


def allowance_issued(period=None):
    """Whether any household has had its allowance for `period` (this month by default)."""
    period = period or current_period()
    return (
        PointsEntry.select()
        .where((PointsEntry.kind == "allowance") & (PointsEntry.allowance_month == period))
        .exists()
    )


def slip(redemption_id):
    """A redemption with its household or passbook and the account that served, or None."""
    query = (
        Redemption.select(Redemption, Household, Passbook)
        .join(Household, JOIN.LEFT_OUTER)
        .switch(Redemption)
        .join(Passbook, JOIN.LEFT_OUTER)
        .switch(Redemption)
        .where(Redemption.id == redemption_id)
    )
    return with_actor(query, Redemption).first()


def reversal_of(**document):
    """The reversal of one document (`redemption=`, `purchase=`, `donation=` an id) with the
    account that made it, or None."""
    ((field, document_id),) = document.items()
    query = Reversal.select().where(getattr(Reversal, field) == document_id)
    return with_actor(query, Reversal).first()


def document(model, document_id):
    """A donation, purchase or stock count with the account that recorded it, or None."""
    query = model.select().where(model.id == document_id)
    if model is Donation:
        query = query.select_extend(Donor).join(Donor).switch(Donation)
    return with_actor(query, model).first()


def purchase_lines(purchase):
    """A purchase's goods lines with their items."""
    return list(
        StockMovement.select(StockMovement, Item)
        .join(Item)
        .where((StockMovement.purchase == purchase.id) & (StockMovement.kind == "purchase"))
        .order_by(StockMovement.id)
    )


def stock_count_lines(stock_count):
    """A stock count's lines with their items, in catalogue order."""
    return list(
        StockCountLine.select(StockCountLine, Item)
        .join(Item)
        .where(StockCountLine.stock_count == stock_count.id)
        .order_by(Item.category, Item.name)
    )


def passbooks_page(page, search="", per_page=PAGE_SIZE):
    """A page of volunteer passbooks by number, found by number, holder's name or mobile,
    each with its `balance` (one query for the page's balances)."""
    query = Passbook.select().order_by(Passbook.passbook_no)
    search = (search or "").strip()[:MAX_SEARCH]
    if search:
        like = f"%{search}%"
        query = query.where(
            Passbook.passbook_no**like | Passbook.holder_name**like | Passbook.mobile**like
        )
    listing = paginate(query, page, per_page)
    ids = [passbook.id for passbook in listing.rows]
    balances = dict(
        PassbookEntry.select(PassbookEntry.passbook, fn.SUM(PassbookEntry.points))
        .where(PassbookEntry.passbook.in_(ids or [0]))
        .group_by(PassbookEntry.passbook)
        .tuples()
    )
    for passbook in listing.rows:
        passbook.balance = int(balances.get(passbook.id) or 0)
    return listing


def passbook_history(passbook, page, per_page=PAGE_SIZE):
    """(a page of a passbook's entries, newest first, with the account that wrote each; the
    ids of the page's redemptions that were reversed)."""
    query = (
        PassbookEntry.select(PassbookEntry)
        .where(PassbookEntry.passbook == passbook.id)
        .order_by(PassbookEntry.id.desc())
    )
    listing = paginate(with_actor(query, PassbookEntry), page, per_page)
    redemption_ids = [e.redemption_id for e in listing.rows if e.redemption_id]
    if not redemption_ids:
        return listing, set()
    reversed_ids = {
        row.redemption_id
        for row in Reversal.select(Reversal.redemption).where(
            Reversal.redemption.in_(redemption_ids)
        )
    }
    return listing, reversed_ids


def passbook_totals(passbook):
    """{kind: points} of a passbook's entries (earned, correction, redeemed, reversal)."""
    return {
        kind: int(points or 0)
        for kind, points in PassbookEntry.select(PassbookEntry.kind, fn.SUM(PassbookEntry.points))
        .where(PassbookEntry.passbook == passbook.id)
        .group_by(PassbookEntry.kind)
        .tuples()
    }
