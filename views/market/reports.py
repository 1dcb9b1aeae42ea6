"""The monthly report for the street office (page and XLSX) and the public disclosure (公示)."""

from flask import redirect, url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from db.market.closed_months import disclosure as build_disclosure
from db.market.closed_months import monthly_report
from db.market.labels import unit_name
from db.market.models import ITEM_CATEGORIES
from db.market.periods import current_period, last_periods, month_start
from views.access import kiosk_allowed, staff_required
from views.caching import cached_page, clock
from views.exports import xlsx_response
from views.market import bp
from views.market.charts import STANDARD, bar_chart
from views.market.common import CASH_NAMES, ITEM_CATEGORY_NAMES, chosen_period
from views.pages import render_page


def month_label(period, short=False):
    """2026年11月 / Nov 2026 (short: 11月 / Nov)."""
    zh = str(get_locale()).startswith("zh")
    pattern = ("M月" if short else "y年M月") if zh else ("MMM" if short else "MMM y")
    return format_date(month_start(period), pattern)


def yuan_short(fen):
    """Whole yuan with separators, for chart labels: ¥12,300 (a negative one: -¥2,260)."""
    yuan = round(fen / 100)
    return f"-¥{-yuan:,}" if yuan < 0 else f"¥{yuan:,}"


def category_name(code):
    """An item category's name in the user's language."""
    return str(ITEM_CATEGORY_NAMES.get(code, code))


def month_choices():
    """The last twelve months, newest first, as (value, label)."""
    return [(p, month_label(p)) for p in reversed(last_periods(current_period(), 12))]


@bp.route("/reports")
@staff_required
@cached_page(clock(midnight=True))  # the month (and the months offered) turn at midnight
def report():
    """The monthly report for the street office, printable."""
    period = chosen_period()
    return render_page(
        "market/report.html",
        report=monthly_report(period),
        period=period,
        month_name=month_label(period),
        months=month_choices(),
        categories=ITEM_CATEGORIES,
    )


@bp.route("/reports/<month>.xlsx")
@staff_required
def report_xlsx(month):
    """The monthly report as a workbook, one sheet per section."""
    period = chosen_period(month, strict=True)
    report = monthly_report(period)
    sheets = [
        (
            _("Summary"),
            [_("Figure"), _("Value")],
            [
                [_("Month"), period],
                [_("Donations"), report.donations],
                [_("Value of donated goods (yuan)"), report.donated_goods / 100],
                [_("Money donated (yuan)"), report.donated_money / 100],
                [_("Reversed donations"), report.reversed_donations],
                [_("Redemptions"), report.redemptions],
                [_("Households served"), report.households_served],
                [_("Points issued"), report.points.get("allowance", 0)],
                [_("Points redeemed"), -report.points.get("redemption", 0)],
                [_("Points expired"), -report.points.get("expiry", 0)],
                [_("Points reversed (refunded)"), report.points.get("reversal", 0)],
                [_("Points held at month end"), report.points_outstanding],
                [_("Volunteer points earned"), report.earned.get("earned", 0)],
                [_("Volunteer points spent"), report.earned.get("spent", 0)],
                [_("Volunteer points held at month end"), report.earned.get("outstanding", 0)],
                [_("Cash at month start (yuan)"), report.cash_opening / 100],
                [_("Cash at month end (yuan)"), report.cash_closing / 100],
            ],
        ),
        (
            _("Donations by donor"),
            [_("Donor"), _("Donations"), _("Goods (yuan)"), _("Money (yuan)"), _("Total (yuan)")],
            [
                [r["name"], r["donations"], r["goods"] / 100, r["money"] / 100, r["value"] / 100]
                for r in report.donors
            ]
            + [
                [
                    _(
                        "Reversed this month: %(receipt)s of %(month)s (%(donor)s)",
                        receipt=r["receipt_no"],
                        month=r["month"],
                        donor=r["name"],
                    ),
                    "",
                    r["goods"] / 100,
                    r["money"] / 100,
                    r["value"] / 100,
                ]
                for r in report.corrections
            ],
        ),
        (
            _("Donations by category"),
            [_("Category"), _("Quantity"), _("Value (yuan)")],
            [
                [category_name(code), qty, value / 100]
                for code, (qty, value) in sorted(report.donated_by_category.items())
            ]
            + [[_("Money"), "", report.donated_money / 100]],
        ),
        (
            _("Goods out"),
            [_("Category"), _("Quantity"), _("Value (yuan)"), _("Points")],
            [
                [category_name(code), qty, value / 100, points]
                for code, (qty, value, points) in sorted(report.goods_out.items())
            ],
        ),
        (
            _("Cash"),
            [_("Entry"), _("Amount (yuan)")],
            [[_("Cash at month start"), report.cash_opening / 100]]
            + [
                [str(CASH_NAMES.get(kind, kind)), amount / 100]
                for kind, amount in sorted(report.cash_kinds.items())
            ]
            + [[_("Cash at month end"), report.cash_closing / 100]],
        ),
        (
            _("Stock reconciliation"),
            [
                _("Item"),
                _("Unit"),
                _("Opening"),
                _("In"),
                _("Out"),
                _("Closing"),
                _("Difference"),
                _("Check"),
            ],
            [
                [
                    r["name"],
                    unit_name(r["unit"]),
                    r["opening"],
                    r["inflow"],
                    r["outflow"],
                    r["closing"],
                    r["difference"],
                    _("balanced") if r["balanced"] else _("DOES NOT BALANCE"),
                ]
                for r in report.stock
            ],
        ),
    ]
    return xlsx_response(_("love-supermarket-report-%(month)s.xlsx", month=period), sheets)


def disclosure_context(period, months=12, size=STANDARD):
    """What a page of the public monthly notice shows (the web page and the kiosk's): the
    month's figures, donors and goods out, and the last `months` months in two charts and a
    table."""
    notice = build_disclosure(period, count=months)
    recent = notice.months
    short = [(month_label(p, short=True), came, went) for p, came, went in recent]
    charts = {}
    for name, title, column, colour in (
        ("chart_in", _("Donations received, by month"), 1, "#b3261e"),
        ("chart_out", _("Goods given out, by month"), 2, "#1a4f8b"),
    ):
        charts[name] = bar_chart(
            name.replace("_", "-"),
            title,
            _("Month"),
            _("Value (yuan)"),
            [(row[0], row[column]) for row in short],
            yuan_short,
            colour=colour,
            size=size,
        )
    return dict(
        notice=notice,
        period=period,
        month_name=month_label(period),
        series=[(month_label(p), a, b) for p, a, b in recent],
        categories=ITEM_CATEGORIES,
        item_category_names=ITEM_CATEGORY_NAMES,
        **charts,
    )


@bp.route("/disclosure")
@kiosk_allowed
@cached_page(clock(midnight=True))  # this month's notice until midnight, or the next write
def disclosure():
    """The public monthly notice: donors (named with consent), goods given out by category,
    households served as a number, and twelve months in charts. No personal data.

    The kiosk has its own frame for it (kiosk.market_notice): no menu, no sign-out."""
    period = chosen_period()
    if current_user.is_authenticated and current_user.role == "kiosk":
        return redirect(url_for("kiosk.market_notice", month=period))
    context = disclosure_context(period)
    return render_page("market/disclosure.html", months=month_choices(), **context)
