"""Completion: who met the attendance rule, certificates with gapless numbers, revocation,
and the decision that someone below the rule did not complete (and taking it back).

A certificate number is PX-<year>-<serial>, the serial counting from 1 each calendar year
(Asia/Shanghai) with no gaps: it is allocated under the write lock by counting the year's
certificates, in the same transaction that issues the certificate.
"""

from dataclasses import dataclass
from datetime import UTC
from zoneinfo import ZoneInfo

from peewee import fn

from db import audit, write_lock
from db.base import utcnow
from db.integrity import gapless_problems
from db.training.errors import TrainingError
from db.training.lifecycle import move
from db.training.models import Application, Certificate, Course
from db.training.promotion import close_out
from db.training.queries import attendance_counts, certificates_of_course, roster, timing
from db.training.status import APPROVED, COMPLETED, NOT_COMPLETED
from db.training.texts import notify
from db.validators import one_line

SHANGHAI = ZoneInfo("Asia/Shanghai")
NUMBER_PREFIX = "PX"


def local_date(moment):
    """The Asia/Shanghai calendar date of a naive UTC time."""
    return moment.replace(tzinfo=UTC).astimezone(SHANGHAI).date()


def format_number(year, serial):
    """PX-2026-0001."""
    return f"{NUMBER_PREFIX}-{year}-{serial:04d}"


@dataclass
class CompletionRow:
    """One person on a course's completion list."""

    application: Application
    attended: int
    total: int
    meets_rule: bool
    certificate: Certificate | None

    @property
    def share(self):
        """Sessions attended, in whole percent."""
        return self.attended * 100 // self.total if self.total else 0


def completion_list(course):
    """Everyone approved, completed or not completed on the course, with attendance against
    the rule.

    Withdrawn and rejected people are not listed: they never complete.
    """
    total = timing(course).count
    counts = attendance_counts(course.id)
    certificates = certificates_of_course(course.id)
    rows = []
    for application in roster(course):
        if application.status not in (APPROVED, COMPLETED, NOT_COMPLETED):
            continue
        attended = counts.get(application.id, 0)
        rows.append(
            CompletionRow(
                application=application,
                attended=attended,
                total=total,
                meets_rule=course.meets_rule(attended, total),
                certificate=certificates.get(application.id),
            )
        )
    return rows


def allocate_number(year):
    """The next serial of `year`; call inside write_lock() so no two callers get one."""
    highest = Certificate.select(fn.MAX(Certificate.serial)).where(Certificate.year == year)
    return (highest.scalar() or 0) + 1


def confirm_completion(course_id, application_ids, actor=None, now=None):
    """Staff confirm that people completed the course; return the certificates issued.

    Only after the last session has ended, and only for approved people who meet the rule
    (checked again here, after the lock); anyone else in the list is left alone. Each gets a
    certificate whose number is the next of the year, allocated under the global write lock
    inside the course's lock (always in that order, so two confirmations cannot deadlock).
    Pending and waiting applications left on the course are closed out at the same time.
    """
    now = now or utcnow()
    ids = sorted({int(i) for i in application_ids})
    if not ids:
        raise TrainingError("nothing_chosen")
    issued = []
    with write_lock(Course, course_id) as course:
        course_timing = timing(course)
        if not course_timing.has_ended(now):
            raise TrainingError("course_not_ended")
        # Whoever is still pending or waiting will never be admitted: close them out now.
        close_out(course, now, actor=actor, course_timing=course_timing)
        counts = attendance_counts(course.id)
        rows = list(
            Application.select()
            .where(Application.id.in_(ids), Application.course == course.id)
            .order_by(Application.id)
        )
        for application in rows:
            attended = counts.get(application.id, 0)
            if application.status != APPROVED or not course.meets_rule(
                attended, course_timing.count
            ):
                continue
            application.course = course
            with write_lock():
                year = local_date(now).year
                serial = allocate_number(year)
                number = format_number(year, serial)
                user = application.user
                certificate = Certificate.create(
                    number=number,
                    year=year,
                    serial=serial,
                    application=application,
                    course=course,
                    holder_name=user.name,
                    enterprise_name=application.enterprise.name if application.enterprise else "",
                    course_title=course.title,
                    institution=course.institution,
                    first_day=local_date(course_timing.first_start),
                    last_day=local_date(course_timing.last_end),
                    minutes=course_timing.minutes,
                    issued_at=now,
                    issued_by=actor,
                )
                audit.record("certificate.issue", certificate, number, actor=actor)
                move(
                    application,
                    COMPLETED,
                    now,
                    actor=actor,
                    fields=dict(completed_at=now),
                    number=number,
                )
            issued.append(certificate)
    return issued


