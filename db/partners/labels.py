"""What people read for the partner ledger's codes, as lazy translations.

In the data layer because the personal-data export (db.partners.privacy) and the XLSX
downloads use them as well as the pages; one list keeps the words the same.
"""

from flask_babel import lazy_gettext as _l

SECTOR_NAMES = {
    "enterprise": _l("Enterprise"),
    "park": _l("Park"),
    "building": _l("Office building"),
    "market": _l("Market"),
    "": _l("Sector not given"),
}
STATUS_NAMES = {
    "none": _l("Not in the network"),
    "joint": _l("Joint-building partner"),
    "strategic": _l("Strategic partner"),
    "ended": _l("Partnership ended"),
}
STATUS_BADGES = {
    "none": "cancelled",
    "joint": "pending",
    "strategic": "confirmed",
    "ended": "cancelled",
}
PARTY_ORG_NAMES = {
    "independent": _l("Own party organisation"),
    "joint": _l("Joint party organisation"),
    "none": _l("No party organisation"),
    "": _l("Not recorded"),
}
NONE_REASON_NAMES = {
    "no_members": _l("No party members"),
    "too_few_members": _l("Fewer than three party members"),
    "forming": _l("Being set up"),
    "other": _l("Other reason"),
    "": _l("Not given"),
}
VISIT_KIND_NAMES = {
    "frontline": _l("Front-line follow-up (一线跟进)"),
    "return_visit": _l("Return visit (大回访)"),
}
FOLLOW_UP_NAMES = {
    "none": _l("Nothing to follow up"),
    "open": _l("To follow up"),
    "in_progress": _l("In progress"),
    "done": _l("Done"),
}
FOLLOW_UP_BADGES = {
    "none": "cancelled",
    "open": "waiting",
    "in_progress": "pending",
    "done": "confirmed",
}
MERGE_REASON_NAMES = {
    "same_code": _l("Same credit code"),
    "same_organisation_code": _l("Same organisation code in the credit code"),
    "same_name": _l("Same name once written alike"),
    "similar_name": _l("Similar name"),
}
# The references a merge moves, by "table.column" (every one has a name here: a test checks
# each reference merge.enterprise_references finds, so a module added later is named too).
REFERENCE_NAMES = {
    "registration.enterprise_id": _l("Event registrations"),
    "application.enterprise_id": _l("Course applications"),
    "user.enterprise_id": _l("People's accounts"),
    "market_donor.enterprise_id": _l("Donor records"),
    "partner_contact.enterprise_id": _l("Contacts"),
    "partner_visit.enterprise_id": _l("Visits"),
    "partner_party_org.enterprise_id": _l("Party-building records"),
    "partner_profile.enterprise_id": _l("Ledger details"),
    "volunteer.enterprise_id": _l("Volunteers"),
    "volunteer_team.enterprise_id": _l("Volunteer squads"),
    "enterprise.merged_into_id": _l("Records merged into it before"),
}
