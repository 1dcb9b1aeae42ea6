"""The partner ledger through the app: directory, profile across modules, forms with their
refusals, duplicates and merge with undo, coverage, reminders, the annual report, the
spreadsheets and the name suggestions; who may see what."""

import io
from datetime import timedelta

from openpyxl import load_workbook

from db import partners
from db.accounts import Enterprise
from db.audit import AuditEntry
from db.market.periods import local_today
from db.partners.models import EnterpriseMerge, PartnerContact, PartnerVisit
from tests import partners_support as support


def _strategic(name="宝华集团", **extra):
    return partners.save_enterprise(
        name, extra.pop("credit_code", ""), sector="building", status="strategic", **extra
    )


def test_directory_search_filters_and_export(login_as):
    client = login_as("staff")
    _strategic("宝华集团", location="宝华大厦")
    partners.save_enterprise("广中路市场鲜果行", sector="market", status="joint")
    page = client.get("/partners/?q=宝华").get_data(as_text=True)
    assert "宝华集团" in page and "鲜果行" not in page
    page = client.get("/partners/?q=宝华大厦").get_data(as_text=True)
    assert "宝华集团" in page
    fragment = client.get("/partners/?sector=market", headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert "鲜果行" in text and "宝华集团" not in text and "<html" not in text
    assert "1 enterprises" in text or "共 1 家单位" in text
    export = client.get("/partners/export.xlsx?status=strategic")
    sheet = load_workbook(io.BytesIO(export.data)).active
    rows = list(sheet.values)
    assert [r[0] for r in rows[1:]] == ["宝华集团"]


def test_export_is_formula_safe(login_as):
    client = login_as("staff")
    partners.save_enterprise('=HYPERLINK("http://x")', status="joint")
    sheet = load_workbook(io.BytesIO(client.get("/partners/export.xlsx").data)).active
    assert list(sheet.values)[1][0].startswith("'=")


def test_create_refuses_a_wrong_credit_code_with_a_clear_message(login_as):
    client = login_as("staff")
    response = client.post(
        "/partners/new",
        data={"name": "华谊集团", "credit_code": "91310109132224587X", "status": "strategic"},
    )
    assert response.status_code == 422
    assert "校验码" in response.get_data(as_text=True)
    assert not Enterprise.select().where(Enterprise.name == "华谊集团").exists()
    response = client.post(
        "/partners/new",
        data={
            "name": "华谊集团",
            "credit_code": "9131 0109 1322 2458 7w",
            "sector": "enterprise",
            "status": "strategic",
            "agreement_signed_on": "2024-03-18",
        },
    )
    assert response.status_code == 302
    enterprise = Enterprise.get(Enterprise.name == "华谊集团")
    assert enterprise.credit_code == "91310109132224587W" and enterprise.is_partner


def test_profile_shows_every_module_with_totals_by_year(login_as, make_user):
    client = login_as("staff")
    enterprise = _strategic("爱景置业")
    event = support.make_event("中广党建论坛")
    support.register(event, enterprise)
    support.register(event, enterprise, checked_in=False)
    support.register(event, enterprise, checked_in=False, status="cancelled")  # not counted
    person = make_user(enterprise=enterprise)
    support.apply(support.make_course(), person, enterprise, certificate=True)
    support.donate("爱景置业", money=123_400)
    partners.add_contact(enterprise.id, "何春梅", "13800003006", duty="党建联络员", consent=True)
    partners.record_party_organisation(enterprise.id, local_today().year, "joint", 4)
    page = client.get(f"/partners/{enterprise.id}").get_data(as_text=True)
    for text in ("中广党建论坛", "高级职业经理人研修班", "何春梅", "联合党组织", "¥1,234.00"):
        assert text in page, text
    year = str(local_today().year)
    assert f'<th scope="row">{year}</th><td class="num">2</td><td class="num">1</td>' in page
    assert "报名（已确认）" in page and "到场（已签到）" in page


def test_contact_form_requires_consent_and_audits_without_name(login_as, make_enterprise):
    client = login_as("staff")
    enterprise = make_enterprise()
    response = client.post(
        f"/partners/{enterprise.id}/contacts/new", data={"name": "周志强", "mobile": "13800003001"}
    )
    assert response.status_code == 422
    assert PartnerContact.select().count() == 0
    response = client.post(
        f"/partners/{enterprise.id}/contacts/new",
        data={"name": "周志强", "mobile": "13800003001", "consent": "y"},
    )
    assert response.status_code == 302
    contact = PartnerContact.get()
    assert contact.consent_version
    assert all("周志强" not in e.summary for e in AuditEntry.select())


def test_visit_and_follow_up_and_reminders(login_as, make_enterprise):
    client = login_as("staff")
    overdue = _strategic("明凯集团")
    visited = _strategic("绿地建设集团")
    partners.record_visit(overdue.id, local_today() - timedelta(days=200), "frontline", "年度计划")
    response = client.post(
        f"/partners/{visited.id}/visits/new",
        data={
            "visited_on": local_today().isoformat(),
            "kind": "return_visit",
            "topic": "服务站运行",
            "needs": "增加开放时段",
        },
    )
    assert response.status_code == 302
    visit = PartnerVisit.get(PartnerVisit.enterprise == visited.id)
    assert visit.follow_up == "open"
    page = client.get("/partners/reminders").get_data(as_text=True)
    assert "明凯集团" in page and "绿地建设集团" not in page
    response = client.post(
        f"/partners/visits/{visit.id}", data={"follow_up": "done", "note": "已办"}
    )
    assert response.status_code == 302
    assert PartnerVisit.get_by_id(visit.id).follow_up == "done"
    client.post("/partners/settings", data={"months": "12"})
    page = client.get("/partners/reminders").get_data(as_text=True)
    assert "明凯集团" not in page
    response = client.post("/partners/settings", data={"months": "99"})
    assert response.status_code == 422


def test_duplicates_merge_and_undo_through_the_pages(login_as, make_user):
    client = login_as("staff")
    kept = _strategic("宝华集团")
    duplicate = partners.save_enterprise("宝华集团有限公司")
    person = make_user(enterprise=duplicate)
    page = client.get("/partners/duplicates").get_data(as_text=True)
    assert "宝华集团有限公司" in page
    url = f"/partners/merge?survivor={kept.id}&loser={duplicate.id}"
    page = client.get(url).get_data(as_text=True)
    assert "宝华集团有限公司" in page
    assert "志愿者、志愿服务小分队" in page  # what the merge does names the volunteers' records
    refused = client.post(url, data={"survivor": kept.id, "loser": duplicate.id})
    assert refused.status_code == 422  # the confirmation box
    done = client.post(url, data={"survivor": kept.id, "loser": duplicate.id, "confirm": "y"})
    assert done.status_code == 302
    assert person.__class__.get_by_id(person.id).enterprise_id == kept.id
    assert client.get(f"/partners/{duplicate.id}/edit").status_code == 404
    assert "宝华集团有限公司" not in client.get("/partners/duplicates").get_data(as_text=True)
    again = client.post(url, data={"survivor": kept.id, "loser": duplicate.id, "confirm": "y"})
    assert again.status_code == 404  # the duplicate is no longer a live record
    record = EnterpriseMerge.get()
    assert client.post(f"/partners/merges/{record.id}/undo").status_code == 302
    assert person.__class__.get_by_id(person.id).enterprise_id == duplicate.id
    page = client.get("/partners/merges").get_data(as_text=True)
    assert "撤销" in page or "Undone" in page


def test_staff_merge_any_record_into_a_profile_found_by_name_or_credit_code(login_as):
    client = login_as("staff")
    kept = _strategic("宝华集团")
    typed = partners.save_enterprise("上海宝华集团有限公司")
    coded = partners.save_enterprise("宝华物业", "91310109607301218N")
    unrelated = partners.save_enterprise("明凯集团")
    gone = partners.save_enterprise("宝华集团（虹口）")
    partners.merge(typed.id, gone.id)
    profile = client.get(f"/partners/{kept.id}").get_data(as_text=True)
    search = f"/partners/{kept.id}/merge-another"
    assert f'href="{search}"' in profile
    page = client.get(search, query_string={"q": "宝华集团有限公司"}).get_data(as_text=True)
    assert f"/partners/merge?survivor={kept.id}&amp;loser={typed.id}" in page
    assert f"loser={kept.id}" not in page  # not itself
    assert f"loser={gone.id}" not in page  # a merged record is no longer a record to merge
    assert f"loser={unrelated.id}" not in page
    fragment = client.get(
        search, query_string={"q": "9131 0109 6073"}, headers={"HX-Request": "true"}
    )
    text = fragment.get_data(as_text=True)
    assert "<html" not in text and f"loser={coded.id}" in text and f"loser={typed.id}" not in text
    assert "请至少输入" in client.get(search, query_string={"q": "宝"}).get_data(as_text=True)
    confirm = client.get(f"/partners/merge?survivor={kept.id}&loser={typed.id}")
    assert confirm.status_code == 200 and "上海宝华集团有限公司" in confirm.get_data(as_text=True)
    assert client.get(f"/partners/{gone.id}/merge-another?q=宝华").status_code == 404
    assert client.get("/partners/999999/merge-another").status_code == 404


def test_name_suggestions_match_the_demo_duplicate_by_its_core(demo_data, login_as):
    from db.partners.demo import DUPLICATE
    from db.partners.queries import name_suggestions

    duplicate, kept = DUPLICATE  # 宝华集团有限公司, a typed spelling of the partner 宝华集团
    assert Enterprise.get(Enterprise.name == kept).is_partner
    assert Enterprise.get(Enterprise.name == duplicate).merged_into_id is None
    for typed in (duplicate, "上海宝华集团有限公司", "（上海）宝华集团"):
        assert name_suggestions(typed)[:2] == [kept, duplicate], typed
    assert name_suggestions("宝华集团有限")[0] == duplicate  # a plain part of one name
    client = login_as("staff")
    client.post(
        "/partners/merge",
        data={
            "survivor": Enterprise.get(Enterprise.name == kept).id,
            "loser": Enterprise.get(Enterprise.name == duplicate).id,
            "confirm": "y",
        },
    )
    assert name_suggestions("上海宝华集团有限公司") == [kept]
    page = client.get("/partners/suggest", query_string={"enterprise": duplicate})
    assert f'<option value="{kept}">' in page.get_data(as_text=True)


def test_not_the_same_hides_a_suggestion(login_as):
    client = login_as("staff")
    a = partners.save_enterprise("华谊集团")
    b = partners.save_enterprise("华谊集团有限公司")
    client.post("/partners/duplicates/distinct", data={"first": b.id, "second": a.id})
    assert "华谊集团有限公司" not in client.get("/partners/duplicates").get_data(as_text=True)


def test_coverage_and_annual_report(login_as, make_user):
    client = login_as("staff")
    year = local_today().year
    a = _strategic("华谊集团")
    b = partners.save_enterprise("鲜果行", sector="market", status="joint")
    partners.record_party_organisation(a.id, year, "independent", 52, union=True, union_members=300)
    partners.record_party_organisation(b.id, year, "none", none_reason="too_few_members")
    support.register(support.make_event(), a)
    support.donate("华谊集团", money=500_000)
    partners.record_visit(a.id, local_today(), "frontline", "对接")
    page = client.get(f"/partners/coverage?year={year}").get_data(as_text=True)
    assert "50%" in page and "党员不足三名" in page
    page = client.get(f"/partners/report?year={year}").get_data(as_text=True)
    assert "华谊集团" in page and "¥5,000.00" in page
    sheet = load_workbook(io.BytesIO(client.get(f"/partners/report.xlsx?year={year}").data)).active
    rows = list(sheet.values)
    total = rows[-1]
    assert total[4] == 1 and total[8] == 5000  # attended, donated in yuan
    assert client.get("/partners/report?year=²").status_code == 200


def test_the_coverage_page_shows_the_trend_table(login_as):
    client = login_as("staff")
    year = local_today().year
    a = _strategic("宝华集团")
    b = partners.save_enterprise("鲜果行", sector="market", status="joint")
    partners.record_party_organisation(a.id, year, "independent", 18)
    partners.record_party_organisation(a.id, year - 1, "none", none_reason="forming")
    partners.record_party_organisation(b.id, year - 1, "joint", 3)
    page = client.get(f"/partners/coverage?year={year}").get_data(as_text=True)
    trend = page[page.index('id="trend-title"') :]
    # Year, then 企业, 园区, 楼宇, 市场 and all sectors: "—" where the sector has no partner.
    assert (
        f'<th scope="row">{year}</th><td class="num">—</td><td class="num">—</td>'
        '<td class="num">100%</td><td class="num">0%</td><td class="num">50%</td>'
    ) in trend
    assert (
        f'<th scope="row">{year - 1}</th><td class="num">—</td><td class="num">—</td>'
        '<td class="num">0%</td><td class="num">100%</td><td class="num">50%</td>'
    ) in trend
    assert trend.index(f'<th scope="row">{year}</th>') < trend.index(
        f'<th scope="row">{year - 1}</th>'
    )


def test_suggestions_for_registration_forms(client, make_enterprise):
    kept = make_enterprise(name="绿地建设集团", is_partner=True)
    partners.merge(kept.id, make_enterprise(name="绿地集团").id)
    page = client.get("/partners/suggest?enterprise=绿地集团").get_data(as_text=True)
    assert '<option value="绿地建设集团">' in page
    assert '绿地集团"' not in page
    assert client.get("/partners/suggest?enterprise=<script>").status_code == 200


def test_entrepreneurs_and_the_kiosk_see_nothing(login_as, make_enterprise):
    enterprise = make_enterprise()
    entrepreneur = login_as("entrepreneur", enterprise=enterprise)
    assert entrepreneur.get(f"/partners/{enterprise.id}").status_code == 403
    assert entrepreneur.get("/partners/").status_code == 403
    assert login_as("kiosk").get("/partners/suggest?enterprise=宝华").status_code == 403
    home = login_as("staff").get("/").get_data(as_text=True)
    assert "/partners/" in home


def test_unknown_and_bogus_ids_are_404(login_as):
    client = login_as("staff")
    for path in (
        "/partners/999999",
        "/partners/999999/edit",
        "/partners/contacts/999999/edit",
        "/partners/visits/999999",
        "/partners/merge?survivor=1&loser=x",
        "/partners/merge?survivor=99999999999&loser=1",
    ):
        assert client.get(path).status_code == 404, path
    assert client.post("/partners/merges/999999/undo").status_code == 404


def test_contacts_in_the_personal_data_lookup_and_erasure(login_as, make_enterprise):
    from db.privacy import erase_person, export_person

    enterprise = make_enterprise(name="明凯集团")
    partners.add_contact(enterprise.id, "冯振华", "13800003005", duty="工会主席", consent=True)
    client = login_as("staff")
    page = client.post("/staff/personal-data/", data={"mobile": "13800003005"}).get_data(
        as_text=True
    )
    assert "冯振华" in page and "明凯集团" in page and "联建单位联系人" in page
    counts = erase_person("13800003005", "本人要求")
    assert counts["partners"] == 1
    assert export_person("13800003005") == []


def test_a_contact_known_only_by_e_mail_is_found_exported_and_erased(login_as, make_enterprise):
    enterprise = make_enterprise(name="爱景置业")
    contact = partners.add_contact(
        enterprise.id,
        "何春梅",
        email="He.Chunmei@Example.com",
        duty="党组织书记",
        position="行政总监",
        consent=True,
    )
    visit = partners.record_visit(
        enterprise.id, local_today(), "frontline", "捐赠对接", contact_id=contact.id
    )
    other = partners.add_contact(enterprise.id, "冯振华", "13800003005", consent=True)
    client = login_as("staff")
    page = client.post("/staff/personal-data/", data={"email": "he.chunmei@example.com "})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "何春梅" in text and "党组织书记" in text and "冯振华" not in text
    assert "h***@example.com" in text  # who the page is about, masked
    download = client.post("/staff/personal-data/export", data={"email": "HE.CHUNMEI@example.com"})
    cells = [str(c) for row in load_workbook(io.BytesIO(download.data)).active.values for c in row]
    assert "何春梅" in cells and "爱景置业" in cells
    lookups = AuditEntry.select().where(AuditEntry.action.in_(["privacy.lookup", "privacy.export"]))
    assert all("he.chunmei" not in e.summary.lower() for e in lookups)
    erased = client.post(
        "/staff/personal-data/erase",
        data={"email": "he.chunmei@example.com", "reason": "本人来信要求删除", "confirm": "y"},
    )
    assert erased.status_code == 302
    row = PartnerContact.get_by_id(contact.id)
    assert (row.name, row.email, row.duty, row.position, row.mobile, row.active) == (
        "已删除",
        "",
        "",
        "",
        "",
        False,
    )
    assert PartnerContact.get_by_id(other.id).name == "冯振华"  # someone else's record stays
    assert PartnerVisit.get_by_id(visit.id).contact_id == contact.id  # the visit log stays whole
    page = client.get(f"/partners/visits/{visit.id}").get_data(as_text=True)
    assert "何春梅" not in page and "捐赠对接" in page
    again = client.post("/staff/personal-data/", data={"email": "he.chunmei@example.com"})
    assert "何春梅" not in again.get_data(as_text=True)


def test_the_lookup_needs_a_mobile_or_a_plausible_e_mail(login_as):
    client = login_as("staff")
    for data, message in (
        ({}, "请填写手机号或电子邮箱"),
        ({"mobile": "", "email": ""}, "请填写手机号或电子邮箱"),
        ({"email": "not-an-address"}, "name@example.com"),
        ({"email": "a@b.c", "mobile": "12345"}, "11 位"),
    ):
        for path in ("/staff/personal-data/", "/staff/personal-data/erase"):
            payload = dict(data, reason="x", confirm="y") if path.endswith("erase") else data
            response = client.post(path, data=payload)
            assert response.status_code == 422, (path, data)
            assert message in response.get_data(as_text=True), (path, data)
    assert not AuditEntry.select().where(AuditEntry.action.startswith("privacy.")).exists()


def test_contact_email_is_checked_without_a_crash(login_as, make_enterprise):
    client = login_as("staff")
    enterprise = make_enterprise()
    url = f"/partners/{enterprise.id}/contacts/new"
    response = client.post(url, data={"name": "周志强", "email": "not-an-address", "consent": "y"})
    assert response.status_code == 422
    response = client.post(
        url, data={"name": "周志强", "email": "zhou@example.com", "consent": "y"}
    )
    assert response.status_code == 302
    assert PartnerContact.get().email == "zhou@example.com"


def test_the_dashboard_panel_lists_overdue_partners_in_one_query(login_as, query_counter):
    client = login_as("staff")
    assert "partners-panel-title" not in client.get("/").get_data(as_text=True)
    overdue = partners.save_enterprise("明凯集团", status="strategic")
    recent = partners.save_enterprise("宝华集团", status="strategic")
    partners.record_visit(recent.id, local_today(), "frontline", "对接", needs="场地")
    partners.record_visit(overdue.id, local_today() - timedelta(days=400), "frontline", "旧")
    client.get("/")
    with query_counter() as counter:
        page = client.get("/").get_data(as_text=True)
    panel = page.split('id="partners-panel-title"', 1)[1].split("</section>", 1)[0]
    assert "明凯集团" in panel and "宝华集团" not in panel
    assert "1 项尚未办结" in panel or "1 needs" in panel
    assert sum("partner_visit" in s for s in counter.statements) == 1
