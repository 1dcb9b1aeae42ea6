"""District-scale training: five years of courses, ten sessions each, a hundred applicants.

Past courses have their roll calls taken and certificates (gapless PX-<year>-<serial>) for
the people who met the attendance rule; upcoming courses are open, with applications
waiting in the review queue. The rules hold: approved and completed never exceed the seats,
one live application per person per course, waiting numbers in arrival order, attendance
only of the approved at sessions that have happened.
"""

from datetime import timedelta

from bench.generate import STAFF_USERNAME, bulk_insert, first_id, generator
from db.accounts import PRIVACY_NOTICE_VERSION, Enterprise, User
from db.base import utcnow
from db.codes import CODE_ALPHABET, CODE_LENGTH
from db.training.completion import format_number, local_date
from db.training.models import Application, Attendance, Certificate, Course, CourseSession
from db.training.status import APPROVED, COMPLETED, PENDING, REJECTED, WAITING, WITHDRAWN

INSTITUTIONS = (
    "上海现代职业经理人研修院（示例）",
    "中国商务策划师协会上海培训中心（示例）",
    "虹口区企业服务中心（示例）",
)
PROGRAMMES = ("高级职业经理人研修班", "商务策划师培训班", "数字化管理实务班", "党务骨干培训班")
TOPICS = ("战略管理", "组织设计", "财务思维", "领导力", "市场调研", "项目路演", "案例实训")
ROOMS = ("中广招商服务分中心 二楼培训教室", "党群服务中心 三楼多功能厅")
MOTIVATION = "希望系统提升管理能力，结识联建单位的同行。"
DESCRIPTION = (
    "面向联建单位中高层管理者的系统课程，采用讲授、案例研讨与小组演练相结合的方式。\n"
    "结业要求：出勤不少于全部课次的 80%，由合作培训机构颁发结业证书。"
)


def _codes(rng, count):
    """`count` distinct session sign-in codes."""
    codes = set()
    while len(codes) < count:
        codes.add("".join(rng.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH)))
    return iter(codes)


def _courses(rng, count, now, staff_id):
    """Course rows, oldest first, the last few still to start (open for applications)."""
    rows = []
    for n in range(count):
        starts = now + timedelta(days=-1800 + 1860 * n / max(1, count - 1))
        created = starts - timedelta(days=rng.randint(30, 60))
        rows.append(
            dict(
                title=f"{rng.choice(PROGRAMMES)}（第{n + 1}期）",
                institution=rng.choice(INSTITUTIONS),
                lecturers="张教授、李老师",
                description=DESCRIPTION,
                seats=rng.choice((30, 40, 50, 60)),
                opens_at=created,
                closes_at=None,
                review_required=True,
                eligibility_note="联建单位在职管理人员",
                completion_share=80,
                questions="",
                published=True,
                created_by=staff_id,
                created_at=created,
                updated_at=created,
                starts=starts.replace(hour=6, minute=0, second=0, microsecond=0),
            )
        )
    return rows


