"""The partner ledger's writes: each one function, one transaction, one audit entry.

Merging duplicates lives in db/partners/merge.py. Audit summaries name enterprises (not
people): a contact is recorded by id only.
"""

from peewee import IntegrityError

from db import audit, database
from db.accounts import PRIVACY_NOTICE_VERSION, Enterprise
from db.base import utcnow
from db.partners.models import (
    DistinctPair,
    PartnerContact,
    PartnerProfile,
    PartnerVisit,
    PartyOrganisation,
)
from db.partners.rules import (
    FIRST_YEAR,
    FOLLOW_UP_STATES,
    LAST_YEAR,
    MAX_VISIT_MONTHS,
    NONE_REASONS,
    PARTNER_STATUSES,
    PARTY_ORG_KINDS,
    SECTORS,
    STATUSES,
    VISIT_KINDS,
    VISIT_MONTHS_SETTING,
    PartnerError,
    check_credit_code,
    clean_name,
)
from db.settings import set_setting
from db.validators import is_mobile, normalise_mobile

PROFILE_FIELDS = (
    "sector",
    "status",
    "location",
    "address",
    "agreement_signed_on",
    "agreement_ends_on",
    "notes",
)


def _check_profile(details):
    """Raise PartnerError for a sector, status or agreement dates the ledger refuses."""
    if details.get("sector", "") not in ("", *SECTORS):
        raise PartnerError("unknown_sector", field="sector")
    if details.get("status", "none") not in STATUSES:
        raise PartnerError("unknown_status", field="status")
    signed, ends = details.get("agreement_signed_on"), details.get("agreement_ends_on")
    if signed and ends and ends < signed:
        raise PartnerError("agreement_dates", field="agreement_ends_on")


def live_enterprise(enterprise_id):
    """The enterprise with this id unless it was merged into another; PartnerError if so."""
    enterprise = Enterprise.get_or_none(Enterprise.id == enterprise_id)
    if enterprise is None:
        raise PartnerError("unknown_enterprise")
    if enterprise.merged_into_id:
        raise PartnerError("enterprise_merged", target=enterprise.merged_into_id)
    return enterprise


def save_enterprise(name, credit_code="", enterprise_id=None, actor=None, **details):
    """Create an enterprise (enterprise_id None) or update one: name, credit code and the
    ledger's details (sector, status, building or park, address, agreement dates, notes).

    The shared `is_partner` flag follows the status (joint or strategic). Returns the
    enterprise. Raises PartnerError for a refused value, a name or credit code in use."""
    name = clean_name(name)
    code = check_credit_code(credit_code)
    _check_profile(details)
    details = {key: details[key] for key in PROFILE_FIELDS if key in details}
    try:
        with database.atomic():
            if enterprise_id is None:
                enterprise = Enterprise.create(name=name, credit_code=code)
                action, old = "partners.create", None
            else:
                enterprise = live_enterprise(enterprise_id)
                old = (enterprise.name, enterprise.credit_code)
                enterprise.name, enterprise.credit_code = name, code
                action = "partners.update"
            if "status" in details:
                enterprise.is_partner = details["status"] in PARTNER_STATUSES
            enterprise.save()
            profile = PartnerProfile.get_or_none(PartnerProfile.enterprise == enterprise.id)
            if profile is None:
                profile = PartnerProfile(enterprise=enterprise)
            for key, value in details.items():
                setattr(profile, key, value if value is not None or "_on" in key else "")
            profile.updated_at = utcnow()
            profile.save()
            summary = f"{name}: {details.get('status', profile.status)}"
            if old and old[0] != name:
                summary = f"{old[0]} → {summary}"
            if old and old[1] != code:
                summary += " credit code changed"
            audit.record(action, enterprise, summary, actor=actor)
            return enterprise
    except IntegrityError as exc:
        if (
            code
            and Enterprise.select()
            .where(Enterprise.credit_code == code, Enterprise.id != (enterprise_id or 0))
            .exists()
        ):
            raise PartnerError("credit_code_taken", field="credit_code") from exc
        raise PartnerError("name_taken", field="name") from exc


