"""Personal data in the volunteer service (PIPL): the export by mobile holds the volunteer,
teams, join requests, sign-ups, hours and certificates; correcting name and mobile on request
(audited, masked); erasing keeps hours, points and ledgers as counts, gives up a place not yet
used, and takes the name off certificates (which then no longer verify as current); purging
anonymises people who left every team long ago, and no one else."""

from datetime import timedelta

import pytest

from db import privacy
from db.audit import AuditEntry
from db.base import utcnow
from db.integrity import run_checks
from db.market.models import Passbook, PassbookEntry
from db.market.passbooks import passbook_balance
from db.market.periods import local_today
from db.volunteers import HourRecord, JoinRequest, Membership, Signup, Volunteer
from db.volunteers import certificates as certs
from db.volunteers.certificates import issue_certificate
from db.volunteers.errors import VolunteerError
from db.volunteers.honour import honour_board
from db.volunteers.hours import decide_hours
from db.volunteers.models import CANCELLED, CONFIRMED, WAITING
from db.volunteers.privacy import correct_volunteer
from db.volunteers.reports import team_report
from tests.volunteers_support import (
    make_activity,
    make_division,
    make_hours,
    make_signup,
    make_volunteer,
)

MOBILE = "13800005201"
TODAY = local_today()


@pytest.fixture
def person(app, make_user):
    """A volunteer with an account: a team, a join request, a finished activity with approved
    hours (points booked), a self-reported note, a seat at a full coming activity with someone
    waiting behind, and an hour certificate."""
    account = make_user(role="entrepreneur", mobile=MOBILE, name="孙雅婷")
    volunteer = make_volunteer(user=account, name="孙雅婷", mobile=MOBILE)
    division = make_division(name="广中党员志愿者企业服务分队")
    Membership.create(team=division, volunteer=volunteer)
    JoinRequest.create(team=division, volunteer=volunteer, note="我住在广中路，周末有空")
    past = make_activity(division, starts_in=timedelta(days=-5), title="结对助学家访")
    signup = make_signup(past, volunteer, signed_in_at=past.starts_at)
    record = make_hours(
        volunteer, minutes=120, activity=past, signup=signup, source="attendance", note="家访两户"
    )
    decide_hours([(record.id, "approve", None, "表现很好")])
    coming = make_activity(division, slots=1, starts_in=timedelta(days=3), title="爱心超市值守")
    seat = make_signup(coming, volunteer)
    waiting = make_signup(coming, make_volunteer(name="候补人"), status=WAITING, waiting_number=1)
    certificate, _ = issue_certificate(volunteer.id, TODAY - timedelta(days=30), TODAY)
    return dict(
        volunteer=volunteer,
        record=record,
        seat=seat,
        waiting=waiting,
        certificate=certificate,
        division=division,
    )


def sections(mobile):
    """{section title: rows} of the export."""
    return {str(title): rows for title, rows in privacy.export_person(mobile)}


def test_the_export_holds_everything_about_the_volunteer(person):
    found = sections(MOBILE)
    volunteer = found["Volunteer"][0]
    assert volunteer["Name"] == "孙雅婷" and volunteer["Mobile number"] == MOBILE
    assert "广中党员志愿者企业服务分队" in volunteer["Teams"]
    assert volunteer["Passbook"].startswith("ZY")
    assert found["Team join requests"][0]["Note"] == "我住在广中路，周末有空"
    assert {row["Activity"] for row in found["Volunteer activity sign-ups"]} == {
        "结对助学家访",
        "爱心超市值守",
    }
    hours = found["Volunteer hours"][0]
    assert (hours["Minutes"], hours["Points"], hours["Note"]) == (120, 2, "家访两户")
    assert found["Hour certificates"][0]["Holder"] == "孙雅婷"
    assert "Volunteer" not in sections("13800005299")


