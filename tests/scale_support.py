"""Seeders for the scale tests (tests/test_query_budget.py, tests/test_query_plans.py): bulk
inserts of what each main page lists, and the table of those pages.

A seeder is seed(world, state, count): it adds `count` rows of what its page lists (peewee
insert_many, so 1,000 rows take a moment); `state` keeps what a page needs between rounds
(the event, the course …). PAGES says which URL shows the rows.
"""

from datetime import datetime, timedelta

from bench.generate_market import Writer
from db.accounts import PRIVACY_NOTICE_VERSION, Enterprise, User
from db.audit import AuditEntry
from db.base import utcnow
from db.events.models import CONFIRMED, Event, Registration
from db.market.models import (
    CashEntry,
    Donation,
    Donor,
    Household,
    Item,
    PointsEntry,
    Redemption,
    StockMovement,
)
from db.market.periods import current_period, local, month_start, shift_period, to_utc
from db.training.models import Application, Attendance, Course, CourseSession
from db.training.status import APPROVED, PENDING
from db.volunteers.models import (
    Activity,
    HourRecord,
    JoinRequest,
    Membership,
    Signup,
    Team,
    Volunteer,
)


def insert(model, rows):
    """insert_many in batches (SQLite's bound-variable limit)."""
    rows = list(rows)
    if not rows:
        return
    batch = max(1, 30_000 // len(rows[0]) // 2)
    for start in range(0, len(rows), batch):
        model.insert_many(rows[start : start + batch]).execute()


def next_id(model):
    """The next id of `model` when seeders number rows themselves."""
    last = model.select(model.id).order_by(model.id.desc()).first()
    return (last.id if last else 0) + 1


class World:
    """What the seeders share: the staff user, one enterprise, counters for unique values."""

    def __init__(self, staff):
        self.staff = staff
        self.now = utcnow()
        self.enterprise = Enterprise.create(name="预算测试企业")
        self.serial = 0
        self.receipt = 0

    def numbers(self, count):
        """`count` fresh serial numbers (unique across the test)."""
        start = self.serial
        self.serial += count
        return range(start, start + count)

    def people(self, count):
        """`count` new entrepreneur accounts; returns their ids."""
        first = next_id(User)
        insert(
            User,
            (
                dict(
                    id=first + i,
                    username=f"137{n:08d}",
                    name=f"预算用户{n:05d}",
                    mobile=f"137{n:08d}",
                    role="entrepreneur",
                    password_hash="x",
                    enterprise=self.enterprise.id,
                    position="经理",
                    created_at=self.now,
                )
                for i, n in enumerate(self.numbers(count))
            ),
        )
        return list(range(first, first + count))


# The seeders (see the module docstring); they return nothing.


def seed_events(world, state, count):
    """Upcoming published events."""
    insert(
        Event,
        (
            dict(
                kind="forum",
                title=f"预算论坛{n}",
                venue="三楼多功能厅",
                starts_at=world.now + timedelta(days=2 + n % 60, hours=n % 10),
                ends_at=world.now + timedelta(days=2 + n % 60, hours=n % 10 + 2),
                seats=100,
                status="published",
                created_by=world.staff.id,
            )
            for n in world.numbers(count)
        ),
    )


def seed_registrations(world, state, count):
    """Registrations of one upcoming event (created on the first round)."""
    if "event" not in state:
        state["event"] = Event.create(
            kind="forum",
            title="预算年会",
            venue="报告厅",
            starts_at=world.now + timedelta(days=10),
            ends_at=world.now + timedelta(days=10, hours=3),
            seats=5_000,
            status="published",
            created_by=world.staff.id,
        )
    event = state["event"]
    insert(
        Registration,
        (
            dict(
                event=event.id,
                code=f"B{n:07d}",
                token=f"budget-token-{n:010d}",
                name=f"预算用户{n:05d}",
                mobile=f"136{n:08d}",
                enterprise=world.enterprise.id,
                position="经理",
                status=CONFIRMED,
                consent_at=world.now,
                consent_version=PRIVACY_NOTICE_VERSION,
                confirmed_at=world.now,
            )
            for n in world.numbers(count)
        ),
    )


def _course(world, title, first_session, sessions=3, seats=40):
    """A published course with `sessions` weekly sessions from `first_session`; its id."""
    course = Course.create(
        title=title,
        institution="区职业技能培训中心",
        seats=seats,
        published=True,
        review_required=True,
        created_by=world.staff.id,
    )
    insert(
        CourseSession,
        (
            dict(
                course=course.id,
                starts_at=first_session + timedelta(days=7 * i),
                ends_at=first_session + timedelta(days=7 * i, hours=2),
                topic=f"第{i + 1}讲",
                code=f"S{n:07d}",
            )
            for i, n in enumerate(world.numbers(sessions))
        ),
    )
    return course


def seed_courses(world, state, count):
    """Open courses: published, each with sessions ahead."""
    first_course = next_id(Course)
    numbers = list(world.numbers(count))
    insert(
        Course,
        (
            dict(
                id=first_course + i,
                title=f"预算课程{n}",
                institution="区职业技能培训中心",
                seats=30,
                published=True,
                review_required=True,
                created_by=world.staff.id,
                created_at=world.now,
                updated_at=world.now,
            )
            for i, n in enumerate(numbers)
        ),
    )
    insert(
        CourseSession,
        (
            dict(
                course=first_course + i,
                starts_at=world.now + timedelta(days=3 + n % 50),
                ends_at=world.now + timedelta(days=3 + n % 50, hours=2),
                topic="第1讲",
                code=f"C{n:07d}",
            )
            for i, n in enumerate(numbers)
        ),
    )


def _applications(world, course_id, count, status):
    """`count` applications of new people to `course_id`; their ids."""
    first = next_id(Application)
    insert(
        Application,
        (
            dict(
                id=first + i,
                course=course_id,
                user=user_id,
                enterprise=world.enterprise.id,
                position="经理",
                status=status,
                consent_at=world.now,
                consent_version=PRIVACY_NOTICE_VERSION,
                created_at=world.now,
                updated_at=world.now,
            )
            for i, user_id in enumerate(world.people(count))
        ),
    )
    return list(range(first, first + count))


def seed_review_queue(world, state, count):
    """Pending applications to one upcoming course."""
    if "course" not in state:
        state["course"] = _course(world, "预算审核课程", world.now + timedelta(days=20))
    _applications(world, state["course"].id, count, PENDING)


def seed_attendance(world, state, count):
    """Approved people of one course that has held its sessions, each marked present once."""
    if "course" not in state:
        state["course"] = _course(
            world, "预算考勤课程", world.now - timedelta(days=30), sessions=5, seats=5_000
        )
        state["sessions"] = [
            s.id for s in CourseSession.select().where(CourseSession.course == state["course"].id)
        ]
    ids = _applications(world, state["course"].id, count, APPROVED)
    sessions = state["sessions"]
    insert(
        Attendance,
        (
            dict(
                session=sessions[i % len(sessions)],
                application=application_id,
                method="staff",
                recorded_by=world.staff.id,
                recorded_at=world.now,
            )
            for i, application_id in enumerate(ids)
        ),
    )


def seed_items(world, state, count):
    """Catalogue items, each with a donation of stock (ledger rows chained)."""
    first = next_id(Item)
    numbers = list(world.numbers(count))
    insert(
        Item,
        (
            dict(
                id=first + i,
                name=f"预算物品{n:05d}",
                category="daily",
                unit="件",
                points_price=5,
                reference_value=1000,
                low_stock_threshold=5,
                active=True,
                created_at=world.now,
            )
            for i, n in enumerate(numbers)
        ),
    )
    donor_id = _donor(state)
    writer = Writer(world.staff.id, world.staff.username)
    for i in range(count):
        at = world.now - timedelta(minutes=count - i)
        donation_id = writer.document(
            Donation,
            at,
            receipt_year=local(at).year,
            receipt_seq=_receipt(world),
            donor=donor_id,
            donated_on=local(at).date(),
            goods_value=10_000,
            money=0,
        )
        writer.append(
            StockMovement,
            at,
            item=first + i,
            quantity=10,
            kind="donation",
            unit_value=1000,
            donation=donation_id,
        )
    writer.flush()


def _donor(state):
    """One donor for the test's donations."""
    if "donor" not in state:
        state["donor"] = Donor.create(kind="person", name="预算捐赠人").id
    return state["donor"]


def _receipt(world):
    """The next receipt number of the test (gapless within it, one series for every year)."""
    world.receipt += 1
    return world.receipt


def _households(world, count):
    """`count` active households; their ids."""
    first = next_id(Household)
    insert(
        Household,
        (
            dict(
                id=first + i,
                card_no=f"B{n:07d}",
                head_name=f"预算户主{n:05d}",
                mobile=f"135{n:08d}",
                address="广中路1号",
                size=3,
                category="dibao",
                status="active",
                next_review=local(world.now).date() + timedelta(days=200),
                created_at=world.now,
                updated_at=world.now,
            )
            for i, n in enumerate(world.numbers(count))
        ),
    )
    return list(range(first, first + count))


def seed_households(world, state, count):
    """Households."""
    _households(world, count)


def seed_donations(world, state, count):
    """Money donations this month (ledger rows chained)."""

    donor_id = _donor(state)
    writer = Writer(world.staff.id, world.staff.username)
    for i in range(count):
        at = world.now - timedelta(seconds=count - i)
        donation_id = writer.document(
            Donation,
            at,
            receipt_year=local(at).year,
            receipt_seq=_receipt(world),
            donor=donor_id,
            donated_on=local(at).date(),
            named=True,
            goods_value=0,
            money=10_000,
        )
        writer.append(CashEntry, at, amount=10_000, kind="donation", donation=donation_id)
    writer.flush()


def seed_month(world, state, count, end=None):
    """This month's life for the reports: donations of stock, allowances, and as many
    redemptions, each of a new household (ledger rows chained), ending now (or at `end`)."""
    if "item" not in state:
        state["item"] = Item.create(
            name=f"预算毛巾{world.numbers(1)[0]}",
            category="daily",
            unit="条",
            points_price=5,
            reference_value=1000,
        ).id
    households = _households(world, count)
    donor_id = _donor(state)
    writer = Writer(world.staff.id, world.staff.username)
    start = (end or world.now) - timedelta(seconds=3 * count + 10)
    at = start
    donation_id = writer.document(
        Donation,
        at,
        receipt_year=local(at).year,
        receipt_seq=_receipt(world),
        donor=donor_id,
        donated_on=local(at).date(),
        goods_value=1000 * count,
        money=0,
    )
    writer.append(
        StockMovement,
        at,
        item=state["item"],
        quantity=count,
        kind="donation",
        unit_value=1000,
        donation=donation_id,
    )
    for i, household_id in enumerate(households):
        at = start + timedelta(seconds=3 * i + 1)
        writer.append(PointsEntry, at, household=household_id, points=50, kind="allowance")
        redemption_id = writer.document(
            Redemption, at + timedelta(seconds=1), household=household_id, points_total=5
        )
        writer.append(
            StockMovement,
            at + timedelta(seconds=1),
            item=state["item"],
            quantity=-1,
            kind="redemption",
            unit_value=1000,
            unit_points=5,
            redemption=redemption_id,
        )
        writer.append(
            PointsEntry,
            at + timedelta(seconds=1),
            household=household_id,
            points=-5,
            kind="redemption",
            redemption=redemption_id,
        )
    writer.flush()


def seed_closed_month(world, state, count):
    """A closed month's life for its stored report and notice: each round a month that has
    ended and was never shown, holding every row seeded so far (a month's figures are stored
    the first time it is shown and never change, so a round cannot add to a month already
    shown; db/market/closed_months.py). Rounds go forward in time, three months ago first,
    so that a month shown never lies in a later round's twelve-month charts."""
    state["total"] = state.get("total", 0) + count
    state["round"] = state.get("round", 0) + 1
    month = shift_period(current_period(), state["round"] - 4)
    state["month"] = month
    start = month_start(month)
    seed_month(world, state, state["total"], end=to_utc(datetime(start.year, start.month, 15)))


def seed_kiosk(world, state, count):
    """Events this week and open courses (what the start screen offers)."""
    insert(
        Event,
        (
            dict(
                kind="salon",
                title=f"预算沙龙{n}",
                venue="二楼会议室",
                starts_at=world.now + timedelta(hours=2 + n % 100),
                ends_at=world.now + timedelta(hours=4 + n % 100),
                seats=50,
                status="published",
                created_by=world.staff.id,
            )
            for n in world.numbers(count)
        ),
    )
    seed_courses(world, state, count)


def seed_audit(world, state, count):
    """Audit entries."""
    insert(
        AuditEntry,
        (
            dict(
                at=world.now - timedelta(seconds=n),
                actor=world.staff.id,
                actor_label=world.staff.username,
                action="market.household.update",
                object_type="household",
                object_id=n,
                summary=f"预算记录{n}",
            )
            for n in world.numbers(count)
        ),
    )


def _volunteer_team(world, state):
    """The team the volunteer seeders share (one a test)."""
    if "team" not in state:
        state["team"] = Team.create(kind="division", name=f"预算分队{world.numbers(1)[0]}")
    return state["team"]


def _volunteers(world, count):
    """`count` new volunteers (entered by staff, with consent); returns their ids."""
    first = next_id(Volunteer)
    insert(
        Volunteer,
        (
            dict(
                id=first + i,
                name=f"预算志愿者{n:05d}",
                mobile=f"136{n:08d}",
                consent_at=world.now,
                consent_version=PRIVACY_NOTICE_VERSION,
                created_at=world.now,
                updated_at=world.now,
            )
            for i, n in enumerate(world.numbers(count))
        ),
    )
    return list(range(first, first + count))


def seed_volunteer_activities(world, state, count):
    """Published volunteer activities coming up."""
    team = _volunteer_team(world, state)
    insert(
        Activity,
        (
            dict(
                team=team.id,
                title=f"预算志愿活动{n}",
                place="爱心超市",
                starts_at=world.now + timedelta(hours=2 + n % 500),
                ends_at=world.now + timedelta(hours=4 + n % 500),
                slots=20,
                max_minutes=120,
                status="published",
                created_at=world.now,
                updated_at=world.now,
            )
            for n in world.numbers(count)
        ),
    )


def seed_volunteer_roster(world, state, count):
    """Sign-ups for one activity (a roster)."""
    team = _volunteer_team(world, state)
    if "activity" not in state:
        state["activity"] = Activity.create(
            team=team,
            title="预算名单活动",
            place="爱心超市",
            starts_at=world.now + timedelta(minutes=30),
            ends_at=world.now + timedelta(hours=3),
            slots=5_000,
            max_minutes=150,
            status="published",
        )
    insert(
        Signup,
        (
            dict(
                activity=state["activity"].id,
                volunteer=volunteer,
                status="confirmed",
                created_at=world.now,
                updated_at=world.now,
            )
            for volunteer in _volunteers(world, count)
        ),
    )


def seed_volunteer_hours(world, state, count):
    """Pending hour records (the approval table)."""
    insert(
        HourRecord,
        (
            dict(
                volunteer=volunteer,
                served_on=world.now.date(),
                minutes=90,
                source="self_reported",
                status="pending",
                note="预算服务",
                created_at=world.now,
            )
            for volunteer in _volunteers(world, count)
        ),
    )


def seed_volunteer_requests(world, state, count):
    """Pending join requests to one team."""
    team = _volunteer_team(world, state)
    insert(
        JoinRequest,
        (
            dict(team=team.id, volunteer=volunteer, status="pending", created_at=world.now)
            for volunteer in _volunteers(world, count)
        ),
    )


def seed_volunteer_members(world, state, count):
    """Members of one team."""
    team = _volunteer_team(world, state)
    insert(
        Membership,
        (
            dict(team=team.id, volunteer=volunteer, role="member", joined_at=world.now)
            for volunteer in _volunteers(world, count)
        ),
    )


SEARCH = "?q=%E9%A2%84%E7%AE%97%E7%94%A8%E6%88%B7"  # 预算用户, every seeded name
# The main list and report pages: (name, role, seeder, url(state), htmx request or not).
PAGES = [
    ("public event list", None, seed_events, lambda s: "/events", False),
    ("event page", None, seed_registrations, lambda s: f"/events/{s['event'].id}", False),
    (
        "staff registrations list",
        "staff",
        seed_registrations,
        lambda s: f"/manage/events/{s['event'].id}",
        False,
    ),
    (
        "staff registrations search (htmx)",
        "staff",
        seed_registrations,
        lambda s: f"/manage/events/{s['event'].id}{SEARCH}",
        True,
    ),
    ("course list", None, seed_courses, lambda s: "/courses", False),
    ("review queue", "staff", seed_review_queue, lambda s: "/manage/applications", False),
    (
        "attendance grid",
        "staff",
        seed_attendance,
        lambda s: f"/manage/courses/{s['course'].id}/attendance",
        False,
    ),
    ("stock page", "staff", seed_items, lambda s: "/market/items", False),
    ("households list", "staff", seed_households, lambda s: "/market/households", False),
    ("donations list", "staff", seed_donations, lambda s: "/market/donations", False),
    ("monthly report", "staff", seed_month, lambda s: "/market/reports", False),
    ("disclosure page", None, seed_month, lambda s: "/market/disclosure", False),
    (
        "monthly report (closed month)",
        "staff",
        seed_closed_month,
        lambda s: f"/market/reports?month={s['month']}",
        False,
    ),
    (
        "disclosure page (closed month)",
        None,
        seed_closed_month,
        lambda s: f"/market/disclosure?month={s['month']}",
        False,
    ),
    ("kiosk start screen", "kiosk", seed_kiosk, lambda s: "/kiosk/", False),
    ("audit log", "admin", seed_audit, lambda s: "/admin/audit", False),
    ("volunteer activities", None, seed_volunteer_activities, lambda s: "/volunteers/", False),
    (
        "staff volunteer activities",
        "staff",
        seed_volunteer_activities,
        lambda s: "/volunteers/manage",
        False,
    ),
    (
        "volunteer roster",
        "staff",
        seed_volunteer_roster,
        lambda s: f"/volunteers/activities/{s['activity'].id}/roster",
        False,
    ),
    ("volunteer hours", "staff", seed_volunteer_hours, lambda s: "/volunteers/hours", False),
    ("join requests", "staff", seed_volunteer_requests, lambda s: "/volunteers/requests", False),
    (
        "team members",
        "staff",
        seed_volunteer_members,
        lambda s: f"/volunteers/teams/{s['team'].id}",
        False,
    ),
]
