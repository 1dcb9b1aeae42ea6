"""Hour certificates (志愿服务时长证明): a volunteer's approved hours over a period, numbered
like the training module's completion certificates and checked by anyone on the public
verification page.

A certificate number is SC-<year>-<serial>, the serial counting from 1 each calendar year
(Asia/Shanghai) with no gaps: it is allocated under the write lock by reading the year's
highest serial, in the same transaction that issues the certificate (as
db/training/completion.py does for PX-… numbers; `ledger verify` checks both).

A certificate keeps the hour records it counted, each with the minutes it counted
(`HourCertificateLine`). It verifies as current only while every one of them is still
approved with the same minutes and the holder's details have not been erased: a record
corrected or rejected afterwards, or an erasure on the person's request, makes the
verification page say the certificate is no longer current (a new one can be issued).
Staff may also withdraw one with a reason.
"""

from peewee import CharField, DateField, ForeignKeyField, IntegerField, fn

from db import audit, write_lock
from db.accounts import User
from db.base import BaseModel, UTCDateTimeField, utcnow
from db.integrity import gapless_problems
from db.market.periods import local, local_today
from db.privacy import ERASED_NAME
from db.validators import one_line
from db.volunteers.errors import VolunteerError
from db.volunteers.models import APPROVED, HourRecord, Volunteer

NUMBER_PREFIX = "SC"
MAX_NUMBER = 16
MAX_PERIOD_DAYS = 366 * 10  # a certificate covers at most about ten years
MAX_REASON = 300

VALID, REVISED, ERASED, WITHDRAWN = "valid", "revised", "erased", "withdrawn"


class HourCertificate(BaseModel):
    """An hour certificate: a gapless number per year and the facts as issued."""

    number = CharField(max_length=MAX_NUMBER, unique=True)
    year = IntegerField()
    serial = IntegerField()
    volunteer = ForeignKeyField(Volunteer, backref="certificates", on_delete="RESTRICT")
    holder_name = CharField(max_length=50)
    enterprise_name = CharField(max_length=100, default="")
    first_day = DateField()
    last_day = DateField()
    minutes = IntegerField()
    records = IntegerField()
    activities = IntegerField()
    issued_at = UTCDateTimeField(default=utcnow)
    issued_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    revoked_at = UTCDateTimeField(null=True)
    revoked_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    revoke_reason = CharField(max_length=MAX_REASON, default="")

    class Meta:
        table_name = "volunteer_certificate"
        indexes = ((("year", "serial"), True),)

    @property
    def hours(self):
        """The hours as printed: whole hours, or one decimal."""
        return hours_text(self.minutes)


class HourCertificateLine(BaseModel):
    """One hour record a certificate counted, with the minutes it counted then."""

    certificate = ForeignKeyField(HourCertificate, backref="lines", on_delete="CASCADE")
    record = ForeignKeyField(HourRecord, backref="certificate_lines", on_delete="RESTRICT")
    minutes = IntegerField()

    class Meta:
        table_name = "volunteer_certificate_line"
        indexes = ((("certificate", "record"), True),)


def hours_text(minutes):
    """Minutes as hours for people: 3, 2.5 (one decimal, no trailing .0)."""
    hours = round((minutes or 0) / 60, 1)
    return int(hours) if hours == int(hours) else hours


def format_number(year, serial):
    """SC-2026-0001."""
    return f"{NUMBER_PREFIX}-{year}-{serial:04d}"


def allocate_number(year):
    """The next serial of `year`; call inside write_lock() so no two callers get one."""
    highest = HourCertificate.select(fn.MAX(HourCertificate.serial)).where(
        HourCertificate.year == year
    )
    return (highest.scalar() or 0) + 1


