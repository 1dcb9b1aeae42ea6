"""CSV and XLSX downloads that spreadsheets cannot turn into formulas.

A cell that starts with = + - @, a tab or a carriage return (or their full-width forms) is
prefixed with an apostrophe, so Excel and WPS show it as text instead of evaluating it.
Numbers stay numeric cells. Control characters other than tab, line feed and carriage return
are dropped: XLSX cannot hold them (openpyxl refuses), and no spreadsheet shows them.
"""

import csv
import io
import re
from datetime import date, datetime
from urllib.parse import quote

from flask import Response

# openpyxl is imported where a workbook is made: it is a fifth of the app's import time, and
# every gunicorn worker imports the app. These are openpyxl's own rules (ILLEGAL_CHARACTERS_RE
# of openpyxl.cell.cell, INVALID_TITLE_REGEX of openpyxl.workbook.child; a test checks they
# still agree): the control characters a cell cannot hold, the characters a sheet title cannot.
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
INVALID_TITLE_REGEX = re.compile(r"[\\*?:/\[\]]")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What a file name in Content-Disposition may not hold: control characters (a line break
# would end the header), quotes, backslashes and semicolons (they end, escape or split the
# header's parameters), and the characters file systems refuse.
UNSAFE_FILENAME_RE = re.compile(r'[\x00-\x1f\x7f-\x9f"\\;/:*?<>|]+')


def safe_cell(value):
    """The value to write: text neutralised against formula injection, numbers unchanged."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | datetime | date):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def safe_filename(filename):
    """A download's file name with nothing that could break the header or the file system."""
    name = " ".join(UNSAFE_FILENAME_RE.sub(" ", str(filename)).split())
    return name.strip(" .") or "export"


def _attachment(filename):
    """A Content-Disposition that keeps a Chinese file name (RFC 5987)."""
    filename = safe_filename(filename)
    ascii_name = filename.encode("ascii", "ignore").decode() or "export"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def _sheet_title(title):
    """A worksheet title XLSX accepts (no control characters or []:*?/\\, at most 31)."""
    text = INVALID_TITLE_REGEX.sub(" ", ILLEGAL_CHARACTERS_RE.sub("", str(title)))
    return " ".join(text.split())[:31] or "Sheet"


def csv_response(filename, header, rows):
    """A UTF-8 CSV download (with BOM, so Excel opens Chinese text correctly)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    response = Response(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = _attachment(filename)
    return response


def xlsx_response(filename, sheets):
    """An XLSX download; `sheets` is [(title, header, rows)]."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title=_sheet_title(title))
        sheet.append([safe_cell(h) for h in header])
        for row in rows:
            sheet.append([safe_cell(v) for v in row])
        for index, name in enumerate(header, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(10, len(str(name)) * 2)
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = Response(buffer.getvalue(), mimetype=XLSX_MIME)
    response.headers["Content-Disposition"] = _attachment(filename)
    return response
