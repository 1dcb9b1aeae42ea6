"""Demo courses from GLOSSARY.md, placed around today so each stays in its phase.

高级职业经理人研修班（第一期） finished weeks ago with certificates issued (one revoked);
高级职业经理人研修班（第二期） is running (one session today); 中国注册高级商务策划师培训班 is
upcoming and open for applications. Applicants are the two demo entrepreneurs and invented
people with demo accounts (mobiles 138000020xx) that cannot log in.
"""

import random
import secrets
from datetime import UTC, datetime, time, timedelta

from werkzeug.security import generate_password_hash

from db.accounts import PRIVACY_NOTICE_VERSION, Enterprise, User
from db.base import utcnow
from db.codes import unique_code
from db.training.completion import SHANGHAI, allocate_number, format_number, local_date
from db.training.models import (
    Application,
    ApplicationAnswer,
    Attendance,
    Certificate,
    Course,
    CourseSession,
)
from db.training.queries import timing
from db.training.status import (
    APPROVED,
    COMPLETED,
    NOT_COMPLETED,
    PENDING,
    REJECTED,
    WAITING,
    WITHDRAWN,
)
from db.training.texts import notify

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋"
GIVEN = (
    *("卫东", "丽萍", "建明", "秀兰", "志刚", "雪梅", "海峰", "玉珍", "永康", "晓燕"),
    *("国华", "红霞", "少军", "美玲", "德胜", "桂英", "振宇", "婉清", "宏伟", "静怡"),
)
POSITIONS = ("总经理", "副总经理", "人力资源经理", "运营总监", "行政主管", "项目经理", "财务总监")
MOTIVATIONS = (
    "希望系统提升管理能力，带好团队。",
    "企业正在转型，想学习战略规划和组织管理的方法。",
    "想结识联建单位的同行，交流经营经验。",
    "负责公司新业务拓展，需要补充商务策划知识。",
)
INSTITUTION_MANAGERS = "上海现代职业经理人研修院（示例）"
INSTITUTION_PLANNERS = "中国商务策划师协会上海培训中心（示例）"
ROOM = "中广招商服务分中心 二楼培训教室"

MANAGERS_TEXT = (
    "面向联建单位中高层管理者的系统研修课程，围绕战略管理、组织与人才、财务思维和"
    "领导力展开，采用讲授、案例研讨与小组演练相结合的方式。\n"
    "结业要求：出勤不少于全部课次的 80%，由合作培训机构颁发结业证书。"
)
PLANNERS_TEXT = (
    "按照中国注册高级商务策划师培训大纲开设，内容包括商务策划原理、市场调研与分析、"
    "项目策划与路演、案例实训。\n"
    "课程结束后可参加合作机构组织的资格评审。"
)
MANAGER_TOPICS = (
    "战略管理与企业定位",
    "组织设计与人才梯队",
    "管理者的财务思维",
    "高效团队与领导力",
    "数字化转型中的管理变革",
    "结业研讨与案例汇报",
)
PLANNER_TOPICS = (
    "商务策划原理",
    "市场调研与数据分析",
    "品牌与营销策划",
    "项目策划书撰写",
    "路演实训与结业考核",
)


def _at(day_offset, hour, minute=0):
    """Naive UTC for a Shanghai wall-clock time `day_offset` days from today."""
    today = datetime.now(UTC).astimezone(SHANGHAI).date()
    local = datetime.combine(today + timedelta(days=day_offset), time(hour, minute), SHANGHAI)
    return local.astimezone(UTC).replace(tzinfo=None)


class People:
    """Invented applicants with demo accounts nobody can log in to."""

    def __init__(self, rng, enterprises):
        self.rng = rng
        self.enterprises = enterprises
        self.serial = 2000
        self.used = set()
        # One hash of a random secret shared by all: the accounts exist, nobody knows it.
        self.password_hash = generate_password_hash(secrets.token_urlsafe(24), method="scrypt")

    def new(self):
        """A fresh invented entrepreneur account."""
        while True:
            name = self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)
            if name not in self.used:
                self.used.add(name)
                break
        self.serial += 1
        mobile = f"1380000{self.serial:04d}"
        return User.create(
            username=mobile,
            name=name,
            mobile=mobile,
            role="entrepreneur",
            password_hash=self.password_hash,
            enterprise=self.rng.choice(self.enterprises),
            position=self.rng.choice(POSITIONS),
            consent_at=utcnow(),
            consent_version=PRIVACY_NOTICE_VERSION,
        )


