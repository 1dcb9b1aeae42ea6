"""The redemption counter: find the love card or the volunteer passbook, fill the basket with
a live total, confirm, print."""

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from db import market
from db.market import queries
from db.market.ledger import MarketError, household_by_card, points_balance, stock_levels
from db.market.models import Item, Passbook
from db.market.passbooks import passbook_balance, passbook_by_no
from db.market.periods import current_period
from db.market.redemption import price_basket, redemption_lines, visits_in
from db.market.rules import rules
from db.validators import mask_name
from views.access import staff_required
from views.forms import refused
from views.market import bp
from views.market.common import MESSAGES, acting_user
from views.pages import render_page
from views.params import int_list, parse_int

MAX_QUANTITY = 999


def read_basket(values, item_ids):
    """({item id: quantity}, {item id: message}) from the form's `qty-<id>` inputs."""
    basket, errors = {}, {}
    known = set(item_ids)
    for key in values:
        item_id = parse_int(key[4:]) if key.startswith("qty-") else None
        if item_id not in known:
            continue
        text = (values.get(key) or "").strip()
        if text in ("", "0"):
            continue
        quantity = parse_int(text, maximum=MAX_QUANTITY)
        if quantity is None:
            errors[item_id] = _("Enter a whole number from 0 to %(max)s.", max=MAX_QUANTITY)
            continue
        basket[item_id] = quantity
    return basket, errors


def table_rows(values, goods_ids, basket, most):
    """The item ids of the basket table's rows, in the order the person saw them.

    The page sends its rows (`rows`, the ids in table order) with the quantities, so a refusal
    names the row the person sees even if the catalogue changed since; without them (a form
    from elsewhere) the table as it stands now. A basket line without a row follows the rows.
    Each id counts once, and at most `most` (the catalogue's size) are read."""
    sent = dict.fromkeys(int_list((values.get("rows") or "").split(","), limit=most))
    rows = list(sent) or list(goods_ids)
    return rows + [item_id for item_id in basket if item_id not in rows]


def basket_lines(values, catalogue):
    """(basket, errors, row lines) of a submitted form; `catalogue` is [(item id, active)]
    in the table's order. Every submitted line of a catalogue item is kept, even one
    deactivated since the page was loaded: redeem() then refuses it by row and name instead
    of it vanishing unseen. The row lines are every row of the table in its order, quantity 0
    for the empty ones: redeem() names a refused line by its place, the row on the screen."""
    basket, errors = read_basket(values, [item_id for item_id, _active in catalogue])
    goods_ids = [item_id for item_id, active in catalogue if active]
    rows = table_rows(values, goods_ids, basket, most=len(catalogue))
    return basket, errors, [(item_id, basket.get(item_id, 0)) for item_id in rows]


def catalogue_order():
    """[(item id, active)] of the catalogue in the table's order (category, name), one light
    query: what a confirmation needs before the redemption, without the page's figures."""
    return list(Item.select(Item.id, Item.active).order_by(Item.category, Item.name).tuples())


def counter_context(holder, values=None):
    """What the basket page shows: the household (its visits) or the passbook, the balance,
    goods and stock."""
    values = values or {}
    passbook = holder if isinstance(holder, Passbook) else None
    catalogue = stock_levels()
    goods = [(item, stock) for item, stock in catalogue if item.active]
    basket, errors, row_lines = basket_lines(
        values, [(item.id, item.active) for item, _stock in catalogue]
    )
    shown = {item.id for item, _stock in goods}
    lines, total = price_basket({i: q for i, q in basket.items() if i in shown})
    balance = passbook_balance(holder.id) if passbook else points_balance(holder.id)
    return dict(
        household=None if passbook else holder,
        passbook=passbook,
        number=holder.passbook_no if passbook else holder.card_no,
        active=holder.status == "active",
        balance=balance,
        visits=None if passbook else visits_in(holder.id, current_period()),
        visit_limit=rules()["market.visit_limit"],
        goods=goods,
        row_ids=",".join(str(item.id) for item, _stock in goods),
        basket=basket,
        row_lines=row_lines,
        errors=errors,
        lines=lines,
        total=total,
        remaining=balance - total,
        form=FlaskForm(),
        refusal=None,
    )


