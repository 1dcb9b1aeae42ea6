"""Outreach demo data: a feedback survey with answers on the latest past demo event."""

from db import database
from db.base import utcnow
from db.events import CONFIRMED, Event, Registration
from db.outreach.feedback import answer, save_survey

DEMO_QUESTIONS = "最有收获的是哪一部分？\n下次希望听到什么主题？"
DEMO_ANSWERS = (
    (5, "企业家交流环节", "数字化转型"),
    (4, "政策解读", "融资对接"),
    (5, "党建联建案例分享", ""),
    (3, "", "人才政策"),
    (4, "圆桌讨论", "园区招商"),
)


def seed_outreach():
    """A survey on the most recent past event, answered by some of its guests."""
    now = utcnow()
    event = (
        Event.select()
        .where(Event.ends_at < now, Event.status != "cancelled")
        .order_by(Event.ends_at.desc())
        .first()
    )
    if event is None:
        return
    with database.atomic():
        survey = save_survey(f"event:{event.id}", DEMO_QUESTIONS)
        guests = (
            Registration.select()
            .where(Registration.event == event.id, Registration.status == CONFIRMED)
            .order_by(Registration.id)
            .limit(len(DEMO_ANSWERS))
        )
        for guest, (rating, first, second) in zip(guests, DEMO_ANSWERS, strict=False):
            answer(survey, f"registration:{guest.id}", rating, [first, second])