def test_erasing_keeps_hours_points_and_ledgers_as_counts(person):
    volunteer = person["volunteer"]
    passbook_id = Volunteer.get_by_id(volunteer.id).passbook_id
    balance = passbook_balance(passbook_id)
    entries = PassbookEntry.select().count()
    report_before = team_report(TODAY.year).total.minutes
    privacy.erase_person(MOBILE, "本人申请")
    erased = Volunteer.get_by_id(volunteer.id)
    assert erased.name == privacy.ERASED_NAME and erased.user_id is None
    assert erased.mobile == privacy.erased_mobile(volunteer.id)
    assert Passbook.get_by_id(passbook_id).holder_name == privacy.ERASED_NAME
    assert Passbook.get_by_id(passbook_id).status == "closed"
    record = HourRecord.get_by_id(person["record"].id)
    assert (record.minutes, record.points, record.status) == (120, 2, "approved")
    assert (record.note, record.decision_note) == ("", "")
    assert JoinRequest.get().note == "" and JoinRequest.get().status == "declined"
    assert passbook_balance(passbook_id) == balance and PassbookEntry.select().count() == entries
    assert team_report(TODAY.year).total.minutes == report_before
    assert honour_board(TODAY.year) == []
    # The seat at the coming activity is given up: the person waiting takes it.
    assert Signup.get_by_id(person["seat"].id).status == CANCELLED
    assert Signup.get_by_id(person["waiting"].id).status == CONFIRMED
    certificate = certs.HourCertificate.get_by_id(person["certificate"].id)
    assert certificate.holder_name == privacy.ERASED_NAME
    assert certs.certificate_state(certificate) == certs.ERASED
    assert "孙雅婷" not in str(privacy.export_person(MOBILE))
    problems, _ = run_checks()
    assert problems == []
    assert AuditEntry.select().where(AuditEntry.action == "volunteers.volunteer.erase").count() == 1
    with pytest.raises(VolunteerError):
        issue_certificate(volunteer.id, TODAY - timedelta(days=30), TODAY)


def test_the_public_check_of_an_erased_holders_certificate(person, client):
    privacy.erase_person(MOBILE, "本人申请")
    client.set_cookie("lang", "en")
    page = client.get(f"/volunteers/certificates/{person['certificate'].number}").get_data(
        as_text=True
    )
    assert "No longer current" in page and "erased at their request" in page
    assert "孙" not in page and "已*除" not in page


def test_correcting_name_and_mobile_is_audited_and_masked(person):
    volunteer = person["volunteer"]
    correct_volunteer(volunteer.id, " 孙雅琪 ", "138 0000 5202")
    corrected = Volunteer.get_by_id(volunteer.id)
    assert (corrected.name, corrected.mobile) == ("孙雅琪", "13800005202")
    assert Passbook.get_by_id(corrected.passbook_id).holder_name == "孙雅琪"
    entry = AuditEntry.get(AuditEntry.action == "volunteers.volunteer.correct")
    assert "13800005202" not in entry.summary and "孙" not in entry.summary
    assert "138****5202" in entry.summary
    # The certificate keeps the name as printed and stays valid.
    certificate = certs.HourCertificate.get_by_id(person["certificate"].id)
    assert certificate.holder_name == "孙雅婷"
    assert certs.certificate_state(certificate) == certs.VALID


@pytest.mark.parametrize(
    ("name", "mobile", "code"),
    [
        ("", "13800005203", "name_required"),
        ("名" * 51, "13800005203", "too_long"),
        ("孙雅婷", "12345", "mobile_invalid"),
        ("孙雅婷", "１３８００００５２０３", "mobile_invalid"),
    ],
)
def test_correction_refusals(person, name, mobile, code):
    with pytest.raises(VolunteerError) as caught:
        correct_volunteer(person["volunteer"].id, name, mobile)
    assert caught.value.code == code
    assert Volunteer.get_by_id(person["volunteer"].id).name == "孙雅婷"


def test_a_mobile_of_another_volunteer_or_an_erased_one_is_refused(person):
    other = make_volunteer(name="别人", mobile="13800005204")
    with pytest.raises(VolunteerError) as caught:
        correct_volunteer(person["volunteer"].id, "孙雅婷", "13800005204")
    assert caught.value.code == "mobile_taken"
    privacy.erase_person("13800005204", "本人申请")
    with pytest.raises(VolunteerError) as caught:
        correct_volunteer(other.id, "别人", "13800005205")
    assert caught.value.code == "volunteer_erased"


