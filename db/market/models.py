"""The love supermarket's tables: catalogue, households, volunteer passbooks, documents and
four append-only ledgers.

Ledger rows (stock movements, household points entries, cash entries, passbook entries) are
never updated or deleted: the database refuses it (triggers created by migrations 0004, 0008
and 0016). The documents they belong to (donations, purchases, stock counts, redemptions,
reversals) are append-only the same way, so a wrong entry is corrected only by a reversal that
points at it. Catalogue items, households and passbooks hold no history and are edited in
place (each edit audited); personal data lives only on households, passbooks and donors, apart
from ledger rows, which carry the household or passbook id alone.

Each ledger row stores `hash` = sha256(previous row's hash + this row's canonical content), see
db/market/ledger.py. `period` is the Asia/Shanghai month (YYYY-MM) of the row's time, written
once at insert so monthly reports group by a plain column on every database.
"""

from peewee import (
    BigIntegerField,
    BooleanField,
    CharField,
    DateField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from db.accounts import Enterprise, User
from db.base import BaseModel, UTCDateTimeField, utcnow

ITEM_CATEGORIES = ("grain_oil", "food", "daily", "stationery", "other")
HOUSEHOLD_CATEGORIES = ("dibao", "low_income", "illness", "disability", "other")
HOUSEHOLD_STATUSES = ("active", "suspended", "closed")
DONOR_KINDS = ("enterprise", "person")
MOVEMENT_KINDS = ("donation", "purchase", "redemption", "write_off", "count", "reversal")
POINTS_KINDS = ("allowance", "redemption", "expiry", "reversal")
PASSBOOK_STATUSES = ("active", "closed")
PASSBOOK_KINDS = ("earned", "correction", "redeemed", "reversal")
CASH_KINDS = ("donation", "purchase", "spending", "reversal")


class Item(BaseModel):
    """A catalogue item: what it is, how it is counted, what it costs in points and is worth."""

    name = CharField(max_length=60, unique=True)
    category = CharField(max_length=20, index=True)
    unit = CharField(max_length=10)
    points_price = IntegerField()
    reference_value = BigIntegerField()  # fen per unit
    low_stock_threshold = IntegerField(default=0)
    active = BooleanField(default=True, index=True)
    created_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "market_item"

    def __str__(self):
        return self.name


class Donor(BaseModel):
    """Who gives: an enterprise (the shared record) or a person (name, optional contact)."""

    kind = CharField(max_length=12)
    enterprise = ForeignKeyField(Enterprise, null=True, unique=True, backref="market_donors")
    name = CharField(max_length=100)
    contact = CharField(max_length=100, default="")
    created_at = UTCDateTimeField(default=utcnow)
    # A person donor's consent to the privacy notice (when and which version), for their
    # name and contact; enterprises give none.
    consent_at = UTCDateTimeField(null=True)
    consent_version = CharField(max_length=16, null=True)

    class Meta:
        table_name = "market_donor"

    @property
    def display_name(self):
        """The enterprise's current name, or the person's name."""
        return self.enterprise.name if self.enterprise_id else self.name

    def __str__(self):
        return self.display_name


class Household(BaseModel):
    """A household in difficulty holding a love card. The only place personal data is kept."""

    card_no = CharField(max_length=12, unique=True)
    head_name = CharField(max_length=50)
    mobile = CharField(max_length=11, default="")
    address = CharField(max_length=200, default="")
    size = IntegerField()
    category = CharField(max_length=20, index=True)
    status = CharField(max_length=12, index=True, default="active")
    next_review = DateField(index=True)
    note = TextField(default="")
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)
    # The head of household's consent to the privacy notice (when and which version).
    consent_at = UTCDateTimeField(null=True)
    consent_version = CharField(max_length=16, null=True)
    # When the card was closed (None while it is not): personal data is purged from then on.
    closed_at = UTCDateTimeField(null=True)

    class Meta:
        table_name = "market_household"

    def __str__(self):
        return self.card_no


class Passbook(BaseModel):
    """A volunteer's passbook (爱心存折): points earned by volunteering, spent at the counter
    like a love card's. Personal data is kept here (never in its ledger rows); earned points
    never expire (the household allowance and its carry-over cap never touch a passbook)."""

    passbook_no = CharField(max_length=12, unique=True)
    holder_name = CharField(max_length=50)
    mobile = CharField(max_length=11, default="")
    status = CharField(max_length=12, index=True, default="active")
    created_at = UTCDateTimeField(default=utcnow)
    # The holder's consent to the privacy notice (when and which version).
    consent_at = UTCDateTimeField(null=True)
    consent_version = CharField(max_length=16, null=True)
    # When the passbook was closed (None while it is not): personal data is purged from then on.
    closed_at = UTCDateTimeField(null=True)

    class Meta:
        table_name = "market_passbook"

    def __str__(self):
        return self.passbook_no


