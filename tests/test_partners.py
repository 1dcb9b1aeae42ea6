"""The partner ledger's rules and operations: credit codes, names, details, contacts, party
organisation, visits, and merging duplicates (every reference moved, undone exactly)."""

import json
from datetime import timedelta

import pytest

from db import partners
from db.accounts import Enterprise, User, find_or_create_enterprise
from db.audit import AuditEntry
from db.events.models import Registration
from db.market.models import Donor
from db.market.periods import local_today
from db.partners.merge import enterprise_references, merge_problems
from db.partners.models import (
    EnterpriseMerge,
    PartnerContact,
    PartnerProfile,
    PartnerVisit,
    PartyOrganisation,
)
from db.partners.queries import duplicate_suggestions, enterprise_activity, name_suggestions
from db.partners.rules import (
    PartnerError,
    check_credit_code,
    credit_code_check_character,
    is_credit_code,
    name_key,
)
from db.training.models import Application
from tests import partners_support as support

# Real-format codes whose check characters were worked out by hand from GB 32100-2015.
VALID_CODES = (
    "91310000132149237G",
    "91110000802100433B",
    "91440300708461136T",
    "91310109MA1G5A2K3W",
    "92310109MA1L2F4T6W",
    "91310109MA1P5J7Y93",
)


@pytest.mark.parametrize("code", VALID_CODES)
def test_valid_credit_codes_pass(code):
    assert is_credit_code(code)
    assert check_credit_code(code.lower()) == code
    assert check_credit_code(" " + code[:6] + " " + code[6:]) == code


def test_the_check_character_by_hand():
    # 9 1 3 1 0 0 0 0 1 3 2 1 4 9 2 3 7 against weights 3^i mod 31: the sum is 790, 790 mod 31
    # is 15, 31 - 15 = 16, and the alphabet's 16th character (from 0) is G.
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    values = [9, 1, 3, 1, 0, 0, 0, 0, 1, 3, 2, 1, 4, 9, 2, 3, 7]
    assert sum(v * w for v, w in zip(values, weights, strict=True)) == 790
    assert 790 % 31 == 15
    assert credit_code_check_character("91310000132149237") == "G"


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("91310000132149237H", "credit_code_check"),  # wrong check character
        ("91310000132149273G", "credit_code_check"),  # two characters swapped
        ("9131000013214923G", "credit_code_length"),
        ("91310000132149237GG", "credit_code_length"),
        ("9131000013214923IG", "credit_code_characters"),  # I is not in the alphabet
        ("913100001321492O7G", "credit_code_characters"),  # nor O
        ("91A10000132149237G", "credit_code_characters"),  # division code must be digits
    ],
)
def test_wrong_credit_codes_are_refused(code, error):
    assert not is_credit_code(code)
    with pytest.raises(PartnerError) as refused:
        check_credit_code(code)
    assert refused.value.code == error


def test_full_width_credit_code_is_folded():
    assert check_credit_code("９１３１００００１３２１４９２３７Ｇ") == "91310000132149237G"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("华谊集团", "上海华谊集团有限公司"),
        ("华谊集团（上海）有限公司", "华谊集团"),
        ("宝华 集团", "宝华集团股份有限公司"),
        ("ＡＢＣ科技", "abc科技有限公司"),
        ("明凯集团(上海)", "明凯集团"),
    ],
)
def test_name_key_makes_spellings_alike(first, second):
    assert name_key(first) == name_key(second)


def test_name_key_keeps_different_enterprises_apart():
    assert name_key("宝华集团") != name_key("华谊集团")
    assert name_key("集团") == "集团"  # nothing left to strip to


def test_save_enterprise_creates_details_and_follows_partner_flag(app):
    enterprise = partners.save_enterprise(
        "绿地建设集团",
        credit_code="91310000132149237G",
        sector="enterprise",
        status="strategic",
        location="",
        address="广中路 888 号",
        agreement_signed_on=local_today() - timedelta(days=400),
        agreement_ends_on=local_today() + timedelta(days=400),
        notes="",
    )
    assert enterprise.is_partner
    profile = PartnerProfile.get(PartnerProfile.enterprise == enterprise.id)
    assert (profile.sector, profile.status) == ("enterprise", "strategic")
    partners.save_enterprise("绿地建设集团", "91310000132149237G", enterprise.id, status="ended")
    assert not Enterprise.get_by_id(enterprise.id).is_partner
    assert AuditEntry.select().where(AuditEntry.action == "partners.update").count() == 1


