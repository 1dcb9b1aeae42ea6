"""Demo data for the volunteer service: the 广中党员志愿者企业服务分队 and four partner
enterprises' 服务小分队 (GLOSSARY.md), invented members (and the demo entrepreneur 李建国),
past activities with sign-ins, sign-outs and approved hours (so passbooks hold earned points
and one was spent at the love supermarket counter), an hour certificate, hours waiting for
approval, and activities coming up with places left and one full with a waiting list.

Everything goes through the module's own actions (and the market's), so the audit log,
the passbook chain and `ledger verify` see the demo as they would see real use.
"""

from datetime import date, datetime, timedelta

from db.accounts import Enterprise, User
from db.base import utcnow
from db.market.models import Item
from db.market.periods import local_today, to_utc
from db.market.redemption import redeem_passbook
from db.volunteers.activities import add_to_activity, create_activity
from db.volunteers.attendance import sign_in, sign_out
from db.volunteers.certificates import issue_certificate
from db.volunteers.hours import decide_hours, report_hours
from db.volunteers.models import DIVISION, LEADER, MEMBER, SQUAD, HourRecord, Volunteer
from db.volunteers.teams import add_member, create_team

DIVISION_NAME = "广中党员志愿者企业服务分队"
SQUAD_ENTERPRISES = ("绿地建设集团", "宝华集团", "华谊集团", "明凯集团")

# (name, mobile, enterprise or None, role in the squad); the first of each squad leads it.
MEMBERS = (
    ("周国华", "13800005001", "绿地建设集团", LEADER),
    ("王丽红", "13800005002", "绿地建设集团", MEMBER),
    ("李建国", "13800000001", "绿地建设集团", MEMBER),  # the demo entrepreneur's account
    ("钱志明", "13800005003", "宝华集团", LEADER),
    ("孙雅婷", "13800005004", "宝华集团", MEMBER),
    ("赵德胜", "13800005005", "宝华集团", MEMBER),
    ("吴海燕", "13800005006", "华谊集团", LEADER),
    ("郑晓东", "13800005007", "华谊集团", MEMBER),
    ("冯秀兰", "13800005008", "明凯集团", LEADER),
    ("陈卫平", "13800005009", "明凯集团", MEMBER),
    ("刘思远", "13800005010", None, MEMBER),  # in the division only
)

# (days ago, start hour, hours long, team (None: the division), title, place, what to do,
#  slots, members who came: (index in MEMBERS, minutes late, minutes early))
PAST = (
    (
        75,
        9,
        3,
        None,
        "爱心超市理货日",
        "广中社区爱心超市",
        "整理捐赠物资、核对库存、上架标价。",
        10,
        ((0, 0, 0), (1, 5, 0), (3, 0, 30), (6, 0, 0), (10, 10, 0)),
    ),
    (
        48,
        14,
        2,
        "宝华集团",
        "结对助学家访",
        "广中路街道结对中学",
        "随社工走访结对学生家庭，送去学习用品。",
        6,
        ((3, 0, 0), (4, 0, 0), (5, 0, 20)),
    ),
    (
        33,
        9,
        4,
        "绿地建设集团",
        "企业服务日·政策宣讲",
        "绿地建设集团一楼大堂",
        "为园区小微企业讲解惠企政策，登记服务需求。",
        8,
        ((0, 0, 0), (1, 0, 0), (2, 0, 60)),
    ),
    (
        12,
        8,
        3,
        "华谊集团",
        "社区环境清洁行动",
        "广中路、水电路沿线",
        "清理卫生死角，劝导垃圾分类。",
        12,
        ((6, 0, 0), (7, 0, 0), (8, 15, 0), (9, 0, 0), (10, 0, 0)),
    ),
)

# (days ahead, start hour, hours long, team, title, place, what to do, slots, members signed up)
COMING = (
    (
        4,
        9,
        3,
        None,
        "爱心超市周末值守",
        "广中社区爱心超市",
        "在兑换柜台协助帮困家庭兑换物资。",
        3,
        (1, 3, 6, 8, 10),  # three places: two wait
    ),
    (
        11,
        14,
        2,
        "明凯集团",
        "楼宇垃圾分类宣传",
        "明凯商务楼",
        "在各楼层发放垃圾分类指南，解答问题。",
        10,
        (8, 9),
    ),
)


