# ruff: noqa: F811  (pytest fixtures imported from tests.market_helpers are redefined as arguments)
"""Personal data in the modules: events registrations and answers, love-supermarket households
and person donors, notices. Export by mobile, erase on request, purge by age; consent recorded
wherever details are collected; counts, reports and `ledger verify` unchanged afterwards."""

import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from db import database, market
from db.accounts import PRIVACY_NOTICE_VERSION, User
from db.audit import AuditEntry
from db.base import utcnow
from db.events import CANCELLED, CONFIRMED, Event, Registration, RegistrationAnswer, queries
from db.events import registrations as reg
from db.market.models import Donor, Household
from db.market.periods import current_period, local_today
from db.market.reports import disclosure, monthly_report
from db.notices import Notice, pending_count
from db.privacy import ERASED_NAME, erase_person, export_person
from tests.events_support import guest, guest_form, new_event
from tests.market_helpers import (  # noqa: F401  (fixtures)
    assert_ledgers_verify,
    make_household,
    make_item,
    points,
)

MOBILE = "13800007001"
QUESTIONS = [
    {"label": "您的问题", "kind": "text", "choices": "", "required": False},
    {"label": "参加场次", "kind": "choice", "choices": "上午\n下午", "required": True},
]


def answers_of(event, text, choice):
    """{question id: answer} for the two QUESTIONS of `event`."""
    first, second = queries.questions_of(event)
    return {first.id: text, second.id: choice}


def move_to_past(event, days):
    """Let an event have started and ended `days` days ago."""
    starts = utcnow() - timedelta(days=days)
    Event.update(starts_at=starts, ends_at=starts + timedelta(hours=2)).where(
        Event.id == event.id
    ).execute()


@pytest.fixture
def person_everywhere(make_user, make_item, make_household):
    """One person (MOBILE) with an account, a registration for a finished event (checked in,
    with answers), a seat at an upcoming full event with someone waiting, a household with a
    redemption, and a named donation as a person donor."""
    account = make_user(role="entrepreneur", mobile=MOBILE, name="周明")
    past = new_event(seats=5, questions=QUESTIONS, title="往期论坛")
    old, _ = reg.register(
        past.id,
        guest(1, name="周明", mobile=MOBILE, email="zhou@example.com"),
        answers=answers_of(past, "营商环境怎么样？", "上午"),
    )
    reg.check_in(old)
    move_to_past(past, days=30)
    upcoming = new_event(seats=1, title="即将举办的沙龙")
    seat, _ = reg.register(upcoming.id, guest(2, name="周明", mobile=MOBILE), user=account)
    waiting, _ = reg.register(upcoming.id, guest(3))
    item = make_item(points=10)
    market.record_donation(
        "person",
        "周明",
        local_today(),
        lines=[(item.id, 20, 1000)],
        named=True,
        contact=MOBILE,
        consent=True,
    )
    household = make_household(head_name="周明", mobile=MOBILE, address="广中路8号", note="独居")
    market.issue_allowance()
    market.redeem(household.id, [(item.id, 1)])
    return dict(
        account=account,
        past=past,
        old=old,
        upcoming=upcoming,
        seat=seat,
        waiting=waiting,
        household=household,
        item=item,
    )


def figures():
    """Every figure a report shows, to compare before and after anonymising."""
    events = {e.id: queries.counts(e) for e in Event.select()}
    attendance = [
        (row["event"].id, row["confirmed"], row["present"], row["walk_ins"])
        for row in queries.attendance_by_event(50)
    ]
    report = monthly_report(current_period())
    notice = disclosure(current_period())
    return dict(
        events=events,
        attendance=attendance,
        by_enterprise=queries.attendance_by_enterprise(50),
        report=(
            report.donations,
            report.donated_value,
            report.redemptions,
            report.households_served,
            report.points,
            report.cash_closing,
            report.stock_balanced,
        ),
        disclosure_total=notice.donated_value,
        balances={h.id: points(h) for h in Household.select()},
        registrations=Registration.select().count(),
        answers=RegistrationAnswer.select().count(),
    )


