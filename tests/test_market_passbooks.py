"""Volunteers' passbooks (爱心存折): opening, earning (idempotent, corrections), balances."""

import pytest

from db import market
from db.accounts import PRIVACY_NOTICE_VERSION
from db.market.ledger import MarketError
from db.market.models import Passbook, PassbookEntry


def test_open_passbook_numbers_and_records_consent(app):
    first = market.open_passbook("李志愿", "13800138000")
    second = market.open_passbook("王志愿")
    assert (first.passbook_no, second.passbook_no) == ("ZY0001", "ZY0002")
    assert first.consent_version == PRIVACY_NOTICE_VERSION and first.consent_at
    assert market.passbook_by_no(" zy 0001 ").id == first.id
    assert market.passbook_by_no("GZ00001") is None


def test_earn_points_is_idempotent_and_corrections_stop_at_zero(app):
    passbook = market.open_passbook("李志愿")
    entry = market.earn_points(passbook.id, 3, "hours:1", "三小时")
    again = market.earn_points(passbook.id, 3, "hours:1", "三小时")
    assert again.id == entry.id and PassbookEntry.select().count() == 1
    assert market.passbook_balance(passbook.id) == 3
    with pytest.raises(MarketError) as refused:
        market.earn_points(passbook.id, -4, "fix:1", "")
    assert refused.value.code == "passbook_balance"
    market.earn_points(passbook.id, -3, "fix:1", "")
    assert market.passbook_balance(passbook.id) == 0
    assert [e.kind for e in passbook.entries.order_by(PassbookEntry.id)] == ["earned", "correction"]
    assert Passbook.select().count() == 1