def test_staff_correct_through_the_record_page(person, login_as):
    staff = login_as("staff")
    staff.set_cookie("lang", "en")
    volunteer = person["volunteer"]
    refused = staff.post(
        f"/volunteers/records/{volunteer.id}/correct", data={"name": "孙雅琪", "mobile": "123"}
    )
    assert refused.status_code == 422 and "11-digit" in refused.get_data(as_text=True)
    other = make_volunteer(mobile="13800005206")
    taken = staff.post(
        f"/volunteers/records/{volunteer.id}/correct",
        data={"name": "孙雅琪", "mobile": other.mobile},
    )
    assert taken.status_code == 422 and "Another volunteer" in taken.get_data(as_text=True)
    assert Volunteer.get_by_id(volunteer.id).name == "孙雅婷"
    done = staff.post(
        f"/volunteers/records/{volunteer.id}/correct",
        data={"name": "孙雅琪", "mobile": "13800005207"},
    )
    assert done.status_code == 302
    assert Volunteer.get_by_id(volunteer.id).mobile == "13800005207"
    assert (
        login_as("entrepreneur")
        .post(
            f"/volunteers/records/{volunteer.id}/correct",
            data={"name": "坏人", "mobile": "13800005208"},
        )
        .status_code
        == 403
    )


def test_purge_takes_only_people_who_left_every_team_long_ago(person):
    old = utcnow() - timedelta(days=800)
    gone = make_volunteer(name="早已离开", mobile="13800005209", created_at=old)
    make_hours(gone, minutes=60, status="approved", created_at=old, decided_at=old)
    member = make_volunteer(name="老队员", mobile="13800005210", created_at=old)
    Membership.create(team=person["division"], volunteer=member)
    recent = make_volunteer(name="新人", mobile="13800005211")
    counts = privacy.purge_older_than(24)
    assert counts["volunteers"] == 1
    assert Volunteer.get_by_id(gone.id).name == privacy.ERASED_NAME
    assert HourRecord.get(HourRecord.volunteer == gone.id).minutes == 60
    for kept in (member, recent, person["volunteer"]):
        assert Volunteer.get_by_id(kept.id).name != privacy.ERASED_NAME
    assert privacy.purge_older_than(24)["volunteers"] == 0  # nothing left to purge


def test_every_record_change_is_audited(person, login_as):
    """Issuing, withdrawing, correcting and erasing each leave an audit entry naming what."""
    actions = {
        entry.action
        for entry in AuditEntry.select().where(AuditEntry.action.startswith("volunteers."))
    }
    assert "volunteers.certificate.issue" in actions and "volunteers.hours.approved" in actions
    certs.revoke_certificate(person["certificate"].number, "重复出具")
    correct_volunteer(person["volunteer"].id, "孙雅琪", MOBILE)
    privacy.erase_person(MOBILE, "本人申请")
    actions = {entry.action for entry in AuditEntry.select()}
    for action in (
        "volunteers.certificate.revoke",
        "volunteers.volunteer.correct",
        "volunteers.volunteer.erase",
        "privacy.erase",
    ):
        assert action in actions, action
    for entry in AuditEntry.select():
        assert MOBILE not in entry.summary and "孙雅" not in entry.summary, entry.action


def test_erasing_closes_a_passbook_that_holds_no_mobile(person):
    """A passbook opened while the volunteer had no valid mobile is not found by the market's
    own erasure (it looks passbooks up by mobile): the volunteer's erasure closes it."""
    passbook_id = Volunteer.get_by_id(person["volunteer"].id).passbook_id
    Passbook.update(mobile="").where(Passbook.id == passbook_id).execute()
    privacy.erase_person(MOBILE, "本人申请")
    passbook = Passbook.get_by_id(passbook_id)
    assert (passbook.holder_name, passbook.status) == (privacy.ERASED_NAME, "closed")
