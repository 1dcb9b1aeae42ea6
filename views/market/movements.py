"""Goods taken out of stock by hand: the write-off of expired or damaged goods."""

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from db import market
from db.market.ledger import MarketError
from views.access import staff_required
from views.forms import WholeNumberField, refused
from views.market import bp
from views.market.common import MESSAGES, REQUIRED, acting_user
from views.market.items import item_choices
from views.pages import render_page
from views.params import parse_int


class WriteOffForm(FlaskForm):
    """Goods taken out of stock as expired or damaged."""

    item = SelectField(_l("Item"), coerce=int)
    quantity = WholeNumberField(
        _l("Quantity"),
        [
            InputRequired(message=REQUIRED),
            NumberRange(min=1, max=100_000, message=_l("Enter a quantity of 1 or more.")),
        ],
    )
    reason = StringField(
        _l("Reason"), [DataRequired(message=_l("Give the reason.")), Length(max=300)]
    )


@bp.route("/stock/write-off", methods=["GET", "POST"])
@staff_required
def write_off():
    """Take expired or damaged goods out of stock, with the reason."""
    form = WriteOffForm(item=parse_int(request.args.get("item", "")))
    form.item.choices = item_choices(active_only=False)
    if form.validate_on_submit():
        try:
            market.write_off(
                form.item.data, form.quantity.data, form.reason.data, actor=acting_user()
            )
        except MarketError as exc:
            MESSAGES.add(form, exc)
        else:
            flash(_("Write-off recorded."), "success")
            return redirect(url_for("market.item", item_id=form.item.data))
    if form.is_submitted():
        return refused("market/write_off.html", form=form)
    return render_page("market/write_off.html", form=form)
