"""Love supermarket: the figures of closed months, stored once (db/market/closed_months.py).

- market_closed_month: one row per month (`period` unique, so two workers storing the same
  month at once store it once), the shape of its figures (`format`), the figures as JSON
  (numbers keyed by donor and item ids, no names), the month's point of the notice's
  twelve-month charts (`donated`, `given`, fen: read for eleven months without decoding
  their figures), and when it was stored.
"""

from peewee import BigIntegerField, CharField, DateTimeField, IntegerField, Model, TextField


def up(db):
    """Create the table."""

    class ClosedMonth(Model):
        period = CharField(max_length=7, unique=True)
        format = IntegerField()
        figures = TextField()
        donated = BigIntegerField()
        given = BigIntegerField()
        stored_at = DateTimeField()

        class Meta:
            database = db
            table_name = "market_closed_month"

    db.create_tables([ClosedMonth])
