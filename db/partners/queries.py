"""Reading the partner ledger: the directory, one enterprise across every module, duplicate
suggestions, party-building coverage, visit reminders, the annual report and typed-name
suggestions. Each function runs a small, fixed number of queries (no query per row).

How the other modules point at an enterprise (read from their models):
- events: `Registration.enterprise` (FK); attendance is `Registration.checked_in_at`;
- training: `Application.enterprise` (FK); certificates through `Certificate.application`
  (`Certificate.enterprise_name` is the name as printed, never used to match);
- market: `Donor.enterprise` (FK, one donor record per enterprise); `Donation.donor`;
  a reversed donation has a `Reversal` with `donation` set and is not counted;
- accounts: `User.enterprise` (FK).
Rows a merge kept on a merged duplicate count for the record kept (`family_ids`).

- volunteers: `Volunteer.enterprise` (FK); their approved `HourRecord` minutes count in the
  year served (`served_on`), shown on the profile by year (merges move volunteers like any
  other reference).
"""

import difflib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from peewee import JOIN, Case, fn

from db.accounts import Enterprise, User
from db.events.models import CONFIRMED, Event, Registration
from db.market.models import Donation, Donor, Reversal
from db.market.periods import local, local_today, to_utc
from db.pagination import paginate
from db.partners.merge import family_ids
from db.partners.models import (
    DistinctPair,
    EnterpriseMerge,
    PartnerContact,
    PartnerProfile,
    PartnerVisit,
    PartyOrganisation,
)
from db.partners.rules import (
    DEFAULT_VISIT_MONTHS,
    MAX_VISIT_MONTHS,
    OPEN_FOLLOW_UP_STATES,
    PARTNER_STATUSES,
    SECTORS,
    VISIT_MONTHS_SETTING,
    name_key,
    normalise_credit_code,
)
from db.settings import Setting, get_setting
from db.training.models import Application, Certificate, Course
from db.training.status import APPROVED, COMPLETED, NOT_COMPLETED
from db.volunteers.models import APPROVED as HOURS_APPROVED
from db.volunteers.models import HourRecord, Volunteer

PAGE_SIZE = 50
ADMITTED = (APPROVED, COMPLETED, NOT_COMPLETED)  # applications that were given a place
SUGGESTION_LIMIT = 8
MIN_SUGGESTION_LENGTH = 2


def year_bounds(year):
    """The naive-UTC start and end of a calendar year in Asia/Shanghai."""
    return to_utc(datetime(year, 1, 1)), to_utc(datetime(year + 1, 1, 1))


def local_year(moment):
    """The Asia/Shanghai year of a naive UTC time."""
    return local(moment).year


def live_enterprises():
    """Enterprises that were not merged into another."""
    return Enterprise.select().where(Enterprise.merged_into.is_null())


# ---------------------------------------------------------------------------- directory


def directory_query(q="", sector="", status=""):
    """Live enterprises with their details, filtered, partners first then by name."""
    query = (
        Enterprise.select(Enterprise, PartnerProfile)
        .join(PartnerProfile, JOIN.LEFT_OUTER, on=(PartnerProfile.enterprise == Enterprise.id))
        .where(Enterprise.merged_into.is_null())
    )
    q = (q or "").strip()
    if q:
        code = normalise_credit_code(q)
        condition = Enterprise.name.contains(q) | PartnerProfile.location.contains(q)
        if code:
            condition |= Enterprise.credit_code.startswith(code)
        query = query.where(condition)
    if sector in SECTORS:
        query = query.where(PartnerProfile.sector == sector)
    if status == "none":
        query = query.where(PartnerProfile.status.is_null() | (PartnerProfile.status == "none"))
    elif status:
        query = query.where(PartnerProfile.status == status)
    return query.order_by(Enterprise.is_partner.desc(), Enterprise.name)


def _profile_of(enterprise):
    """The joined details row, or an unsaved blank one."""
    profile = getattr(enterprise, "partnerprofile", None)
    if profile is None or profile.id is None:
        profile = PartnerProfile(enterprise=enterprise)
    return profile


@dataclass
class DirectoryRow:
    """One line of the directory."""

    enterprise: Enterprise
    profile: PartnerProfile
    last_visit: date | None = None
    contacts: int = 0


