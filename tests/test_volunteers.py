"""Volunteer service rules at the data layer: teams, members, join requests, activities,
sign-up with seats and a waiting list, sign-in and sign-out, hours and points."""

from datetime import timedelta

import pytest

from db import market
from db.audit import AuditEntry
from db.base import utcnow
from db.market.models import PassbookEntry
from db.market.periods import local_today
from db.notices import Notice
from db.volunteers import (
    HourRecord,
    Membership,
    Signup,
    Volunteer,
    VolunteerError,
    activities,
    attendance,
    hours,
    teams,
)
from db.volunteers.models import (
    APPROVED,
    CANCELLED,
    CONFIRMED,
    DECLINED,
    LEADER,
    PENDING,
    REJECTED,
    WAITING,
)
from tests.volunteers_support import (
    make_activity,
    make_division,
    make_hours,
    make_signup,
    make_squad,
    make_volunteer,
)


def refused(code, call, *args, **kwargs):
    with pytest.raises(VolunteerError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value.code
    return caught.value


# Teams ------------------------------------------------------------------------------------


def test_a_division_and_an_enterprise_squad_within_it(app, make_enterprise, make_user):
    staff = make_user(role="staff")
    enterprise = make_enterprise(name="宝华集团")
    division = teams.create_team("division", " 广中党员志愿者企业服务分队 ", actor=staff)
    squad = teams.create_team(
        "squad", "宝华集团服务小分队", parent_id=division.id, enterprise_id=enterprise.id
    )
    assert division.name == "广中党员志愿者企业服务分队" and division.parent_id is None
    assert squad.parent_id == division.id and squad.enterprise_id == enterprise.id
    assert list(division.squads) == [squad]
    assert AuditEntry.select().where(AuditEntry.action == "volunteers.team.create").count() == 2


def test_team_refusals(app, make_enterprise):
    division = make_division()
    enterprise = make_enterprise()
    refused("unknown_kind", teams.create_team, "club", "某队")
    refused("team_name_required", teams.create_team, "division", "  ")
    refused("too_long", teams.create_team, "division", "队" * 101)
    refused("team_name_taken", teams.create_team, "division", division.name)
    # A squad needs a division (not another squad) and an enterprise.
    refused("division_required", teams.create_team, "squad", "小分队", enterprise_id=enterprise.id)
    squad = make_squad(division, enterprise)
    refused(
        "division_required",
        teams.create_team,
        "squad",
        "小分队2",
        parent_id=squad.id,
        enterprise_id=enterprise.id,
    )
    refused("enterprise_required", teams.create_team, "squad", "小分队3", parent_id=division.id)
    refused(
        "enterprise_required",
        teams.create_team,
        "squad",
        "小分队3",
        parent_id=division.id,
        enterprise_id=99999,
    )


def test_staff_enter_a_member_with_consent_and_an_account_holder_is_linked(
    app, make_user, make_enterprise
):
    staff = make_user(role="staff")
    division = make_division()
    refused("consent_required", teams.add_member, division.id, "王小明", "13912345678", False)
    refused("mobile_invalid", teams.add_member, division.id, "王小明", "1391234", True)
    refused("name_required", teams.add_member, division.id, " ", "13912345678", True)
    assert Volunteer.select().count() == 0
    membership, created = teams.add_member(
        division.id, "王小明", "139 1234 5678", True, role=LEADER, actor=staff
    )
    assert created and membership.role == LEADER
    volunteer = membership.volunteer
    assert volunteer.mobile == "13912345678" and volunteer.consent_at is not None
    assert volunteer.user_id is None
    # The same person again: nothing new.
    again, created = teams.add_member(division.id, "王小明", "13912345678", False)
    assert not created and again.id == membership.id
    # An entrepreneur account with a mobile number is linked when entered.
    person = make_user(mobile="13800001111")
    entered, _ = teams.add_member(division.id, person.name, "13800001111", True)
    assert entered.volunteer.user_id == person.id
    # A staff-entered person who later signs in with an account of that number is one volunteer.
    later = make_user(mobile="13912345678")
    assert teams.volunteer_of(later).id == volunteer.id
    assert teams.volunteer_for_user(later).id == volunteer.id
    assert Volunteer.get_by_id(volunteer.id).user_id == later.id


def test_roles_and_removal(app, make_user):
    division = make_division()
    membership, _ = teams.add_member(division.id, "李四", "13911112222", True)
    assert teams.set_role(membership.id, LEADER).role == LEADER
    refused("unknown_role", teams.set_role, membership.id, "captain")
    teams.remove_member(membership.id)
    assert Membership.select().count() == 0
    refused("unknown_member", teams.remove_member, membership.id)
    assert Volunteer.select().count() == 1  # the person stays, with their hours


def test_join_request_approved_or_declined_by_staff(app, make_user):
    staff = make_user(role="staff")
    person = make_user()
    division = make_division()
    refused("consent_required", teams.request_join, division.id, person)
    request = teams.request_join(division.id, person, note="想参加爱心超市值守", consent=True)
    assert request.status == PENDING
    # Asking again while pending returns the same request.
    assert teams.request_join(division.id, person).id == request.id
    decided = teams.decide_join_request(request.id, True, actor=staff)
    assert decided.status == APPROVED and decided.decided_by_id == staff.id
    assert Membership.get(Membership.team == division.id).volunteer.user_id == person.id
    refused("request_decided", teams.decide_join_request, request.id, False)
    refused("already_member", teams.request_join, division.id, person)
    other = make_division()
    declined = teams.decide_join_request(teams.request_join(other.id, person).id, False, "名额已满")
    assert declined.status == DECLINED and declined.decision_note == "名额已满"
    assert not Membership.select().where(Membership.team == other.id).exists()
    told = {n.kind: n for n in Notice.select().where(Notice.recipient == person.id)}
    assert division.name in told["volunteers.join_approved"].subject
    assert "名额已满" in told["volunteers.join_declined"].body
    actions = {row.action for row in AuditEntry.select()}
    assert {"volunteers.join.request", "volunteers.join.approved", "volunteers.join.declined"} <= (
        actions
    )
    refused("unknown_request", teams.decide_join_request, 99999, True)


def test_join_refused_for_an_inactive_team_or_an_account_without_mobile(app, make_user):
    division = make_division()
    division.active = False
    division.save()
    refused("team_inactive", teams.request_join, division.id, make_user(), consent=True)
    refused(
        "mobile_required",
        teams.request_join,
        make_division().id,
        make_user(role="staff"),
        consent=True,
    )


# Activities and sign-up -------------------------------------------------------------------


def activity_fields(team, **changes):
    starts = utcnow() + timedelta(days=3)
    fields = dict(
        team_id=team.id,
        title="爱心超市值守",
        place="广中路党群服务中心",
        what_to_do="整理货架",
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        slots=2,
        max_minutes=None,
    )
    fields.update(changes)
    return fields


def test_publish_an_activity_and_its_field_rules(app, make_user):
    team = make_division()
    activity = activities.create_activity(activity_fields(team))
    assert activity.status == "draft" and activity.max_minutes == 180
    assert activities.publish_activity(activity.id).status == "published"
    starts = utcnow() + timedelta(days=1)
    for code, changes in [
        ("title_required", dict(title=" ")),
        ("place_required", dict(place="")),
        ("team_required", dict(team_id=None)),
        ("starts_required", dict(starts_at=None)),
        ("ends_before_start", dict(starts_at=starts, ends_at=starts)),
        ("too_long_duration", dict(starts_at=starts, ends_at=starts + timedelta(days=8))),
        ("slots_range", dict(slots=0)),
        ("slots_range", dict(slots=10_001)),
        ("cap_range", dict(max_minutes=0)),
        ("cap_range", dict(max_minutes=24 * 60 + 1)),
    ]:
        refused(code, activities.create_activity, activity_fields(team, **changes))


def test_sign_up_seats_then_waiting_list_and_promotion_on_cancel(app, make_user):
    activity = make_activity(make_division(), slots=2)
    people = [make_user() for _ in range(4)]
    rows = [activities.sign_up(activity.id, person, consent=True)[0] for person in people]
    assert [row.status for row in rows] == [CONFIRMED, CONFIRMED, WAITING, WAITING]
    assert [row.waiting_number for row in rows[2:]] == [1, 2]
    # Signing up again returns the live sign-up.
    again, created = activities.sign_up(activity.id, people[0])
    assert not created and again.id == rows[0].id
    # A confirmed person cancels: the head of the list is seated and told.
    cancelled, promoted = activities.cancel_signup(rows[0].id, actor=people[0])
    assert cancelled.status == CANCELLED and [row.id for row in promoted] == [rows[2].id]
    assert Signup.get_by_id(rows[2].id).status == CONFIRMED
    notice = Notice.get(Notice.kind == "volunteers.promoted")
    assert notice.recipient_id == people[2].id and activity.title in notice.subject
    # A waiting person cancels: nobody moves.
    assert activities.cancel_signup(rows[3].id)[1] == []
    # Cancelling twice changes nothing; signing up again queues at the end.
    assert activities.cancel_signup(rows[3].id)[0].status == CANCELLED
    back, created = activities.sign_up(activity.id, people[3])
    assert created and back.id == rows[3].id
    assert (back.status, back.waiting_number) == (WAITING, 3)  # numbers are never reused
    assert Signup.select().where(Signup.status == CONFIRMED).count() == 2


def test_nobody_jumps_the_waiting_list(app, make_user):
    activity = make_activity(make_division(), slots=1)
    first, second, third = make_user(), make_user(), make_user()
    seated = activities.sign_up(activity.id, first, consent=True)[0]
    waiting = activities.sign_up(activity.id, second, consent=True)[0]
    activities.cancel_signup(seated.id)
    assert Signup.get_by_id(waiting.id).status == CONFIRMED
    assert activities.sign_up(activity.id, third, consent=True)[0].status == WAITING


def test_sign_up_refusals(app, make_user):
    team = make_division()
    person = make_user()
    refused("consent_required", activities.sign_up, make_activity(team).id, person)
    refused("signup_draft", activities.sign_up, make_activity(team, status="draft").id, person)
    started = make_activity(team, starts_in=timedelta(hours=-1))
    refused("signup_started", activities.sign_up, started.id, person, consent=True)
    ended = make_activity(team, starts_in=timedelta(days=-2))
    refused("signup_ended", activities.sign_up, ended.id, person, consent=True)
    cancelled = make_activity(team, status="cancelled")
    refused("signup_cancelled", activities.sign_up, cancelled.id, person, consent=True)
    refused(
        "mobile_required",
        activities.sign_up,
        make_activity(team).id,
        make_user(role="staff"),
        consent=True,
    )
    # The person cancels only before the start; staff until the end.
    running = make_activity(team, starts_in=timedelta(hours=-1))
    signup = make_signup(running, make_volunteer(user=person))
    refused("cancel_closed", activities.cancel_signup, signup.id, by="self")
    assert activities.cancel_signup(signup.id, by="staff")[0].status == CANCELLED


def test_fewer_slots_than_seated_is_refused_and_more_slots_promote(app, make_user):
    team = make_division()
    activity = make_activity(team, slots=2)
    for _ in range(3):
        activities.sign_up(activity.id, make_user(), consent=True)
    fields = activity_fields(team, starts_at=activity.starts_at, ends_at=activity.ends_at)
    error = refused("below_seated", activities.update_activity, activity.id, dict(fields, slots=1))
    assert error.params["seated"] == 2
    _activity, promoted = activities.update_activity(activity.id, dict(fields, slots=3))
    assert len(promoted) == 1 and Signup.select().where(Signup.status == WAITING).count() == 0


def test_cancelling_an_activity_cancels_and_tells_every_sign_up(app, make_user):
    activity = make_activity(make_division(), slots=1)
    for _ in range(2):
        activities.sign_up(activity.id, make_user(), consent=True)
    activities.cancel_activity(activity.id, "下雨")
    assert Signup.select().where(Signup.status == CANCELLED).count() == 2
    assert Notice.select().where(Notice.kind == "volunteers.cancelled").count() == 2
    refused("activity_cancelled", activities.publish_activity, activity.id)


# Sign-in, sign-out and hours --------------------------------------------------------------


def test_sign_in_and_out_make_a_pending_record_capped_at_the_activity(app, make_user):
    staff = make_user(role="staff")
    activity = make_activity(make_division(), starts_in=timedelta(minutes=30), max_minutes=60)
    signup = make_signup(activity, make_volunteer())
    start = activity.starts_at
    refused("sign_in_not_yet", attendance.sign_in, signup.id, now=start - timedelta(hours=2))
    attendance.sign_in(signup.id, actor=staff, now=start)
    refused("already_signed_in", attendance.sign_in, signup.id, now=start)
    refused(
        "sign_out_before_sign_in", attendance.sign_out, signup.id, now=start - timedelta(minutes=1)
    )
    _signup, record = attendance.sign_out(signup.id, actor=staff, now=start + timedelta(hours=2))
    assert record.minutes == 60 and record.status == PENDING and record.source == "attendance"
    assert record.signup_id == signup.id and record.activity_id == activity.id
    refused("already_signed_out", attendance.sign_out, signup.id, now=start + timedelta(hours=3))
    assert HourRecord.select().count() == 1


def test_minutes_are_whole_minutes_under_the_cap(app):
    start = utcnow()
    assert attendance.attended_minutes(start, start + timedelta(minutes=45, seconds=59), 60) == 45
    assert attendance.attended_minutes(start, start + timedelta(hours=5), 180) == 180


def test_sign_in_refusals(app):
    team = make_division()
    waiting = make_signup(
        make_activity(team, starts_in=timedelta(0)), make_volunteer(), status=WAITING
    )
    refused("not_confirmed", attendance.sign_in, waiting.id)
    ended = make_signup(make_activity(team, starts_in=timedelta(days=-1)), make_volunteer())
    refused("sign_in_closed", attendance.sign_in, ended.id)
    fresh = make_signup(make_activity(team, starts_in=timedelta(0)), make_volunteer())
    refused("not_signed_in", attendance.sign_out, fresh.id)
    refused("unknown_signup", attendance.sign_in, 99999)
    attendance.sign_in(fresh.id)
    attendance.undo_sign_in(fresh.id)
    assert Signup.get_by_id(fresh.id).signed_in_at is None
    # A signed-in person cannot be cancelled.
    attendance.sign_in(fresh.id)
    refused("signed_in", activities.cancel_signup, fresh.id, by="staff")


def test_kiosk_signs_in_then_out_and_takes_a_free_slot_for_a_walk_up(app):
    activity = make_activity(make_division(), slots=1, starts_in=timedelta(minutes=-10))
    walk_up = make_volunteer()
    signup, what, record = attendance.kiosk_sign(activity.id, walk_up)
    assert what == "signed_in" and signup.source == "kiosk" and record is None
    # A double tap is the same arrival, not a sign-out.
    again, what, record = attendance.kiosk_sign(activity.id, walk_up)
    assert (what, record) == ("signed_in", None) and again.signed_out_at is None
    assert HourRecord.select().count() == 0
    signup, what, record = attendance.kiosk_sign(
        activity.id, walk_up, now=utcnow() + timedelta(minutes=50)
    )
    assert what == "signed_out" and record.minutes >= 49
    refused("already_signed_out", attendance.kiosk_sign, activity.id, walk_up)
    refused("full", attendance.kiosk_sign, activity.id, make_volunteer())


def test_self_reported_hours_need_approval_and_follow_the_rules(app, make_user):
    volunteer = make_volunteer()
    today = local_today()
    record = hours.report_hours(volunteer, today, 90, "社区垃圾分类宣传")
    assert record.status == PENDING and record.source == "self_reported" and record.points == 0
    for code, args in [
        ("what_required", (today, 60, " ")),
        ("date_in_future", (today + timedelta(days=1), 60, "宣传")),
        ("date_too_old", (today - timedelta(days=91), 60, "宣传")),
        ("minutes_range", (today, 0, "宣传")),
        ("minutes_range", (today, 12 * 60 + 1, "宣传")),
        ("date_required", (None, 60, "宣传")),
    ]:
        refused(code, hours.report_hours, volunteer, *args)
    assert PassbookEntry.select().count() == 0


def passbook_points(volunteer):
    volunteer = Volunteer.get_by_id(volunteer.id)
    return market.passbook_balance(volunteer.passbook_id) if volunteer.passbook_id else 0


def test_approval_books_points_into_a_passbook_opened_on_first_earning(app, make_user):
    staff = make_user(role="staff")
    volunteer = make_volunteer()
    first = make_hours(volunteer, minutes=150)
    second = make_hours(volunteer, minutes=59)
    counts = hours.decide_hours(
        [(first.id, "approve", None, None), (second.id, "approve", None, "")], actor=staff
    )
    assert counts == dict(approved=2, rejected=0, corrected=0, unchanged=0)
    # 150 minutes at 1 point an hour: 2 points (rounded down); 59 minutes: none.
    assert passbook_points(volunteer) == 2
    entry = PassbookEntry.get(PassbookEntry.source_key == f"hours:{first.id}")
    assert entry.points == 2 and entry.kind == "earned"
    assert (
        not PassbookEntry.select().where(PassbookEntry.source_key == f"hours:{second.id}").exists()
    )
    record = HourRecord.get_by_id(first.id)
    assert record.status == APPROVED and record.points == 2 and record.points_rate == 1
    assert record.decided_by_id == staff.id
    passbook = Volunteer.get_by_id(volunteer.id).passbook
    assert passbook.passbook_no.startswith("ZY") and passbook.holder_name == volunteer.name
    # Approving again books nothing more.
    assert hours.decide_hours([(first.id, "approve", None, None)])["unchanged"] == 1
    assert passbook_points(volunteer) == 2


def test_the_rate_is_a_setting_kept_on_each_record(app):
    assert hours.points_rate() == 1
    refused("rate_range", hours.set_points_rate, 101)
    refused("rate_range", hours.set_points_rate, -1)
    hours.set_points_rate(2)
    volunteer = make_volunteer()
    record = make_hours(volunteer, minutes=90)
    hours.decide_hours([(record.id, "approve", None, None)])
    assert passbook_points(volunteer) == 3
    hours.set_points_rate(1)
    # A correction re-prices at the rate the record earned at (2 an hour): 120 min -> 4.
    hours.decide_hours([(record.id, "keep", 120, None)])
    assert passbook_points(volunteer) == 4
    assert HourRecord.get_by_id(record.id).points == 4


def test_corrections_book_the_difference_and_rejecting_takes_points_back(app):
    volunteer = make_volunteer()
    record = make_hours(volunteer, minutes=180)
    hours.decide_hours([(record.id, "approve", None, None)])
    assert passbook_points(volunteer) == 3
    assert hours.decide_hours([(record.id, "keep", 60, "少记了")])["corrected"] == 1
    assert passbook_points(volunteer) == 1
    keys = [row.source_key for row in PassbookEntry.select().order_by(PassbookEntry.id)]
    assert keys == [f"hours:{record.id}", f"hours:{record.id}:1"]
    assert hours.decide_hours([(record.id, "reject", None, None)])["rejected"] == 1
    assert passbook_points(volunteer) == 0 and HourRecord.get_by_id(record.id).points == 0
    # Approved again after a rejection: booked again under a new key.
    hours.decide_hours([(record.id, "approve", 120, None)])
    assert passbook_points(volunteer) == 2


def test_a_correction_of_points_already_spent_is_refused_whole(app):
    volunteer = make_volunteer()
    record = make_hours(volunteer, minutes=120)
    other = make_hours(volunteer, minutes=60)
    hours.decide_hours([(record.id, "approve", None, None)])
    passbook_id = Volunteer.get_by_id(volunteer.id).passbook_id
    # The volunteer spends the points at the counter (a correction entry stands in here).
    market.earn_points(passbook_id, -2, source_key="spent-test")
    error = refused(
        "points_spent",
        hours.decide_hours,
        [(other.id, "approve", None, None), (record.id, "keep", 0, None)],
    )
    assert error.params["record"] == record.id and error.params["balance"] == 0
    # Nothing of the batch was written.
    assert HourRecord.get_by_id(other.id).status == PENDING
    assert HourRecord.get_by_id(record.id).minutes == 120
    assert market.passbook_balance(passbook_id) == 0


def test_minutes_above_the_cap_or_unknown_rows_refuse_the_batch(app):
    activity = make_activity(make_division(), max_minutes=60)
    volunteer = make_volunteer()
    record = make_hours(volunteer, minutes=60, activity=activity, source="attendance")
    plain = make_hours(volunteer, minutes=60)
    error = refused("above_cap", hours.decide_hours, [(record.id, "approve", 61, None)])
    assert error.field == f"minutes-{record.id}" and error.params["limit"] == 60
    refused("above_cap", hours.decide_hours, [(plain.id, "approve", 12 * 60 + 1, None)])
    refused("unknown_record", hours.decide_hours, [(99999, "approve", None, None)])
    refused("unknown_action", hours.decide_hours, [(plain.id, "pay", None, None)])
    assert HourRecord.select().where(HourRecord.status == PENDING).count() == 2


def test_pending_minutes_corrected_without_points_and_rejected(app):
    volunteer = make_volunteer()
    record = make_hours(volunteer, minutes=200)
    assert hours.decide_hours([(record.id, "keep", 100, None)])["corrected"] == 1
    assert HourRecord.get_by_id(record.id).minutes == 100
    assert hours.decide_hours([(record.id, "reject", None, "不属于志愿服务")])["rejected"] == 1
    rejected = HourRecord.get_by_id(record.id)
    assert rejected.status == REJECTED and rejected.decision_note == "不属于志愿服务"
    assert PassbookEntry.select().count() == 0


def test_points_for_rounds_down():
    assert hours.points_for(59, 1) == 0
    assert hours.points_for(60, 1) == 1
    assert hours.points_for(119, 1) == 1
    assert hours.points_for(90, 3) == 4
    assert hours.points_for(0, 5) == 0


def test_an_inactive_team_publishes_no_new_activity(app):
    team = make_division()
    team.active = False
    team.save()
    refused("team_inactive", activities.create_activity, activity_fields(team))


def test_a_volunteer_without_a_real_mobile_gets_a_passbook_without_one(app):
    volunteer = make_volunteer()
    Volunteer.update(mobile="erased-1").where(Volunteer.id == volunteer.id).execute()
    record = make_hours(volunteer, minutes=60)
    hours.decide_hours([(record.id, "approve", None, None)])
    passbook = Volunteer.get_by_id(volunteer.id).passbook
    assert passbook.mobile == "" and market.passbook_balance(passbook.id) == 1
    # A name the passbook refuses turns into a refusal of the batch, never a crash.
    other = make_volunteer()
    Volunteer.update(name="").where(Volunteer.id == other.id).execute()
    refused(
        "points_not_booked", hours.decide_hours, [(make_hours(other).id, "approve", None, None)]
    )
