"""The partner ledger (联建单位台账): one blueprint `partners` for staff pages — directory and
profiles, duplicates and merges, party-building coverage, visits and reminders, the annual
report — and the enterprise-name suggestions that registration forms use.

Entrepreneurs see nothing new: the ledger holds contacts, notes, visits and party figures
that are the centre's working records. The kiosk sees none of it. The routes live in the
modules imported at the bottom, grouped by concern.
"""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from db.partners import labels
from views import navigation
from views.home_sections import staff_panel

bp = Blueprint("partners", __name__, url_prefix="/partners")

navigation.add("partners.directory", _l("Partner enterprises"), roles=("staff", "admin"))


@bp.context_processor
def partner_names():
    """The names of the module's codes, for every partner template."""
    return dict(
        sector_names=labels.SECTOR_NAMES,
        partner_status_names=labels.STATUS_NAMES,
        partner_status_badges=labels.STATUS_BADGES,
        party_org_names=labels.PARTY_ORG_NAMES,
        none_reason_names=labels.NONE_REASON_NAMES,
        visit_kind_names=labels.VISIT_KIND_NAMES,
        follow_up_names=labels.FOLLOW_UP_NAMES,
        follow_up_badges=labels.FOLLOW_UP_BADGES,
        merge_reason_names=labels.MERGE_REASON_NAMES,
        reference_names=labels.REFERENCE_NAMES,
    )


@staff_panel
def partners_panel():
    """The staff dashboard's panel: partners most overdue for a visit, open follow-ups."""
    from db.partners.queries import staff_panel_reminders

    found = staff_panel_reminders(limit=5)
    if found is None:
        return None
    rows, months, open_needs = found
    return dict(template="partners/_panel.html", overdue=rows, months=months, open_needs=open_needs)


from views.partners import directory, duplicates, followups, reports  # noqa: E402

__all__ = ["bp", "directory", "duplicates", "followups", "reports"]
