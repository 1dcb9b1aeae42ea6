"""Households and their love cards, yearly reviews, the monthly allowance, and the rules."""

from datetime import timedelta

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from db import market
from db.accounts import PRIVACY_NOTICE_VERSION
from db.market import queries
from db.market.households import (
    MAX_HOUSEHOLD_SIZE,
    REVERSIBLE_POINTS,
    REVIEW_SOON_DAYS,
    allowance_plan,
    one_year_after,
)
from db.market.labels import HOUSEHOLD_CATEGORY_NAMES, STATUS_NAMES
from db.market.ledger import MarketError, points_balance, points_balances
from db.market.models import HOUSEHOLD_CATEGORIES, HOUSEHOLD_STATUSES, Household
from db.market.periods import current_period, local_today
from db.market.redemption import visits_in
from db.market.rules import DEFAULTS, allowance_table, monthly_allowance, rules, save_rules
from db.validators import mask_mobile
from views.access import staff_required
from views.auth import MobileField, mobile_number
from views.forms import WholeNumberField, refused
from views.i18n import date_filter
from views.market import bp
from views.market.common import HONOUR_NAMES, MESSAGES, acting_user
from views.pages import ButtonForm, is_fragment_request, render_page
from views.params import page_number


class HouseholdForm(FlaskForm):
    """A household's details (the card number is given, never typed)."""

    head_name = StringField(
        _l("Head of household"),
        [DataRequired(message=_l("Enter the name.")), Length(max=50)],
    )
    mobile = MobileField(_l("Mobile number (optional)"), [Optional(), mobile_number])
    address = StringField(_l("Address"), [Optional(), Length(max=200)])
    size = WholeNumberField(
        _l("People in the household"),
        [
            InputRequired(message=_l("Enter the number of people, from 1 to 20.")),
            NumberRange(
                min=1,
                max=MAX_HOUSEHOLD_SIZE,
                message=_l("Enter the number of people, from 1 to 20."),
            ),
        ],
    )
    category = SelectField(
        _l("Category"),
        choices=[SelectChoice(c, HOUSEHOLD_CATEGORY_NAMES[c]) for c in HOUSEHOLD_CATEGORIES],
    )
    status = SelectField(
        _l("Status"), choices=[SelectChoice(s, STATUS_NAMES[s]) for s in HOUSEHOLD_STATUSES]
    )
    next_review = DateField(
        _l("Next eligibility review"),
        [DataRequired(message=_l("Enter the date of the next review."))],
    )
    note = TextAreaField(_l("Note (optional)"), [Optional(), Length(max=500)])


class HouseholdConsentForm(HouseholdForm):
    """The household form for a head of household whose consent is not yet on record."""

    consent = BooleanField(
        _l(
            "The head of household has seen the privacy notice and agrees to these details "
            "being kept"
        ),
        [DataRequired(message=_l("The head of household must agree to the privacy notice."))],
    )


def household_form(household=None, **defaults):
    """The form for a new household or an existing one; it asks for consent until the head of
    household's agreement to the current privacy notice is on record."""
    needs_consent = household is None or household.consent_version != PRIVACY_NOTICE_VERSION
    form_class = HouseholdConsentForm if needs_consent else HouseholdForm
    return form_class(obj=household, **defaults)


def rules_form_class():
    """A form with one whole-number field per rule (built once, labels translated lazily)."""
    labels = {
        "market.points_per_person": _l("Points per person"),
        "market.carry_over_months": _l("Carry-over cap (months of allowance)"),
        "market.visit_limit": _l("Visits allowed per month"),
    }
    for category in HOUSEHOLD_CATEGORIES:
        labels[f"market.base_points.{category}"] = _l(
            "Base points: %(category)s", category=HOUSEHOLD_CATEGORY_NAMES[category]
        )
    for level, name in HONOUR_NAMES.items():
        labels[f"market.honour.{level}"] = _l("%(level)s from (yuan)", level=name)
    fields = {
        key.replace(".", "__"): WholeNumberField(
            labels[key],
            [
                InputRequired(message=_l("Enter a whole number from 0.")),
                NumberRange(min=0, max=100_000_000, message=_l("Enter a whole number from 0.")),
            ],
        )
        for key in DEFAULTS
    }
    return type("RulesForm", (FlaskForm,), fields)


RulesForm = rules_form_class()
YUAN_RULES = {f"market.honour.{level}" for level in HONOUR_NAMES}


def get_household(household_id):
    """The household, or 404."""
    return Household.get_or_none(Household.id == household_id) or abort(404)


def list_context(rows):
    """What a households table shows beside the rows themselves."""
    today = local_today()
    return dict(
        balances=points_balances([h.id for h in rows]),
        today=today,
        review_by=today + timedelta(days=REVIEW_SOON_DAYS),
        mask_mobile=mask_mobile,
    )


@bp.route("/households")
@staff_required
def households():
    """Households with their card, category, status, balance and next review; those due for
    review have a button to record the review in their row."""
    q = request.args.get("q", "").strip()[: queries.MAX_SEARCH]
    status = request.args.get("status", "")
    category = request.args.get("category", "")
    due = request.args.get("due") == "1"
    listing = queries.households_page(
        page_number(request.args), search=q, status=status, category=category, due=due
    )
    return render_page(
        "market/households.html",
        block="rows",
        listing=listing,
        q=q,
        status_filter=status,
        category=category,
        due=due,
        statuses=HOUSEHOLD_STATUSES,
        categories=HOUSEHOLD_CATEGORIES,
        **list_context(listing.rows),
    )


def _household_fields(form):
    """The form's values as keyword arguments of the household operations."""
    return dict(
        head_name=form.head_name.data,
        mobile=form.mobile.data or "",
        address=(form.address.data or "").strip(),
        size=form.size.data,
        category=form.category.data,
        status=form.status.data,
        next_review=form.next_review.data,
        note=(form.note.data or "").strip(),
        consent=bool(getattr(form, "consent", None) and form.consent.data),
    )


@bp.route("/households/new", methods=["GET", "POST"])
@staff_required
def create_household():
    """Register a household; it gets the next love card number."""
    form = household_form(next_review=one_year_after(local_today()), size=1)
    if form.validate_on_submit():
        try:
            household = market.register_household(actor=acting_user(), **_household_fields(form))
        except MarketError as exc:
            MESSAGES.add(form, exc)
        else:
            flash(
                _("Household registered with love card %(card)s.", card=household.card_no),
                "success",
            )
            return redirect(url_for("market.household", household_id=household.id))
    if form.is_submitted():
        return refused("market/household_form.html", form=form, household=None)
    return render_page("market/household_form.html", form=form, household=None)


@bp.route("/households/<int:household_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_household(household_id):
    """Change a household's details, category, size or status."""
    household = get_household(household_id)
    form = household_form(household)
    if form.validate_on_submit():
        try:
            market.update_household(household, actor=acting_user(), **_household_fields(form))
        except MarketError as exc:
            MESSAGES.add(form, exc)
        else:
            flash(_("Household %(card)s saved.", card=household.card_no), "success")
            return redirect(url_for("market.household", household_id=household.id))
    if form.is_submitted():
        return refused("market/household_form.html", form=form, household=household)
    return render_page("market/household_form.html", form=form, household=household)


@bp.route("/households/<int:household_id>")
@staff_required
def household(household_id):
    """A household: details, balance, monthly allowance, points history and redemptions."""
    household = get_household(household_id)
    entries, redemptions = queries.household_history(household)
    reversed_ids = {r.id for r in redemptions if r.reversal_id}
    # A reversal is newer than the entry it reverses, so for every entry shown its reversal
    # is among the entries shown too: no query needed.
    reversed_entry_ids = {e.reverses_id for e in entries if e.reverses_id}
    return render_page(
        "market/household.html",
        reversed_entry_ids=reversed_entry_ids,
        reversible_points=REVERSIBLE_POINTS,
        household=household,
        balance=points_balance(household.id),
        allowance=monthly_allowance(household.category, household.size),
        visits=visits_in(household.id, current_period()),
        visit_limit=rules()["market.visit_limit"],
        entries=entries,
        redemptions=redemptions,
        reversed_ids=reversed_ids,
        review_form=ButtonForm(),
        today=local_today(),
    )


@bp.route("/households/<int:household_id>/card")
@staff_required
def card(household_id):
    """The printable love card with its QR code (the card number, for the counter scanner)."""
    return render_page("market/card.html", household=get_household(household_id))


@bp.route("/households/<int:household_id>/review", methods=["POST"])
@staff_required
def review(household_id):
    """Eligibility confirmed today: the next review moves a year on.

    From the households list (htmx, the row's button) the answer is the row itself, now with
    its next review; from the household's page, that page again with the outcome."""
    household = get_household(household_id)
    if ButtonForm().validate_on_submit():
        next_review = market.mark_reviewed(household, actor=acting_user())
        if is_fragment_request():
            household = get_household(household_id)
            return render_page(
                "market/households.html",
                block="household_row",
                household=household,
                reviewed=True,
                **list_context([household]),
            )
        flash(
            _(
                "Review recorded. The next review is due on %(date)s.",
                date=date_filter(next_review),
            ),
            "success",
        )
    return redirect(url_for("market.household", household_id=household.id))


@bp.route("/allowance", methods=["GET", "POST"])
@staff_required
def allowance():
    """This month's allowance: what each active household gets, and the button to issue it.

    Issuing twice credits nobody twice; households registered later get theirs on a later run.
    """
    form = ButtonForm()
    outcome = None
    if form.validate_on_submit():
        try:
            outcome = market.issue_allowance(actor=acting_user())
        except MarketError as exc:
            MESSAGES.add(form, exc)
    month, plan = allowance_plan()
    context = dict(
        form=form,
        outcome=outcome,
        month=month,
        plan=plan,
        due=[row for row in plan if not row["credited"]],
        values=rules(),
    )
    if form.form_errors:
        return refused("market/allowance.html", **context)
    return render_page("market/allowance.html", **context)


@bp.route("/settings", methods=["GET", "POST"])
@staff_required
def settings():
    """The rules staff may change: allowance table, carry-over cap, visit limit, honour levels."""
    values = rules()
    shown = {
        key.replace(".", "__"): (value // 100 if key in YUAN_RULES else value)
        for key, value in values.items()
    }
    form = RulesForm(data=None if request.method == "POST" else shown)
    if form.validate_on_submit():
        new = {}
        for key in DEFAULTS:
            value = getattr(form, key.replace(".", "__")).data
            new[key] = value * 100 if key in YUAN_RULES else value
        changes = save_rules(new, actor=acting_user())
        flash(
            _("Rules saved.") if changes else _("Nothing changed."),
            "success",
        )
        return redirect(url_for("market.settings"))
    context = dict(
        form=form,
        fields={key: getattr(form, key.replace(".", "__")) for key in DEFAULTS},
        table=allowance_table(values),
        categories=HOUSEHOLD_CATEGORIES,
        honour_levels=list(HONOUR_NAMES),
    )
    if form.is_submitted():
        return refused("market/settings.html", **context)
    return render_page("market/settings.html", **context)