def _last_visits(ids):
    if not ids:
        return {}
    return dict(
        PartnerVisit.select(PartnerVisit.enterprise, fn.MAX(PartnerVisit.visited_on))
        .where(PartnerVisit.enterprise.in_(ids))
        .group_by(PartnerVisit.enterprise)
        .tuples()
    )


def _contact_counts(ids):
    if not ids:
        return {}
    return dict(
        PartnerContact.select(PartnerContact.enterprise, fn.COUNT(PartnerContact.id))
        .where(PartnerContact.enterprise.in_(ids), PartnerContact.active)
        .group_by(PartnerContact.enterprise)
        .tuples()
    )


def _rows(enterprises):
    ids = [e.id for e in enterprises]
    visits, contacts = _last_visits(ids), _contact_counts(ids)
    return [
        DirectoryRow(e, _profile_of(e), visits.get(e.id), contacts.get(e.id, 0))
        for e in enterprises
    ]


def directory(q="", sector="", status="", page=1):
    """A page of the directory (4 queries: count, page, last visits, contact counts)."""
    result = paginate(directory_query(q, sector, status), page, PAGE_SIZE)
    result.rows = _rows(result.rows)
    return result


def directory_export(q="", sector="", status=""):
    """Every row of the directory as filtered, for the spreadsheet."""
    return _rows(list(directory_query(q, sector, status)))


# ---------------------------------------------------------------------------- profile


@dataclass
class YearTotals:
    """One year of an enterprise's activity across the modules."""

    year: int
    registrations: int = 0  # confirmed registrations (people registered)
    attended: int = 0  # checked in
    admitted: int = 0  # applications given a place (approved, completed, not completed)
    certificates: int = 0
    donations: int = 0
    donated: int = 0  # fen
    volunteer_minutes: int = 0  # approved hours of the enterprise's volunteers

    @property
    def volunteer_hours(self):
        """Approved volunteer hours, one decimal."""
        return round(self.volunteer_minutes / 60, 1)


@dataclass
class Activity:
    """An enterprise's events, courses and donations, listed and totalled by year."""

    events: list = field(default_factory=list)
    courses: list = field(default_factory=list)
    donations: list = field(default_factory=list)
    years: list = field(default_factory=list)


def events_of(ids):
    """[{event, registrations, attended}] of the enterprises' confirmed registrations (people
    registered: not those cancelled, refused, awaiting approval or on the waiting list) and of
    those checked in at the door."""
    rows = (
        Registration.select(
            Event.id,
            Event.title,
            Event.starts_at,
            Event.kind,
            fn.COUNT(Registration.id).alias("registrations"),
            fn.SUM(Case(None, [(Registration.checked_in_at.is_null(False), 1)], 0)).alias(
                "attended"
            ),
        )
        .join(Event)
        .where(Registration.enterprise.in_(ids), Registration.status == CONFIRMED)
        .group_by(Event.id, Event.title, Event.starts_at, Event.kind)
        .order_by(Event.starts_at.desc())
        .dicts()
    )
    return [dict(row, attended=int(row["attended"] or 0)) for row in rows]


def courses_of(ids):
    """[{course, applications, admitted, completed, certificates}] and the applications
    (every status; `admitted` counts those given a place: approved, completed or not
    completed, not those pending, waiting, rejected or withdrawn)."""
    rows = list(
        Application.select(
            Application.id,
            Application.status,
            Application.created_at,
            Course.id.alias("course_id"),
            Course.title,
            Course.institution,
            Certificate.id.alias("certificate_id"),
            Certificate.year.alias("certificate_year"),
            Certificate.revoked_at,
        )
        .join(Course)
        .switch(Application)
        .join(Certificate, JOIN.LEFT_OUTER, on=(Certificate.application == Application.id))
        .where(Application.enterprise.in_(ids))
        .order_by(Application.created_at.desc())
        .dicts()
    )
    courses = {}
    for row in rows:
        course = courses.setdefault(
            row["course_id"],
            dict(
                id=row["course_id"],
                title=row["title"],
                institution=row["institution"],
                applications=0,
                admitted=0,
                completed=0,
                certificates=0,
            ),
        )
        course["applications"] += 1
        course["admitted"] += row["status"] in ADMITTED
        course["completed"] += row["status"] == COMPLETED
        course["certificates"] += bool(row["certificate_id"] and row["revoked_at"] is None)
    return list(courses.values()), rows