def test_save_enterprise_refusals(app, make_enterprise):
    make_enterprise(name="宝华集团", credit_code="91310109607301218N")
    with pytest.raises(PartnerError) as refused:
        partners.save_enterprise("宝华集团")
    assert refused.value.code == "name_taken"
    with pytest.raises(PartnerError) as refused:
        partners.save_enterprise("宝华集团二号", credit_code="91310109607301218N")
    assert refused.value.code == "credit_code_taken"
    with pytest.raises(PartnerError) as refused:
        partners.save_enterprise("新企业", sector="farm")
    assert refused.value.code == "unknown_sector"
    with pytest.raises(PartnerError) as refused:
        partners.save_enterprise(
            "新企业",
            agreement_signed_on=local_today(),
            agreement_ends_on=local_today() - timedelta(days=1),
        )
    assert refused.value.code == "agreement_dates"
    assert not Enterprise.select().where(Enterprise.name == "新企业").exists()


def test_contacts_need_consent_and_record_it(app, make_enterprise):
    enterprise = make_enterprise()
    with pytest.raises(PartnerError) as refused:
        partners.add_contact(enterprise.id, "周志强", "13800003001")
    assert refused.value.code == "consent_required"
    contact = partners.add_contact(
        enterprise.id, "周志强", "138 0000 3001", duty="党委书记", consent=True
    )
    assert contact.mobile == "13800003001"
    assert contact.consent_version and contact.consent_at
    entry = AuditEntry.get(AuditEntry.action == "partners.contact_add")
    assert "周志强" not in entry.summary and "13800003001" not in entry.summary
    partners.end_contact(contact.id)
    assert PartnerContact.get_by_id(contact.id).ended_at is not None


def test_party_organisation_counts_only_and_reason_when_none(app, make_enterprise):
    enterprise = make_enterprise()
    year = local_today().year
    with pytest.raises(PartnerError) as refused:
        partners.record_party_organisation(enterprise.id, year, "none")
    assert refused.value.code == "none_reason_required"
    partners.record_party_organisation(enterprise.id, year, "none", none_reason="forming")
    partners.record_party_organisation(
        enterprise.id, year, "independent", party_members=12, union=True, union_members=40
    )
    rows = list(PartyOrganisation.select().where(PartyOrganisation.enterprise == enterprise.id))
    assert len(rows) == 1  # one record a year, replaced
    assert (rows[0].party_org, rows[0].party_members, rows[0].none_reason) == (
        "independent",
        12,
        "",
    )
    with pytest.raises(PartnerError):
        partners.record_party_organisation(enterprise.id, year, "joint", party_members=-1)


def test_visits_and_follow_up(app, make_enterprise, make_user):
    enterprise = make_enterprise()
    staff = make_user(role="staff")
    visit = partners.record_visit(
        enterprise.id, local_today(), "frontline", "党建计划对接", needs="需要场地", actor=staff
    )
    assert visit.follow_up == "open" and visit.visited_by_id == staff.id
    with pytest.raises(PartnerError) as refused:
        partners.record_visit(
            enterprise.id, local_today() + timedelta(days=1), "frontline", "明天的事"
        )
    assert refused.value.code == "date_in_future"
    partners.update_follow_up(visit.id, "done", "已协调", actor=staff)
    assert PartnerVisit.get_by_id(visit.id).follow_up == "done"


