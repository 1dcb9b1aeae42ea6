"""A covering index for the monthly report's stock sums at district scale.

The closing-stock sum (`SUM(quantity) … WHERE period <= ? GROUP BY item_id`) read every
movement row: about 850 ms a report on 300,000 movements; with the quantity in the index it
reads the index alone (about 40 ms). It covers the (item, period) index, which is dropped.
"""

NAME = "market_stock_movement_item_id_period_quantity"
REPLACED = "market_stock_movement_item_id_period"


def up(db):
    """Create the covering index, drop the one it replaces, refresh the statistics."""
    db.execute_sql(
        f'CREATE INDEX IF NOT EXISTS "{NAME}" ON "market_stock_movement" '
        '("item_id", "period", "quantity")'
    )
    db.execute_sql(f'DROP INDEX IF EXISTS "{REPLACED}"')
    db.execute_sql("ANALYZE")
