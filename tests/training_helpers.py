"""Factories for the training tests: courses with sessions, applications in any status."""

from datetime import timedelta

from db.accounts import PRIVACY_NOTICE_VERSION
from db.base import utcnow
from db.codes import unique_code
from db.training import Application, Course, CourseSession


def make_course(sessions=3, seats=10, first_in_days=7, review_required=True, **fields):
    """A published course whose `sessions` weekly sessions start `first_in_days` from now.

    Negative `first_in_days` puts the first session in the past. Applications are open
    from a month ago until the first session.
    """
    now = utcnow()
    values = dict(
        title="测试培训班",
        institution="测试培训机构",
        lecturers="张老师",
        description="课程介绍",
        seats=seats,
        opens_at=now - timedelta(days=30),
        closes_at=None,
        review_required=review_required,
        published=True,
    )
    values.update(fields)
    course = Course.create(**values)
    start = now + timedelta(days=first_in_days)
    for index in range(sessions):
        add_session(course, start + timedelta(days=7 * index))
    return course


def add_session(course, starts_at, hours=3, topic=None):
    """A session of `course` starting at `starts_at` (UTC)."""
    return CourseSession.create(
        course=course,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
        topic=topic or f"第{CourseSession.select().count() + 1}讲",
        room="201",
        code=unique_code(CourseSession.code),
    )


def make_application(course, user, status="pending", number=None, **fields):
    """An application written directly in `status` (for setting up a starting point)."""
    now = utcnow()
    values = dict(
        course=course,
        user=user,
        enterprise=user.enterprise_id,
        position="经理",
        motivation="想学习",
        status=status,
        waiting_number=number,
        consent_at=now,
        consent_version=PRIVACY_NOTICE_VERSION,
        created_at=now,
        updated_at=now,
    )
    values.update(fields)
    return Application.create(**values)


def move_course(course, first_start, spacing=timedelta(days=7)):
    """Shift every session so the first starts at `first_start` (keeping lengths)."""
    sessions = list(
        CourseSession.select()
        .where(CourseSession.course == course.id)
        .order_by(CourseSession.starts_at)
    )
    for index, session in enumerate(sessions):
        length = session.ends_at - session.starts_at
        starts_at = first_start + spacing * index
        CourseSession.update(starts_at=starts_at, ends_at=starts_at + length).where(
            CourseSession.id == session.id
        ).execute()
    return sessions