def _activity_everywhere(make_user, loser, survivor):
    """Rows in every module that point at `loser` (and a donor for both)."""
    event = support.make_event()
    support.register(event, loser)
    support.register(event, loser, checked_in=False)
    person = make_user(enterprise=loser)
    course = support.make_course()
    support.apply(course, person, loser, certificate=True)
    support.donate(loser.name, money=50_000)
    support.donate(survivor.name, money=20_000)
    partners.add_contact(loser.id, "吴雅琴", "13800003002", consent=True)
    partners.record_visit(loser.id, local_today(), "return_visit", "回访")
    partners.record_party_organisation(loser.id, local_today().year, "joint", party_members=3)
    partners.save_enterprise(loser.name, "91310109MA1G5A2K3W", loser.id, sector="park")
    return event, person


def test_merge_moves_every_reference_and_undo_returns_exactly_them(app, make_enterprise, make_user):
    survivor = make_enterprise(name="宝华集团", is_partner=True)
    loser = make_enterprise(name="宝华集团有限公司")
    bystander = make_enterprise(name="华谊集团")
    _event, person = _activity_everywhere(make_user, loser, survivor)
    support.register(support.make_event("经济时事报告会"), bystander)
    before = {
        key: {
            row[0]
            for row in model.select(model._meta.primary_key).where(field == loser.id).tuples()
        }
        for key, (model, field) in enterprise_references().items()
    }

    record = partners.merge(survivor.id, loser.id)

    moved = json.loads(record.moved)
    kept = json.loads(record.kept)
    assert set(moved["registration.enterprise_id"]) == before["registration.enterprise_id"]
    assert set(moved["user.enterprise_id"]) == {person.id}
    assert "application.enterprise_id" in moved
    assert "partner_contact.enterprise_id" in moved
    # Both had a donor record (one per enterprise): the duplicate's stays with it.
    assert "market_donor.enterprise_id" in kept
    assert Registration.select().where(Registration.enterprise == loser.id).count() == 0
    assert User.get_by_id(person.id).enterprise_id == survivor.id
    merged = Enterprise.get_by_id(loser.id)
    assert merged.merged_into_id == survivor.id and not merged.is_partner
    assert Enterprise.get_by_id(survivor.id).credit_code == "91310109MA1G5A2K3W"
    entry = AuditEntry.get(AuditEntry.action == "partners.merge")
    assert entry.object_type == "enterprise_merge" and entry.object_id == record.id
    assert merge_problems() == []
    # The record kept now shows the duplicate's whole history, kept donor included.
    activity = enterprise_activity(survivor.id)
    assert sum(y.donated for y in activity.years) == 70_000
    assert sum(y.attended for y in activity.years) == 1
    # A typed old spelling finds the record kept.
    with app.app_context():
        assert find_or_create_enterprise("宝华集团有限公司").id == survivor.id

    partners.undo_merge(record.id)

    for key, (model, field) in enterprise_references().items():
        now = {
            row[0]
            for row in model.select(model._meta.primary_key).where(field == loser.id).tuples()
        }
        assert now == before[key], key
    restored = Enterprise.get_by_id(loser.id)
    assert restored.merged_into_id is None and restored.credit_code == "91310109MA1G5A2K3W"
    assert Enterprise.get_by_id(survivor.id).credit_code is None
    assert Registration.select().where(Registration.enterprise == bystander.id).count() == 1
    assert EnterpriseMerge.get_by_id(record.id).undone_at is not None
    with pytest.raises(PartnerError) as refused:
        partners.undo_merge(record.id)
    assert refused.value.code == "already_undone"


def test_merge_refusals(app, make_enterprise):
    a, b, c = make_enterprise(), make_enterprise(), make_enterprise()
    with pytest.raises(PartnerError) as refused:
        partners.merge(a.id, a.id)
    assert refused.value.code == "same_enterprise"
    partners.merge(a.id, b.id)
    with pytest.raises(PartnerError) as refused:
        partners.merge(a.id, b.id)
    assert refused.value.code == "already_merged"
    with pytest.raises(PartnerError) as refused:
        partners.merge(b.id, c.id)
    assert refused.value.code == "survivor_merged"
    with pytest.raises(PartnerError) as refused:
        partners.merge(a.id, 999_999)
    assert refused.value.code == "unknown_enterprise"


