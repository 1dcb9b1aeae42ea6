"""District-scale events: years of forums and report meetings, about a hundred people each.

Event 0 is the bench's own: the upcoming annual forum with two thousand registrations
already and only a few seats left (BENCH_EVENT_SPARE_SEATS). The load runner registers more
people for it — the run fills it and goes on onto the waiting list, and the check after the
run proves nobody was seated beyond the seats — searches it and checks people in at it.
Every other event keeps the product's rules: confirmed ≤ seats, one live registration per
mobile per event, waiting numbers in arrival order, check-ins only of the confirmed.
"""

import base64
from datetime import timedelta

from bench.generate import bulk_insert, first_id, generator
from db.accounts import PRIVACY_NOTICE_VERSION, User
from db.base import utcnow
from db.codes import CODE_ALPHABET, CODE_LENGTH
from db.events.models import (
    CANCELLED,
    CONFIRMED,
    KINDS,
    PENDING,
    REJECTED,
    WAITING,
    Event,
    EventQuestion,
    Registration,
    RegistrationAnswer,
)

BENCH_EVENT_TITLE = "基准年度党建论坛"
BENCH_EVENT_SPARE_SEATS = 0.05  # seats beyond the bench event's pre-made registrations
BENCH_EVENT_SHARE = 0.01  # of all registrations, already made for the bench event
KIND_TITLES = {
    "forum": "中广企业家论坛",
    "report": "经济形势报告会",
    "annual": "联建单位年度党建论坛",
    "salon": "楼宇党建沙龙",
}
TOPICS = ("数字化转型", "营商环境", "人才政策", "绿色发展", "金融服务", "园区党建", "跨境贸易")
VENUES = (
    "广中路街道党群服务中心 三楼多功能厅",
    "中广招商服务分中心 二楼会议室",
    "虹口区科技园 报告厅",
    "广中商务楼 十二楼会议中心",
)
POSITIONS = ("总经理", "党支部书记", "人力资源经理", "行政主管", "财务总监", "项目经理")
DESCRIPTION = (
    "邀请联建单位、楼宇企业和园区企业负责人参加，围绕{topic}交流经验、对接资源。\n"
    "议程：\n1. 街道党工委致辞\n2. 专题报告\n3. 企业交流与圆桌讨论\n"
    "请提前十五分钟到场签到，凭报名码入场。"
)


def _codes(rng, count):
    """`count` distinct registration codes."""
    codes = set()
    while len(codes) < count:
        codes.add("".join(rng.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH)))
    return list(codes)


def _token(rng):
    """A private link token shaped like db.codes.new_token()'s (32 URL-safe characters)."""
    return base64.urlsafe_b64encode(rng.getrandbits(192).to_bytes(24, "big")).decode()


def _shares(rng, total, parts):
    """`parts` whole numbers between 30 % and 170 % of the mean, summing to `total`."""
    weights = [rng.uniform(0.3, 1.7) for _ in range(parts)]
    scale = total / sum(weights)
    shares = [int(w * scale) for w in weights]
    for index in range(total - sum(shares)):
        shares[index % parts] += 1
    return shares


def _event_rows(rng, count, now, staff_id, bench_seats):
    """Event 0 (the bench's forum) and `count - 1` events over five and a half years."""
    rows = [
        dict(
            kind="annual",
            title=BENCH_EVENT_TITLE,
            description=DESCRIPTION.format(topic="党建引领高质量发展"),
            venue=VENUES[0],
            starts_at=now + timedelta(days=30),
            ends_at=now + timedelta(days=30, hours=3),
            seats=bench_seats,
            status="published",
            created_by=staff_id,
            created_at=now - timedelta(days=20),
            updated_at=now - timedelta(days=20),
        )
    ]
    for n in range(1, count):
        kind = rng.choice(KINDS)
        topic = rng.choice(TOPICS)
        starts = now + timedelta(days=rng.uniform(-2000, 90), hours=rng.choice((0, 5, 24)))
        starts = starts.replace(minute=0, second=0, microsecond=0)
        created = starts - timedelta(days=rng.randint(14, 45))
        upcoming = starts > now
        status = "published"
        if upcoming and rng.random() < 0.05:
            status = "draft"
        elif rng.random() < 0.02:
            status = "cancelled"
        elif not upcoming and rng.random() < 0.5:
            status = "closed"
        rows.append(
            dict(
                kind=kind,
                title=f"{KIND_TITLES[kind]}：{topic}（第{n}期）",
                description=DESCRIPTION.format(topic=topic),
                venue=rng.choice(VENUES),
                starts_at=starts,
                ends_at=starts + timedelta(hours=rng.choice((2, 3, 4))),
                seats=rng.choice((40, 60, 80, 100, 120, 150, 200)),
                approval_required=kind == "annual" and rng.random() < 0.5,
                status=status,
                cancel_reason="场地调整，另行通知" if status == "cancelled" else "",
                created_by=staff_id,
                created_at=created,
                updated_at=created,
            )
        )
    return rows


