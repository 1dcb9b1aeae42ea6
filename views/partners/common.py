"""What the partner ledger's views share: refusal messages and looking records up."""

from flask import abort
from flask_babel import lazy_gettext as _l

from db.accounts import Enterprise
from db.partners.models import PartnerContact, PartnerVisit
from views.forms import ErrorMessages

REFUSALS = ErrorMessages(
    {
        "name_required": _l("Enter the enterprise's name."),
        "name_too_long": _l("The name can have at most %(limit)s characters."),
        "name_taken": _l("An enterprise with this name is already in the ledger."),
        "credit_code_length": _l(
            "A unified social credit code has 18 characters; this one has %(length)s."
        ),
        "credit_code_characters": _l(
            "This is not a unified social credit code: it uses digits and capital letters "
            "without I, O, S, V and Z, and characters 3 to 8 are digits."
        ),
        "credit_code_check": _l(
            "The last character of this credit code does not match the others. Check the code "
            "on the business licence; one character is probably mistyped."
        ),
        "credit_code_taken": _l("Another enterprise in the ledger has this credit code."),
        "unknown_sector": _l("Choose a sector."),
        "unknown_status": _l("Choose the partnership."),
        "agreement_dates": _l("The agreement cannot end before it was signed."),
        "unknown_enterprise": _l("This enterprise is not in the ledger."),
        "enterprise_merged": _l("This record was merged into another; change that one instead."),
        "contact_name_required": _l("Enter the contact's name."),
        "contact_name_too_long": _l("The name can have at most 50 characters."),
        "mobile_invalid": _l("Enter a mainland mobile number of 11 digits starting with 1."),
        "contact_way_required": _l("Enter a mobile number or an e-mail address."),
        "consent_required": _l("The contact's details are kept only with their consent."),
        "unknown_contact": _l("Choose one of the enterprise's current contacts."),
        "count_range": _l("Enter a number from 0."),
        "year_range": _l("Enter a year from 2000 to 2100."),
        "unknown_party_org": _l("Choose the party organisation."),
        "none_reason_required": _l("Say why there is no party organisation."),
        "unknown_visit_kind": _l("Choose the kind of visit."),
        "date_required": _l("Enter the date."),
        "date_in_future": _l("The date cannot be in the future."),
        "topic_required": _l("Enter what the visit was about."),
        "unknown_follow_up": _l("Choose where the follow-up stands."),
        "unknown_visit": _l("This visit is not in the log."),
        "months_range": _l("Enter 1 to %(limit)s months."),
        "same_enterprise": _l("Choose two different enterprises."),
        "already_merged": _l("This duplicate has already been merged. Nothing was changed."),
        "survivor_merged": _l(
            "The record to keep was itself merged into another. Merge into that one instead."
        ),
        "unknown_merge": _l("This merge is not in the history."),
        "already_undone": _l("This merge has already been undone."),
        "undo_later_merge_first": _l(
            "The record kept has since been merged into another enterprise. Undo that later "
            "merge first."
        ),
    }
)


def enterprise_or_404(enterprise_id):
    """The enterprise with this id, or 404."""
    enterprise = Enterprise.get_or_none(Enterprise.id == enterprise_id)
    if enterprise is None:
        abort(404)
    return enterprise


def live_enterprise_or_404(enterprise_id):
    """The enterprise unless it was merged into another (404 for unknown, 404 for merged:
    its pages are the record kept's)."""
    enterprise = enterprise_or_404(enterprise_id)
    if enterprise.merged_into_id:
        abort(404)
    return enterprise


def contact_or_404(contact_id):
    contact = PartnerContact.get_or_none(PartnerContact.id == contact_id)
    if contact is None:
        abort(404)
    return contact


def visit_or_404(visit_id):
    visit = PartnerVisit.get_or_none(PartnerVisit.id == visit_id)
    if visit is None:
        abort(404)
    return visit
