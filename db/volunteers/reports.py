"""Team reports by month and year: activities held, volunteers who served, approved hours and
the points they earned, per team (the 分队 first, each 小分队 under it) and by month.

Hours count on the day served (`HourRecord.served_on`, Asia/Shanghai); an activity counts in
the month it starts, if it was published and not cancelled. Hours reported without an
activity belong to no team: they have a row of their own, so the totals are every approved
hour of the period. Volunteers are counted once per row (and once in the total, however many
teams they served with). Three queries, whatever the period.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from peewee import JOIN

from db.market.periods import local, to_utc
from db.volunteers.certificates import hours_text
from db.volunteers.models import APPROVED, DIVISION, PUBLISHED, Activity, HourRecord, Team

FIRST_YEAR = 2000


@dataclass
class Figures:
    """One row of a report."""

    label: str = ""
    team: Team | None = None
    activities: int = 0
    minutes: int = 0
    points: int = 0
    volunteer_ids: set = field(default_factory=set)

    @property
    def volunteers(self):
        """How many different volunteers served."""
        return len(self.volunteer_ids)

    @property
    def hours(self):
        """Approved hours, one decimal (none when whole)."""
        return hours_text(self.minutes)

    def add(self, volunteer_id, minutes, points):
        """Count one approved hour record."""
        self.minutes += minutes
        self.points += points
        self.volunteer_ids.add(volunteer_id)


@dataclass
class TeamReport:
    """A year (or one month of it): rows per team, per month, and the total."""

    year: int
    month: int | None
    teams: list
    unassigned: Figures
    months: list
    total: Figures
    team: Team | None = None  # the one team the months are of, if chosen


def period_days(year, month=None):
    """[first day, day after) of a year or of one month of it."""
    if month is None:
        return date(year, 1, 1), date(year + 1, 1, 1)
    first = date(year, month, 1)
    return first, date(year + (month == 12), month % 12 + 1, 1)


def ordered_teams():
    """Every team: each division, then its squads, by name; squads of no division last."""
    teams = list(Team.select().order_by(Team.name))
    divisions = [t for t in teams if t.kind == DIVISION]
    ordered = []
    for division in divisions:
        ordered.append(division)
        ordered.extend(t for t in teams if t.parent_id == division.id and t.kind != DIVISION)
    ordered.extend(t for t in teams if t not in ordered)
    return ordered


def team_report(year, month=None, team_id=None):
    """The report of `year` (or of `month` of it); `team_id` limits the months to one team."""
    first, after = period_days(year, month)
    teams = ordered_teams()
    rows = {team.id: Figures(label=team.name, team=team) for team in teams}
    unassigned = Figures()
    months = [Figures(label=f"{year}-{m:02d}") for m in range(1, 13)]
    total = Figures()
    chosen = next((t for t in teams if t.id == team_id), None)

    hours = (
        HourRecord.select(
            HourRecord.volunteer,
            HourRecord.served_on,
            HourRecord.minutes,
            HourRecord.points,
            Activity.team,
        )
        .join(Activity, JOIN.LEFT_OUTER, on=(HourRecord.activity == Activity.id))
        .where(
            HourRecord.status == APPROVED,
            HourRecord.served_on >= first,
            HourRecord.served_on < after,
        )
        .tuples()
    )
    for volunteer_id, served_on, minutes, points, team in hours:
        row = rows.get(team) if team is not None else unassigned
        if row is None:  # pragma: no cover - every activity has a team
            continue
        row.add(volunteer_id, minutes, points)
        total.add(volunteer_id, minutes, points)
        if chosen is None or team == chosen.id:
            months[served_on.month - 1].add(volunteer_id, minutes, points)

    held = Activity.select(Activity.team, Activity.starts_at).where(
        Activity.status == PUBLISHED,
        Activity.starts_at >= to_utc(datetime.combine(first, datetime.min.time())),
        Activity.starts_at < to_utc(datetime.combine(after, datetime.min.time())),
    )
    for team, starts_at in held.tuples():
        if team in rows:
            rows[team].activities += 1
            total.activities += 1
            if chosen is None or team == chosen.id:
                months[local(starts_at).month - 1].activities += 1

    return TeamReport(
        year=year,
        month=month,
        teams=[rows[team.id] for team in teams],
        unassigned=unassigned,
        months=months if month is None else [months[month - 1]],
        total=total,
        team=chosen,
    )


def report_years(today):
    """The years a report can be asked for, newest first: from the oldest hours or activity
    to this year."""
    oldest = (
        HourRecord.select(HourRecord.served_on).order_by(HourRecord.served_on).limit(1).scalar()
    )
    first = oldest.year if oldest else today.year
    return list(range(today.year, max(first, FIRST_YEAR) - 1, -1))
