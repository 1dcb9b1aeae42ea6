# ruff: noqa: F811  (the make_item fixture imported from tests.market_helpers is an argument)
"""Numbers typed into forms are ASCII digits: full-width (３) and other scripts' digits (٣),
which int() would read, are refused with a message in the user's language and save nothing."""

import re
from pathlib import Path

import pytest

from db.events import Event
from db.market.models import Donation
from db.market.periods import local_today
from db.training.models import Course
from tests.market_helpers import cash, ledger_rows, make_item  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parent.parent
OTHER_DIGITS = ["٣", "３", "１２３"]
REFUSAL_ZH = "请用半角数字 0-9 填写。"
REFUSAL_EN = "Type the number with the digits 0-9 (half-width)."


@pytest.fixture
def staff(login_as):
    """A client signed in as staff."""
    return login_as("staff")


def text(response):
    return response.get_data(as_text=True)


def field_error(response, field_id):
    """The message shown next to the field with this id ("" for none)."""
    match = re.search(rf'id="{field_id}-error">\s*(.*?)\s*</', text(response), re.S)
    return match.group(1) if match else ""


def event_form(seats):
    return {
        "kind": "report",
        "title": "经济时事报告会",
        "venue": "二楼会议室",
        "starts_at": "2030-05-20T14:00",
        "ends_at": "2030-05-20T16:30",
        "seats": seats,
    }


def donation_form(item, quantity="10", money=""):
    return {
        "donor_kind": "enterprise",
        "donor_name": "绿地建设集团",
        "donated_on": local_today().isoformat(),
        "lines-0-item": str(item.id),
        "lines-0-quantity": quantity,
        "lines-0-unit_value": "",
        "money": money,
    }


def course_form(seats):
    return {
        "title": "新开课程",
        "institution": "培训中心",
        "seats": seats,
        "completion_share": "80",
        "published": "y",
    }


@pytest.mark.parametrize("typed", OTHER_DIGITS)
def test_event_seats_in_other_digits_are_refused(staff, typed):
    response = staff.post("/manage/events/new", data=event_form(typed))
    assert response.status_code == 422 and field_error(response, "seats") == REFUSAL_ZH
    assert Event.select().count() == 0


@pytest.mark.parametrize("typed", OTHER_DIGITS)
def test_donation_quantity_in_other_digits_is_refused(staff, make_item, typed):
    item = make_item()
    before = ledger_rows()
    response = staff.post("/market/donations/new", data=donation_form(item, quantity=typed))
    assert response.status_code == 422  # the message beside the line's quantity:
    assert f'<p class="field__error">{REFUSAL_ZH}</p>' in text(response)
    assert Donation.select().count() == 0 and ledger_rows() == before


@pytest.mark.parametrize("typed", OTHER_DIGITS)
def test_donated_money_in_other_digits_never_reaches_the_cash_ledger(staff, make_item, typed):
    item = make_item()
    before = ledger_rows()
    response = staff.post("/market/donations/new", data=donation_form(item, money=typed))
    assert response.status_code == 422 and field_error(response, "money") == REFUSAL_ZH
    assert Donation.select().count() == 0 and ledger_rows() == before and cash() == 0


@pytest.mark.parametrize("typed", OTHER_DIGITS)
def test_course_seats_in_other_digits_are_refused(staff, typed):
    response = staff.post("/manage/courses/new", data=course_form(typed))
    assert response.status_code == 422 and field_error(response, "seats") == REFUSAL_ZH
    assert Course.select().count() == 0


def test_the_refusal_speaks_english_to_an_english_user(staff):
    staff.post("/language/en", data={"next": "/"})
    response = staff.post("/manage/events/new", data=event_form("３０"))
    assert response.status_code == 422 and field_error(response, "seats") == REFUSAL_EN
    assert Event.select().count() == 0


def test_one_message_for_text_that_is_no_number(staff):
    """Not a number at all: one message, not a second one about the range."""
    response = staff.post("/manage/courses/new", data=course_form("twenty"))
    assert response.status_code == 422
    assert field_error(response, "seats") == "请输入整数，例如 12。"
    assert Course.select().count() == 0


def test_ascii_numbers_still_save(staff, make_item):
    assert staff.post("/manage/events/new", data=event_form(" 30 ")).status_code == 303
    assert Event.get().seats == 30
    item = make_item()
    saved = staff.post("/market/donations/new", data=donation_form(item, money="1,234.50"))
    assert saved.status_code == 302 and cash() == 123_450


WTFORMS_NUMBER_FIELDS = re.compile(
    r"\b(IntegerField|DecimalField|FloatField|IntegerRangeField|DecimalRangeField)\b"
)


def test_no_view_declares_a_wtforms_number_field():
    """Every number a form reads goes through views/forms.py (WholeNumberField, MoneyField)."""
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "views").rglob("*.py")
        if path.name != "forms.py" or path.parent.name != "views"
        if WTFORMS_NUMBER_FIELDS.search(path.read_text())
    ]
    assert offenders == []