def donations_of(ids):
    """The enterprises' donations (reversed ones marked), newest first."""
    return list(
        Donation.select(Donation, Reversal.id.alias("reversal_id"))
        .join(Donor)
        .switch(Donation)
        .join(Reversal, JOIN.LEFT_OUTER, on=(Reversal.donation == Donation.id))
        .where(Donor.enterprise.in_(ids))
        .order_by(Donation.donated_on.desc(), Donation.id.desc())
        .objects()
    )


def volunteer_minutes_of(ids):
    """[(day served, approved minutes)] of the enterprises' volunteers, one row a day."""
    return list(
        HourRecord.select(HourRecord.served_on, fn.SUM(HourRecord.minutes))
        .join(Volunteer)
        .where(Volunteer.enterprise.in_(ids), HourRecord.status == HOURS_APPROVED)
        .group_by(HourRecord.served_on)
        .tuples()
    )


def enterprise_activity(enterprise_id):
    """Events, courses, donations and volunteer hours of one enterprise (its merged
    duplicates included), with totals by year. Six queries."""
    ids = family_ids(enterprise_id)
    activity = Activity(events=events_of(ids))
    activity.courses, applications = courses_of(ids)
    activity.donations = donations_of(ids)
    years = {}

    def year(number):
        return years.setdefault(number, YearTotals(number))

    for row in activity.events:
        totals = year(local_year(row["starts_at"]))
        totals.registrations += row["registrations"]
        totals.attended += row["attended"]
    for row in applications:
        if row["status"] in ADMITTED:
            year(local_year(row["created_at"])).admitted += 1
        if row["certificate_id"] and row["revoked_at"] is None:
            year(row["certificate_year"]).certificates += 1
    for donation in activity.donations:
        if donation.reversal_id:
            continue
        totals = year(donation.donated_on.year)
        totals.donations += 1
        totals.donated += donation.total_value
    for served_on, minutes in volunteer_minutes_of(ids):
        year(served_on.year).volunteer_minutes += int(minutes or 0)
    activity.years = [years[y] for y in sorted(years, reverse=True)]
    return activity


def enterprise_profile(enterprise_id):
    """Everything the profile page shows but the activity: the record and its details,
    contacts, party organisation by year, the latest visits, the people with accounts and
    the merges that involve it. None for an unknown id."""
    enterprise = (
        Enterprise.select(Enterprise, PartnerProfile)
        .join(PartnerProfile, JOIN.LEFT_OUTER, on=(PartnerProfile.enterprise == Enterprise.id))
        .where(Enterprise.id == enterprise_id)
        .first()
    )
    if enterprise is None:
        return None
    contacts = list(
        PartnerContact.select()
        .where(PartnerContact.enterprise == enterprise.id)
        .order_by(PartnerContact.active.desc(), PartnerContact.id)
    )
    party = list(
        PartyOrganisation.select()
        .where(PartyOrganisation.enterprise == enterprise.id)
        .order_by(PartyOrganisation.year.desc())
    )
    visits = list(
        PartnerVisit.select(PartnerVisit, User)
        .join(User, JOIN.LEFT_OUTER, on=(PartnerVisit.visited_by == User.id))
        .where(PartnerVisit.enterprise == enterprise.id)
        .order_by(PartnerVisit.visited_on.desc(), PartnerVisit.id.desc())
        .limit(20)
    )
    people = User.select().where(User.enterprise == enterprise.id, User.active).count()
    merges = list(
        EnterpriseMerge.select()
        .where(
            (EnterpriseMerge.survivor == enterprise.id) | (EnterpriseMerge.loser == enterprise.id)
        )
        .order_by(EnterpriseMerge.at.desc())
    )
    names = {}
    other_ids = {m.survivor_id for m in merges} | {m.loser_id for m in merges}
    if enterprise.merged_into_id:
        other_ids.add(enterprise.merged_into_id)
    if other_ids:
        names = dict(
            Enterprise.select(Enterprise.id, Enterprise.name)
            .where(Enterprise.id.in_(other_ids))
            .tuples()
        )
    return dict(
        enterprise=enterprise,
        profile=_profile_of(enterprise),
        contacts=contacts,
        party=party,
        visits=visits,
        people=people,
        merges=merges,
        names=names,
    )


