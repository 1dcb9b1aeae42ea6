# ruff: noqa: F811  (pytest fixtures imported from tests.market_helpers are redefined as arguments)
"""The error summary of templates/_macros.html: one linked message per error naming its field
("姓名：请填写此项。"), also for the goods lines of the donation and purchase forms (a FieldList
of FormFields), whose messages also say the line."""

import re

import pytest
from flask import render_template_string
from werkzeug.datastructures import MultiDict
from wtforms import FieldList, Form, FormField, IntegerField, StringField
from wtforms.validators import DataRequired, ValidationError

from db import market
from db.market.periods import local_today
from tests.market_helpers import make_item  # noqa: F401  (fixture)


@pytest.fixture
def staff(login_as):
    """A client signed in as staff."""
    return login_as("staff")


def summary_of(html):
    """The error summary's (href target, text) pairs and its raw HTML."""
    match = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert match, "no error summary on the page"
    block = match.group(0)
    items = re.findall(r"<li>(.*?)</li>", block, re.S)
    links = []
    for item in items:
        link = re.match(r'<a href="#([^"]+)">(.*)</a>$', item.strip(), re.S)
        links.append((link.group(1), link.group(2)) if link else (None, item.strip()))
    return links, block


def assert_links_reach_fields(html, links):
    """Every link in the summary points at an element of the page."""
    for target, _text in links:
        if target is not None:
            assert f'id="{target}"' in html, f"#{target} is not on the page"


def donation_with_bad_lines(item):
    """Line 1 fine, line 2 an item without a quantity, line 3 a quantity without an item."""
    return {
        "donor_kind": "person",
        "donor_name": "",
        "donated_on": local_today().isoformat(),
        "lines-0-item": str(item.id),
        "lines-0-quantity": "2",
        "lines-1-item": str(item.id),
        "lines-1-quantity": "",
        "lines-2-item": "",
        "lines-2-quantity": "3",
    }


def test_donation_lines_errors_are_listed_per_line_and_linked(staff, make_item):
    rice = make_item(name="大米")
    response = staff.post("/market/donations/new", data=donation_with_bad_lines(rice))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    links, block = summary_of(html)
    assert "{" not in block and "}" not in block
    assert ("lines-1-quantity", "第 2 行，数量：请输入数量。") in links
    assert ("lines-2-item", "第 3 行，物资：请为这个数量选择物资。") in links
    assert not any(target and target.startswith("lines-0") for target, _ in links)
    assert "lines" not in [target for target, _ in links]
    assert ("donor_name", "捐赠人名称：请输入捐赠人名称。") in links
    assert_links_reach_fields(html, links)


def test_donation_lines_errors_in_english(staff, make_item):
    rice = make_item(name="Rice")
    staff.post("/language/en", data={"next": "/"})
    response = staff.post("/market/donations/new", data=donation_with_bad_lines(rice))
    links, block = summary_of(response.get_data(as_text=True))
    assert "{" not in block
    assert ("lines-1-quantity", "Line 2, Quantity: Enter the quantity.") in links
    assert ("lines-2-item", "Line 3, Item: Choose the item for this quantity.") in links


def test_purchase_lines_errors_are_listed_per_line(staff, make_item):
    rice = make_item(name="大米")
    market.record_donation("person", "张三", local_today(), money=100_000)
    response = staff.post(
        "/market/purchases/new",
        data={"supplier": "粮油店", "lines-0-item": str(rice.id), "lines-0-quantity": "0"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    links, block = summary_of(html)
    assert "{" not in block
    assert ("lines-0-quantity", "第 1 行，数量：请输入 1 或以上的数。") in links
    assert_links_reach_fields(html, links)


class Address(Form):
    """A sub-form for the macro test."""

    street = StringField("Street", [DataRequired(message="Enter the street.")])


class Sample(Form):
    """Plain fields, a FieldList of plain fields with its own check, and a FormField."""

    name = StringField("Name", [DataRequired(message="Enter the name.")])
    codes = FieldList(IntegerField("Code"), min_entries=2)
    address = FormField(Address)

    def validate_codes(self, field):
        """The list's own message, beside its entries' messages."""
        raise ValidationError("Give two different codes.")


def test_macro_steps_into_lists_of_plain_fields_and_single_sub_forms(app):
    with app.test_request_context("/", headers={"Cookie": "lang=en"}):
        form = Sample(MultiDict([("codes-0", "1"), ("codes-1", "x")]))  # "x": not a number
        assert not form.validate()
        html = render_template_string(
            '{% from "_macros.html" import error_summary %}{{ error_summary([form]) }}', form=form
        )
    links, block = summary_of(html)
    assert "{" not in block and "[" not in block
    assert links[0] == ("name", "Name: Enter the name.")
    assert ("codes-1", "Line 2, Code: Not a valid integer value.") in links
    assert not any(target == "codes-0" for target, _ in links)
    assert (None, "Codes: Give two different codes.") in links
    assert ("address-street", "Street: Enter the street.") in links


def test_summary_names_the_field_of_a_generic_message(client):
    """WTForms' own "This field is required." says nothing of which field: the summary does."""
    response = client.post("/signup", data={"mobile": "13800005678"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    links, _block = summary_of(html)
    targets = dict(links)
    assert targets["name"].startswith("您的姓名：")
    assert targets["enterprise"].startswith("企业名称：")
    assert_links_reach_fields(html, links)
    # A label that is a sentence loses its full stop before the colon.
    assert targets["consent"].startswith("我已阅读隐私声明，同意将我的信息用于报名：")
    # Next to the field the message stays short: the label is right above it.
    assert f">{targets['name'].removeprefix('您的姓名：')}<" in html


def test_hidden_fields_are_not_linked(app):
    from flask_wtf import FlaskForm

    class Guarded(FlaskForm):
        name = StringField("Name")

    app.config["WTF_CSRF_ENABLED"] = True
    with app.test_request_context("/", method="POST", data={"name": "x"}):
        form = Guarded()
        assert not form.validate()
        html = render_template_string(
            '{% from "_macros.html" import error_summary %}{{ error_summary([form]) }}', form=form
        )
    links, _block = summary_of(html)
    assert links and all(target is None for target, _ in links)