def _course(title, institution, lecturers, text, seats, opens_day, closes_day, **extra):
    """A published demo course."""
    staff = User.get_or_none(User.username == "staff")
    return Course.create(
        title=title,
        institution=institution,
        lecturers=lecturers,
        description=text,
        seats=seats,
        opens_at=_at(opens_day, 9),
        closes_at=_at(closes_day, 17),
        published=True,
        created_by=staff,
        created_at=_at(opens_day - 5, 10),
        updated_at=_at(opens_day - 5, 10),
        **extra,
    )


def _sessions(course, days, topics, start=(9, 0), end=(12, 0)):
    """Dated sessions on `days` (offsets from today) with the given topics."""
    return [
        CourseSession.create(
            course=course,
            starts_at=_at(day, *start),
            ends_at=_at(day, *end),
            topic=topic,
            room=ROOM,
            code=unique_code(CourseSession.code),
        )
        for day, topic in zip(days, topics, strict=True)
    ]


def _apply(course, user, status, when, rng, number=None, **extra):
    """Write one demo application directly (past windows could not take it any more)."""
    application = Application.create(
        course=course,
        user=user,
        enterprise=user.enterprise,
        position=user.position or rng.choice(POSITIONS),
        motivation=rng.choice(MOTIVATIONS),
        status=status,
        waiting_number=number,
        consent_at=when,
        consent_version=PRIVACY_NOTICE_VERSION,
        created_at=when,
        updated_at=when,
        decided_at=when + timedelta(days=2) if status != PENDING else None,
        **extra,
    )
    for index, question in enumerate(course.question_list):
        ApplicationAnswer.create(
            application=application,
            position=index,
            question=question,
            value="企业管理咨询与园区运营服务" if index == 0 else "提升策划与路演能力",
        )
    return application


def _attend(application, sessions, present):
    """Mark `application` present at the sessions whose index is in `present`."""
    for index, session in enumerate(sessions):
        if index in present:
            Attendance.create(
                session=session,
                application=application,
                method="code" if index % 2 else "roll_call",
                recorded_at=session.starts_at + timedelta(minutes=5),
            )


def _certify(application, course, when):
    """Issue the certificate of a completed demo application."""
    course_timing = timing(course)
    year = local_date(when).year
    serial = allocate_number(year)
    Application.update(status=COMPLETED, completed_at=when, updated_at=when).where(
        Application.id == application.id
    ).execute()
    return Certificate.create(
        number=format_number(year, serial),
        year=year,
        serial=serial,
        application=application,
        course=course,
        holder_name=application.user.name,
        enterprise_name=application.enterprise.name if application.enterprise else "",
        course_title=course.title,
        institution=course.institution,
        first_day=local_date(course_timing.first_start),
        last_day=local_date(course_timing.last_end),
        minutes=course_timing.minutes,
        issued_at=when,
    )