# ---------------------------------------------------------------------------- duplicates


@dataclass
class Suggestion:
    """Two enterprises that may be one, and why."""

    first: Enterprise
    second: Enterprise
    reason: str  # same_code, same_organisation_code, same_name, similar_name
    score: float


SIMILAR_RATIO = 0.8
COMMON_BIGRAM = 60  # a bigram in more names than this says nothing (集团, 有限 …)


def _bigrams(text):
    return {text[i : i + 2] for i in range(len(text) - 1)} or {text}


def duplicate_suggestions(limit=100):
    """Pairs of live enterprises that are likely the same, strongest first: the same credit
    code once normalised, the same organisation code inside it (characters 9-17), the same
    name once normalised (有限公司, （上海）, spaces, full-width forms …), or similar names.
    Pairs marked distinct are left out. Two queries; comparisons in memory."""
    enterprises = list(
        live_enterprises().select(
            Enterprise.id, Enterprise.name, Enterprise.credit_code, Enterprise.is_partner
        )
    )
    distinct = set(DistinctPair.select(DistinctPair.first, DistinctPair.second).tuples())
    found = {}

    def add(a, b, reason, score):
        first, second = (a, b) if a.id < b.id else (b, a)
        pair = (first.id, second.id)
        if pair in distinct or first.id == second.id:
            return
        if pair not in found or found[pair].score < score:
            found[pair] = Suggestion(first, second, reason, score)

    by_code, by_org, by_key = defaultdict(list), defaultdict(list), defaultdict(list)
    keys = {}
    for enterprise in enterprises:
        code = normalise_credit_code(enterprise.credit_code or "")
        if code:
            by_code[code].append(enterprise)
            if len(code) == 18:
                by_org[code[8:17]].append(enterprise)
        keys[enterprise.id] = name_key(enterprise.name)
        by_key[keys[enterprise.id]].append(enterprise)
    for groups, reason, score in (
        (by_code, "same_code", 1.0),
        (by_org, "same_organisation_code", 0.95),
        (by_key, "same_name", 0.9),
    ):
        for members in groups.values():
            for i, a in enumerate(members):
                for b in members[i + 1 :]:
                    add(a, b, reason, score)
    index = defaultdict(list)
    for enterprise in enterprises:
        for gram in _bigrams(keys[enterprise.id]):
            index[gram].append(enterprise)
    compared = set()
    for members in index.values():
        if len(members) > COMMON_BIGRAM:
            continue
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                pair = (min(a.id, b.id), max(a.id, b.id))
                if pair in compared:
                    continue
                compared.add(pair)
                ka, kb = keys[a.id], keys[b.id]
                if ka == kb or min(len(ka), len(kb)) < 2:
                    continue
                if ka in kb or kb in ka:
                    add(
                        a,
                        b,
                        "similar_name",
                        0.8 + 0.05 * min(len(ka), len(kb)) / max(len(ka), len(kb)),
                    )
                    continue
                ratio = difflib.SequenceMatcher(None, ka, kb).ratio()
                if ratio >= SIMILAR_RATIO:
                    add(a, b, "similar_name", 0.7 * ratio)
    ordered = sorted(found.values(), key=lambda s: (-s.score, s.first.name, s.second.name))
    return ordered[:limit]


def merges(page=1):
    """The merge history, newest first, with the names of both records."""
    query = (
        EnterpriseMerge.select(EnterpriseMerge, User)
        .join(User, JOIN.LEFT_OUTER, on=(EnterpriseMerge.actor == User.id))
        .order_by(EnterpriseMerge.at.desc(), EnterpriseMerge.id.desc())
    )
    result = paginate(query, page, PAGE_SIZE)
    ids = {m.survivor_id for m in result.rows} | {m.loser_id for m in result.rows}
    names = (
        dict(
            Enterprise.select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(ids)).tuples()
        )
        if ids
        else {}
    )
    return result, names


# ---------------------------------------------------------------------------- coverage