def test_export_holds_everything_about_the_person(person_everywhere):
    sections = {str(title): rows for title, rows in export_person(MOBILE)}
    assert set(sections) == {
        "Event registrations",
        "Love supermarket households",
        "Love supermarket donors",
        "Notices",
        "Account",
    }
    registrations = [{str(k): v for k, v in row.items()} for row in sections["Event registrations"]]
    assert len(registrations) == 2
    assert any(
        "营商环境怎么样？" in row["Answers"] and "上午" in row["Answers"] for row in registrations
    )
    assert any(row["E-mail"] == "zhou@example.com" for row in registrations)
    household = {str(k): v for k, v in sections["Love supermarket households"][0].items()}
    assert (household["Address"], household["Note"], household["Redemptions"]) == (
        "广中路8号",
        "独居",
        1,
    )
    donor = {str(k): v for k, v in sections["Love supermarket donors"][0].items()}
    assert donor["Privacy notice version"] == PRIVACY_NOTICE_VERSION and donor["Receipts"]
    assert len(sections["Notices"]) >= 2


def test_staff_export_download_has_a_sheet_per_module(person_everywhere, login_as):
    staff = login_as("staff")
    page = staff.post("/staff/personal-data/", data={"mobile": MOBILE}).get_data(as_text=True)
    assert "往期论坛" in page and "广中路8号" in page
    download = staff.post("/staff/personal-data/export", data={"mobile": MOBILE})
    book = load_workbook(io.BytesIO(download.get_data()))
    assert {"活动报名", "爱心超市家庭", "爱心超市捐赠人", "通知", "账号"} <= set(book.sheetnames)


def test_the_lookup_names_statuses_and_categories_in_the_users_language(
    person_everywhere, login_as
):
    staff = login_as("staff")
    page = staff.post("/staff/personal-data/", data={"mobile": MOBILE}).get_data(as_text=True)
    assert "报名成功" in page and "正常" in page  # a registration's and a household's status
    assert "（UTC）" not in page and "(UTC)" not in page  # times are shown in Shanghai
    for code in ("confirmed", "active", "low_income", "dibao"):
        assert f">{code}<" not in page, code


def test_erase_removes_the_person_and_keeps_every_figure(person_everywhere, runner):
    p = person_everywhere
    before = figures()
    old_token = p["old"].token
    counts = erase_person(MOBILE, "本人要求")
    assert counts["events"] == 2 and counts["market"] == 2 and counts["accounts"] == 1

    # The upcoming seat was given up: the person waiting got it, and was told.
    seat = Registration.get_by_id(p["seat"].id)
    assert seat.status == CANCELLED and seat.cancelled_by == "erasure"
    promoted = Registration.get_by_id(p["waiting"].id)
    assert promoted.status == CONFIRMED
    assert Notice.select().where(Notice.kind == "event.promoted", Notice.mobile == promoted.mobile)

    # Nothing about the person is left anywhere.
    for row in Registration.select().where(Registration.id.in_([p["old"].id, seat.id])):
        assert (row.name, row.email, row.position, row.user_id) == (ERASED_NAME, "", "", None)
        assert row.mobile.startswith("0") and row.token != old_token
    answers = {a.question.kind: a.value for a in RegistrationAnswer.select()}
    assert answers == {"text": "", "choice": "上午"}  # the choice stays for the statistics
    household = Household.get_by_id(p["household"].id)
    assert (household.head_name, household.mobile, household.address, household.note) == (
        ERASED_NAME,
        "",
        "",
        "",
    )
    assert household.status == "closed" and household.closed_at is not None
    assert Donor.get(Donor.kind == "person").name == ERASED_NAME
    assert not Notice.select().where(Notice.mobile == MOBILE).exists()
    assert not Notice.select().where(Notice.body.contains("周明")).exists()
    assert User.get_by_id(p["account"].id).mobile is None
    assert export_person(MOBILE) == []

    # The counts, reports, balances and ledgers are what they were; the erased person's
    # named donation is counted with the unnamed ones.
    after = figures()
    assert after["events"][p["past"].id] == before["events"][p["past"].id]
    assert after["attendance"] == before["attendance"]
    for key in ("report", "by_enterprise", "disclosure_total", "balances", "registrations"):
        assert after[key] == before[key], key
    assert [row["name"] for row in disclosure(current_period()).named] == []
    assert_ledgers_verify()
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output

    # The erased person's old private link opens nothing.
    assert runner.app.test_client().get(f"/r/{old_token}").status_code == 404
    assert "周明" not in "".join(e.summary for e in AuditEntry.select())


def test_erasing_one_person_leaves_the_others(person_everywhere):
    p = person_everywhere
    other = guest(3)
    erase_person(MOBILE, "本人要求")
    kept = Registration.get_by_id(p["waiting"].id)
    assert (kept.name, kept.mobile) == (other["name"], other["mobile"])