class Donation(BaseModel):
    """One donation with its receipt number; its goods are stock movements, its money a cash
    entry. `goods_value` and `money` are written once and checked against the ledgers."""

    receipt_year = IntegerField()
    receipt_seq = IntegerField()
    donor = ForeignKeyField(Donor, backref="donations")
    donated_on = DateField()
    named = BooleanField(default=False)
    note = CharField(max_length=500, default="")
    goods_value = BigIntegerField(default=0)
    money = BigIntegerField(default=0)
    created_at = UTCDateTimeField(default=utcnow)
    period = CharField(max_length=7, index=True)
    actor = ForeignKeyField(User, null=True, backref="+")
    actor_label = CharField(max_length=100, default="")

    class Meta:
        table_name = "market_donation"
        indexes = ((("receipt_year", "receipt_seq"), True),)

    @property
    def receipt_no(self):
        """JZ-2026-0001."""
        return f"JZ-{self.receipt_year}-{self.receipt_seq:04d}"

    @property
    def total_value(self):
        """Goods at their stated value plus money, in fen."""
        return self.goods_value + self.money


class Purchase(BaseModel):
    """Goods bought with donated money: the goods are stock movements, the payment a cash entry."""

    supplier = CharField(max_length=100)
    note = CharField(max_length=500, default="")
    total = BigIntegerField()
    created_at = UTCDateTimeField(default=utcnow)
    period = CharField(max_length=7, index=True)
    actor = ForeignKeyField(User, null=True, backref="+")
    actor_label = CharField(max_length=100, default="")

    class Meta:
        table_name = "market_purchase"


class StockCount(BaseModel):
    """A stock count: staff entered counted quantities; each difference is a movement."""

    note = CharField(max_length=500, default="")
    created_at = UTCDateTimeField(default=utcnow)
    period = CharField(max_length=7, index=True)
    actor = ForeignKeyField(User, null=True, backref="+")
    actor_label = CharField(max_length=100, default="")

    class Meta:
        table_name = "market_stock_count"


class StockCountLine(BaseModel):
    """What the books said and what staff counted for one item."""

    stock_count = ForeignKeyField(StockCount, backref="lines")
    item = ForeignKeyField(Item, backref="+")
    expected = IntegerField()
    counted = IntegerField()

    class Meta:
        table_name = "market_stock_count_line"


class Redemption(BaseModel):
    """Goods taken for points at the counter; its lines are the redemption stock movements.

    Exactly one of `household` (a love card) and `passbook` (a volunteer's passbook) is set:
    the counter writes it so and `ledger verify` checks it."""

    household = ForeignKeyField(Household, null=True, backref="redemptions")
    passbook = ForeignKeyField(Passbook, null=True, backref="redemptions")
    points_total = IntegerField()
    created_at = UTCDateTimeField(default=utcnow, index=True)
    period = CharField(max_length=7, index=True)
    actor = ForeignKeyField(User, null=True, backref="+")
    actor_label = CharField(max_length=100, default="")

    class Meta:
        table_name = "market_redemption"

    @property
    def slip_no(self):
        """The number printed on the counter slip."""
        return f"DH{self.id:06d}"


class Reversal(BaseModel):
    """The reason and author of one correction.

    A whole document (donation, purchase, redemption) is named here, uniquely, so the database
    itself refuses a second reversal of it; a single write-off, count difference or spending is
    guarded the same way by the unique `reverses` column of its ledger. The ledger rows a
    reversal writes point at it and at the entries they reverse.
    """

    reason = CharField(max_length=500)
    donation = ForeignKeyField(Donation, null=True, unique=True, backref="+")
    purchase = ForeignKeyField(Purchase, null=True, unique=True, backref="+")
    redemption = ForeignKeyField(Redemption, null=True, unique=True, backref="+")
    created_at = UTCDateTimeField(default=utcnow)
    period = CharField(max_length=7, index=True)
    actor = ForeignKeyField(User, null=True, backref="+")
    actor_label = CharField(max_length=100, default="")

    class Meta:
        table_name = "market_reversal"


class LedgerRow(BaseModel):
    """Columns every ledger row has; HASHED lists the content the chain hash covers."""

    at = UTCDateTimeField(default=utcnow)
    period = CharField(max_length=7, index=True)
    note = CharField(max_length=500, default="")
    actor = ForeignKeyField(User, null=True, backref="+")
    actor_label = CharField(max_length=100, default="")
    hash = CharField(max_length=64)


