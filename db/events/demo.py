"""Demo events from GLOSSARY.md, placed around today so upcoming ones stay upcoming.

Two past events with attendance, one today (for the door screen), one nearly full, one with
a waiting list, one annual meeting with approvals, and a draft. Registrations come from the
two demo entrepreneurs and invented guests (mobiles 1380000xxxx).
"""

import random
from datetime import UTC, datetime, time, timedelta

from db.accounts import Enterprise, User
from db.base import utcnow
from db.codes import new_token, unique_code
from db.events.models import (
    CANCELLED,
    CONFIRMED,
    PENDING,
    REJECTED,
    WAITING,
    Event,
    EventQuestion,
    Registration,
    RegistrationAnswer,
)
from db.events.texts import SHANGHAI, notify

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢"
    "宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = (
    *("伟", "芳", "娜", "敏", "静", "磊", "强", "军", "洋", "勇", "艳", "杰", "涛", "明"),
    *("超", "秀英", "华", "慧", "建华", "晓东", "海燕", "志强", "文博", "雨欣", "子涵"),
    *("嘉怡", "浩然", "思远", "雅琴", "春梅", "国庆", "立新", "佳琪", "宇航", "丽君"),
    *("振华", "晨曦", "书瑶", "泽宇", "欣然"),
)
POSITIONS = (
    "总经理",
    "副总经理",
    "党支部书记",
    "人力资源经理",
    "行政主管",
    "财务总监",
    "项目经理",
    "办公室主任",
    "技术总监",
    "市场部经理",
)
VENUE_HALL = "广中路街道党群服务中心 三楼多功能厅"
VENUE_ROOM = "中广招商服务分中心 二楼会议室"

FORUM_TEXT = (
    "一年一度的中广党建论坛，邀请联建单位党组织负责人共话“党建引领高质量发展”。\n"
    "议程：\n"
    "1. 街道党工委致辞\n"
    "2. 联建单位经验分享\n"
    "3. 圆桌讨论：园区、楼宇、市场党建的新做法"
)
ENTREPRENEUR_TEXT = (
    "中广企业家论坛面向联建单位企业家，交流经营心得与发展机遇。\n"
    "本期主题：数字化转型与人才引进。会后安排自由交流。"
)
REPORT_TEXT = (
    "经济时事报告会邀请专家解读宏观经济形势与政策动向，帮助企业把握发展方向。\n"
    "现场设提问环节，欢迎提前准备问题。"
)
ANNUAL_TEXT = (
    "企业党建联建促进会年会：回顾一年联建工作，表彰优秀联建单位，审议明年工作计划。\n"
    "参会名额按联建单位分配，报名后由分中心审核。"
)
SALON_TEXT = "小范围沙龙，围绕数字化转型中的具体问题交流经验。\n名额有限，先到先得。"


def _at(day_offset, hour, minute=0):
    """Naive UTC for a Shanghai wall-clock time `day_offset` days from today."""
    today = datetime.now(UTC).astimezone(SHANGHAI).date()
    local = datetime.combine(today + timedelta(days=day_offset), time(hour, minute), SHANGHAI)
    return local.astimezone(UTC).replace(tzinfo=None)


def _event(kind, title, description, venue, day, start_hour, hours, seats, **extra):
    """Create a published event from day offset and Shanghai hours."""
    starts = _at(day, start_hour)
    return Event.create(
        kind=kind,
        title=title,
        description=description,
        venue=venue,
        starts_at=starts,
        ends_at=starts + timedelta(hours=hours),
        seats=seats,
        status=extra.pop("status", "published"),
        created_at=starts - timedelta(days=40),
        updated_at=starts - timedelta(days=40),
        **extra,
    )


class Crowd:
    """Invented guests with distinct names and reserved-looking mobile numbers."""

    def __init__(self, rng, enterprises):
        self.rng = rng
        self.enterprises = enterprises
        self.serial = 1000
        self.used = set()

    def person(self):
        """A fresh invented guest."""
        while True:
            name = self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)
            if name not in self.used:
                self.used.add(name)
                break
        self.serial += 1
        return dict(
            name=name,
            mobile=f"1380000{self.serial:04d}",
            enterprise=self.rng.choice(self.enterprises),
            position=self.rng.choice(POSITIONS),
        )


def _register(event, person, status, when, user=None, number=None, checked_in=False, **extra):
    """Write one demo registration directly (past ones could not go through the window)."""
    return Registration.create(
        event=event,
        user=user,
        code=unique_code(Registration.code),
        token=new_token(),
        name=person["name"],
        mobile=person["mobile"],
        enterprise=person["enterprise"],
        position=person["position"],
        status=status,
        waiting_number=number,
        source=extra.pop("source", "account" if user else "web"),
        consent_at=when,
        consent_version="2026-11",
        created_at=when,
        updated_at=when,
        confirmed_at=when if status == CONFIRMED else None,
        checked_in_at=event.starts_at - timedelta(minutes=10) if checked_in else None,
        **extra,
    )


