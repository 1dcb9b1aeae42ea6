"""The volunteer honour board (志愿者光荣榜) in the kiosk's frame: the year's volunteers with
the most approved hours, names masked, large type."""

from db.market.periods import local_today
from db.volunteers.honour import KIOSK_PLACES, honour_board
from views.kiosk import bp
from views.kiosk.common import kiosk_required
from views.pages import render_page


@bp.route("/honour")
@kiosk_required
def honour():
    """This year's honour board, as many places as fit the screen."""
    year = local_today().year
    return render_page("kiosk/honour.html", board=honour_board(year, KIOSK_PLACES), year=year)