def test_two_erased_people_at_one_event_keep_the_unique_index(app):
    event = new_event(seats=5)
    for n in (1, 2):
        reg.register(event.id, guest(n))
    move_to_past(event, days=3)
    erase_person(guest(1)["mobile"], "request")
    erase_person(guest(2)["mobile"], "request")
    rows = list(Registration.select().where(Registration.event == event.id))
    assert [r.status for r in rows] == [CONFIRMED, CONFIRMED]  # still counted as seated
    assert len({r.mobile for r in rows}) == 2


def test_purge_anonymises_what_outlived_its_purpose(app, runner, make_item, make_household):
    item = make_item(points=5)
    market.record_donation("enterprise", "绿地建设集团", local_today(), lines=[(item.id, 50, 800)])
    old_event = new_event(seats=3, questions=QUESTIONS, title="三年前的论坛")
    recent_event = new_event(seats=3, title="上个月的论坛")
    upcoming = new_event(seats=3, title="下周的论坛")
    for n, event in enumerate((old_event, old_event, recent_event, upcoming), start=1):
        answers = answers_of(event, f"问题{n}", "下午") if event.id == old_event.id else {}
        registration, _ = reg.register(event.id, guest(n), answers=answers)
        if event.id != upcoming.id:
            reg.check_in(registration)
    move_to_past(old_event, days=3 * 365)
    move_to_past(recent_event, days=30)
    old_closed = make_household(head_name="钱老伯", mobile="13800007101")
    recent_closed = make_household(head_name="孙阿姨", mobile="13800007102")
    active = make_household(head_name="李大姐", mobile="13800007103")
    market.issue_allowance()
    market.redeem(old_closed.id, [(item.id, 2)])
    for household in (old_closed, recent_closed):
        market.update_household(household, status="closed")
    Household.update(closed_at=utcnow() - timedelta(days=800)).where(
        Household.id == old_closed.id
    ).execute()
    market.record_donation(
        "person",
        "赵先生",
        date.today() - timedelta(days=900),
        lines=[(item.id, 1, 800)],
        contact="13800007104",
        consent=True,
        at=utcnow() - timedelta(days=900),
    )
    Donor.update(created_at=utcnow() - timedelta(days=900)).execute()
    old_notice_ids = [n.id for n in Notice.select()]
    Notice.update(created_at=utcnow() - timedelta(days=3 * 365)).where(
        Notice.id.in_(old_notice_ids[:2])
    ).execute()
    before = figures()

    result = runner.invoke(args=["purge-personal-data", "--older-than", "24m"])
    assert result.exit_code == 0, result.output
    assert "events: 2 anonymised" in result.output
    assert "market: 2 anonymised" in result.output
    assert "notices: 2 anonymised" in result.output

    names = {r.event_id: set() for r in Registration.select()}
    for r in Registration.select():
        names[r.event_id].add(r.name)
    assert names[old_event.id] == {ERASED_NAME}
    assert names[recent_event.id] == {"嘉宾3"} and names[upcoming.id] == {"嘉宾4"}
    assert {a.value for a in RegistrationAnswer.select()} == {"", "下午"}
    assert Household.get_by_id(old_closed.id).head_name == ERASED_NAME
    assert Household.get_by_id(recent_closed.id).head_name == "孙阿姨"
    assert Household.get_by_id(active.id).head_name == "李大姐"
    assert Donor.get(Donor.kind == "person").contact == ""

    after = figures()
    assert after == before
    verify = runner.invoke(args=["ledger", "verify"])
    assert verify.exit_code == 0, verify.output
    again = runner.invoke(args=["purge-personal-data", "--older-than", "24m"])
    assert "events: 0 anonymised" in again.output and "market: 0 anonymised" in again.output


def test_erased_notices_are_never_sent(app):
    event = new_event(seats=2)
    reg.register(event.id, guest(1, email="guest1@example.com"))
    assert pending_count() == 1
    erase_person(guest(1)["mobile"], "request")
    assert pending_count() == 0


# --- Consent wherever details are collected ----------------------------------------------------


def test_guest_registration_records_consent(client):
    event = new_event(seats=3)
    refused = client.post(f"/events/{event.id}/register", data=guest_form(1, consent=""))
    assert refused.status_code == 422 and not Registration.select().exists()
    client.post(f"/events/{event.id}/register", data=guest_form(1))
    registration = Registration.get()
    assert registration.consent_at is not None
    assert registration.consent_version == PRIVACY_NOTICE_VERSION


