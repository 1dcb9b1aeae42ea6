"""What the volunteer service holds about people: the volunteer row (name, mobile, enterprise,
consent), team memberships and join requests with their notes, activity sign-ups with their
sign-in and sign-out, hour records with their notes, and hour certificates. Handed over,
corrected and erased on the person's request, and purged once someone has left every team
and done nothing for longer than the limit (db/privacy.py).

Erasing keeps every row: hour records keep their minutes, status and points, sign-ups their
times, the passbook its number and its ledger (爱心存折 entries are append-only and carry no
name), so team reports, the honour board's sums, the passbook balance and `ledger verify`
are unchanged; the name, mobile, account link and free text go. A place still held at an
activity that has not started is given up first (the waiting list moves up). A certificate
keeps its number but loses the holder's name, so it no longer verifies as current.
"""

from flask_babel import lazy_gettext as _l
from peewee import JOIN

from db import audit, database, privacy
from db.accounts import User
from db.base import utcnow
from db.market.models import Passbook
from db.market.privacy import anonymise_passbooks
from db.validators import is_mobile, mask_mobile, normalise_mobile, one_line
from db.volunteers.activities import cancel_signup
from db.volunteers.certificates import HourCertificate
from db.volunteers.errors import VolunteerError
from db.volunteers.models import (
    LIVE_SIGNUPS,
    PENDING,
    Activity,
    HourRecord,
    JoinRequest,
    Membership,
    Signup,
    Team,
    Volunteer,
)

ERASED_NAME = privacy.ERASED_NAME
MAX_NAME = 50
STATUS_NAMES = {
    "pending": _l("Pending"),
    "approved": _l("Approved"),
    "declined": _l("Declined"),
    "rejected": _l("Rejected"),
    "confirmed": _l("Confirmed"),
    "waiting": _l("Waiting list"),
    "cancelled": _l("Cancelled"),
    "member": _l("Member"),
    "leader": _l("Leader"),
}


def status_name(code):
    """The words for a status code (the code itself if unknown)."""
    return STATUS_NAMES.get(code, code)


def _volunteers(mobile):
    """Volunteer rows with this mobile number, or of the account that has it."""
    if not mobile:
        return Volunteer.select().where(Volunteer.id == 0)
    accounts = User.select(User.id).where(User.mobile == mobile)
    return Volunteer.select().where((Volunteer.mobile == mobile) | Volunteer.user.in_(accounts))


def export(mobile):
    """The person's volunteer details, teams, join requests, sign-ups, hours, certificates."""
    volunteers = list(_volunteers(mobile).order_by(Volunteer.id))
    ids = [v.id for v in volunteers] or [0]
    teams = {}
    for membership in (
        Membership.select(Membership, Team).join(Team).where(Membership.volunteer.in_(ids))
    ):
        teams.setdefault(membership.volunteer_id, []).append(
            f"{membership.team.name} ({status_name(membership.role)})"
        )
    passbooks = {
        p.id: p.passbook_no
        for p in Passbook.select().where(
            Passbook.id.in_([v.passbook_id for v in volunteers if v.passbook_id] or [0])
        )
    }
    requests = (
        JoinRequest.select(JoinRequest, Team).join(Team).where(JoinRequest.volunteer.in_(ids))
    )
    signups = (
        Signup.select(Signup, Activity)
        .join(Activity)
        .where(Signup.volunteer.in_(ids))
        .order_by(Activity.starts_at)
    )
    hours = (
        HourRecord.select(HourRecord, Activity)
        .join(Activity, JOIN.LEFT_OUTER, on=(HourRecord.activity == Activity.id))
        .where(HourRecord.volunteer.in_(ids))
        .order_by(HourRecord.served_on, HourRecord.id)
    )
    certificates = HourCertificate.select().where(HourCertificate.volunteer.in_(ids))
    return [
        (
            _l("Volunteer"),
            [
                {
                    _l("Name"): v.name,
                    _l("Mobile number"): v.mobile,
                    _l("Enterprise"): v.enterprise.name if v.enterprise_id else "",
                    _l("Teams"): ", ".join(teams.get(v.id, [])),
                    _l("Passbook"): passbooks.get(v.passbook_id, ""),
                    _l("Created"): v.created_at,
                    _l("Consent given"): v.consent_at,
                    _l("Privacy notice version"): v.consent_version,
                }
                for v in volunteers
            ],
        ),
        (
            _l("Team join requests"),
            [
                {
                    _l("Team"): r.team.name,
                    _l("Status"): status_name(r.status),
                    _l("Note"): r.note,
                    _l("Reason given by staff"): r.decision_note,
                    _l("Created"): r.created_at,
                    _l("Decided"): r.decided_at,
                }
                for r in requests
            ],
        ),
        (
            _l("Volunteer activity sign-ups"),
            [
                {
                    _l("Activity"): s.activity.title,
                    _l("Starts"): s.activity.starts_at,
                    _l("Status"): status_name(s.status),
                    _l("Signed in at"): s.signed_in_at,
                    _l("Signed out at"): s.signed_out_at,
                }
                for s in signups
            ],
        ),
        (
            _l("Volunteer hours"),
            [
                {
                    _l("Day served"): h.served_on,
                    _l("Activity"): h.activity.title if h.activity_id else "",
                    _l("Minutes"): h.minutes,
                    _l("Status"): status_name(h.status),
                    _l("Note"): h.note,
                    _l("Reason given by staff"): h.decision_note,
                    _l("Points"): h.points,
                }
                for h in hours
            ],
        ),
        (
            _l("Hour certificates"),
            [
                {
                    _l("Certificate number"): c.number,
                    _l("Holder"): c.holder_name,
                    _l("First day"): c.first_day,
                    _l("Last day"): c.last_day,
                    _l("Minutes"): c.minutes,
                    _l("Issued at"): c.issued_at,
                    _l("Revoked at"): c.revoked_at,
                }
                for c in certificates
            ],
        ),
    ]