def test_a_chain_of_merges_is_undone_in_order(app, make_enterprise, make_user):
    a, b, c = (make_enterprise(name=n) for n in ("明凯集团", "明凯集团有限公司", "上海明凯"))
    person = make_user(enterprise=c)
    first = partners.merge(b.id, c.id)  # c → b
    second = partners.merge(a.id, b.id)  # b → a, and c's mark follows to a
    assert Enterprise.get_by_id(c.id).merged_into_id == a.id
    assert User.get_by_id(person.id).enterprise_id == a.id
    with pytest.raises(PartnerError) as refused:
        partners.undo_merge(first.id)
    assert refused.value.code == "undo_later_merge_first"
    partners.undo_merge(second.id)
    assert Enterprise.get_by_id(c.id).merged_into_id == b.id
    assert User.get_by_id(person.id).enterprise_id == b.id
    partners.undo_merge(first.id)
    assert User.get_by_id(person.id).enterprise_id == c.id


def test_merge_problems_find_a_stray_reference(app, make_enterprise):
    survivor, loser = make_enterprise(), make_enterprise()
    partners.merge(survivor.id, loser.id)
    event = support.make_event()
    support.register(event, loser)  # written as if during the merge
    problems = merge_problems()
    assert len(problems) == 1 and "registration.enterprise_id" in problems[0]


def test_a_new_modules_foreign_key_is_found_and_moved(app, make_enterprise):
    from peewee import ForeignKeyField

    from db import database
    from db.base import BaseModel

    class VolunteerHours(BaseModel):  # a module that lands later, with its own table
        enterprise = ForeignKeyField(Enterprise, backref="+")

        class Meta:
            table_name = "test_volunteer_hours"

    database.create_tables([VolunteerHours])
    try:
        survivor, loser = make_enterprise(), make_enterprise()
        row = VolunteerHours.create(enterprise=loser)
        assert "test_volunteer_hours.enterprise_id" in enterprise_references()
        record = partners.merge(survivor.id, loser.id)
        assert VolunteerHours.get_by_id(row.id).enterprise_id == survivor.id
        assert json.loads(record.moved)["test_volunteer_hours.enterprise_id"] == [row.id]
    finally:
        database.drop_tables([VolunteerHours])
    assert "test_volunteer_hours.enterprise_id" not in enterprise_references()


def test_duplicate_suggestions(app, make_enterprise):
    a = make_enterprise(name="华谊集团")
    b = make_enterprise(name="上海华谊集团有限公司")
    c = make_enterprise(name="华谊集团（上海）")
    d = make_enterprise(name="宝华集团")
    e = make_enterprise(name="明凯商务咨询有限公司", credit_code="91310109MA1H2B6Q8T")
    f = make_enterprise(name="明凯商务", credit_code="91310109MA1H2B6Q8Y")  # same org code
    pairs = {(s.first.id, s.second.id): s.reason for s in duplicate_suggestions()}
    assert pairs[(a.id, b.id)] == "same_name"
    assert pairs[(a.id, c.id)] == "same_name"
    assert pairs[(e.id, f.id)] == "same_organisation_code"
    assert (a.id, d.id) not in pairs
    partners.mark_distinct(a.id, b.id)
    pairs = {(s.first.id, s.second.id) for s in duplicate_suggestions()}
    assert (a.id, b.id) not in pairs and (a.id, c.id) in pairs


def test_similar_names_are_suggested_weaker_than_the_same_name(app, make_enterprise):
    same_a = make_enterprise(name="华谊集团")
    same_b = make_enterprise(name="上海华谊集团有限公司")
    short = make_enterprise(name="绿地建设集团")  # its core 绿地建设 is inside the next one's
    longer = make_enterprise(name="绿地建设发展有限公司")
    typed = make_enterprise(name="明凯商务咨询有限公司")
    typo = make_enterprise(name="明凯商务资询有限公司")  # one character mistyped
    apart = make_enterprise(name="明凯物流")  # shares 明凯 only
    other = make_enterprise(name="绿叶小吃店")
    found = duplicate_suggestions()
    pairs = {(s.first.id, s.second.id): s for s in found}
    assert pairs[(short.id, longer.id)].reason == "similar_name"
    assert pairs[(typed.id, typo.id)].reason == "similar_name"
    assert pairs[(same_a.id, same_b.id)].reason == "same_name"
    for pair in ((typed.id, apart.id), (typo.id, apart.id), (short.id, other.id)):
        assert pair not in pairs, pair
    scores = [s.score for s in found]
    assert scores == sorted(scores, reverse=True)
    assert pairs[(same_a.id, same_b.id)].score > pairs[(short.id, longer.id)].score
    assert pairs[(short.id, longer.id)].score > pairs[(typed.id, typo.id)].score
    assert found[0].reason == "same_name"


