"""The volunteer pages' lists: activities, rosters, teams and members, requests, hours."""

from peewee import JOIN, Case, fn

from db.accounts import Enterprise
from db.base import utcnow
from db.pagination import paginate
from db.volunteers.models import (
    CONFIRMED,
    DIVISION,
    PENDING,
    PUBLISHED,
    WAITING,
    Activity,
    HourRecord,
    JoinRequest,
    Membership,
    Signup,
    Team,
    Volunteer,
)

PAGE_SIZE = 20
HOURS_PAGE_SIZE = 50
ROSTER_PAGE_SIZE = 50


def public_activities(page, now=None):
    """Published activities that have not ended, soonest first (a page)."""
    now = now or utcnow()
    query = (
        Activity.select(Activity, Team)
        .join(Team)
        .where(Activity.status == PUBLISHED, Activity.ends_at > now)
        .order_by(Activity.starts_at, Activity.id)
    )
    return paginate(query, page, PAGE_SIZE)


def staff_activities(page, status="", q=""):
    """Every activity, latest start first, filtered by status and title."""
    query = (
        Activity.select(Activity, Team)
        .join(Team)
        .order_by(Activity.starts_at.desc(), Activity.id.desc())
    )
    if status:
        query = query.where(Activity.status == status)
    if q:
        query = query.where(Activity.title.contains(q))
    return paginate(query, page, PAGE_SIZE)


def counts_for(activity_ids):
    """{activity id: {"confirmed": n, "waiting": n, "signed_in": n}} in one query."""
    if not activity_ids:
        return {}
    rows = (
        Signup.select(
            Signup.activity,
            fn.SUM(Case(None, [(Signup.status == CONFIRMED, 1)], 0)),
            fn.SUM(Case(None, [(Signup.status == WAITING, 1)], 0)),
            fn.SUM(Case(None, [(Signup.signed_in_at.is_null(False), 1)], 0)),
        )
        .where(Signup.activity.in_(list(activity_ids)))
        .group_by(Signup.activity)
        .tuples()
    )
    found = {
        activity_id: dict(confirmed=int(a or 0), waiting=int(b or 0), signed_in=int(c or 0))
        for activity_id, a, b, c in rows
    }
    empty = dict(confirmed=0, waiting=0, signed_in=0)
    return {activity_id: found.get(activity_id, dict(empty)) for activity_id in activity_ids}


def signup_of(activity_id, volunteer):
    """The volunteer's sign-up for the activity (any status), or None."""
    if volunteer is None:
        return None
    return Signup.get_or_none(Signup.activity == activity_id, Signup.volunteer == volunteer.id)


def signups_of(volunteer, activity_ids):
    """{activity id: sign-up} of one volunteer among the activities shown (one query)."""
    if volunteer is None or not activity_ids:
        return {}
    rows = Signup.select().where(
        Signup.activity.in_(list(activity_ids)), Signup.volunteer == volunteer.id
    )
    return {row.activity_id: row for row in rows}


def roster(activity_id, page=1):
    """The activity's sign-ups with their volunteers, a page at a time: seated, then waiting
    in order, then cancelled."""
    order = Case(None, [(Signup.status == CONFIRMED, 0), (Signup.status == WAITING, 1)], 2)
    query = (
        Signup.select(Signup, Volunteer)
        .join(Volunteer)
        .where(Signup.activity == activity_id)
        .order_by(order, Signup.waiting_number, Volunteer.name, Signup.id)
    )
    return paginate(query, page, ROSTER_PAGE_SIZE)


def teams_overview():
    """[(division, [squads])] with {team id: member count}; squads without a division last."""
    teams = list(
        Team.select(Team, Enterprise)
        .join(Enterprise, JOIN.LEFT_OUTER)
        .order_by(Team.kind, Team.name)
    )
    members = dict(
        Membership.select(Membership.team, fn.COUNT(Membership.id))
        .group_by(Membership.team)
        .tuples()
    )
    divisions = [team for team in teams if team.kind == DIVISION]
    squads = {}
    for team in teams:
        if team.kind != DIVISION:
            squads.setdefault(team.parent_id, []).append(team)
    return [(division, squads.get(division.id, [])) for division in divisions], members


