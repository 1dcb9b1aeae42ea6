"""Volunteers' passbooks (爱心存折) for staff: the list, and one passbook's balance and entries.

Passbooks are opened and credited by the volunteer module (approved hours earn points through
`db.market.earn_points`); here staff look them up and take them to the counter.
"""

from flask import abort, request

from db.market import queries
from db.market.models import Passbook
from db.validators import mask_mobile
from views.access import staff_required
from views.market import bp
from views.market.common import PASSBOOK_NAMES
from views.pages import render_page
from views.params import page_number


@bp.route("/passbooks")
@staff_required
def passbooks():
    """Volunteer passbooks with their holder and balance, found by number, name or mobile."""
    q = request.args.get("q", "").strip()[: queries.MAX_SEARCH]
    listing = queries.passbooks_page(page_number(request.args), search=q)
    return render_page(
        "market/passbooks.html", block="rows", listing=listing, q=q, mask_mobile=mask_mobile
    )


@bp.route("/passbooks/<int:passbook_id>")
@staff_required
def passbook(passbook_id):
    """A passbook: holder, balance, what was earned and spent, and every entry."""
    passbook = Passbook.get_or_none(Passbook.id == passbook_id) or abort(404)
    entries, reversed_ids = queries.passbook_history(passbook, page_number(request.args))
    totals = queries.passbook_totals(passbook)
    return render_page(
        "market/passbook.html",
        block="entries",
        passbook=passbook,
        balance=sum(totals.values()),
        earned=totals.get("earned", 0) + totals.get("correction", 0),
        spent=-(totals.get("redeemed", 0) + totals.get("reversal", 0)),
        entries=entries,
        reversed_ids=reversed_ids,
        passbook_names=PASSBOOK_NAMES,
        mask_mobile=mask_mobile,
    )