def _in_scope():
    """Live enterprises in the joint-building network, with their sector."""
    return (
        Enterprise.select(Enterprise.id, PartnerProfile.sector)
        .join(PartnerProfile, on=(PartnerProfile.enterprise == Enterprise.id))
        .where(Enterprise.merged_into.is_null(), PartnerProfile.status.in_(PARTNER_STATUSES))
    )


def coverage_years():
    """The years with party-organisation records, newest first."""
    return [
        row[0]
        for row in PartyOrganisation.select(PartyOrganisation.year)
        .distinct()
        .order_by(PartyOrganisation.year.desc())
        .tuples()
    ]


@dataclass
class Coverage:
    """Party-building coverage of one sector (or all) in one year: counts only."""

    sector: str
    enterprises: int = 0
    recorded: int = 0
    independent: int = 0
    joint: int = 0
    none: int = 0
    youth_league: int = 0
    union: int = 0
    party_members: int = 0
    youth_members: int = 0
    union_members: int = 0
    none_reasons: dict = field(default_factory=dict)

    @property
    def with_party_org(self):
        return self.independent + self.joint

    @property
    def rate(self):
        """Share of the sector's partner enterprises with a party organisation, percent."""
        return round(100 * self.with_party_org / self.enterprises) if self.enterprises else None


def coverage(year):
    """[Coverage per sector …, total] for `year` among partner enterprises (two queries)."""
    scope = {row[0]: row[1] or "" for row in _in_scope().tuples()}
    sectors = {s: Coverage(s) for s in (*SECTORS, "")}
    for sector in scope.values():
        sectors[sector].enterprises += 1
    records = PartyOrganisation.select().where(
        PartyOrganisation.year == year, PartyOrganisation.enterprise.in_(list(scope) or [0])
    )
    for row in records:
        item = sectors[scope[row.enterprise_id]]
        item.recorded += 1
        setattr(item, row.party_org, getattr(item, row.party_org) + 1)
        if row.party_org == "none":
            item.none_reasons[row.none_reason] = item.none_reasons.get(row.none_reason, 0) + 1
        item.party_members += row.party_members
        item.youth_league += row.youth_league
        item.youth_members += row.youth_members
        item.union += row.union
        item.union_members += row.union_members
    total = Coverage("total")
    for item in sectors.values():
        for name in (
            "enterprises",
            "recorded",
            "independent",
            "joint",
            "none",
            "youth_league",
            "union",
            "party_members",
            "youth_members",
            "union_members",
        ):
            setattr(total, name, getattr(total, name) + getattr(item, name))
        for reason, number in item.none_reasons.items():
            total.none_reasons[reason] = total.none_reasons.get(reason, 0) + number
    rows = [sectors[s] for s in SECTORS]
    if sectors[""].enterprises:
        rows.append(sectors[""])
    return [*rows, total]


def coverage_trend(years):
    """{year: {sector: rate}} over `years` (one query for all years)."""
    scope = {row[0]: row[1] or "" for row in _in_scope().tuples()}
    counts = defaultdict(lambda: defaultdict(int))
    for sector in scope.values():
        counts[sector]["enterprises"] += 1
    covered = defaultdict(lambda: defaultdict(int))
    query = PartyOrganisation.select(PartyOrganisation.enterprise, PartyOrganisation.year).where(
        PartyOrganisation.year.in_(list(years) or [0]),
        PartyOrganisation.party_org != "none",
        PartyOrganisation.enterprise.in_(list(scope) or [0]),
    )
    for enterprise_id, year in query.tuples():
        covered[year][scope[enterprise_id]] += 1
    trend = {}
    for year in years:
        row = {}
        for sector in (*SECTORS, "total"):
            if sector == "total":
                size = len(scope)
                number = sum(covered[year].values())
            else:
                size = counts[sector]["enterprises"]
                number = covered[year][sector]
            row[sector] = round(100 * number / size) if size else None
        trend[year] = row
    return trend


# ---------------------------------------------------------------------------- follow-ups


def visit_months():
    """N of "partners not visited in N months" (the setting, 3 by default)."""
    return _months_from(get_setting(VISIT_MONTHS_SETTING))


def _months_from(value):
    """The stored setting as months, the default when missing or out of range."""
    try:
        months = int(value)
    except (TypeError, ValueError):
        return DEFAULT_VISIT_MONTHS
    return months if 1 <= months <= MAX_VISIT_MONTHS else DEFAULT_VISIT_MONTHS


