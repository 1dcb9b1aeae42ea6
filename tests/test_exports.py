"""Exports neutralise formulas and keep numbers numeric."""

import io
import subprocess
import sys

import pytest
from openpyxl import load_workbook

from db.events import registrations
from tests.conftest import ROOT
from tests.events_support import guest, new_event
from views import exports
from views.exports import XLSX_MIME, csv_response, safe_cell, xlsx_response
from views.qr import qr_svg

DANGEROUS = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx", "＝1", "＋1", "－1", "＠x"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_formula_starts_are_neutralised(text):
    assert safe_cell(text) == "'" + text


def test_the_character_rules_are_openpyxls():
    """views/exports.py keeps copies so that the app's import does not load openpyxl."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.workbook.child import INVALID_TITLE_REGEX

    assert exports.ILLEGAL_CHARACTERS_RE.pattern == ILLEGAL_CHARACTERS_RE.pattern
    assert exports.INVALID_TITLE_REGEX.pattern == INVALID_TITLE_REGEX.pattern


def test_the_app_imports_without_openpyxl():
    code = "import sys, app; sys.exit('openpyxl' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0


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


def test_control_characters_are_dropped_from_cells():
    assert safe_cell("张三\x1b") == "张三"
    assert safe_cell("a\x01\x08\x0b\x0c\x1fb") == "ab"
    assert safe_cell("第一行\n第二行\t完") == "第一行\n第二行\t完"
    assert safe_cell("\x1b=1+1") == "'=1+1"  # a formula hidden behind a control character


def test_downloads_with_control_characters_succeed(app):
    rows = [["张三\x1b", "\x07备注"]]
    with app.test_request_context("/"):
        csv_body = csv_response("名单.csv", ["姓名", "备注"], rows).get_data(as_text=True)
        xlsx = xlsx_response("名单.xlsx", [("名单/第[1]页:*?", ["姓名", "备注"], rows)])
    assert "张三," in csv_body and "\x1b" not in csv_body and "\x07" not in csv_body
    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    assert sheet["A2"].value == "张三" and sheet["B2"].value == "备注"


@pytest.mark.parametrize(
    "title",
    ["报告会\r\n第二行.csv", '"引号"报告会.csv', "a\\b/c\x00d.csv", 'x"; filename="evil.exe.csv'],
)
def test_file_names_cannot_break_the_header(app, title):
    with app.test_request_context("/"):
        response = csv_response(title, ["姓名"], [])
    header = response.headers["Content-Disposition"]
    assert "\r" not in header and "\n" not in header and "\x00" not in header
    plain = header.split("; filename*=")[0]
    assert plain.startswith('attachment; filename="') and plain.count('"') == 2
    assert "\\" not in plain
    encoded = header.split("filename*=UTF-8''")[1]
    assert encoded and all(c not in encoded for c in ' "\\;')
    assert header.endswith(".csv")


def test_a_chinese_file_name_keeps_its_utf8_form(app):
    with app.test_request_context("/"):
        header = csv_response("报告会-3.csv", ["姓名"], []).headers["Content-Disposition"]
    assert header == (
        "attachment; filename=\"-3.csv\"; filename*=UTF-8''%E6%8A%A5%E5%91%8A%E4%BC%9A-3.csv"
    )


def test_downloads_name_their_charset_once(client, login_as):
    """Content-Type exactly as sent: one charset on the CSV and the .ics, none on the XLSX."""
    event = new_event()
    registration = registrations.register(event.id, guest(1))[0]
    calendar = client.get(f"/r/{registration.token}/event.ics")
    assert calendar.status_code == 200
    assert calendar.headers["Content-Type"] == "text/calendar; charset=utf-8"
    staff = login_as("staff")
    spreadsheet = staff.get(f"/manage/events/{event.id}/export.csv")
    assert spreadsheet.status_code == 200
    assert spreadsheet.headers["Content-Type"] == "text/csv; charset=utf-8"
    workbook = staff.get(f"/manage/events/{event.id}/export.xlsx")
    assert workbook.status_code == 200
    assert workbook.headers["Content-Type"] == XLSX_MIME