def _finished_course(rng, people, li):
    """第一期: six sessions ending five weeks ago; certificates issued, one revoked, one
    person recorded as not completed."""
    course = _course(
        "高级职业经理人研修班（第一期）",
        INSTITUTION_MANAGERS,
        "周立群 教授、沈慧 副教授、陆明远 高级培训师",
        MANAGERS_TEXT,
        30,
        -120,
        -80,
        eligibility_note="联建单位中高层管理人员，具有三年以上管理经验。",
    )
    sessions = _sessions(course, (-70, -63, -56, -49, -42, -35), MANAGER_TOPICS)
    issued_at = _at(-33, 10)
    when = _at(-100, 10)
    all_six = set(range(6))
    if li:
        application = _apply(course, li, APPROVED, when, rng)
        _attend(application, sessions, all_six)
        certificate = _certify(application, course, issued_at)
        application.status = COMPLETED
        notify("training.completed", application, number=certificate.number)
    for index in range(11):
        person = people.new()
        when = _at(-100 + index % 5, 11)
        if index == 9:
            _apply(course, person, WITHDRAWN, when, rng, withdrawn_at=_at(-75, 9))
            continue
        if index == 10:
            _apply(course, person, REJECTED, when, rng, reason="非联建单位人员，建议报名下一期。")
            continue
        application = _apply(course, person, APPROVED, when, rng)
        present = {0, 2, 4} if index == 8 else (all_six - {index % 6} if index % 3 else all_six)
        _attend(application, sessions, present)
        if index == 8:  # three of six sessions: staff recorded that they did not complete
            Application.update(
                status=NOT_COMPLETED,
                reason="六次课只参加了三次，未达到结业要求。",
                updated_at=issued_at,
            ).where(Application.id == application.id).execute()
        else:
            certificate = _certify(application, course, issued_at)
            if index == 7:
                Certificate.update(
                    revoked_at=_at(-20, 15), revoke_reason="出勤记录核查有误，证书作废。"
                ).where(Certificate.id == certificate.id).execute()


def _running_course(rng, people, chen):
    """第二期: six weekly sessions, two done, one today at 14:00, three to come."""
    course = _course(
        "高级职业经理人研修班（第二期）",
        INSTITUTION_MANAGERS,
        "周立群 教授、陆明远 高级培训师",
        MANAGERS_TEXT,
        16,
        -45,
        -16,
        eligibility_note="联建单位中高层管理人员，具有三年以上管理经验。",
    )
    sessions = _sessions(
        course, (-14, -7, 0, 7, 14, 21), MANAGER_TOPICS, start=(14, 0), end=(17, 0)
    )
    if chen:
        application = _apply(course, chen, APPROVED, _at(-40, 20), rng)
        _attend(application, sessions, {0, 1})
        notify("training.approved", application, first_start=sessions[0].starts_at)
    for index in range(15):
        application = _apply(course, people.new(), APPROVED, _at(-40 + index % 7, 9), rng)
        _attend(application, sessions, {0, 1} if index % 4 else {0})
    for number in (1, 2):
        _apply(course, people.new(), WAITING, _at(-20, 10 + number), rng, number=number)
    _apply(
        course, people.new(), REJECTED, _at(-30, 9), rng, reason="本期名额已满且不符合优先条件。"
    )


def _upcoming_course(rng, people, li):
    """The planners' course: applications open now, sessions from three weeks on."""
    course = _course(
        "中国注册高级商务策划师培训班",
        INSTITUTION_PLANNERS,
        "韩东 高级商务策划师、许晴 讲师",
        PLANNERS_TEXT,
        25,
        -10,
        18,
        eligibility_note="大专及以上学历，从事市场、运营或管理工作两年以上。",
        questions="您所在企业的主营业务是什么？\n您希望通过本课程解决哪些问题？",
    )
    _sessions(course, (21, 22, 28, 29, 35), PLANNER_TOPICS, start=(9, 0), end=(16, 0))
    if li:
        application = _apply(course, li, PENDING, _at(-2, 21), rng)
        notify("training.received", application, first_start=_at(21, 9))
    for index in range(12):
        status = PENDING if index < 6 else APPROVED if index < 11 else REJECTED
        extra = {"reason": "报名材料不完整，欢迎补充后重新申请。"} if status == REJECTED else {}
        _apply(course, people.new(), status, _at(-9 + index % 8, 10), rng, **extra)


def seed_training():
    """The demo courses, sessions, applications, attendance and certificates."""
    rng = random.Random(20261127)
    enterprises = list(Enterprise.select().order_by(Enterprise.id))
    people = People(rng, enterprises)
    li = User.get_or_none(User.mobile == "13800000001")
    chen = User.get_or_none(User.mobile == "13800000002")
    _finished_course(rng, people, li)
    _running_course(rng, people, chen)
    _upcoming_course(rng, people, li)