def test_coverage_trend_by_year_and_sector(app):
    from db.partners.queries import coverage_trend

    year = local_today().year
    a = partners.save_enterprise("宝华集团", sector="building", status="strategic")
    b = partners.save_enterprise("同心文化传播", sector="building", status="joint")
    c = partners.save_enterprise("鲜果行", sector="market", status="joint")
    outside = partners.save_enterprise("明凯物流", sector="market", status="none")
    partners.record_party_organisation(a.id, year, "independent", 18)
    partners.record_party_organisation(b.id, year, "none", none_reason="no_members")
    partners.record_party_organisation(a.id, year - 1, "joint", 3)
    partners.record_party_organisation(c.id, year - 1, "independent", 5)
    partners.record_party_organisation(outside.id, year, "independent", 9)  # not a partner
    trend = coverage_trend([year, year - 1, year - 2])
    assert trend[year] == {
        "enterprise": None,
        "park": None,
        "building": 50,
        "market": 0,
        "total": 33,
    }
    assert trend[year - 1] == {
        "enterprise": None,
        "park": None,
        "building": 50,
        "market": 100,
        "total": 67,
    }
    assert trend[year - 2]["total"] == 0 and trend[year - 2]["building"] == 0
    assert coverage_trend([]) == {}


def test_name_suggestions_offer_the_record_kept(app, make_enterprise):
    kept = make_enterprise(name="绿地建设集团", is_partner=True)
    duplicate = make_enterprise(name="绿地建设集团有限公司")
    make_enterprise(name="绿地小吃店")
    partners.merge(kept.id, duplicate.id)
    assert name_suggestions("绿地") == ["绿地建设集团", "绿地小吃店"]
    assert name_suggestions("绿") == []  # at least two characters
    assert name_suggestions("集团有限") == ["绿地建设集团"]


def test_privacy_export_erase_purge_of_contacts(app, make_enterprise):
    from db.partners import privacy as partner_privacy

    enterprise = make_enterprise(name="爱景置业")
    contact = partners.add_contact(
        enterprise.id, "何春梅", "13800003006", duty="党建联络员", position="经理", consent=True
    )
    partners.record_visit(
        enterprise.id, local_today(), "frontline", "捐赠对接", contact_id=contact.id
    )
    sections = partner_privacy.export("13800003006")
    assert sections[0][1][0]
    values = [str(v) for v in sections[0][1][0].values()]
    assert "何春梅" in values and "爱景置业" in values
    assert partner_privacy.erase("13800003006") == 1
    erased = PartnerContact.get_by_id(contact.id)
    assert erased.mobile == "" and erased.name != "何春梅"
    assert erased.duty == "" and erased.position == ""
    assert PartnerVisit.select().where(PartnerVisit.contact == contact.id).count() == 1
    other = partners.add_contact(enterprise.id, "冯振华", "13800003005", consent=True)
    partners.end_contact(other.id)
    from db.base import utcnow

    assert partner_privacy.purge(utcnow() + timedelta(days=1)) == 1
    assert PartnerContact.get_by_id(other.id).mobile == ""


