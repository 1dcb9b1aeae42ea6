"""The notice board: upcoming events and the love supermarket's monthly notice, in the
kiosk's own frame (large type, months by touch)."""

from db import kiosk
from db.market import closed_months
from db.market.periods import current_period, shift_period
from views.kiosk import bp
from views.kiosk.common import kiosk_required
from views.market.charts import LARGE
from views.market.common import chosen_period
from views.market.reports import disclosure_context, month_label
from views.pages import render_page


@bp.route("/notices")
@kiosk_required
def notices():
    """The notice board: upcoming events and the love supermarket's notice for this month."""
    return render_page(
        "kiosk/notices.html",
        events=kiosk.events_this_week(limit=6),
        disclosure=closed_months.disclosure(current_period(), count=1),
    )


@bp.route("/notices/market")
@kiosk_required
def market_notice():
    """The love supermarket's monthly notice in the kiosk's frame: large type, charts of six
    months, and a month back or forward by touch (the web page's twelve months)."""
    period, this_month = chosen_period(), current_period()
    earlier, later = shift_period(period, -1), shift_period(period, 1)
    oldest = shift_period(this_month, -11)
    return render_page(
        "kiosk/market_notice.html",
        earlier=(earlier, month_label(earlier)) if earlier >= oldest else None,
        later=(later, month_label(later)) if later <= this_month else None,
        **disclosure_context(period, months=6, size=LARGE),
    )