def holder_by_number(number):
    """The household holding this love card number (GZ…) or the passbook of this number
    (ZY…), or None."""
    return passbook_by_no(number) or household_by_card(number)


def get_card(card_no):
    """The household holding this card, or the passbook of this number, or 404."""
    return holder_by_number(card_no) or abort(404)


def holder_number(holder):
    """The number the counter's URLs carry."""
    return holder.passbook_no if isinstance(holder, Passbook) else holder.card_no


@bp.route("/counter")
@staff_required
def counter():
    """Enter or scan a love card number, or a volunteer passbook number."""
    card_no = request.args.get("card", "").strip()[:40]
    if card_no:
        holder = holder_by_number(card_no)
        if holder is not None:
            return redirect(url_for("market.basket", card_no=holder_number(holder)))
        return refused(
            "market/counter.html",
            card_no=card_no,
            error=MESSAGES.text(MarketError("unknown_card_or_passbook")),
        )
    return render_page("market/counter.html", card_no="", error=None)


@bp.route("/counter/<card_no>", methods=["GET", "POST"])
@staff_required
def basket(card_no):
    """The household's (or passbook's) summary and the basket; POST confirms the redemption.

    The redemption is one transaction that checks the card (or passbook), the visit limit
    (households only), the stock of every line and the balance; a refusal says which and
    nothing is written. The page's "update the total" button (shown without JavaScript) posts
    the basket only to price it.
    """
    holder = get_card(card_no)
    if request.method == "GET":
        return render_page("market/basket.html", **counter_context(holder))
    if "update" in request.form:  # without JavaScript: the new total, nothing redeemed
        return render_page("market/basket.html", **counter_context(holder, request.form))
    # The page's figures (stock, prices, balance, visits) are computed only if it is shown
    # again: a confirmed redemption goes straight to its slip.
    _basket, errors, row_lines = basket_lines(request.form, catalogue_order())
    refusal = None
    if not errors:  # CSRFProtect has checked the token before this view runs
        try:
            redeem = market.redeem_passbook if isinstance(holder, Passbook) else market.redeem
            redemption = redeem(holder.id, row_lines, actor=acting_user())
        except MarketError as exc:
            refusal = MESSAGES.text(exc)
        else:
            flash(
                _(
                    "Redemption confirmed: %(points)s points. Print the slip for signature.",
                    points=redemption.points_total,
                ),
                "success",
            )
            return redirect(url_for("market.slip", redemption_id=redemption.id))
    context = counter_context(holder, request.form)
    context["refusal"] = refusal
    return refused("market/basket.html", **context)


@bp.route("/counter/<card_no>/total")
@staff_required
def basket_total(card_no):
    """The live total of the basket (htmx, as quantities change)."""
    holder = get_card(card_no)
    return render_page(
        "market/basket.html", block="basket_total", **counter_context(holder, request.args)
    )


@bp.route("/redemptions/<int:redemption_id>")
@staff_required
def slip(redemption_id):
    """The 80 mm counter slip with a signature line."""
    redemption = queries.slip(redemption_id) or abort(404)
    if redemption.passbook_id:
        balance = passbook_balance(redemption.passbook_id)
        holder_name = redemption.passbook.holder_name
    else:
        balance = points_balance(redemption.household_id)
        holder_name = redemption.household.head_name
    return render_page(
        "market/slip.html",
        redemption=redemption,
        lines=redemption_lines(redemption),
        balance=balance,
        head_name_masked=mask_name(holder_name),
        reversal=queries.reversal_of(redemption=redemption.id),
    )