def months_before(day, months):
    """The same day `months` earlier (the month's last day when it has no such day)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    return date(year, month, 28)


def reminders(months=None, limit=None, today=None):
    """Partner enterprises not visited in `months` months (never visited first), with the
    date of their last visit and their open follow-ups. Two queries."""
    months = months or visit_months()
    cutoff = months_before(today or local_today(), months)
    last = fn.MAX(PartnerVisit.visited_on)
    open_needs = fn.SUM(Case(None, [(PartnerVisit.follow_up.in_(OPEN_FOLLOW_UP_STATES), 1)], 0))
    query = (
        Enterprise.select(Enterprise, last.alias("last_visit"), open_needs.alias("open_needs"))
        .join(PartnerVisit, JOIN.LEFT_OUTER, on=(PartnerVisit.enterprise == Enterprise.id))
        .where(Enterprise.merged_into.is_null(), Enterprise.is_partner)
        .group_by(Enterprise.id)
        .having(last.is_null() | (last < cutoff))
        .order_by(last.asc(nulls="first"), Enterprise.name)
    )
    if limit:
        query = query.limit(limit)
    rows = list(query)
    for row in rows:
        if isinstance(row.last_visit, str):  # SQLite hands an aggregate date back as text
            row.last_visit = date.fromisoformat(row.last_visit)
        row.open_needs = int(row.open_needs or 0)
    return rows, months, cutoff


def visits(follow_up="", kind="", page=1):
    """The visit log, newest first, filtered by follow-up state or kind."""
    query = (
        PartnerVisit.select(PartnerVisit, Enterprise, User)
        .join(Enterprise, on=(PartnerVisit.enterprise == Enterprise.id))
        .switch(PartnerVisit)
        .join(User, JOIN.LEFT_OUTER, on=(PartnerVisit.visited_by == User.id))
        .order_by(PartnerVisit.visited_on.desc(), PartnerVisit.id.desc())
    )
    if follow_up == "open":
        query = query.where(PartnerVisit.follow_up.in_(OPEN_FOLLOW_UP_STATES))
    elif follow_up:
        query = query.where(PartnerVisit.follow_up == follow_up)
    if kind:
        query = query.where(PartnerVisit.kind == kind)
    return paginate(query, page, PAGE_SIZE)


# ---------------------------------------------------------------------------- annual report


@dataclass
class ReportRow:
    """One enterprise's year for the 促进会年会 (annual meeting of the promotion association)."""

    enterprise_id: int
    name: str
    sector: str = ""
    status: str = "none"
    registrations: int = 0  # confirmed registrations for the year's events
    attended: int = 0  # of them, checked in
    trained: int = 0
    certificates: int = 0
    donations: int = 0
    donated: int = 0
    visits: int = 0
    party_org: str = ""
    party_members: int = 0

    @property
    def active(self):
        return any(
            (self.registrations, self.trained, self.certificates, self.donations, self.visits)
        )