class StockMovement(LedgerRow):
    """One change of one item's stock; stock is the sum of these, never a stored counter."""

    item = ForeignKeyField(Item, backref="movements")
    quantity = IntegerField()  # + in, - out
    kind = CharField(max_length=12, index=True)
    unit_value = BigIntegerField(default=0)  # fen per unit (stated, bought or reference value)
    unit_points = IntegerField(null=True)  # points per unit, for redemptions
    donation = ForeignKeyField(Donation, null=True, backref="movements")
    purchase = ForeignKeyField(Purchase, null=True, backref="movements")
    redemption = ForeignKeyField(Redemption, null=True, backref="movements")
    stock_count = ForeignKeyField(StockCount, null=True, backref="movements")
    reversal = ForeignKeyField(Reversal, null=True, backref="stock_movements")
    reverses = ForeignKeyField("self", null=True, unique=True, backref="+")

    HASHED = (
        "at",
        "period",
        "item",
        "quantity",
        "kind",
        "unit_value",
        "unit_points",
        "donation",
        "purchase",
        "redemption",
        "stock_count",
        "reversal",
        "reverses",
        "note",
        "actor",
        "actor_label",
    )

    class Meta:
        table_name = "market_stock_movement"
        indexes = ((("item", "period", "quantity"), False),)


class PointsEntry(LedgerRow):
    """One change of one household's points; the balance is the sum of these."""

    household = ForeignKeyField(Household, backref="points_entries")
    points = IntegerField()
    kind = CharField(max_length=12, index=True)
    allowance_month = CharField(max_length=7, null=True)
    redemption = ForeignKeyField(Redemption, null=True, backref="points_entries")
    reversal = ForeignKeyField(Reversal, null=True, backref="points_entries")
    reverses = ForeignKeyField("self", null=True, unique=True, backref="+")

    HASHED = (
        "at",
        "period",
        "household",
        "points",
        "kind",
        "allowance_month",
        "redemption",
        "reversal",
        "reverses",
        "note",
        "actor",
        "actor_label",
    )

    class Meta:
        table_name = "market_points_entry"
        # One allowance (and one expiry) per household and month, whatever runs twice.
        indexes = ((("household", "kind", "allowance_month"), True),)


class CashEntry(LedgerRow):
    """Money in (donations) and out (purchases, spending); the balance is the sum of these."""

    amount = BigIntegerField()  # fen, + in, - out
    kind = CharField(max_length=12, index=True)
    donation = ForeignKeyField(Donation, null=True, backref="cash_entries")
    purchase = ForeignKeyField(Purchase, null=True, backref="cash_entries")
    reversal = ForeignKeyField(Reversal, null=True, backref="cash_entries")
    reverses = ForeignKeyField("self", null=True, unique=True, backref="+")

    HASHED = (
        "at",
        "period",
        "amount",
        "kind",
        "donation",
        "purchase",
        "reversal",
        "reverses",
        "note",
        "actor",
        "actor_label",
    )

    class Meta:
        table_name = "market_cash_entry"


class PassbookEntry(LedgerRow):
    """One change of one passbook's points (+ earned, - spent); the balance is their sum.

    `source_key` names what earned the points (e.g. "hours:123"), so booking the same
    earning twice books it once (unique)."""

    passbook = ForeignKeyField(Passbook, backref="entries")
    points = IntegerField()
    kind = CharField(max_length=12, index=True)
    source_key = CharField(max_length=40, null=True, unique=True)
    redemption = ForeignKeyField(Redemption, null=True, backref="passbook_entries")
    reversal = ForeignKeyField(Reversal, null=True, backref="passbook_entries")
    reverses = ForeignKeyField("self", null=True, unique=True, backref="+")

    HASHED = (
        "at",
        "period",
        "passbook",
        "points",
        "kind",
        "source_key",
        "redemption",
        "reversal",
        "reverses",
        "note",
        "actor",
        "actor_label",
    )

    class Meta:
        table_name = "market_passbook_entry"


LEDGERS = (StockMovement, PointsEntry, CashEntry, PassbookEntry)
# Tables the database keeps append-only (migration 0004 installs the triggers).
APPEND_ONLY_TABLES = (
    "market_stock_movement",
    "market_points_entry",
    "market_cash_entry",
    "market_donation",
    "market_purchase",
    "market_stock_count",
    "market_stock_count_line",
    "market_redemption",
    "market_reversal",
    "market_passbook_entry",
)
