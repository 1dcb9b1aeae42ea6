"""Calendar helpers: Shanghai wall-clock ⇄ stored UTC, and `.ics` files (RFC 5545).

Forms take Asia/Shanghai local times and the database keeps naive UTC; `local_to_utc` and
`utc_to_local` convert between them. `ics_response` builds an "add to calendar" download of
one or more events (a forum, or every session of a course).
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Response

from views.exports import _attachment

SHANGHAI = ZoneInfo("Asia/Shanghai")
PRODUCT_ID = "-//Guangzhong Community//Lianjian Desk//ZH"


def local_to_utc(local):
    """A naive Asia/Shanghai wall-clock time as naive UTC (None stays None)."""
    if local is None:
        return None
    return local.replace(tzinfo=SHANGHAI).astimezone(UTC).replace(tzinfo=None)


def utc_to_local(moment):
    """A naive UTC time as naive Asia/Shanghai wall-clock time (None stays None)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC).astimezone(SHANGHAI).replace(tzinfo=None)


@dataclass
class CalendarEntry:
    """One VEVENT: `uid` must stay the same for the same thing across downloads."""

    uid: str
    title: str
    starts_at: datetime
    ends_at: datetime
    location: str = ""
    description: str = ""
    url: str = ""


def _escape(text):
    """Escape a TEXT value: backslash, semicolon, comma and newlines."""
    text = (text or "").replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def _fold(line):
    """Fold a content line at 75 octets without splitting a UTF-8 character."""
    encoded = line.encode("utf-8")
    if len(encoded) <= 75:
        return line
    parts, current, limit = [], b"", 75
    for char in line:
        piece = char.encode("utf-8")
        if len(current) + len(piece) > limit:
            parts.append(current.decode("utf-8"))
            current, limit = b"", 74  # continuation lines start with a space
        current += piece
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)


def _stamp(moment):
    """A naive UTC datetime as an iCalendar UTC date-time."""
    return moment.strftime("%Y%m%dT%H%M%SZ")


def ics_text(entries, now=None):
    """The text of a VCALENDAR holding `entries` (CalendarEntry), CRLF line endings."""
    now = now or datetime.now(UTC).replace(tzinfo=None)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODUCT_ID}", "CALSCALE:GREGORIAN"]
    lines.append("METHOD:PUBLISH")
    for entry in entries:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{entry.uid}",
            f"DTSTAMP:{_stamp(now)}",
            f"DTSTART:{_stamp(entry.starts_at)}",
            f"DTEND:{_stamp(entry.ends_at)}",
            f"SUMMARY:{_escape(entry.title)}",
        ]
        if entry.location:
            lines.append(f"LOCATION:{_escape(entry.location)}")
        if entry.description:
            lines.append(f"DESCRIPTION:{_escape(entry.description)}")
        if entry.url:
            lines.append(f"URL:{entry.url}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


def ics_response(filename, entries):
    """An `.ics` download of `entries`."""
    response = Response(ics_text(entries), content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = _attachment(filename)
    return response
