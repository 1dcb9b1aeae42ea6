# ruff: noqa: F811  (pytest fixtures imported from tests.market_helpers are redefined as arguments)
"""Volunteer records: a volunteer's own page (only theirs), hour certificates (gapless numbers,
no double issue, public check that knows when a certificate is no longer current, print for
the holder and staff, withdrawal), team reports by month and year (page and XLSX), the honour
board (approved hours of volunteers only, names masked, web and kiosk) and the partner
profile's volunteer hours by year."""

import io
import threading
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from db import market
from db.audit import AuditEntry
from db.market.models import Household
from db.market.periods import local_today, to_utc
from db.volunteers import HourRecord, Volunteer
from db.volunteers import certificates as certs
from db.volunteers.certificates import HourCertificate, issue_certificate, revoke_certificate
from db.volunteers.errors import VolunteerError
from db.volunteers.honour import honour_board
from db.volunteers.hours import decide_hours
from db.volunteers.models import CANCELLED
from db.volunteers.reports import team_report
from tests.market_helpers import make_household, make_item  # noqa: F401  (fixtures)
from tests.volunteers_support import (
    make_activity,
    make_division,
    make_hours,
    make_signup,
    make_squad,
    make_volunteer,
)

TODAY = local_today()


def approved(volunteer, minutes, served_on=None, activity=None, **fields):
    """An hour record approved by staff (points booked into the passbook)."""
    record = make_hours(
        volunteer,
        minutes=minutes,
        served_on=served_on or TODAY - timedelta(days=1),
        activity=activity,
        source="attendance" if activity else "self_reported",
        **fields,
    )
    decide_hours([(record.id, "approve", None, None)])
    return HourRecord.get_by_id(record.id)


@pytest.fixture
def login_as(login_as):
    """The suite's login_as, with the client reading English (the tests read the words)."""

    def factory(role, **fields):
        client = login_as(role, **fields)
        client.set_cookie("lang", "en")
        return client

    return factory


@pytest.fixture
def client(client):
    """A guest reading English."""
    client.set_cookie("lang", "en")
    return client