def annual_report(year):
    """Per enterprise (partners, and any enterprise with activity in the year) and in total:
    people registered (confirmed registrations) and present (checked in) at events, people
    trained, donations, visits and party organisation. Rows of a
    merged duplicate count for the record kept. Seven queries."""
    start, end = year_bounds(year)
    owner = dict(
        Enterprise.select(Enterprise.id, Enterprise.merged_into)
        .where(Enterprise.merged_into.is_null(False))
        .tuples()
    )

    def home(enterprise_id):
        return owner.get(enterprise_id, enterprise_id)

    rows = {}
    records = (
        Enterprise.select(Enterprise.id, Enterprise.name, Enterprise.is_partner, PartnerProfile)
        .join(PartnerProfile, JOIN.LEFT_OUTER, on=(PartnerProfile.enterprise == Enterprise.id))
        .where(Enterprise.merged_into.is_null())
    )
    everyone = {}
    for enterprise in records:
        profile = _profile_of(enterprise)
        everyone[enterprise.id] = ReportRow(
            enterprise.id, enterprise.name, profile.sector or "", profile.status or "none"
        )
        if enterprise.is_partner:
            rows[enterprise.id] = everyone[enterprise.id]

    def row(enterprise_id):
        key = home(enterprise_id)
        if key not in everyone:
            return None
        return rows.setdefault(key, everyone[key])

    events = (
        Registration.select(
            Registration.enterprise,
            fn.COUNT(Registration.id),
            fn.SUM(Case(None, [(Registration.checked_in_at.is_null(False), 1)], 0)),
        )
        .join(Event)
        .where(
            Registration.enterprise.is_null(False),
            Registration.status == CONFIRMED,
            Event.starts_at >= start,
            Event.starts_at < end,
        )
        .group_by(Registration.enterprise)
        .tuples()
    )
    for enterprise_id, registered, attended in events:
        if (target := row(enterprise_id)) is not None:
            target.registrations += registered
            target.attended += int(attended or 0)
    certificates = (
        Certificate.select(
            Application.enterprise,
            fn.COUNT(Certificate.id),
            fn.COUNT(fn.DISTINCT(Application.user)),
        )
        .join(Application)
        .where(
            Certificate.year == year,
            Certificate.revoked_at.is_null(),
            Application.enterprise.is_null(False),
        )
        .group_by(Application.enterprise)
        .tuples()
    )
    for enterprise_id, issued, people in certificates:
        if (target := row(enterprise_id)) is not None:
            target.certificates += issued
            target.trained += people
    donations = (
        Donation.select(
            Donor.enterprise, fn.COUNT(Donation.id), fn.SUM(Donation.goods_value + Donation.money)
        )
        .join(Donor)
        .switch(Donation)
        .join(Reversal, JOIN.LEFT_OUTER, on=(Reversal.donation == Donation.id))
        .where(
            Donor.enterprise.is_null(False),
            Reversal.id.is_null(),
            Donation.donated_on >= date(year, 1, 1),
            Donation.donated_on < date(year + 1, 1, 1),
        )
        .group_by(Donor.enterprise)
        .tuples()
    )
    for enterprise_id, number, value in donations:
        if (target := row(enterprise_id)) is not None:
            target.donations += number
            target.donated += int(value or 0)
    visit_counts = (
        PartnerVisit.select(PartnerVisit.enterprise, fn.COUNT(PartnerVisit.id))
        .where(
            PartnerVisit.visited_on >= date(year, 1, 1),
            PartnerVisit.visited_on < date(year + 1, 1, 1),
        )
        .group_by(PartnerVisit.enterprise)
        .tuples()
    )
    for enterprise_id, number in visit_counts:
        if (target := row(enterprise_id)) is not None:
            target.visits += number
    for record in PartyOrganisation.select().where(PartyOrganisation.year == year):
        target = everyone.get(home(record.enterprise_id))
        if target is not None and target.enterprise_id in rows and not target.party_org:
            target.party_org = record.party_org
            target.party_members = record.party_members
    ordered = sorted(rows.values(), key=lambda r: (r.status != "strategic", -r.attended, r.name))
    total = ReportRow(0, "")
    for item in ordered:
        for name in (
            "registrations",
            "attended",
            "trained",
            "certificates",
            "donations",
            "donated",
            "visits",
            "party_members",
        ):
            setattr(total, name, getattr(total, name) + getattr(item, name))
    covered = sum(1 for item in ordered if item.party_org in ("independent", "joint"))
    return ordered, total, covered


def report_years():
    """Years the report can be asked for: this one back to the first recorded activity."""
    this_year = local_today().year
    first = Event.select(fn.MIN(Event.starts_at)).scalar()
    first_year = local_year(first) if first else this_year
    return list(range(this_year, max(min(first_year, this_year), this_year - 10) - 1, -1))


# ---------------------------------------------------------------------------- typed names