def _status(event, placed, rng, upcoming):
    """(status, waiting number or None) of the `placed`-th live registration of `event`."""
    if event["approval_required"] and upcoming and rng.random() < 0.3:
        return PENDING, None
    if placed < event["seats"]:
        return CONFIRMED, None
    return WAITING, placed - event["seats"] + 1


@generator
def events(scale, rng):
    """Events, a few extra questions, and registrations of the generated entrepreneurs."""
    now = utcnow()
    people = list(
        User.select(User.id, User.name, User.mobile, User.enterprise, User.position)
        .where(User.role == "entrepreneur")
        .tuples()
    )
    staff_id = User.get(User.username == "bench-staff").id
    event_id = first_id(Event)
    total = scale["registrations"]
    bench_count = max(1, int(total * BENCH_EVENT_SHARE))
    bench_seats = bench_count + max(2, int(bench_count * BENCH_EVENT_SPARE_SEATS))
    event_rows = _event_rows(rng, scale["events"], now, staff_id, bench_seats)
    for offset, row in enumerate(event_rows):
        row.setdefault("approval_required", False)
        row["id"] = event_id + offset
    bulk_insert(Event, event_rows)

    questions = []
    for row in event_rows[1:]:
        if rng.random() < 0.1:
            questions.append(
                dict(event=row["id"], position=1, label="您最关心的议题是什么？", kind="text")
            )
    bulk_insert(EventQuestion, questions)
    question_of = {
        q.event_id: q.id for q in EventQuestion.select(EventQuestion.id, EventQuestion.event)
    }

    open_events = [row for row in event_rows[1:] if row["status"] != "draft"]
    shares = dict(
        zip(
            (row["id"] for row in open_events),
            _shares(rng, total - bench_count, len(open_events)),
            strict=True,
        )
    )
    shares[event_rows[0]["id"]] = bench_count
    codes = iter(_codes(rng, total))
    registration_id = first_id(Registration)
    registrations, answers = [], []
    for event in event_rows:
        count = shares.get(event["id"], 0)
        upcoming = event["starts_at"] > now
        live = 0
        for index in rng.sample(range(len(people)), min(count, len(people))):
            user_id, name, mobile, enterprise_id, position = people[index]
            created = event["created_at"] + (event["starts_at"] - event["created_at"]) * (
                live / max(count, 1)
            )
            created = min(created, now)
            status, number = _status(event, live, rng, upcoming)
            if rng.random() < 0.04:
                status, number = CANCELLED, None
            elif event["approval_required"] and status == PENDING and rng.random() < 0.2:
                status = REJECTED
            else:
                live += status in (CONFIRMED, WAITING)
            account = rng.random() < 0.4
            present = (
                status == CONFIRMED
                and event["status"] != "cancelled"
                and not upcoming
                and rng.random() < 0.8
            )
            registrations.append(
                dict(
                    id=registration_id,
                    event=event["id"],
                    user=user_id if account else None,
                    code=next(codes),
                    token=_token(rng),
                    name=name,
                    mobile=mobile,
                    enterprise=enterprise_id,
                    position=position or rng.choice(POSITIONS),
                    email="",
                    status=status,
                    waiting_number=number,
                    source="account" if account else "web",
                    language="zh_CN",
                    consent_at=created,
                    consent_version=PRIVACY_NOTICE_VERSION,
                    reason="名额已满" if status == REJECTED else "",
                    cancelled_by="self" if status == CANCELLED else "",
                    created_at=created,
                    updated_at=created,
                    confirmed_at=created if status == CONFIRMED else None,
                    checked_in_at=event["starts_at"] - timedelta(minutes=rng.randint(0, 20))
                    if present
                    else None,
                    checked_in_by=staff_id if present else None,
                )
            )
            question = question_of.get(event["id"])
            if question and rng.random() < 0.5:
                answers.append(
                    dict(registration=registration_id, question=question, value="营商环境")
                )
            registration_id += 1
    bulk_insert(Registration, registrations)
    bulk_insert(RegistrationAnswer, answers)
    return {"events": len(event_rows), "registrations": len(registrations)}
