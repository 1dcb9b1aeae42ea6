"""Party-building coverage by sector and year (printable) and the 促进会年会 annual report
(page and spreadsheet)."""

from flask import request
from flask_babel import gettext as _

from db.market.periods import local_today
from db.partners import queries
from db.partners.labels import PARTY_ORG_NAMES, SECTOR_NAMES, STATUS_NAMES
from db.partners.rules import SECTORS
from views.access import staff_required
from views.exports import xlsx_response
from views.pages import render_page
from views.params import parse_int
from views.partners import bp


def _year(choices):
    """The year asked for (this year by default; one of `choices` when given)."""
    this_year = local_today().year
    year = parse_int(request.args.get("year"), this_year, minimum=2000, maximum=2100)
    return year if not choices or year in choices else this_year


@bp.route("/coverage")
@staff_required
def coverage():
    """Coverage of party, league and union organisations by sector for a year, with the
    trend over the recorded years; counts only."""
    years = queries.coverage_years()
    this_year = local_today().year
    year = _year(sorted({*years, this_year}))
    return render_page(
        "partners/coverage.html",
        year=year,
        years=sorted({*years, this_year}, reverse=True),
        rows=queries.coverage(year),
        trend=queries.coverage_trend(sorted(years, reverse=True)[:6]),
        sectors=SECTORS,
    )


def _report(year):
    rows, total, covered = queries.annual_report(year)
    return rows, total, covered


@bp.route("/report")
@staff_required
def report():
    """The annual report for the promotion association's meeting: per enterprise and total."""
    years = queries.report_years()
    year = _year(years)
    rows, total, covered = _report(year)
    return render_page(
        "partners/report.html", year=year, years=years, rows=rows, total=total, covered=covered
    )


@bp.route("/report.xlsx")
@staff_required
def report_export():
    """The annual report as a spreadsheet."""
    year = _year(queries.report_years())
    rows, total, covered = _report(year)
    header = [
        _("Enterprise"),
        _("Sector"),
        _("Partnership"),
        _("Registered (confirmed)"),
        _("Attended (checked in)"),
        _("People trained"),
        _("Certificates"),
        _("Number of donations"),
        _("Donated (yuan)"),
        _("Visits"),
        _("Party organisation"),
        _("Party members"),
    ]

    def line(row, name, sector, status, party):
        return [
            name,
            sector,
            status,
            row.registrations,
            row.attended,
            row.trained,
            row.certificates,
            row.donations,
            row.donated / 100,
            row.visits,
            party,
            row.party_members,
        ]

    lines = [
        line(
            row,
            row.name,
            str(SECTOR_NAMES.get(row.sector, "")),
            str(STATUS_NAMES.get(row.status, "")),
            str(PARTY_ORG_NAMES.get(row.party_org, "")),
        )
        for row in rows
    ]
    lines.append(
        line(
            total,
            _("Total"),
            "",
            "",
            _(
                "%(covered)s of %(count)s with a party organisation",
                covered=covered,
                count=len(rows),
            ),
        )
    )
    return xlsx_response(
        _("Annual report %(year)s", year=year) + ".xlsx",
        [(_("Annual report %(year)s", year=year), header, lines)],
    )