def name_suggestions(text):
    """Enterprise names matching what someone typed (at most eight): the names containing
    the typed text or its normalised core (`name_key`, as the duplicate check compares
    names: 上海宝华集团有限公司 → 宝华), those whose core is the typed one first, then
    partners; a merged duplicate's name offers the record kept. Names only; two queries."""
    text = " ".join((text or "").split())[:100]
    if len(text) < MIN_SUGGESTION_LENGTH:
        return []
    key = name_key(text)
    wanted = Enterprise.name.contains(text)
    if len(key) >= MIN_SUGGESTION_LENGTH and key != text:
        wanted |= Enterprise.name.contains(key)
    matches = list(
        Enterprise.select(
            Enterprise.id, Enterprise.name, Enterprise.is_partner, Enterprise.merged_into
        )
        .where(wanted)
        .order_by(Enterprise.is_partner.desc(), fn.LENGTH(Enterprise.name), Enterprise.name)
        .limit(SUGGESTION_LIMIT * 3)
    )
    # The same core as typed first (a stable sort keeps partners, then shorter names, first).
    matches.sort(key=lambda match: name_key(match.name) != key)
    targets = {m.merged_into_id for m in matches if m.merged_into_id}
    kept = {}
    if targets:
        kept = dict(
            Enterprise.select(Enterprise.id, Enterprise.name)
            .where(Enterprise.id.in_(targets))
            .tuples()
        )
    names = []
    for match in matches:
        name = kept.get(match.merged_into_id, match.name) if match.merged_into_id else match.name
        if name not in names:
            names.append(name)
    return names[:SUGGESTION_LIMIT]


MERGE_CANDIDATE_LIMIT = 20


def merge_candidates(enterprise_id, text):
    """Live enterprises other than `enterprise_id` that staff may merge into it, found by
    what they typed: the name, its normalised core (`name_key`) or the start of the credit
    code; the same core first, then partners. At most twenty; one query."""
    text = " ".join((text or "").split())[:100]
    if len(text) < MIN_SUGGESTION_LENGTH:
        return []
    key, code = name_key(text), normalise_credit_code(text)
    wanted = Enterprise.name.contains(text) | Enterprise.credit_code.startswith(code)
    if len(key) >= MIN_SUGGESTION_LENGTH and key != text:
        wanted |= Enterprise.name.contains(key)
    found = list(
        live_enterprises()
        .select(Enterprise.id, Enterprise.name, Enterprise.credit_code, Enterprise.is_partner)
        .where(wanted, Enterprise.id != enterprise_id)
        .order_by(Enterprise.is_partner.desc(), fn.LENGTH(Enterprise.name), Enterprise.name)
        .limit(MERGE_CANDIDATE_LIMIT)
    )
    found.sort(key=lambda enterprise: name_key(enterprise.name) != key)
    return found


def staff_panel_reminders(limit=5):
    """The dashboard's few partners most overdue for a visit, and the number of needs raised
    at visits still open, in one query: the partners in order of their last visit (never
    first) with the reminder setting and the open count riding along as subqueries; those
    visited within the months are dropped here (they come after the overdue ones). None
    while the ledger holds no partner enterprise."""
    setting = Setting.select(Setting.value).where(Setting.key == VISIT_MONTHS_SETTING)
    all_open = PartnerVisit.select(fn.COUNT(PartnerVisit.id)).where(
        PartnerVisit.follow_up.in_(OPEN_FOLLOW_UP_STATES)
    )
    last = fn.MAX(PartnerVisit.visited_on)
    query = (
        Enterprise.select(
            Enterprise.id,
            Enterprise.name,
            last.alias("last_visit"),
            setting.alias("months"),
            all_open.alias("all_open"),
        )
        .join(PartnerVisit, JOIN.LEFT_OUTER, on=(PartnerVisit.enterprise == Enterprise.id))
        .where(Enterprise.merged_into.is_null(), Enterprise.is_partner)
        .group_by(Enterprise.id, Enterprise.name)
        .order_by(last.asc(nulls="first"), Enterprise.name)
        .limit(limit)
    )
    rows = list(query)
    if not rows:
        return None  # no partner enterprise yet: nothing for the dashboard
    months = _months_from(rows[0].months)
    cutoff = months_before(local_today(), months)
    overdue = []
    for row in rows:
        if isinstance(row.last_visit, str):  # SQLite hands an aggregate date back as text
            row.last_visit = date.fromisoformat(row.last_visit)
        if row.last_visit is None or row.last_visit < cutoff:
            overdue.append(row)
    return overdue, months, int(rows[0].all_open or 0)


__all__ = [
    "annual_report",
    "coverage",
    "coverage_trend",
    "coverage_years",
    "directory",
    "directory_export",
    "duplicate_suggestions",
    "enterprise_activity",
    "enterprise_profile",
    "merge_candidates",
    "merges",
    "name_suggestions",
    "reminders",
    "report_years",
    "visit_months",
    "visits",
]
