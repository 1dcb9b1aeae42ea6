"""Factories and checks shared by the love supermarket's tests."""

from datetime import date

import pytest
from peewee import fn

from db import market
from db.integrity import run_checks
from db.market.models import CashEntry, PointsEntry, StockMovement


@pytest.fixture
def make_item():
    """make_item(name=…, points=…, value=…, threshold=…, category=…) → a catalogue item."""
    counter = iter(range(1, 1000))

    def factory(name=None, points=10, value=1000, threshold=2, category="grain_oil", unit="袋"):
        return market.save_item(
            name=name or f"测试物资{next(counter)}",
            category=category,
            unit=unit,
            points_price=points,
            reference_value=value,
            low_stock_threshold=threshold,
            active=True,
        )

    return factory


@pytest.fixture
def make_household():
    """make_household(size=…, category=…, status=…, **details) → a registered household."""
    counter = iter(range(1, 1000))

    def factory(size=2, category="dibao", status="active", **fields):
        n = next(counter)
        details = dict(
            head_name=f"测试户主{n}",
            mobile=f"1380000{5000 + n:04d}",
            address=f"测试路{n}号",
            next_review=date(2030, 1, 1),
            consent=True,
        )
        details.update(fields)
        return market.register_household(size=size, category=category, status=status, **details)

    return factory


def stock(item):
    """An item's stock from its movements."""
    return int(
        StockMovement.select(fn.COALESCE(fn.SUM(StockMovement.quantity), 0))
        .where(StockMovement.item == item.id)
        .scalar()
    )


def points(household):
    """A household's points from its entries."""
    return int(
        PointsEntry.select(fn.COALESCE(fn.SUM(PointsEntry.points), 0))
        .where(PointsEntry.household == household.id)
        .scalar()
    )


def cash():
    """The cash balance from its entries."""
    return int(CashEntry.select(fn.COALESCE(fn.SUM(CashEntry.amount), 0)).scalar())


def ledger_rows():
    """(stock movements, points entries, cash entries) counted, to prove nothing was written."""
    return (
        StockMovement.select().count(),
        PointsEntry.select().count(),
        CashEntry.select().count(),
    )


def assert_ledgers_verify():
    """The integrity checks behind `ledger verify` find nothing wrong."""
    problems, _ = run_checks()
    assert problems == []