def _clean_contact(name, mobile, email, consent):
    """The contact's name and mobile as stored; PartnerError for missing or wrong ones."""
    name = " ".join((name or "").split())
    if not name:
        raise PartnerError("contact_name_required", field="name")
    if len(name) > 50:
        raise PartnerError("contact_name_too_long", field="name")
    mobile = normalise_mobile(mobile or "")
    if mobile and not is_mobile(mobile):
        raise PartnerError("mobile_invalid", field="mobile")
    if not mobile and not (email or "").strip():
        raise PartnerError("contact_way_required", field="mobile")
    if not consent:
        raise PartnerError("consent_required", field="consent")
    return name, mobile


def add_contact(
    enterprise_id, name, mobile="", email="", duty="", position="", consent=False, actor=None
):
    """Add a contact person to an enterprise, with their consent to the privacy notice."""
    name, mobile = _clean_contact(name, mobile, email, consent)
    with database.atomic():
        enterprise = live_enterprise(enterprise_id)
        contact = PartnerContact.create(
            enterprise=enterprise,
            name=name,
            mobile=mobile,
            email=(email or "").strip(),
            duty=(duty or "").strip(),
            position=(position or "").strip(),
            consent_at=utcnow(),
            consent_version=PRIVACY_NOTICE_VERSION,
        )
        audit.record("partners.contact_add", contact, f"contact of {enterprise.name}", actor=actor)
        return contact


def update_contact(
    contact_id, name, mobile="", email="", duty="", position="", consent=False, actor=None
):
    """Correct a contact's details; consent is asked again and recorded anew."""
    name, mobile = _clean_contact(name, mobile, email, consent)
    with database.atomic():
        contact = PartnerContact.get_or_none(PartnerContact.id == contact_id)
        if contact is None or not contact.active:
            raise PartnerError("unknown_contact")
        PartnerContact.update(
            name=name,
            mobile=mobile,
            email=(email or "").strip(),
            duty=(duty or "").strip(),
            position=(position or "").strip(),
            consent_at=utcnow(),
            consent_version=PRIVACY_NOTICE_VERSION,
            updated_at=utcnow(),
        ).where(PartnerContact.id == contact.id).execute()
        audit.record("partners.contact_update", contact, "details corrected", actor=actor)
        return PartnerContact.get_by_id(contact.id)


def end_contact(contact_id, actor=None):
    """Mark that a person is no longer the enterprise's contact (kept until the purge)."""
    with database.atomic():
        contact = PartnerContact.get_or_none(PartnerContact.id == contact_id)
        if contact is None or not contact.active:
            raise PartnerError("unknown_contact")
        PartnerContact.update(active=False, ended_at=utcnow(), updated_at=utcnow()).where(
            PartnerContact.id == contact.id
        ).execute()
        audit.record("partners.contact_end", contact, "no longer the contact", actor=actor)
        return contact


def _count(value, field):
    """A member or employee count: 0 to 1,000,000 (None stays None)."""
    if value is None:
        return None
    if not isinstance(value, int) or not 0 <= value <= 1_000_000:
        raise PartnerError("count_range", field=field)
    return value


def record_party_organisation(
    enterprise_id,
    year,
    party_org,
    party_members=0,
    none_reason="",
    none_note="",
    youth_league=False,
    youth_members=0,
    union=False,
    union_members=0,
    employees=None,
    actor=None,
):
    """Record (or replace) an enterprise's party, youth-league and union organisations for a
    year: kinds and member counts only. Without a party organisation the reason is required."""
    if not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise PartnerError("year_range", field="year")
    if party_org not in PARTY_ORG_KINDS:
        raise PartnerError("unknown_party_org", field="party_org")
    if party_org == "none":
        if none_reason not in NONE_REASONS:
            raise PartnerError("none_reason_required", field="none_reason")
        party_members = party_members or 0
    else:
        none_reason, none_note = "", ""
    values = dict(
        party_org=party_org,
        none_reason=none_reason,
        none_note=(none_note or "").strip()[:200],
        party_members=_count(party_members or 0, "party_members"),
        youth_league=bool(youth_league),
        youth_members=_count(youth_members or 0, "youth_members") if youth_league else 0,
        union=bool(union),
        union_members=_count(union_members or 0, "union_members") if union else 0,
        employees=_count(employees, "employees"),
        recorded_at=utcnow(),
        recorded_by=actor or audit._current_actor(),
    )
    with database.atomic():
        enterprise = live_enterprise(enterprise_id)
        row = PartyOrganisation.get_or_none(
            PartyOrganisation.enterprise == enterprise.id, PartyOrganisation.year == year
        )
        if row is None:
            row = PartyOrganisation.create(enterprise=enterprise, year=year, **values)
        else:
            PartyOrganisation.update(**values).where(PartyOrganisation.id == row.id).execute()
        audit.record(
            "partners.party_org",
            enterprise,
            f"{year}: {party_org}, members {values['party_members']}, "
            f"league {int(values['youth_league'])}, union {int(values['union'])}",
            actor=actor,
        )
        return PartyOrganisation.get_by_id(row.id)


