"""Exports neutralise formulas and keep numbers numeric."""

import io

import pytest
from openpyxl import load_workbook

from views.exports import csv_response, safe_cell, xlsx_response
from views.qr import qr_svg

DANGEROUS = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx", "＝1", "＋1", "－1", "＠x"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_formula_starts_are_neutralised(text):
    assert safe_cell(text) == "'" + text


def test_plain_text_and_numbers_untouched():
    assert safe_cell("张三") == "张三"
    assert safe_cell(12) == 12 and safe_cell(-3) == -3 and safe_cell(1.5) == 1.5


def test_csv_and_xlsx_downloads(app):
    rows = [['=HYPERLINK("x")', 5], ["李四", -7]]
    with app.test_request_context("/"):
        csv_body = csv_response("名单.csv", ["姓名", "数量"], rows).get_data(as_text=True)
        xlsx = xlsx_response("名单.xlsx", [("名单", ["姓名", "数量"], rows)])
    assert "'=HYPERLINK" in csv_body and csv_body.startswith("\ufeff")
    assert "filename*=UTF-8''%E5%90%8D%E5%8D%95.xlsx" in xlsx.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    assert sheet["A2"].value == '\'=HYPERLINK("x")'
    assert sheet["B2"].value == 5 and sheet["B3"].value == -7
    assert sheet["B3"].data_type == "n"


def test_qr_svg_is_inline_svg():
    svg = str(qr_svg("ABCD2345"))
    assert svg.startswith("<svg") and "http" not in svg.split(">", 1)[0].replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )
