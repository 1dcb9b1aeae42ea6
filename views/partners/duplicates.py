"""Duplicates: suggestions, "not the same", the merge with its preview, the merge history
with undo, and the enterprise names offered to people typing one at registration."""

import json

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _

from db import partners
from db.partners import queries
from db.partners.merge import reference_counts
from db.partners.models import EnterpriseMerge
from views.access import staff_required
from views.forms import refused
from views.pages import ButtonForm, render_page
from views.params import page_number, parse_int
from views.partners import bp
from views.partners.common import REFUSALS, live_enterprise_or_404
from views.partners.forms import MergeForm, PairForm


@bp.route("/duplicates")
@staff_required
def duplicates():
    """Likely duplicates: same credit code, same or similar names, strongest first."""
    suggestions = queries.duplicate_suggestions()
    return render_page(
        "partners/duplicates.html", suggestions=suggestions, form=PairForm(), button=ButtonForm()
    )


@bp.route("/duplicates/distinct", methods=["POST"])
@staff_required
def distinct():
    """Mark a suggested pair as two different enterprises."""
    form = PairForm()
    first, second = parse_int(form.first.data), parse_int(form.second.data)
    if not form.validate_on_submit() or first is None or second is None:
        abort(400)
    try:
        partners.mark_distinct(first, second)
        flash(_("The two are no longer suggested as duplicates."), "success")
    except partners.PartnerError as error:
        flash(REFUSALS.text(error), "error")
    return redirect(url_for("partners.duplicates"))


def _pair():
    """The survivor and the duplicate named by the request (404 when either is unknown)."""

    def value(name):
        return request.form.get(name) or request.args.get(name)

    survivor_id, loser_id = parse_int(value("survivor")), parse_int(value("loser"))
    if survivor_id is None or loser_id is None or survivor_id == loser_id:
        abort(404)
    return live_enterprise_or_404(survivor_id), live_enterprise_or_404(loser_id)


@bp.route("/merge", methods=["GET", "POST"])
@staff_required
def merge():
    """Merge a duplicate into the record kept: what will move, then the merge itself."""
    survivor, loser = _pair()
    form = MergeForm()
    counts = reference_counts([survivor.id, loser.id])
    context = dict(
        form=form,
        survivor=survivor,
        loser=loser,
        survivor_rows=counts[survivor.id],
        loser_rows=counts[loser.id],
    )
    if form.validate_on_submit():
        try:
            record = partners.merge(survivor.id, loser.id)
            flash(
                _(
                    "%(loser)s is merged into %(survivor)s. The merge can be undone from the "
                    "merge history.",
                    loser=loser.name,
                    survivor=survivor.name,
                ),
                "success",
            )
            return redirect(url_for("partners.profile", enterprise_id=record.survivor_id))
        except partners.PartnerError as error:
            REFUSALS.add(form, error)
    if form.is_submitted():
        return refused("partners/merge.html", **context)
    form.survivor.data, form.loser.data = survivor.id, loser.id
    return render_page("partners/merge.html", **context)


@bp.route("/<int:enterprise_id>/merge-another")
@staff_required
def merge_another(enterprise_id):
    """Find another record, by name or credit code, to merge into this one (the merge page
    then shows what will move and asks to confirm)."""
    enterprise = live_enterprise_or_404(enterprise_id)
    q = request.args.get("q", "")[:100]
    return render_page(
        "partners/merge_another.html",
        block="rows",
        enterprise=enterprise,
        q=q,
        candidates=queries.merge_candidates(enterprise.id, q),
    )


@bp.route("/merges")
@staff_required
def merges():
    """The merge history: who merged what, how many rows moved, undo."""
    page, names = queries.merges(page_number(request.args))
    moved = {m.id: sum(len(ids) for ids in json.loads(m.moved).values()) for m in page.rows}
    return render_page(
        "partners/merges.html",
        block="rows",
        page=page,
        names=names,
        moved=moved,
        button=ButtonForm(),
    )


@bp.route("/merges/<int:merge_id>/undo", methods=["POST"])
@staff_required
def undo_merge(merge_id):
    """Undo a merge: the rows it moved go back to the duplicate."""
    if EnterpriseMerge.get_or_none(EnterpriseMerge.id == merge_id) is None:
        abort(404)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        partners.undo_merge(merge_id)
        flash(_("The merge is undone: both records are separate again."), "success")
    except partners.PartnerError as error:
        flash(REFUSALS.text(error), "error")
    return redirect(url_for("partners.merges"))


@bp.route("/suggest")
def suggest():
    """Enterprise names for what someone is typing in an enterprise field (the options of
    its datalist; a merged duplicate's name offers the record kept). Names only, at most
    eight, for at least two characters."""
    typed = request.args.get("enterprise", "")
    return render_page("partners/_suggest.html", names=queries.name_suggestions(typed))