def members_of(team_id, page=1):
    """A team's memberships with their volunteers, leaders first, then by name (a page)."""
    order = Case(None, [(Membership.role == "leader", 0)], 1)
    query = (
        Membership.select(Membership, Volunteer)
        .join(Volunteer)
        .where(Membership.team == team_id)
        .order_by(order, Volunteer.name, Membership.id)
    )
    return paginate(query, page, ROSTER_PAGE_SIZE)


def _pending(team_id=None):
    """Join requests waiting for a decision (of one team, or all)."""
    query = JoinRequest.select().where(JoinRequest.status == PENDING)
    if team_id is not None:
        query = query.where(JoinRequest.team == team_id)
    return query


def pending_count(team_id=None):
    """How many join requests wait for a decision (of one team, or all)."""
    return _pending(team_id).count()


def pending_requests(page=1):
    """Join requests waiting for a decision, oldest first, with team and volunteer (a page)."""
    query = (
        _pending()
        .select(JoinRequest, Team, Volunteer)
        .join(Team)
        .switch(JoinRequest)
        .join(Volunteer)
        .order_by(JoinRequest.created_at, JoinRequest.id)
    )
    return paginate(query, page, ROSTER_PAGE_SIZE)


def hour_records(status, page, q=""):
    """Hour records of one status (pending: oldest first; otherwise newest decision first),
    with the volunteer and the activity, a page at a time."""
    query = (
        HourRecord.select(HourRecord, Volunteer, Activity)
        .join(Volunteer)
        .switch(HourRecord)
        .join(Activity, JOIN.LEFT_OUTER)
    )
    if status:
        query = query.where(HourRecord.status == status)
    if q:
        query = query.where(Volunteer.name.contains(q) | Activity.title.contains(q))
    if status == PENDING:
        query = query.order_by(HourRecord.served_on, HourRecord.id)
    else:
        query = query.order_by(HourRecord.decided_at.desc(nulls="LAST"), HourRecord.id.desc())
    return paginate(query, page, HOURS_PAGE_SIZE)


def own_hour_records(volunteer, limit=20):
    """A volunteer's latest hour records."""
    if volunteer is None:
        return []
    return list(
        HourRecord.select(HourRecord, Activity)
        .join(Activity, JOIN.LEFT_OUTER)
        .where(HourRecord.volunteer == volunteer.id)
        .order_by(HourRecord.served_on.desc(), HourRecord.id.desc())
        .limit(limit)
    )


def enterprise_choices():
    """Enterprises a squad may belong to (records not merged away), partners first."""
    return list(
        Enterprise.select(Enterprise.id, Enterprise.name)
        .where(Enterprise.merged_into.is_null())
        .order_by(Enterprise.is_partner.desc(), Enterprise.name)
        .limit(500)
    )


def division_choices():
    """Divisions, by name."""
    return list(Team.select(Team.id, Team.name).where(Team.kind == DIVISION).order_by(Team.name))


def team_choices():
    """Active teams for an activity, divisions first."""
    return list(
        Team.select(Team.id, Team.name, Team.kind)
        .where(Team.active == True)  # noqa: E712
        .order_by(Team.kind, Team.name)
    )


def open_for_sign_in(now=None):
    """Published activities whose sign-in is open now, or that ended in the last two hours
    (so people can still sign out), soonest first: the kiosk's list."""
    from db.volunteers.attendance import SIGN_IN_EARLY, SIGN_OUT_LATE

    now = now or utcnow()
    return list(
        Activity.select()
        .where(
            Activity.status == PUBLISHED,
            Activity.starts_at <= now + SIGN_IN_EARLY,
            Activity.ends_at > now - SIGN_OUT_LATE,
        )
        .order_by(Activity.starts_at, Activity.id)
        .limit(4)
    )