def _anonymise(volunteers, now):
    """Blank the personal details of these volunteers everywhere in the module; hours,
    sign-up times, points and certificate numbers stay. Returns how many were anonymised."""
    ids = [v.id for v in volunteers if v.name != ERASED_NAME or v.user_id is not None]
    for volunteer in volunteers:
        if volunteer.id not in ids:
            continue
        for signup in (
            Signup.select(Signup, Activity)
            .join(Activity)
            .where(
                Signup.volunteer == volunteer.id,
                Signup.status.in_(LIVE_SIGNUPS),
                Activity.starts_at > now,
            )
        ):
            cancel_signup(signup.id, by="staff", now=now)
        Volunteer.update(
            name=ERASED_NAME,
            mobile=privacy.erased_mobile(volunteer.id),
            user=None,
            enterprise=None,
            updated_at=now,
        ).where(Volunteer.id == volunteer.id).execute()
        if volunteer.passbook_id is not None:
            # Nobody can show at the counter that an erased passbook is theirs: it closes
            # (as the market's own erasure does); its number and entries stay.
            anonymise_passbooks([volunteer.passbook_id], now=now)
    if ids:
        HourRecord.update(note="", decision_note="").where(HourRecord.volunteer.in_(ids)).execute()
        JoinRequest.update(note="", decision_note="").where(
            JoinRequest.volunteer.in_(ids)
        ).execute()
        JoinRequest.update(status="declined", decided_at=now).where(
            JoinRequest.volunteer.in_(ids), JoinRequest.status == PENDING
        ).execute()
        HourCertificate.update(holder_name=ERASED_NAME, enterprise_name="").where(
            HourCertificate.volunteer.in_(ids)
        ).execute()
        for volunteer_id in ids:
            audit.record(
                "volunteers.volunteer.erase",
                object_type="volunteer",
                object_id=volunteer_id,
                summary="personal details erased; hours and points kept",
            )
    return len(ids)


def erase(mobile):
    """Anonymise the person's volunteer records (inside the caller's transaction)."""
    if not mobile:
        return 0
    return _anonymise(list(_volunteers(mobile)), utcnow())


def purge(before):
    """Anonymise volunteers who are in no team and whose joining, last sign-up and last hours
    all lie before `before`."""
    members = Membership.select(Membership.volunteer)
    recent_hours = HourRecord.select(HourRecord.volunteer).where(
        (HourRecord.created_at >= before) | (HourRecord.decided_at >= before)
    )
    recent_signups = Signup.select(Signup.volunteer).where(Signup.updated_at >= before)
    stale = list(
        Volunteer.select().where(
            Volunteer.created_at < before,
            Volunteer.name != ERASED_NAME,
            Volunteer.id.not_in(members),
            Volunteer.id.not_in(recent_hours),
            Volunteer.id.not_in(recent_signups),
        )
    )
    return _anonymise(stale, utcnow())


def correct_volunteer(volunteer_id, name, mobile, actor=None):
    """Correct a volunteer's name and mobile number on their request (the passbook's holder
    follows); certificates already issued keep the name as printed. Audited, masked."""
    name = one_line(name or "")
    mobile = normalise_mobile(mobile or "")
    if not name:
        raise VolunteerError("name_required", field="name")
    if len(name) > MAX_NAME:
        raise VolunteerError("too_long", field="name", limit=MAX_NAME)
    if not is_mobile(mobile):
        raise VolunteerError("mobile_invalid", field="mobile")
    with database.atomic():
        volunteer = Volunteer.get_or_none(Volunteer.id == volunteer_id)
        if volunteer is None:
            raise VolunteerError("unknown_volunteer")
        if volunteer.name == ERASED_NAME:
            raise VolunteerError("volunteer_erased")
        if (
            Volunteer.select()
            .where(Volunteer.mobile == mobile, Volunteer.id != volunteer.id)
            .exists()
        ):
            raise VolunteerError("mobile_taken", field="mobile")
        changed = [
            label
            for label, old, new in (
                ("name", volunteer.name, name),
                ("mobile", volunteer.mobile, mobile),
            )
            if old != new
        ]
        if not changed:
            return volunteer
        Volunteer.update(name=name, mobile=mobile, updated_at=utcnow()).where(
            Volunteer.id == volunteer.id
        ).execute()
        if volunteer.passbook_id is not None:
            Passbook.update(holder_name=name, mobile=mobile).where(
                Passbook.id == volunteer.passbook_id
            ).execute()
        audit.record(
            "volunteers.volunteer.correct",
            volunteer,
            f"{'/'.join(changed)} corrected "
            f"({mask_mobile(volunteer.mobile)} -> {mask_mobile(mobile)})",
            actor=actor,
        )
    return Volunteer.get_by_id(volunteer.id)


PROVIDER = privacy.PersonalData("volunteers", export, erase, purge, order=30)