def test_walk_in_needs_the_persons_consent(login_as):
    staff = login_as("staff")
    event = new_event(seats=3)
    form = {"name": "临时来宾", "mobile": "13800007201", "enterprise": "", "position": ""}
    refused = staff.post(f"/manage/events/{event.id}/walk-in", data=form)
    assert refused.status_code == 422 and "必须同意隐私声明" in refused.get_data(as_text=True)
    assert not Registration.select().exists()
    staff.post(f"/manage/events/{event.id}/walk-in", data={**form, "consent": "y"})
    assert Registration.get().consent_version == PRIVACY_NOTICE_VERSION


HOUSEHOLD_FORM = dict(
    head_name="吴阿婆",
    mobile="13800007301",
    address="广中路1号",
    size="1",
    category="dibao",
    status="active",
    next_review="2031-01-01",
)


def test_household_needs_consent_and_records_it(login_as):
    staff = login_as("staff")
    refused = staff.post("/market/households/new", data=HOUSEHOLD_FORM)
    assert refused.status_code == 422 and "户主必须同意隐私声明" in refused.get_data(as_text=True)
    assert not Household.select().exists()
    staff.post("/market/households/new", data={**HOUSEHOLD_FORM, "consent": "y"})
    household = Household.get()
    assert household.consent_version == PRIVACY_NOTICE_VERSION and household.consent_at


def test_household_without_consent_on_record_is_asked_on_edit(login_as):
    staff = login_as("staff")
    household = market.register_household(
        head_name="吴阿婆", size=1, category="dibao", next_review=date(2031, 1, 1)
    )
    assert household.consent_at is None
    url = f"/market/households/{household.id}/edit"
    assert 'name="consent"' in staff.get(url).get_data(as_text=True)
    assert staff.post(url, data=HOUSEHOLD_FORM).status_code == 422
    assert staff.post(url, data={**HOUSEHOLD_FORM, "consent": "y"}).status_code == 302
    assert Household.get_by_id(household.id).consent_version == PRIVACY_NOTICE_VERSION
    assert 'name="consent"' not in staff.get(url).get_data(as_text=True)


def test_closing_and_reopening_a_card_stamps_closed_at(app, make_household):
    household = make_household()
    closed = market.update_household(household, status="closed")
    assert closed.closed_at is not None
    reopened = market.update_household(closed, status="active")
    assert reopened.closed_at is None


def test_person_donor_needs_consent_enterprise_does_not(login_as, make_item):
    staff = login_as("staff")
    item = make_item()
    form = {
        "donor_kind": "person",
        "donor_name": "郑先生",
        "contact": "13800007401",
        "donated_on": local_today().isoformat(),
        "lines-0-item": str(item.id),
        "lines-0-quantity": "2",
    }
    refused = staff.post("/market/donations/new", data=form)
    assert refused.status_code == 422 and "个人捐赠人必须同意隐私声明" in refused.get_data(
        as_text=True
    )
    assert staff.post("/market/donations/new", data={**form, "consent": "y"}).status_code == 302
    assert Donor.get(Donor.name == "郑先生").consent_version == PRIVACY_NOTICE_VERSION
    enterprise = {**form, "donor_kind": "enterprise", "donor_name": "宝华集团"}
    assert staff.post("/market/donations/new", data=enterprise).status_code == 302
    assert Donor.get(Donor.kind == "enterprise").consent_at is None


def test_audit_log_never_names_a_person_donor(app, make_item):
    item = make_item()
    market.record_donation(
        "person", "郑先生", local_today(), lines=[(item.id, 1, 100)], contact="13800007402"
    )
    entry = AuditEntry.get(AuditEntry.action == "market.donation")
    assert "郑先生" not in entry.summary and "person donor #" in entry.summary


def test_audit_log_masks_entrepreneur_usernames(app, login_as):
    client = login_as("entrepreneur", mobile="13800007501")
    client.post("/language/en")
    labels = {e.actor_label for e in AuditEntry.select()}
    assert "13800007501" not in labels and "138****7501" in labels
    admin = login_as("admin")
    page = admin.get("/admin/audit", query_string={"actor": "13800007501"})
    assert "138****7501" in page.get_data(as_text=True)


@pytest.mark.parametrize("model", [Household, Donor], ids=lambda m: m.__name__)
def test_migration_adds_what_the_models_declare(app, model):
    columns = {column.name for column in database.get_columns(model._meta.table_name)}
    assert columns == {field.column_name for field in model._meta.sorted_fields}
