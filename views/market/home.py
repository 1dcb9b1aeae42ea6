"""The module's staff home: today's counter, low stock, reviews coming due, the cash held."""

from db.market import queries
from db.market.households import due_for_review
from db.market.ledger import cash_balance
from db.market.periods import current_period, local_today
from db.market.reports import low_stock, todays_counter
from views.access import staff_required
from views.market import bp
from views.pages import render_page


@bp.route("/")
@staff_required
def home():
    """The module's staff home: today's counter, low stock, reviews coming due."""
    recent, count, points = todays_counter()
    return render_page(
        "market/home.html",
        recent=recent,
        today_count=count,
        today_points=points,
        low=low_stock(limit=10),
        due=list(due_for_review().limit(10)),
        cash=cash_balance(),
        month=current_period(),
        today=local_today(),
        issued=queries.allowance_issued(),
    )