def _at(day, hour, minute=0):
    """A local (Asia/Shanghai) day and time as naive UTC."""
    return to_utc(datetime(day.year, day.month, day.day, hour, minute))


def seed_volunteers():
    """Teams, members, past activities with approved hours and points, a redemption from a
    passbook, a certificate, pending hours, coming activities."""
    staff = User.get_or_none(User.username == "staff")
    today = local_today()
    division = create_team(
        DIVISION,
        DIVISION_NAME,
        description="由联建单位党员组成，服务企业与社区：爱心超市、结对助学、主题宣传。",
        actor=staff,
    )
    squads = {}
    for name in SQUAD_ENTERPRISES:
        enterprise = Enterprise.get(Enterprise.name == name)
        squads[name] = create_team(
            SQUAD,
            f"{name}服务小分队",
            parent_id=division.id,
            enterprise_id=enterprise.id,
            description=f"{name}党员志愿者。",
            actor=staff,
        )
    volunteers = []
    for name, mobile, enterprise, role in MEMBERS:
        team = squads[enterprise] if enterprise else division
        membership, _ = add_member(team.id, name, mobile, consent=True, role=role, actor=staff)
        if enterprise:  # every squad member is in the division too
            add_member(division.id, name, mobile, consent=True, actor=staff)
        volunteers.append(Volunteer.get_by_id(membership.volunteer_id))

    def team_of(key):
        return squads[key] if key else division

    records = []
    for days, hour, length, key, title, place, what, slots, came in PAST:
        day = today - timedelta(days=days)
        starts = _at(day, hour)
        ends = starts + timedelta(hours=length)
        activity = create_activity(
            dict(
                team_id=team_of(key).id,
                title=title,
                place=place,
                what_to_do=what,
                starts_at=starts,
                ends_at=ends,
                slots=slots,
                max_minutes=None,
            ),
            publish=True,
            actor=staff,
        )
        for index, late, early in came:
            signup, _ = add_to_activity(
                activity.id, volunteers[index].id, actor=staff, now=starts - timedelta(days=3)
            )
            sign_in(signup.id, actor=staff, now=starts + timedelta(minutes=late))
            _, record = sign_out(signup.id, actor=staff, now=ends - timedelta(minutes=early))
            records.append(record)
    # All but the latest activity's hours are approved; those wait for staff.
    latest = max(r.activity_id for r in records)
    decide_hours(
        [(r.id, "approve", None, None) for r in records if r.activity_id != latest], actor=staff
    )
    report_hours(
        volunteers[1],
        today - timedelta(days=5),
        90,
        "帮助独居老人到爱心超市兑换物资",
        actor=volunteers[1].user,
    )
    approved = HourRecord.select().where(HourRecord.volunteer == volunteers[0].id).first()
    if approved is not None:  # a certificate of the year's hours for the squad leader
        first = min(date(today.year, 1, 1), approved.served_on)
        issue_certificate(volunteers[0].id, first, today, actor=staff)
    spender = Volunteer.get_by_id(volunteers[0].id)  # 7 points earned
    item = Item.select().where(Item.points_price <= 6).order_by(Item.points_price).first()
    if spender.passbook_id and item is not None:
        redeem_passbook(spender.passbook_id, [(item.id, 1)], actor=staff, at=utcnow())

    for days, hour, length, key, title, place, what, slots, signed in COMING:
        starts = _at(today + timedelta(days=days), hour)
        activity = create_activity(
            dict(
                team_id=team_of(key).id,
                title=title,
                place=place,
                what_to_do=what,
                starts_at=starts,
                ends_at=starts + timedelta(hours=length),
                slots=slots,
                max_minutes=None,
            ),
            publish=True,
            actor=staff,
        )
        for index in signed:
            add_to_activity(activity.id, volunteers[index].id, actor=staff)
