"""Reversals: the one way to correct a donation, purchase, redemption, write-off, count
difference, points entry or spending — a new entry pointing at the one it undoes."""

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from db import market
from db.market.cash import reverse_purchase, reverse_spending
from db.market.ledger import MarketError
from db.market.models import CashEntry, Donation, PointsEntry, Purchase, Redemption, StockMovement
from views.access import staff_required
from views.forms import refused
from views.market import bp
from views.market.common import MESSAGES, acting_user
from views.pages import render_page


class ReasonForm(FlaskForm):
    """The reason for a reversal."""

    reason = TextAreaField(
        _l("Reason"), [DataRequired(message=_l("Give the reason.")), Length(max=300)]
    )


# kind → (model, what the page says will happen, the operation, where to go afterwards)
REVERSIBLE = {
    "donation": (
        Donation,
        _l(
            "Its goods leave stock and its money leaves the cash ledger. The receipt number "
            "stays used; enter the corrected donation as a new one."
        ),
        market.reverse_donation,
        lambda obj: url_for("market.donation", donation_id=obj.id),
    ),
    "purchase": (
        Purchase,
        _l("Its goods leave stock and the money comes back to the cash ledger."),
        reverse_purchase,
        lambda obj: url_for("market.purchase", purchase_id=obj.id),
    ),
    "redemption": (
        Redemption,
        _l("The goods go back into stock and the points go back to the love card."),
        market.reverse_redemption,
        lambda obj: url_for("market.slip", redemption_id=obj.id),
    ),
    "movement": (
        StockMovement,
        _l("A movement of the opposite quantity is written, pointing at this one."),
        market.reverse_movement,
        lambda obj: url_for("market.item", item_id=obj.item_id),
    ),
    "points": (
        PointsEntry,
        _l(
            "An entry of the opposite points is written on the love card, pointing at this "
            "one. A reversed allowance still counts as issued for its month."
        ),
        market.reverse_points_entry,
        lambda obj: url_for("market.household", household_id=obj.household_id),
    ),
    "spending": (
        CashEntry,
        _l("The amount comes back to the cash ledger."),
        reverse_spending,
        lambda obj: url_for("market.cash"),
    ),
}


PASSBOOK_REDEMPTION = _l(
    "The goods go back into stock and the points go back to the volunteer passbook."
)


@bp.route("/reverse/<kind>/<int:object_id>", methods=["GET", "POST"])
@staff_required
def reverse(kind, object_id):
    """Reverse a donation, purchase, redemption, write-off, count difference, allowance,
    expiry or spending, with a reason. Nothing is edited or deleted: the reversal is a new
    entry."""
    if kind not in REVERSIBLE:
        abort(404)
    model, consequence, operation, after = REVERSIBLE[kind]
    target = model.get_or_none(model.id == object_id) or abort(404)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            operation(target.id, form.reason.data, actor=acting_user())
        except MarketError as exc:
            MESSAGES.add(form, exc)
        else:
            flash(
                _("Reversed. The original entry and its reversal both stay on record."), "success"
            )
            return redirect(after(target))
    if kind == "redemption" and target.passbook_id:
        consequence = PASSBOOK_REDEMPTION
    context = dict(form=form, kind=kind, target=target, consequence=consequence, back=after(target))
    if form.is_submitted():
        return refused("market/reverse.html", **context)
    return render_page("market/reverse.html", **context)