def _fill(event, crowd, rng, confirmed, present=0, waiting=0, pending=0, cancelled=0):
    """Add guests: confirmed (the first `present` checked in), waiting, pending, cancelled."""
    start = min(event.starts_at, utcnow()) - timedelta(days=20)
    rows = []
    for index in range(confirmed + waiting + pending + cancelled):
        when = start + timedelta(minutes=37 * index + rng.randint(0, 30))
        if index < confirmed:
            rows.append(
                _register(event, crowd.person(), CONFIRMED, when, checked_in=index < present)
            )
        elif index < confirmed + waiting:
            number = index - confirmed + 1
            rows.append(_register(event, crowd.person(), WAITING, when, number=number))
        elif index < confirmed + waiting + pending:
            rows.append(_register(event, crowd.person(), PENDING, when))
        else:
            rows.append(_register(event, crowd.person(), CANCELLED, when, cancelled_by="self"))
    return rows


def _account_person(user):
    """A demo entrepreneur's details as a registration takes them."""
    return dict(
        name=user.name, mobile=user.mobile, enterprise=user.enterprise, position=user.position
    )


def seed_events():
    """The demo events, registrations and the demo entrepreneurs' notices."""
    rng = random.Random(20261126)
    enterprises = list(Enterprise.select().order_by(Enterprise.id))
    for name in ("广中数字科技有限公司", "虹口滨江商务咨询有限公司", "北外滩供应链管理有限公司"):
        enterprises.append(Enterprise.create(name=name))
    crowd = Crowd(rng, enterprises)
    li = User.get_or_none(User.mobile == "13800000001")
    chen = User.get_or_none(User.mobile == "13800000002")
    staff = User.get_or_none(User.username == "staff")
    mine = []

    forum = _event("forum", "中广党建论坛（2026年度）", FORUM_TEXT, VENUE_HALL, -45, 9, 3, 120)
    forum.created_by = staff
    forum.save()
    EventQuestion.create(event=forum, position=1, label="您所在的党组织", kind="text")
    _fill(forum, crowd, rng, confirmed=96, present=81, cancelled=6)
    if li:
        when = forum.starts_at - timedelta(days=9)
        mine.append(
            _register(forum, _account_person(li), CONFIRMED, when, user=li, checked_in=True)
        )

    report = _event(
        "report", "经济时事报告会：长三角一体化新机遇", REPORT_TEXT, VENUE_HALL, -12, 14, 2.5, 80
    )
    _fill(report, crowd, rng, confirmed=70, present=52, cancelled=4)
    for _ in range(3):
        guest = crowd.person()
        _register(report, guest, CONFIRMED, report.starts_at, checked_in=True, source="walk_in")
    if chen:
        when = report.starts_at - timedelta(days=5)
        mine.append(_register(report, _account_person(chen), CONFIRMED, when, user=chen))

    salon = _event(
        "salon", "中广企业家沙龙：数字化转型经验交流", SALON_TEXT, VENUE_ROOM, 0, 14, 2, 40
    )
    _fill(salon, crowd, rng, confirmed=32, present=10, cancelled=2)

    entrepreneurs = _event(
        "forum",
        "中广企业家论坛：数字化转型与人才引进",
        ENTREPRENEUR_TEXT,
        VENUE_HALL,
        8,
        9,
        2.5,
        60,
        audience_note="联建单位企业家及高级管理人员",
    )
    topic = EventQuestion.create(
        event=entrepreneurs,
        position=1,
        label="您最关注的议题",
        kind="choice",
        choices="数字化转型\n人才引进\n融资服务\n党建引领发展",
        required=True,
    )
    EventQuestion.create(event=entrepreneurs, position=2, label="想向嘉宾提的问题", kind="text")
    rows = _fill(entrepreneurs, crowd, rng, confirmed=55, cancelled=3)
    for user in (li, chen):
        if user:
            when = utcnow() - timedelta(days=2)
            row = _register(entrepreneurs, _account_person(user), CONFIRMED, when, user=user)
            rows.append(row)
            mine.append(row)
    for row in rows:
        if row.status == CONFIRMED:
            answer = rng.choice(topic.choice_list)
            RegistrationAnswer.create(registration=row, question=topic, value=answer)

    outlook = _event(
        "report", "经济时事报告会：2027年宏观经济展望", REPORT_TEXT, VENUE_ROOM, 15, 14, 2, 30
    )
    _fill(outlook, crowd, rng, confirmed=30, waiting=4)
    if li:
        when = utcnow() - timedelta(hours=20)
        mine.append(_register(outlook, _account_person(li), WAITING, when, user=li, number=5))

    annual = _event(
        "annual",
        "企业党建联建促进会年会",
        ANNUAL_TEXT,
        VENUE_HALL,
        30,
        9,
        4,
        100,
        approval_required=True,
        audience_note="联建单位党组织书记、企业负责人（每单位不超过两名）",
    )
    _fill(annual, crowd, rng, confirmed=20, pending=6)
    _register(
        annual,
        crowd.person(),
        REJECTED,
        utcnow() - timedelta(days=3),
        reason="每单位限两名，名额已满",
    )
    for user, status in ((li, PENDING), (chen, CONFIRMED)):
        if user:
            row = _register(
                annual, _account_person(user), status, utcnow() - timedelta(days=1), user=user
            )
            mine.append(row)

    _event(
        "forum",
        "中广党建论坛（2027年度）",
        FORUM_TEXT,
        VENUE_HALL,
        90,
        9,
        3,
        150,
        status="draft",
    )
    for row in mine:
        row.event = Event.get_by_id(row.event_id)
        notify("event." + row.status, row)
