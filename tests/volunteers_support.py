"""Helpers for the volunteer tests: teams, volunteers, activities and hours made directly."""

from datetime import timedelta

from db.accounts import PRIVACY_NOTICE_VERSION
from db.base import utcnow
from db.volunteers import Activity, HourRecord, Signup, Team, Volunteer
from db.volunteers.models import CONFIRMED, DIVISION, PUBLISHED, SQUAD

_counter = iter(range(1, 1_000_000))


def make_division(name=None):
    """A 分队."""
    return Team.create(kind=DIVISION, name=name or f"党员志愿者分队{next(_counter)}")


def make_squad(division, enterprise, name=None):
    """An enterprise's 小分队 within `division`."""
    return Team.create(
        kind=SQUAD,
        name=name or f"{enterprise.name}服务小分队{next(_counter)}",
        parent=division,
        enterprise=enterprise,
    )


def make_volunteer(user=None, name=None, mobile=None, **fields):
    """A volunteer with consent: of an account (`user`), or entered by staff."""
    n = next(_counter)
    return Volunteer.create(
        user=user,
        name=name or (user.name if user else f"志愿者{n}"),
        mobile=mobile or (user.mobile if user else f"1370000{n:04d}"),
        consent_at=utcnow(),
        consent_version=PRIVACY_NOTICE_VERSION,
        **fields,
    )


def make_activity(
    team,
    slots=10,
    starts_in=timedelta(days=2),
    hours=3,
    status=PUBLISHED,
    max_minutes=None,
    **fields,
):
    """An activity of `team` starting `starts_in` from now, lasting `hours`."""
    starts = utcnow() + starts_in
    return Activity.create(
        team=team,
        title=fields.pop("title", f"爱心超市值守{next(_counter)}"),
        what_to_do=fields.pop("what_to_do", "整理货架, 登记兑换"),
        place=fields.pop("place", "广中路党群服务中心"),
        starts_at=starts,
        ends_at=starts + timedelta(hours=hours),
        slots=slots,
        max_minutes=max_minutes or hours * 60,
        status=status,
        **fields,
    )


def make_signup(activity, volunteer, status=CONFIRMED, **fields):
    """A sign-up made directly (no seat rules)."""
    return Signup.create(activity=activity, volunteer=volunteer, status=status, **fields)


def make_hours(volunteer, minutes=120, status="pending", source="self_reported", **fields):
    """An hour record made directly."""
    from db.market.periods import local_today

    return HourRecord.create(
        volunteer=volunteer,
        minutes=minutes,
        status=status,
        source=source,
        served_on=fields.pop("served_on", local_today()),
        note=fields.pop("note", "社区清洁"),
        **fields,
    )
