"""Love supermarket: catalogue, donors, households, documents, the three ledgers, and the
triggers that make ledgers and documents append-only in the database itself."""

from peewee import (
    BigIntegerField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    SqliteDatabase,
    TextField,
)

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
)

# psycopg2 formats the statement: a literal % is written %%.
POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION market_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '%% is append-only: %% refused (write a reversal instead)', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'restrict_violation';
END
$$
"""


def install_append_only_triggers(db, tables):
    """Refuse UPDATE and DELETE of every row of `tables` (TRUNCATE is left to administrators)."""
    sqlite = isinstance(getattr(db, "obj", db), SqliteDatabase)
    if not sqlite:
        db.execute_sql(POSTGRES_FUNCTION)
    for table in tables:
        if sqlite:
            for operation in ("UPDATE", "DELETE"):
                db.execute_sql(
                    f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {operation} refused "
                    "(write a reversal instead)'); END"
                )
        else:
            db.execute_sql(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION market_append_only()"
            )


def up(db):
    """Create the market tables (frozen copies of the models as of this migration)."""

    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Enterprise(Base):
        class Meta:
            table_name = "enterprise"

    class User(Base):
        class Meta:
            table_name = "user"

    class Item(Base):
        name = CharField(max_length=60, unique=True)
        category = CharField(max_length=20, index=True)
        unit = CharField(max_length=10)
        points_price = IntegerField()
        reference_value = BigIntegerField()
        low_stock_threshold = IntegerField(default=0)
        active = BooleanField(default=True, index=True)
        created_at = DateTimeField()

        class Meta:
            table_name = "market_item"

    class Donor(Base):
        kind = CharField(max_length=12)
        enterprise = ForeignKeyField(Enterprise, null=True, unique=True)
        name = CharField(max_length=100)
        contact = CharField(max_length=100, default="")
        created_at = DateTimeField()

        class Meta:
            table_name = "market_donor"

    class Household(Base):
        card_no = CharField(max_length=12, unique=True)
        head_name = CharField(max_length=50)
        mobile = CharField(max_length=11, default="")
        address = CharField(max_length=200, default="")
        size = IntegerField()
        category = CharField(max_length=20, index=True)
        status = CharField(max_length=12, index=True, default="active")
        next_review = DateField(index=True)
        note = TextField(default="")
        created_at = DateTimeField()
        updated_at = DateTimeField()

        class Meta:
            table_name = "market_household"

    class Donation(Base):
        receipt_year = IntegerField()
        receipt_seq = IntegerField()
        donor = ForeignKeyField(Donor)
        donated_on = DateField()
        named = BooleanField(default=False)
        note = CharField(max_length=500, default="")
        goods_value = BigIntegerField(default=0)
        money = BigIntegerField(default=0)
        created_at = DateTimeField()
        period = CharField(max_length=7, index=True)
        actor = ForeignKeyField(User, null=True)
        actor_label = CharField(max_length=100, default="")

        class Meta:
            table_name = "market_donation"
            indexes = ((("receipt_year", "receipt_seq"), True),)

    class Purchase(Base):
        supplier = CharField(max_length=100)
        note = CharField(max_length=500, default="")
        total = BigIntegerField()
        created_at = DateTimeField()
        period = CharField(max_length=7, index=True)
        actor = ForeignKeyField(User, null=True)
        actor_label = CharField(max_length=100, default="")

        class Meta:
            table_name = "market_purchase"

    class StockCount(Base):
        note = CharField(max_length=500, default="")
        created_at = DateTimeField()
        period = CharField(max_length=7, index=True)
        actor = ForeignKeyField(User, null=True)
        actor_label = CharField(max_length=100, default="")

        class Meta:
            table_name = "market_stock_count"

    class StockCountLine(Base):
        stock_count = ForeignKeyField(StockCount)
        item = ForeignKeyField(Item)
        expected = IntegerField()
        counted = IntegerField()

        class Meta:
            table_name = "market_stock_count_line"

    class Redemption(Base):
        household = ForeignKeyField(Household)
        points_total = IntegerField()
        created_at = DateTimeField(index=True)
        period = CharField(max_length=7, index=True)
        actor = ForeignKeyField(User, null=True)
        actor_label = CharField(max_length=100, default="")

        class Meta:
            table_name = "market_redemption"

    class Reversal(Base):
        reason = CharField(max_length=500)
        donation = ForeignKeyField(Donation, null=True, unique=True)
        purchase = ForeignKeyField(Purchase, null=True, unique=True)
        redemption = ForeignKeyField(Redemption, null=True, unique=True)
        created_at = DateTimeField()
        period = CharField(max_length=7, index=True)
        actor = ForeignKeyField(User, null=True)
        actor_label = CharField(max_length=100, default="")

        class Meta:
            table_name = "market_reversal"

    class StockMovement(Base):
        at = DateTimeField()
        period = CharField(max_length=7, index=True)
        note = CharField(max_length=500, default="")
        actor = ForeignKeyField(User, null=True)
        actor_label = CharField(max_length=100, default="")
        hash = CharField(max_length=64)
        item = ForeignKeyField(Item)
        quantity = IntegerField()
        kind = CharField(max_length=12, index=True)
        unit_value = BigIntegerField(default=0)
        unit_points = IntegerField(null=True)
        donation = ForeignKeyField(Donation, null=True)
        purchase = ForeignKeyField(Purchase, null=True)
        redemption = ForeignKeyField(Redemption, null=True)
        stock_count = ForeignKeyField(StockCount, null=True)
        reversal = ForeignKeyField(Reversal, null=True)
        reverses = ForeignKeyField("self", null=True, unique=True)

        class Meta:
            table_name = "market_stock_movement"
            indexes = ((("item", "period"), False),)

    class PointsEntry(Base):
        at = DateTimeField()
        period = CharField(max_length=7, index=True)
        note = CharField(max_length=500, default="")
        actor = ForeignKeyField(User, null=True)
        actor_label = CharField(max_length=100, default="")
        hash = CharField(max_length=64)
        household = ForeignKeyField(Household)
        points = IntegerField()
        kind = CharField(max_length=12, index=True)
        allowance_month = CharField(max_length=7, null=True)
        redemption = ForeignKeyField(Redemption, null=True)
        reversal = ForeignKeyField(Reversal, null=True)
        reverses = ForeignKeyField("self", null=True, unique=True)

        class Meta:
            table_name = "market_points_entry"
            indexes = ((("household", "kind", "allowance_month"), True),)

    class CashEntry(Base):
        at = DateTimeField()
        period = CharField(max_length=7, index=True)
        note = CharField(max_length=500, default="")
        actor = ForeignKeyField(User, null=True)
        actor_label = CharField(max_length=100, default="")
        hash = CharField(max_length=64)
        amount = BigIntegerField()
        kind = CharField(max_length=12, index=True)
        donation = ForeignKeyField(Donation, null=True)
        purchase = ForeignKeyField(Purchase, null=True)
        reversal = ForeignKeyField(Reversal, null=True)
        reverses = ForeignKeyField("self", null=True, unique=True)

        class Meta:
            table_name = "market_cash_entry"

    db.create_tables(
        [
            Item,
            Donor,
            Household,
            Donation,
            Purchase,
            StockCount,
            StockCountLine,
            Redemption,
            Reversal,
            StockMovement,
            PointsEntry,
            CashEntry,
        ]
    )
    install_append_only_triggers(db, APPEND_ONLY_TABLES)
