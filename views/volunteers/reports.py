"""Team reports by month and year (page, print and XLSX) for staff, and the honour board
(志愿者光荣榜) for everyone."""

from flask import abort, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from db.market.periods import local_today
from db.volunteers.honour import WEB_PLACES, honour_board
from db.volunteers.reports import report_years, team_report
from views.access import staff_required
from views.exports import xlsx_response
from views.pages import render_page
from views.params import parse_int
from views.volunteers import bp
from views.volunteers.common import STAFF_SUBNAV

# The records' staff pages join the module's sub-navigation (templates/volunteers/_layout.html).
STAFF_SUBNAV.extend(
    [
        ("volunteers.reports", _l("Reports")),
        ("volunteers.honour", _l("Honour board")),
    ]
)


def _year(years):
    """The year asked for (`?year=`): one of `years`, this year by default."""
    this_year = local_today().year
    year = parse_int(request.args.get("year"), this_year, minimum=2000, maximum=2100)
    return year if year in years else this_year


def _month():
    """The month asked for (`?month=1..12`), or None for the whole year."""
    if not request.args.get("month"):
        return None
    return parse_int(request.args.get("month"), None, minimum=1, maximum=12)


def _report():
    """The report the query string asks for, and the years it may ask for."""
    years = report_years(local_today())
    team_id = parse_int(request.args.get("team"), None, minimum=1)
    report = team_report(_year(years), _month(), team_id)
    if team_id is not None and report.team is None:
        abort(404)
    return report, years


@bp.route("/reports")
@staff_required
def reports():
    """Team report for a year or a month: per team, by month, and in total (printable)."""
    report, years = _report()
    return render_page("volunteers/reports.html", report=report, years=years)


def _line(row, label=None):
    return [
        label if label is not None else row.label,
        row.activities,
        row.volunteers,
        row.hours,
        row.points,
    ]


@bp.route("/reports/export.xlsx")
@staff_required
def reports_export():
    """The team report as a spreadsheet: one sheet per team, one by month."""
    report, _years = _report()
    header = [_("Team"), _("Activities"), _("Volunteers"), _("Approved hours"), _("Points")]
    teams = [_line(row) for row in report.teams]
    teams.append(_line(report.unassigned, _("Hours reported without an activity")))
    teams.append(_line(report.total, _("Total")))
    months = [_line(row) for row in report.months]
    month_header = [_("Month"), *header[1:]]
    if report.month:
        title = _("Volunteer service %(year)s-%(month)02d", year=report.year, month=report.month)
    else:
        title = _("Volunteer service %(year)s", year=report.year)
    if report.team is not None:
        title = f"{title} {report.team.name}"
    return xlsx_response(
        f"{title}.xlsx",
        [(_("By team"), header, teams), (_("By month"), month_header, months)],
    )


@bp.route("/honour")
def honour():
    """The honour board: the year's volunteers with the most approved hours, names masked."""
    today = local_today()
    years = list(range(today.year, today.year - 5, -1))
    year = _year(years)
    return render_page(
        "volunteers/honour.html",
        board=honour_board(year, WEB_PLACES),
        year=year,
        years=years,
    )
