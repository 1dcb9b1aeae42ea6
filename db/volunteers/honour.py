"""The honour board (志愿者光荣榜): the year's volunteers ranked by approved hours, names masked.

Only volunteers are ranked — never households of the love supermarket, whose points come
from an allowance, not from service — and only by hours staff approved (pending or rejected
hours count for nothing; points do not rank). A volunteer whose details were erased is left
off. Equal hours share a rank (1, 2, 2, 4). Two queries.
"""

from dataclasses import dataclass
from datetime import date

from peewee import fn

from db.privacy import ERASED_NAME
from db.validators import mask_name
from db.volunteers.certificates import hours_text
from db.volunteers.models import APPROVED, SQUAD, HourRecord, Membership, Team, Volunteer

WEB_PLACES = 20
KIOSK_PLACES = 8


@dataclass
class HonourPlace:
    """One line of the board."""

    rank: int
    masked_name: str
    team: str
    minutes: int
    activities: int

    @property
    def hours(self):
        """Hours, one decimal (none when whole)."""
        return hours_text(self.minutes)


def honour_board(year, places=WEB_PLACES):
    """The first `places` volunteers of `year` by approved hours, with masked names."""
    minutes = fn.SUM(HourRecord.minutes)
    rows = list(
        HourRecord.select(
            Volunteer.id,
            Volunteer.name,
            minutes.alias("minutes"),
            fn.COUNT(fn.DISTINCT(HourRecord.activity)).alias("activities"),
        )
        .join(Volunteer)
        .where(
            HourRecord.status == APPROVED,
            HourRecord.served_on >= date(year, 1, 1),
            HourRecord.served_on < date(year + 1, 1, 1),
            HourRecord.minutes > 0,
            Volunteer.name != ERASED_NAME,
        )
        .group_by(Volunteer.id, Volunteer.name)
        .order_by(minutes.desc(), Volunteer.id)
        .limit(places)
        .dicts()
    )
    teams = {}
    for volunteer_id, kind, name in (
        Membership.select(Membership.volunteer, Team.kind, Team.name)
        .join(Team)
        .where(Membership.volunteer.in_([row["id"] for row in rows] or [0]))
        .order_by(Team.name)
        .tuples()
    ):
        # A squad names the volunteer's own enterprise team; prefer it to the division.
        if volunteer_id not in teams or kind == SQUAD:
            teams[volunteer_id] = name
    board, rank, previous = [], 0, None
    for position, row in enumerate(rows, start=1):
        if row["minutes"] != previous:
            rank, previous = position, row["minutes"]
        board.append(
            HonourPlace(
                rank=rank,
                masked_name=mask_name(row["name"]),
                team=teams.get(row["id"], ""),
                minutes=int(row["minutes"]),
                activities=int(row["activities"]),
            )
        )
    return board