@generator
def training(scale, rng):
    """Courses, sessions, applications, attendance marks and certificates."""
    now = utcnow()
    staff_id = User.get(User.username == STAFF_USERNAME).id
    people = list(
        User.select(User.id, User.name, User.enterprise, User.position)
        .where(User.role == "entrepreneur")
        .tuples()
    )
    enterprise_names = dict(Enterprise.select(Enterprise.id, Enterprise.name).tuples())
    courses = _courses(rng, scale["courses"], now, staff_id)
    course_id = first_id(Course)
    for offset, course in enumerate(courses):
        course["id"] = course_id + offset
    bulk_insert(Course, [{k: v for k, v in c.items() if k != "starts"} for c in courses])

    per_course = scale["sessions"] // len(courses)
    codes = _codes(rng, per_course * len(courses))
    sessions, session_id = [], first_id(CourseSession)
    for course in courses:
        course["sessions"] = []
        for week in range(per_course):
            starts = course["starts"] + timedelta(weeks=week)
            sessions.append(
                dict(
                    id=session_id,
                    course=course["id"],
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=3),
                    topic=f"{rng.choice(TOPICS)}（{week + 1}）",
                    room=rng.choice(ROOMS),
                    code=next(codes),
                )
            )
            course["sessions"].append((session_id, starts))
            session_id += 1
    bulk_insert(CourseSession, sessions)

    applications, application_id = [], first_id(Application)
    per_course_applications = scale["applications"] // len(courses)
    for course in courses:
        upcoming = course["starts"] > now
        seated = waiting = 0
        course["seated"] = []
        applicants = rng.sample(people, min(per_course_applications, len(people)))
        for index, (user_id, _name, enterprise_id, position) in enumerate(applicants):
            created = course["created_at"] + timedelta(hours=index)
            status, number = PENDING, None
            draw = rng.random()
            if draw < 0.05:
                status = WITHDRAWN
            elif draw < 0.12:
                status = REJECTED
            elif upcoming and draw < 0.5:
                status = PENDING
            elif seated < course["seats"]:
                status, seated = APPROVED, seated + 1
            else:
                waiting += 1
                status, number = WAITING, waiting
            applications.append(
                dict(
                    id=application_id,
                    course=course["id"],
                    user=user_id,
                    enterprise=enterprise_id,
                    position=position or "经理",
                    motivation=MOTIVATION,
                    status=status,
                    waiting_number=number,
                    reason="名额有限，欢迎报名下一期" if status == REJECTED else "",
                    language="zh_CN",
                    consent_at=created,
                    consent_version=PRIVACY_NOTICE_VERSION,
                    created_at=created,
                    updated_at=created,
                    decided_at=None if status == PENDING else created + timedelta(days=2),
                    decided_by=None if status == PENDING else staff_id,
                    withdrawn_at=created + timedelta(days=1) if status == WITHDRAWN else None,
                    completed_at=None,
                )
            )
            if status == APPROVED:
                course["seated"].append(applications[-1])
            application_id += 1

    slots = sum(
        len(course["seated"]) * sum(starts < now for _id, starts in course["sessions"])
        for course in courses
    )
    presence = min(1.0, scale["attendance"] / max(1, slots))
    marks, attended = [], {}
    for course in courses:
        held = [(sid, starts) for sid, starts in course["sessions"] if starts < now]
        for application in course["seated"]:
            attended[application["id"]] = 0
            for sid, starts in held:
                if rng.random() < presence:
                    attended[application["id"]] += 1
                    late = rng.random() < 0.03
                    marks.append(
                        dict(
                            session=sid,
                            application=application["id"],
                            method="late" if late else rng.choice(("roll_call", "code")),
                            note="堵车迟到二十分钟" if late else "",
                            recorded_by=staff_id,
                            recorded_at=starts + timedelta(minutes=rng.randint(-20, 30)),
                        )
                    )
    certificates = _certificates(courses, attended, now, staff_id, people, enterprise_names)
    bulk_insert(Application, applications)
    bulk_insert(Attendance, marks)
    bulk_insert(Certificate, certificates)
    return {
        "courses": len(courses),
        "sessions": len(sessions),
        "applications": len(applications),
        "attendance": len(marks),
        "certificates": len(certificates),
    }


def _certificates(courses, attended, now, staff_id, people, enterprise_names):
    """Certificate rows for everyone of an ended course who met the rule, numbered per year;
    their applications become completed."""
    names = {user_id: name for user_id, name, _e, _p in people}
    serials = {}
    rows = []
    for course in courses:
        sessions = course["sessions"]
        last_end = sessions[-1][1] + timedelta(hours=3)
        if last_end >= now:
            continue
        issued_at = last_end + timedelta(days=3)
        year = local_date(issued_at).year
        for application in course["seated"]:
            if attended[application["id"]] * 100 < course["completion_share"] * len(sessions):
                continue
            serials[year] = serials.get(year, 0) + 1
            rows.append(
                dict(
                    number=format_number(year, serials[year]),
                    year=year,
                    serial=serials[year],
                    application=application["id"],
                    course=course["id"],
                    holder_name=names[application["user"]],
                    enterprise_name=enterprise_names.get(application["enterprise"], ""),
                    course_title=course["title"],
                    institution=course["institution"],
                    first_day=local_date(sessions[0][1]),
                    last_day=local_date(last_end),
                    minutes=180 * len(sessions),
                    issued_at=issued_at,
                    issued_by=staff_id,
                )
            )
            application.update(status=COMPLETED, completed_at=issued_at)
    return rows
