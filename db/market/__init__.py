"""The love supermarket (爱心超市): donations in, goods out for points, append-only ledgers.

- models.py      the tables (catalogue, donors, households, documents, three ledgers)
- ledger.py      the lock, the hash chain, balances summed from rows, MarketError
- stock.py       catalogue items, write-offs, stock counts
- cash.py        purchases and spending of donated money
- donations.py   donors, donations with gapless receipt numbers, honour levels
- households.py  love cards, yearly review, the monthly allowance
- passbooks.py   volunteers' passbooks (爱心存折): points earned by volunteering
- redemption.py  the counter (a love card or a passbook)
- reports.py     monthly report, public disclosure, the staff home's lists
- closed_months.py  the figures of closed months, stored once and checked by ledger verify
- queries.py     the staff pages' lists, a page at a time
- labels.py      names of categories, statuses and units in the reader's language
- integrity.py   `flask --app app ledger verify`
- numerals.py    amounts in Chinese capital numerals
- privacy.py     personal data: export, erase, purge (db/privacy.py)
- demo.py        demo data

Every operation owns its transaction and takes `actor` (the user acting) and `at` (the time,
now by default; demo data and tests pass earlier times).
"""

from db.market import closed_months, demo, integrity, privacy
from db.market.cash import record_purchase, record_spending, reverse_purchase, reverse_spending
from db.market.donations import record_donation, reverse_donation
from db.market.households import (
    issue_allowance,
    mark_reviewed,
    register_household,
    reverse_points_entry,
    update_household,
)
from db.market.ledger import MarketError, cash_balance, points_balance, stock_levels
from db.market.passbooks import (
    earn_points,
    earned_points_figures,
    open_passbook,
    passbook_balance,
    passbook_by_no,
)
from db.market.redemption import redeem, redeem_passbook, reverse_redemption
from db.market.stock import record_count, reverse_movement, save_item, write_off

# What the module adds to the shared registries (db/modules.py lists the modules).
demo_seeders = (("market", demo.seed_market),)
ledger_checks = (integrity.verify_market, closed_months.verify_closed_months)
number_checks = (integrity.receipt_numbers,)
privacy_providers = (privacy.PROVIDER,)

__all__ = [
    "MarketError",
    "cash_balance",
    "demo_seeders",
    "earn_points",
    "earned_points_figures",
    "issue_allowance",
    "ledger_checks",
    "mark_reviewed",
    "number_checks",
    "open_passbook",
    "passbook_balance",
    "passbook_by_no",
    "points_balance",
    "privacy_providers",
    "record_count",
    "record_donation",
    "record_purchase",
    "record_spending",
    "redeem",
    "redeem_passbook",
    "register_household",
    "reverse_donation",
    "reverse_movement",
    "reverse_points_entry",
    "reverse_purchase",
    "reverse_redemption",
    "reverse_spending",
    "save_item",
    "stock_levels",
    "update_household",
    "write_off",
]