def test_every_reference_a_merge_moves_has_a_name(app):
    from db.partners.labels import REFERENCE_NAMES

    found = set(enterprise_references())
    # The modules' own foreign keys to Enterprise, so the check cannot pass on an empty list.
    for key in (
        "registration.enterprise_id",
        "application.enterprise_id",
        "user.enterprise_id",
        "market_donor.enterprise_id",
        "volunteer.enterprise_id",
        "volunteer_team.enterprise_id",
        "partner_contact.enterprise_id",
    ):
        assert key in found, key
    assert sorted(found - set(REFERENCE_NAMES)) == []


def test_counts_leave_out_cancelled_registrations_and_applications_without_a_place(
    app, make_enterprise, make_user
):
    from db.partners.queries import annual_report

    enterprise = make_enterprise(name="爱景置业", is_partner=True)
    event = support.make_event("中广党建论坛", days_ago=0)
    support.register(event, enterprise)  # confirmed, checked in
    support.register(event, enterprise, checked_in=False)  # confirmed, absent
    for status in ("cancelled", "rejected", "waiting", "pending"):
        support.register(event, enterprise, checked_in=False, status=status)
    course = support.make_course()
    for status in ("completed", "approved", "not_completed", "withdrawn", "rejected", "pending"):
        support.apply(course, make_user(enterprise=enterprise), enterprise, status=status)
    activity = enterprise_activity(enterprise.id)
    [row] = activity.events
    assert (row["registrations"], row["attended"]) == (2, 1)
    [course_row] = activity.courses
    assert (course_row["applications"], course_row["admitted"], course_row["completed"]) == (
        6,
        3,
        1,
    )
    [year] = activity.years
    assert (year.registrations, year.attended, year.admitted) == (2, 1, 3)
    rows, total, _covered = annual_report(local_today().year)
    [report_row] = [r for r in rows if r.enterprise_id == enterprise.id]
    assert (report_row.registrations, report_row.attended) == (2, 1)
    assert (total.registrations, total.attended) == (2, 1)
    # Only cancelled registrations: the event is not listed as attended by the enterprise.
    other = make_enterprise(name="明凯集团", is_partner=True)
    support.register(support.make_event("企业家沙龙", days_ago=2), other, status="cancelled")
    assert enterprise_activity(other.id).events == []


def test_application_reference_is_moved(app, make_enterprise, make_user):
    survivor, loser = make_enterprise(), make_enterprise()
    person = make_user(enterprise=loser)
    application = support.apply(support.make_course(), person, loser)
    partners.merge(survivor.id, loser.id)
    assert Application.get_by_id(application.id).enterprise_id == survivor.id
    assert Donor.select().count() == 0


def test_the_crash_checks_catch_a_half_done_merge(app, make_enterprise):
    from types import SimpleNamespace

    from tests.faults.harness import Ledger, acknowledged_problems, half_done_problems

    survivor, loser = make_enterprise(), make_enterprise()
    partners.add_contact(loser.id, "演练联系人", "13800009999", consent=True)
    partners.merge(survivor.id, loser.id)
    fixture = SimpleNamespace(big_event=0, small_event=0, small_seats=0)
    ledger = Ledger()
    ledger.merges.add((survivor.id, loser.id))
    assert half_done_problems(fixture) == [] and acknowledged_problems(ledger) == []
    # As if the mark had not been written with the moved rows.
    Enterprise.update(merged_into=None).where(Enterprise.id == loser.id).execute()
    assert any("is not marked" in p for p in half_done_problems(fixture))
    assert any("merge of" in p for p in acknowledged_problems(ledger))


def test_the_partner_flag_follows_the_details_after_a_merge(app):
    kept = partners.save_enterprise("爱景置业", status="none")
    duplicate = partners.save_enterprise("爱景置业有限公司", status="strategic")
    partners.merge(kept.id, duplicate.id)
    assert not Enterprise.get_by_id(kept.id).is_partner  # its own details say "none"
    lone = Enterprise.create(name="明凯集团")
    strategic = partners.save_enterprise("明凯集团有限公司", status="strategic")
    partners.merge(lone.id, strategic.id)  # the duplicate's details move to the record kept
    assert Enterprise.get_by_id(lone.id).is_partner
    assert PartnerProfile.get(PartnerProfile.enterprise == lone.id).status == "strategic"
