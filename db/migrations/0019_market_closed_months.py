"""Love supermarket: the figures of closed months, stored once (db/market/closed_months.py).

- market_closed_month: one row per month (`period` unique, so two workers storing the same
  month at once store it once), the shape of its figures (`format`), the figures as JSON
  (numbers keyed by donor and item ids, no names), and when it was stored.
"""

from peewee import CharField, DateTimeField, IntegerField, Model, TextField


def up(db):
    """Create the table."""

    class ClosedMonth(Model):
        period = CharField(max_length=7, unique=True)
        format = IntegerField()
        figures = TextField()
        stored_at = DateTimeField()

        class Meta:
            database = db
            table_name = "market_closed_month"

    db.create_tables([ClosedMonth])
