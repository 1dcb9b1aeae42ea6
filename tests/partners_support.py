"""Helpers for the partner-ledger tests: an enterprise with activity in every module."""

from datetime import timedelta

from db import market
from db.accounts import Enterprise
from db.base import utcnow
from db.events.models import Event, Registration
from db.market.periods import local_today
from db.training.models import Application, Certificate, Course

_counter = iter(range(1, 1_000_000))


def make_event(title="中广企业家论坛", days_ago=10):
    """A past published event."""
    starts = utcnow() - timedelta(days=days_ago)
    return Event.create(
        kind="forum",
        title=title,
        venue="广中路党群服务中心",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        seats=50,
        status="published",
    )


def register(event, enterprise, checked_in=True, status="confirmed"):
    """A registration of someone from `enterprise`, present at the door when `checked_in`."""
    n = next(_counter)
    return Registration.create(
        event=event,
        code=f"C{n:06d}",
        token=f"token-{n}",
        name=f"参会人{n}",
        mobile=f"1380009{n:04d}",
        enterprise=enterprise,
        status=status,
        checked_in_at=utcnow() if checked_in else None,
    )


def make_course(title="高级职业经理人研修班"):
    return Course.create(title=title, institution="上海某培训机构", seats=30, published=True)


def apply(course, user, enterprise, status="completed", certificate=False):
    """An application (and a certificate when asked) of `user` for `enterprise`."""
    application = Application.create(
        course=course,
        user=user,
        enterprise=enterprise,
        status=status,
        consent_at=utcnow(),
        consent_version="2026-11",
        completed_at=utcnow() if status == "completed" else None,
    )
    if certificate:
        n = next(_counter)
        year = local_today().year
        Certificate.create(
            number=f"ZS-{year}-{n:04d}",
            year=year,
            serial=n,
            application=application,
            course=course,
            holder_name=user.name,
            enterprise_name=enterprise.name,
            course_title=course.title,
            institution=course.institution,
            first_day=local_today(),
            last_day=local_today(),
            minutes=360,
        )
    return application


def donate(enterprise_name, money=100_000):
    """A money donation by the enterprise of this name (through the market's own action)."""
    return market.record_donation("enterprise", enterprise_name, local_today(), money=money)


def enterprise(name):
    return Enterprise.get(Enterprise.name == name)