def record_visit(
    enterprise_id,
    visited_on,
    kind,
    topic,
    needs="",
    contact_id=None,
    visited_by=None,
    follow_up=None,
    actor=None,
):
    """Log a visit or contact with an enterprise; raised needs start an open follow-up."""
    from db.market.periods import local_today

    if kind not in VISIT_KINDS:
        raise PartnerError("unknown_visit_kind", field="kind")
    if visited_on is None:
        raise PartnerError("date_required", field="visited_on")
    if visited_on > local_today():
        raise PartnerError("date_in_future", field="visited_on")
    topic = " ".join((topic or "").split())
    if not topic:
        raise PartnerError("topic_required", field="topic")
    needs = (needs or "").strip()
    if follow_up is None:
        follow_up = "open" if needs else "none"
    if follow_up not in FOLLOW_UP_STATES:
        raise PartnerError("unknown_follow_up", field="follow_up")
    with database.atomic():
        enterprise = live_enterprise(enterprise_id)
        contact = None
        if contact_id:
            contact = PartnerContact.get_or_none(
                PartnerContact.id == contact_id, PartnerContact.enterprise == enterprise.id
            )
            if contact is None:
                raise PartnerError("unknown_contact", field="contact")
        visit = PartnerVisit.create(
            enterprise=enterprise,
            visited_on=visited_on,
            kind=kind,
            visited_by=visited_by or actor or audit._current_actor(),
            contact=contact,
            topic=topic[:200],
            needs=needs[:2000],
            follow_up=follow_up,
        )
        audit.record("partners.visit", visit, f"{enterprise.name} {visited_on} {kind}", actor=actor)
        return visit


def update_follow_up(visit_id, follow_up, note="", actor=None):
    """Move a visit's needs along (open, in progress, done) with a note of what was done."""
    if follow_up not in FOLLOW_UP_STATES:
        raise PartnerError("unknown_follow_up", field="follow_up")
    with database.atomic():
        visit = PartnerVisit.get_or_none(PartnerVisit.id == visit_id)
        if visit is None:
            raise PartnerError("unknown_visit")
        PartnerVisit.update(
            follow_up=follow_up,
            follow_up_note=(note or "").strip()[:500],
            followed_up_at=utcnow(),
        ).where(PartnerVisit.id == visit.id).execute()
        audit.record("partners.follow_up", visit, follow_up, actor=actor)
        return PartnerVisit.get_by_id(visit.id)


def set_visit_months(months, actor=None):
    """Set N of the reminder "partners not visited in N months" (1 to 36)."""
    if not isinstance(months, int) or not 1 <= months <= MAX_VISIT_MONTHS:
        raise PartnerError("months_range", field="months", limit=MAX_VISIT_MONTHS)
    with database.atomic():
        set_setting(VISIT_MONTHS_SETTING, months)
        audit.record(
            "partners.settings",
            object_type="setting",
            summary=f"visit reminder {months} months",
            actor=actor,
        )


def mark_distinct(first_id, second_id, actor=None):
    """Record that two enterprises are not the same (no more duplicate suggestion)."""
    low, high = sorted((first_id, second_id))
    if low == high:
        raise PartnerError("same_enterprise")
    with database.atomic():
        first, second = live_enterprise(low), live_enterprise(high)
        if (
            not DistinctPair.select()
            .where(DistinctPair.first == low, DistinctPair.second == high)
            .exists()
        ):
            try:
                with database.atomic():
                    DistinctPair.create(
                        first=first, second=second, actor=actor or audit._current_actor()
                    )
            except IntegrityError:
                pass  # marked a moment ago by someone else: the same outcome
        audit.record(
            "partners.distinct",
            first,
            f"{first.name} ≠ {second.name} (#{second.id})",
            actor=actor,
        )