MAX_REASON = 300


def _decision_row(course, application_id):
    """The course's application `application_id` with its attendance (inside the lock)."""
    application = Application.get_or_none(
        Application.id == application_id, Application.course == course.id
    )
    if application is None:
        raise TrainingError("not_found")
    application.course = course
    return application


def mark_not_completed(course_id, application_id, reason="", actor=None, now=None):
    """Staff decide that an approved person below the attendance rule did not complete.

    Only once the last session has ended, only for an approved person, and only below the
    rule (someone who met it is confirmed instead); checked after the course's lock. The
    optional reason (one line, at most 300 characters) is kept on the application and told
    to the person with the decision. Pending and waiting applications left on the course are
    closed out at the same time, as confirming completion does.
    """
    now = now or utcnow()
    reason = one_line(reason or "")
    if len(reason) > MAX_REASON:
        raise TrainingError("reason_too_long", field="reason")
    with write_lock(Course, course_id) as course:
        course_timing = timing(course)
        application = _decision_row(course, application_id)
        if not course_timing.has_ended(now):
            raise TrainingError("course_not_ended")
        if application.status == COMPLETED:
            raise TrainingError("already_completed")
        if application.status == NOT_COMPLETED:
            raise TrainingError("already_not_completed")
        if application.status != APPROVED:
            raise TrainingError("not_approved_for_completion")
        attended = attendance_counts(course.id).get(application.id, 0)
        if course.meets_rule(attended, course_timing.count):
            raise TrainingError("meets_rule")
        close_out(course, now, actor=actor, course_timing=course_timing)
        move(
            application,
            NOT_COMPLETED,
            now,
            actor=actor,
            fields=dict(reason=reason),
            reason=reason,
            note=f"attended {attended} of {course_timing.count}",
        )
    return application


def reopen_completion(course_id, application_id, actor=None, now=None):
    """Take back a "did not complete" decision made by mistake: the person is approved again.

    Nothing else was done by the decision (no certificate, no seat given away: the course has
    ended, so nobody is promoted), so nothing else is undone. The person is told; staff then
    confirm their completion or decide again.
    """
    now = now or utcnow()
    with write_lock(Course, course_id) as course:
        application = _decision_row(course, application_id)
        if application.status != NOT_COMPLETED:
            raise TrainingError("not_marked_not_completed")
        move(application, APPROVED, now, actor=actor, fields=dict(reason=""))
    return application


def revoke_certificate(number, reason, actor=None, now=None):
    """Revoke a certificate with a reason; the verification page then says so."""
    now = now or utcnow()
    reason = (reason or "").strip()
    if not reason:
        raise TrainingError("reason_required", field="reason")
    if len(reason) > 300:
        raise TrainingError("reason_too_long", field="reason")
    certificate = Certificate.get_or_none(Certificate.number == number)
    if certificate is None:
        raise TrainingError("not_found")
    with write_lock(Course, certificate.course_id):
        changed = (
            Certificate.update(revoked_at=now, revoked_by=actor, revoke_reason=reason)
            .where(Certificate.id == certificate.id, Certificate.revoked_at.is_null())
            .execute()
        )
        if not changed:
            raise TrainingError("already_revoked")
        certificate = Certificate.get_by_id(certificate.id)
        audit.record("certificate.revoke", certificate, f"{number}; reason: {reason}", actor=actor)
        notify(
            "training.certificate_revoked",
            certificate.application,
            reason=reason,
            number=number,
        )
    return certificate


def certificate_by_number(number):
    """The certificate with this number (case and spaces forgiven), or None."""
    number = (number or "").strip().upper()
    if len(number) > 16:
        return None
    return Certificate.get_or_none(Certificate.number == number)


def certificate_numbers():
    """`ledger verify`: certificate serials run 1, 2, 3 … within each year, with no gap."""
    return gapless_problems("certificate", Certificate, Certificate.serial, Certificate.year)
