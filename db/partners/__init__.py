"""The partner ledger (联建单位台账): one enterprise record across every module.

- rules.py       codes, the GB 32100-2015 credit-code check, name normalising, PartnerError
- models.py      details, contacts, party organisation, visits, merges, distinct pairs
- operations.py  saving details, contacts, party organisation, visits, settings
- merge.py       merging duplicates (every foreign key found by introspection) and undoing
- queries.py     directory, profile across modules, duplicates, coverage, reminders, report
- labels.py      the words for the codes
- privacy.py     contacts' personal data: export, erase, purge (db/privacy.py)
- demo.py        demo data

Every operation owns its transaction and writes its audit entry in it.
"""

from db.partners import demo, privacy
from db.partners.merge import merge, merge_problems, undo_merge
from db.partners.operations import (
    add_contact,
    end_contact,
    mark_distinct,
    record_party_organisation,
    record_visit,
    save_enterprise,
    set_visit_months,
    update_contact,
    update_follow_up,
)
from db.partners.rules import PartnerError


def merge_check():
    """`flask --app app ledger verify`: merges half done, or rows written during one."""
    problems = merge_problems()
    return problems, f"enterprise merges: {len(problems)} problem(s)"


# What the module adds to the shared registries (db/modules.py lists the modules).
demo_seeders = (("partners", demo.seed_partners),)
ledger_checks = (merge_check,)
privacy_providers = (privacy.PROVIDER,)

__all__ = [
    "PartnerError",
    "add_contact",
    "demo_seeders",
    "end_contact",
    "ledger_checks",
    "mark_distinct",
    "merge",
    "merge_check",
    "merge_problems",
    "privacy_providers",
    "record_party_organisation",
    "record_visit",
    "save_enterprise",
    "set_visit_months",
    "undo_merge",
    "update_contact",
    "update_follow_up",
]