def refused(code, call, *args, **kwargs):
    """Call and expect a VolunteerError with `code`."""
    with pytest.raises(VolunteerError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value.code
    return caught.value


# ------------------------------------------------------------------ the volunteer's own page


def test_the_own_page_shows_hours_points_and_activities(app, login_as):
    client = login_as("entrepreneur", mobile="13800005101", name="王丽红")
    volunteer = make_volunteer(user=client.user)
    division = make_division(name="广中党员志愿者企业服务分队")
    past = make_activity(division, starts_in=timedelta(days=-3), title="爱心超市理货日")
    coming = make_activity(division, starts_in=timedelta(days=4), title="垃圾分类宣传")
    signup = make_signup(past, volunteer, signed_in_at=past.starts_at)
    make_signup(coming, volunteer)
    approved(volunteer, 150, activity=past, signup=signup)
    make_hours(volunteer, minutes=45, note="帮邻居兑换物资")  # pending
    page = client.get("/volunteers/me").get_data(as_text=True)
    assert "爱心超市理货日" in page and "垃圾分类宣传" in page and "帮邻居兑换物资" in page
    volunteer = Volunteer.get_by_id(volunteer.id)
    passbook_no = volunteer.passbook.passbook_no
    assert passbook_no in page  # the passbook with its 2 points (150 min at 1 an hour)
    assert "2.5" in page and "0.8" in page  # approved and pending hours
    assert ">+2<" in page


def test_the_own_page_is_only_the_persons(app, login_as):
    owner = login_as("entrepreneur", mobile="13800005102", name="钱志明")
    other = login_as("entrepreneur", mobile="13800005103", name="孙雅婷")
    volunteer = make_volunteer(user=owner.user)
    approved(volunteer, 120, note="独居老人陪伴")
    assert "独居老人陪伴" in owner.get("/volunteers/me").get_data(as_text=True)
    page = other.get("/volunteers/me").get_data(as_text=True)
    assert "钱志明" not in page and "独居老人陪伴" not in page
    assert "You are not registered as a volunteer yet" in page
    for path in (f"/volunteers/records/{volunteer.id}",):
        assert other.get(path).status_code == 403
        assert owner.get(path).status_code == 403  # the staff view, even of oneself
    assert login_as(None).get("/volunteers/me").status_code == 302
    assert login_as("kiosk").get("/volunteers/me").status_code == 403


def test_staff_see_a_volunteers_record(app, login_as):
    volunteer = make_volunteer(name="赵德胜", mobile="13800005104")
    approved(volunteer, 60, note="助学家访")
    page = login_as("staff").get(f"/volunteers/records/{volunteer.id}").get_data(as_text=True)
    assert "赵德胜" in page and "助学家访" in page and "138****5104" in page
    assert "13800005104" in page  # in the correction form only, for staff
    assert login_as("staff").get("/volunteers/records/987654").status_code == 404


# ------------------------------------------------------------------------ hour certificates


def test_a_certificate_counts_the_approved_hours_of_the_period(app):
    volunteer = make_volunteer(name="周国华")
    first = approved(volunteer, 180, served_on=TODAY - timedelta(days=20))
    second = approved(volunteer, 90, served_on=TODAY - timedelta(days=2))
    approved(volunteer, 600, served_on=TODAY - timedelta(days=400))  # before the period
    make_hours(volunteer, minutes=300)  # pending: not counted
    certificate, created = issue_certificate(volunteer.id, TODAY - timedelta(days=30), TODAY)
    assert created
    assert certificate.number == f"SC-{TODAY.year}-0001"
    assert (certificate.minutes, certificate.records, certificate.hours) == (270, 2, 4.5)
    assert {line.record_id for line in certificate.lines} == {first.id, second.id}
    assert certs.certificate_state(certificate) == certs.VALID
    again, created = issue_certificate(volunteer.id, TODAY - timedelta(days=30), TODAY)
    assert (again.id, created) == (certificate.id, False)  # a double click spends no number
    other, created = issue_certificate(volunteer.id, TODAY - timedelta(days=500), TODAY)
    assert created and other.number == f"SC-{TODAY.year}-0002" and other.minutes == 870
    assert certs.certificate_numbers() == []
    assert (
        AuditEntry.select().where(AuditEntry.action == "volunteers.certificate.issue").count() == 2
    )


def test_certificate_refusals(app):
    volunteer = make_volunteer()
    make_hours(volunteer, minutes=120)  # pending only
    refused("period_reversed", issue_certificate, volunteer.id, TODAY, TODAY - timedelta(days=1))
    refused("date_in_future", issue_certificate, volunteer.id, TODAY, TODAY + timedelta(days=1))
    refused("period_too_long", issue_certificate, volunteer.id, date(2000, 1, 1), TODAY)
    refused("date_required", issue_certificate, volunteer.id, None, TODAY)
    refused("no_approved_hours", issue_certificate, volunteer.id, TODAY - timedelta(days=9), TODAY)
    refused("unknown_volunteer", issue_certificate, 987_654, TODAY - timedelta(days=9), TODAY)
    assert HourCertificate.select().count() == 0


def test_a_revised_record_makes_the_certificate_no_longer_current(app, client):
    volunteer = make_volunteer(name="吴海燕")
    record = approved(volunteer, 120)
    certificate, _ = issue_certificate(volunteer.id, TODAY - timedelta(days=7), TODAY)
    page = client.get(f"/volunteers/certificates/{certificate.number}").get_data(as_text=True)
    assert "吴*燕" in page and "吴海燕" not in page and "Valid certificate" in page
    decide_hours([(record.id, "keep", 60, "实际只有一小时")])
    assert certs.certificate_state(HourCertificate.get_by_id(certificate.id)) == certs.REVISED
    response = client.get(f"/volunteers/certificates/{certificate.number.lower()}")
    assert response.status_code == 200
    assert "No longer current" in response.get_data(as_text=True)
    fresh, created = issue_certificate(volunteer.id, TODAY - timedelta(days=7), TODAY)
    assert created and fresh.minutes == 60  # a new one for the hours as they stand
    decide_hours([(record.id, "reject", None, "重复登记")])
    assert certs.certificate_state(HourCertificate.get_by_id(fresh.id)) == certs.REVISED


def test_an_unknown_number_is_404_on_the_public_page(app, client):
    for number in ("SC-2026-9999", "x" * 200, "PX-2026-0001"):
        response = client.get(f"/volunteers/certificates/{number}")
        assert response.status_code == 404
        assert "No certificate has this number" in response.get_data(as_text=True)


def test_the_holder_asks_for_one_and_prints_it_others_cannot(app, login_as):
    holder = login_as("entrepreneur", mobile="13800005105", name="郑晓东")
    other = login_as("entrepreneur", mobile="13800005106")
    volunteer = make_volunteer(user=holder.user)
    approved(volunteer, 240)
    period = {"first_day": (TODAY - timedelta(days=10)).isoformat(), "last_day": TODAY.isoformat()}
    response = holder.post("/volunteers/me/certificates", data=period)
    assert response.status_code == 302
    number = HourCertificate.get().number
    assert response.headers["Location"].endswith(f"/volunteers/certificates/{number}/print")
    sheet = holder.get(f"/volunteers/certificates/{number}/print").get_data(as_text=True)
    assert "郑晓东" in sheet and number in sheet and "<svg" in sheet  # the QR code
    assert f"/volunteers/certificates/{number}" in sheet
    assert other.get(f"/volunteers/certificates/{number}/print").status_code == 404
    assert other.post("/volunteers/me/certificates", data=period).status_code == 404
    assert login_as("staff").get(f"/volunteers/certificates/{number}/print").status_code == 200
    assert HourCertificate.select().count() == 1


def test_refused_periods_answer_422_with_the_reason(app, login_as):
    holder = login_as("entrepreneur", mobile="13800005107")
    make_volunteer(user=holder.user)
    cases = [
        ({"first_day": TODAY.isoformat(), "last_day": ""}, "Enter the date"),
        (
            {"first_day": TODAY.isoformat(), "last_day": (TODAY - timedelta(days=1)).isoformat()},
            "must not be before",
        ),
        (
            {"first_day": TODAY.isoformat(), "last_day": (TODAY + timedelta(days=3)).isoformat()},
            "cannot end after today",
        ),
        ({"first_day": "2026-13-45", "last_day": TODAY.isoformat()}, "first_day"),
        (
            {"first_day": (TODAY - timedelta(days=30)).isoformat(), "last_day": TODAY.isoformat()},
            "No approved hours fall in this period",
        ),
    ]
    for data, text in cases:
        response = holder.post("/volunteers/me/certificates", data=data)
        assert response.status_code == 422, data
        assert text in response.get_data(as_text=True), data
    assert HourCertificate.select().count() == 0


def test_staff_issue_and_withdraw_with_a_reason(app, login_as):
    staff = login_as("staff")
    volunteer = make_volunteer(name="冯秀兰")
    approved(volunteer, 120)
    period = {"first_day": (TODAY - timedelta(days=3)).isoformat(), "last_day": TODAY.isoformat()}
    assert (
        staff.post(f"/volunteers/records/{volunteer.id}/certificates", data=period).status_code
        == 302
    )
    number = HourCertificate.get().number
    assert (
        staff.post(f"/volunteers/certificates/{number}/withdraw", data={"reason": ""}).status_code
        == 422
    )
    assert (
        login_as("entrepreneur")
        .post(f"/volunteers/certificates/{number}/withdraw", data={"reason": "误发"})
        .status_code
        == 403
    )
    assert HourCertificate.get().revoked_at is None
    response = staff.post(f"/volunteers/certificates/{number}/withdraw", data={"reason": "误发"})
    assert response.status_code == 302
    assert certs.certificate_state(HourCertificate.get()) == certs.WITHDRAWN
    refused("already_withdrawn", revoke_certificate, number, "再次")
    page = login_as(None).get(f"/volunteers/certificates/{number}").get_data(as_text=True)
    assert "No longer current" in page and "withdrew" in page
    assert AuditEntry.get(AuditEntry.action == "volunteers.certificate.revoke").object_id == (
        HourCertificate.get().id
    )


def test_certificates_issued_at_once_get_distinct_gapless_numbers(app, live_server, make_user):
    """Parallel requests from staff for six volunteers: numbers 1 to 6, none twice."""
    from tests.conftest import TEST_PASSWORD
    from tests.live_client import LiveClient

    staff = make_user(role="staff")
    volunteers = [make_volunteer() for _ in range(6)]
    for volunteer in volunteers:
        approved(volunteer, 60)
    period = {"first_day": (TODAY - timedelta(days=5)).isoformat(), "last_day": TODAY.isoformat()}
    answers = []
    server = live_server(workers=2)

    def issue(volunteer):
        client = LiveClient(server.url, timeout=60)
        client.login(staff.username, TEST_PASSWORD)
        client.get(f"/volunteers/records/{volunteer.id}")
        answers.append(client.post(f"/volunteers/records/{volunteer.id}/certificates", period)[0])

    threads = [threading.Thread(target=issue, args=(v,)) for v in volunteers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert answers == [302] * 6
    serials = sorted(c.serial for c in HourCertificate.select())
    assert serials == [1, 2, 3, 4, 5, 6]
    assert certs.certificate_numbers() == []


# ------------------------------------------------------------------------------- reports


@pytest.fixture
def teams(app, make_enterprise):
    """A division with one squad, two activities in March (one cancelled) and one in May,
    approved and pending hours, and self-reported hours."""
    division = make_division(name="广中党员志愿者企业服务分队")
    squad = make_squad(division, make_enterprise(name="宝华集团"), name="宝华集团服务小分队")
    year = TODAY.year - 1
    march = make_activity(division, starts_in=timedelta(days=0))
    may = make_activity(squad, starts_in=timedelta(days=0))
    off = make_activity(division, starts_in=timedelta(days=0), status=CANCELLED)
    for activity, when in ((march, (year, 3, 10)), (may, (year, 5, 2)), (off, (year, 3, 20))):
        starts = to_utc(datetime(*when, 9))
        activity.starts_at, activity.ends_at = starts, starts + timedelta(hours=3)
        activity.save()
    a, b, c = make_volunteer(name="甲"), make_volunteer(name="乙"), make_volunteer(name="丙")
    approved(a, 120, served_on=date(year, 3, 10), activity=march)
    approved(b, 180, served_on=date(year, 3, 10), activity=march)
    approved(a, 60, served_on=date(year, 5, 2), activity=may)
    make_hours(c, minutes=300, served_on=date(year, 5, 2), activity=may, source="attendance")
    approved(c, 90, served_on=date(year, 7, 1))  # self-reported: no team
    approved(c, 600, served_on=date(year - 1, 7, 1))  # another year
    return division, squad, year


def test_the_year_report_by_team_and_month(teams):
    division, squad, year = teams
    report = team_report(year)
    rows = {row.team.id: row for row in report.teams}
    assert [r.team.id for r in report.teams] == [division.id, squad.id]  # squad under division
    d, s = rows[division.id], rows[squad.id]
    assert (d.activities, d.volunteers, d.minutes, d.points) == (1, 2, 300, 5)
    assert (s.activities, s.volunteers, s.minutes, s.points) == (1, 1, 60, 1)
    assert (report.unassigned.minutes, report.unassigned.volunteers) == (90, 1)
    total = report.total
    assert (total.activities, total.volunteers, total.minutes, total.points) == (2, 3, 450, 7)
    by_month = {row.label: row for row in report.months}
    assert by_month[f"{year}-03"].minutes == 300 and by_month[f"{year}-03"].activities == 1
    assert by_month[f"{year}-05"].minutes == 60 and by_month[f"{year}-07"].minutes == 90
    assert sum(row.minutes for row in report.months) == total.minutes
    one_team = team_report(year, team_id=squad.id)
    assert [row.minutes for row in one_team.months if row.minutes] == [60]
    month = team_report(year, month=3)
    assert month.total.minutes == 300 and month.total.volunteers == 2
    assert len(month.months) == 1


def test_the_report_page_and_spreadsheet(teams, login_as):
    _division, _squad, year = teams
    staff = login_as("staff")
    page = staff.get(f"/volunteers/reports?year={year}").get_data(as_text=True)
    assert "宝华集团服务小分队" in page and "7.5" in page  # 450 minutes in all
    assert staff.get(f"/volunteers/reports?year={year}&month=3").status_code == 200
    assert staff.get(f"/volunteers/reports?year={year}&team=987654").status_code == 404
    assert staff.get("/volunteers/reports?year=abc&month=99").status_code == 200
    response = staff.get(f"/volunteers/reports/export.xlsx?year={year}")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    by_team = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    assert by_team[1][0] == "广中党员志愿者企业服务分队" and by_team[1][1:] == [1, 2, 5, 5]
    assert by_team[-1][1:] == [2, 3, 7.5, 7]
    by_month = [list(row) for row in workbook.worksheets[1].iter_rows(values_only=True)]
    assert len(by_month) == 13 and by_month[3][3] == 5
    for role in ("entrepreneur", "kiosk"):
        assert login_as(role).get("/volunteers/reports").status_code == 403
        assert login_as(role).get("/volunteers/reports/export.xlsx").status_code == 403


# ---------------------------------------------------------------------------- honour board


def test_the_honour_board_ranks_approved_hours_with_masked_names(
    app, login_as, make_item, make_household
):
    year = TODAY.year
    first, second, third = (
        make_volunteer(name="王丽红"),
        make_volunteer(name="李建国"),
        make_volunteer(name="张伟"),
    )
    approved(first, 300)
    approved(second, 120)
    approved(third, 120)
    make_hours(third, minutes=700)  # pending: does not count
    approved(make_volunteer(name="钱多多"), 30)
    approved(make_volunteer(name="去年人"), 700, served_on=date(year - 1, 6, 1))
    household = make_household(head_name="帮困户主")  # households are never on the board
    market.issue_allowance()
    board = honour_board(year)
    assert [(p.rank, p.masked_name, p.minutes) for p in board] == [
        (1, "王*红", 300),
        (2, "李*国", 120),
        (2, "张*", 120),
        (4, "钱*多", 30),
    ]
    for client, path in (
        (login_as(None), "/volunteers/honour"),
        (login_as("kiosk"), "/kiosk/honour"),
    ):
        page = client.get(path).get_data(as_text=True)
        assert "王*红" in page and "王丽红" not in page and "李建国" not in page
        assert household.head_name not in page and Household.get().card_no not in page
    assert "去*人" in login_as(None).get(f"/volunteers/honour?year={year - 1}").get_data(
        as_text=True
    )
    assert login_as("kiosk").get("/volunteers/honour").status_code == 403


def test_an_erased_volunteer_leaves_the_board(app):
    from db.privacy import erase_person

    volunteer = make_volunteer(name="周国华", mobile="13800005108")
    approved(volunteer, 300)
    assert honour_board(TODAY.year)[0].masked_name == "周*华"
    erase_person("13800005108", "本人申请")
    assert honour_board(TODAY.year) == []


# ------------------------------------------------------------------- the partner profile


def test_the_partner_profile_shows_volunteer_hours_by_year(app, login_as, make_enterprise):
    enterprise = make_enterprise(name="华谊集团")
    volunteer = make_volunteer(name="吴海燕", enterprise=enterprise)
    approved(volunteer, 150, served_on=date(TODAY.year - 1, 4, 1))
    approved(volunteer, 90)
    make_hours(volunteer, minutes=600)  # pending: not counted
    approved(make_volunteer(name="别家人"), 700)  # another enterprise's volunteer
    page = login_as("staff").get(f"/partners/{enterprise.id}").get_data(as_text=True)
    by_year = page.split('id="years-title"', 1)[1].split("</table>", 1)[0]
    rows = {
        row.split("</th>", 1)[0]: row.rsplit('<td class="num">', 1)[1]
        for row in by_year.split('<tr><th scope="row">')[1:]
    }
    assert rows[str(TODAY.year - 1)].startswith("2.5<")
    assert rows[str(TODAY.year)].startswith("1.5<")