def _check_period(first_day, last_day, today):
    """Refuse a period that is missing, reversed, in the future or too long."""
    if first_day is None:
        raise VolunteerError("date_required", field="first_day")
    if last_day is None:
        raise VolunteerError("date_required", field="last_day")
    if last_day < first_day:
        raise VolunteerError("period_reversed", field="last_day")
    if last_day > today:
        raise VolunteerError("date_in_future", field="last_day")
    if (last_day - first_day).days > MAX_PERIOD_DAYS:
        raise VolunteerError("period_too_long", field="first_day", years=MAX_PERIOD_DAYS // 366)


def approved_records(volunteer_id, first_day, last_day):
    """The volunteer's approved hour records served within the period, oldest first."""
    return list(
        HourRecord.select()
        .where(
            HourRecord.volunteer == volunteer_id,
            HourRecord.status == APPROVED,
            HourRecord.served_on >= first_day,
            HourRecord.served_on <= last_day,
            HourRecord.minutes > 0,
        )
        .order_by(HourRecord.served_on, HourRecord.id)
    )


def _same_lines(certificate, records):
    """True when the certificate counted exactly these records with these minutes."""
    counted = {line.record_id: line.minutes for line in certificate.lines}
    return counted == {record.id: record.minutes for record in records}


def issue_certificate(volunteer_id, first_day, last_day, actor=None, now=None):
    """Issue an hour certificate for a volunteer's approved hours served from `first_day` to
    `last_day` (Asia/Shanghai days, inclusive); return (certificate, created).

    Refused when the period is reversed, ends in the future or is longer than ten years, when
    no approved hours fall in it, or when the volunteer's details were erased. Asking again for
    the same period while nothing changed returns the certificate already issued (a double
    click spends no number). The number is the next of the year, allocated under the write lock
    in the same transaction.
    """
    now = now or utcnow()
    _check_period(first_day, last_day, local_today())
    with write_lock():
        volunteer = Volunteer.get_or_none(Volunteer.id == volunteer_id)
        if volunteer is None:
            raise VolunteerError("unknown_volunteer")
        if volunteer.name == ERASED_NAME:
            raise VolunteerError("volunteer_erased")
        records = approved_records(volunteer.id, first_day, last_day)
        if not records:
            raise VolunteerError("no_approved_hours", field="first_day")
        earlier = (
            HourCertificate.select()
            .where(
                HourCertificate.volunteer == volunteer.id,
                HourCertificate.first_day == first_day,
                HourCertificate.last_day == last_day,
                HourCertificate.revoked_at.is_null(),
            )
            .order_by(HourCertificate.id.desc())
        )
        for certificate in earlier:
            if certificate.holder_name == volunteer.name and _same_lines(certificate, records):
                return certificate, False
        year = local(now).year
        serial = allocate_number(year)
        certificate = HourCertificate.create(
            number=format_number(year, serial),
            year=year,
            serial=serial,
            volunteer=volunteer,
            holder_name=volunteer.name,
            enterprise_name=volunteer.enterprise.name if volunteer.enterprise_id else "",
            first_day=first_day,
            last_day=last_day,
            minutes=sum(record.minutes for record in records),
            records=len(records),
            activities=len({r.activity_id for r in records if r.activity_id is not None}),
            issued_at=now,
            issued_by=actor,
        )
        HourCertificateLine.insert_many(
            [
                dict(certificate=certificate.id, record=record.id, minutes=record.minutes)
                for record in records
            ]
        ).execute()
        audit.record(
            "volunteers.certificate.issue",
            certificate,
            f"{certificate.number}: {certificate.minutes} min, {len(records)} records, "
            f"{first_day.isoformat()}..{last_day.isoformat()}",
            actor=actor,
        )
    return certificate, True


def revoke_certificate(number, reason, actor=None, now=None):
    """Staff withdraw a certificate with a reason; the verification page then says so."""
    now = now or utcnow()
    reason = one_line(reason or "")
    if not reason:
        raise VolunteerError("reason_required", field="reason")
    if len(reason) > MAX_REASON:
        raise VolunteerError("too_long", field="reason", limit=MAX_REASON)
    with write_lock():
        certificate = certificate_by_number(number)
        if certificate is None:
            raise VolunteerError("unknown_certificate")
        changed = (
            HourCertificate.update(revoked_at=now, revoked_by=actor, revoke_reason=reason)
            .where(HourCertificate.id == certificate.id, HourCertificate.revoked_at.is_null())
            .execute()
        )
        if not changed:
            raise VolunteerError("already_withdrawn")
        certificate = HourCertificate.get_by_id(certificate.id)
        audit.record(
            "volunteers.certificate.revoke",
            certificate,
            f"{certificate.number}; reason: {reason}",
            actor=actor,
        )
    return certificate


def certificate_by_number(number):
    """The certificate with this number (case and spaces forgiven), or None."""
    number = "".join((number or "").split()).upper()
    if not number or len(number) > MAX_NUMBER:
        return None
    return HourCertificate.get_or_none(HourCertificate.number == number)


def certificate_state(certificate):
    """valid, withdrawn (by staff), erased (the holder's details were erased) or revised (an
    hour record it counted was corrected or rejected since). One query."""
    if certificate.revoked_at is not None:
        return WITHDRAWN
    if certificate.holder_name == ERASED_NAME:
        return ERASED
    rows = (
        HourCertificateLine.select(
            HourCertificateLine.minutes, HourRecord.minutes.alias("now"), HourRecord.status
        )
        .join(HourRecord)
        .where(HourCertificateLine.certificate == certificate.id)
        .dicts()
    )
    for row in rows:
        if row["status"] != APPROVED or row["now"] != row["minutes"]:
            return REVISED
    return VALID


def certificates_of(volunteer_id):
    """The volunteer's certificates, newest first, each with its state."""
    rows = list(
        HourCertificate.select()
        .where(HourCertificate.volunteer == volunteer_id)
        .order_by(HourCertificate.issued_at.desc(), HourCertificate.id.desc())
    )
    revised = _revised_ids([row.id for row in rows])
    for row in rows:
        if row.revoked_at is not None:
            row.state = WITHDRAWN
        elif row.holder_name == ERASED_NAME:
            row.state = ERASED
        else:
            row.state = REVISED if row.id in revised else VALID
    return rows


def _revised_ids(certificate_ids):
    """The certificates among these with a line whose record changed (one query)."""
    if not certificate_ids:
        return set()
    query = (
        HourCertificateLine.select(HourCertificateLine.certificate)
        .join(HourRecord)
        .where(
            HourCertificateLine.certificate.in_(certificate_ids),
            (HourRecord.status != APPROVED) | (HourRecord.minutes != HourCertificateLine.minutes),
        )
        .distinct()
        .tuples()
    )
    return {row[0] for row in query}


def default_period(today=None):
    """The period a new certificate is offered for: this calendar year up to today."""
    today = today or local_today()
    return today.replace(month=1, day=1), today


def certificate_numbers():
    """`ledger verify`: hour-certificate serials run 1, 2, 3 … within each year, no gap."""
    return gapless_problems(
        "hour certificate", HourCertificate, HourCertificate.serial, HourCertificate.year
    )


def line_problems():
    """`ledger verify`: each certificate's minutes and record count are its lines' sums."""
    sums = {
        row[0]: (int(row[1] or 0), row[2])
        for row in HourCertificateLine.select(
            HourCertificateLine.certificate,
            fn.SUM(HourCertificateLine.minutes),
            fn.COUNT(HourCertificateLine.id),
        )
        .group_by(HourCertificateLine.certificate)
        .tuples()
    }
    problems = []
    for certificate_id, number, minutes, records in HourCertificate.select(
        HourCertificate.id, HourCertificate.number, HourCertificate.minutes, HourCertificate.records
    ).tuples():
        if sums.get(certificate_id, (0, 0)) != (minutes, records):
            problems.append(f"hour certificate {number}: its lines do not add up")
    return problems
