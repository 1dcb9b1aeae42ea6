"""The supermarket's adjustable rules, kept as rows of the settings table (db/settings.py).

Staff change them on the settings page; every value has a default here, so a new database
works before anyone saves anything.
"""

from db import audit, database
from db.market.models import HOUSEHOLD_CATEGORIES
from db.settings import Setting, get_setting, set_setting

HONOUR_LEVELS = ("bronze", "silver", "gold")

# key → default; every value is a non-negative integer.
DEFAULTS = {
    "market.base_points.dibao": 80,
    "market.base_points.low_income": 60,
    "market.base_points.illness": 70,
    "market.base_points.disability": 70,
    "market.base_points.other": 40,
    "market.points_per_person": 20,
    "market.carry_over_months": 2,
    "market.visit_limit": 4,
    "market.honour.bronze": 100_000,  # fen: ¥1,000
    "market.honour.silver": 500_000,  # ¥5,000
    "market.honour.gold": 1_000_000,  # ¥10,000
}


def rules():
    """Every rule as {key: int}, stored values over defaults (one query)."""
    values = dict(DEFAULTS)
    stored = Setting.select().where(Setting.key.in_(list(DEFAULTS)))
    for row in stored:
        if row.value.isdigit():
            values[row.key] = int(row.value)
    return values


def rule(key):
    """One rule's value."""
    value = get_setting(key)
    return int(value) if value is not None and value.isdigit() else DEFAULTS[key]


def save_rules(values, actor=None):
    """Store changed rules (only known keys, non-negative integers) with one audit entry."""
    changes = {}
    current = rules()
    for key, value in values.items():
        if key not in DEFAULTS:
            raise KeyError(key)
        value = int(value)
        if value < 0:
            raise ValueError(key)
        if current[key] != value:
            changes[key] = value
    with database.atomic():
        for key, value in changes.items():
            set_setting(key, value)
        if changes:
            summary = ", ".join(f"{key}={value}" for key, value in sorted(changes.items()))
            audit.record("market.rules", None, summary, actor=actor, object_type="setting")
    return changes


def monthly_allowance(category, size, values=None):
    """Base points for the category plus points per person times the household size."""
    values = values or rules()
    base = values.get(f"market.base_points.{category}", 0)
    return base + values["market.points_per_person"] * max(size, 0)


def allowance_table(values=None):
    """[(category, base points)] in category order, for the settings and allowance pages."""
    values = values or rules()
    return [
        (category, values[f"market.base_points.{category}"]) for category in HOUSEHOLD_CATEGORIES
    ]


def honour_level(cumulative_fen, values=None):
    """The highest honour level whose threshold the cumulative donated value reaches, or None."""
    values = values or rules()
    reached = None
    for level in HONOUR_LEVELS:
        threshold = values[f"market.honour.{level}"]
        if threshold > 0 and cumulative_fen >= threshold:
            reached = level
    return reached
