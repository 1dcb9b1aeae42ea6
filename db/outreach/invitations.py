"""Invitations: staff invite past guests, partner enterprises' contacts or a course's
graduates to an event or a course, with the link to register.

Candidates come from three places: the guests of a past event (by default those checked in
at the door, or every confirmed one), the graduates (completed applications) of a course,
and the active contacts of partner enterprises (the partners module's `PartnerContact`,
held with their consent). A person is invited to one
target once (unique per target × mobile), and numbers that opted out of SMS are left out.
The count of who registered matches the invited mobile numbers against the target's live
registrations (applications).
"""

from db import audit, database, notices
from db.accounts import User
from db.base import utcnow
from db.events import CONFIRMED, LIVE_STATUSES, Event, Registration
from db.outreach.errors import OutreachError
from db.outreach.models import INVITE_SOURCES, Invitation
from db.outreach.sms import opted_out_numbers
from db.outreach.texts import letter, local_when, translator
from db.partners.models import PartnerContact
from db.training import COMPLETED, Application, Course
from db.training import LIVE_STATUSES as COURSE_LIVE
from db.training.queries import timing

MAX_INVITED = 2000


def target_of(kind, number):
    """The event or course a target key names, or None."""
    model = Event if kind == "event" else Course if kind == "course" else None
    return model.get_or_none(model.id == number) if model else None


def _open_for_invitations(kind, target, now):
    if kind == "event":
        return target.status == "published" and target.starts_at > now
    return target.published


def candidates(source, from_id=None):
    """[(name, mobile, email, user id)] of the people a source holds, one per mobile."""
    if source not in INVITE_SOURCES:
        raise OutreachError("bad_source", field="source")
    people = {}
    if source in ("attendees", "confirmed"):
        rows = Registration.select().where(
            Registration.event == from_id, Registration.status == CONFIRMED
        )
        if source == "attendees":  # those who came: checked in at the door
            rows = rows.where(Registration.checked_in_at.is_null(False))
        for row in rows:
            people.setdefault(row.mobile, (row.name, row.mobile, row.email, row.user_id))
    elif source == "graduates":
        rows = (
            Application.select(Application, User)
            .join(User)
            .where(Application.course == from_id, Application.status == COMPLETED)
        )
        for row in rows:
            if row.user.mobile:
                people.setdefault(
                    row.user.mobile, (row.user.name, row.user.mobile, "", row.user.id)
                )
    else:
        rows = PartnerContact.select().where(PartnerContact.active, PartnerContact.mobile != "")
        if from_id:
            rows = rows.where(PartnerContact.enterprise == from_id)
        for row in rows.order_by(PartnerContact.id):
            people.setdefault(row.mobile, (row.name, row.mobile, row.email, None))
    return sorted(people.values(), key=lambda person: person[1])


def _compose(kind, target, language, name):
    _ = translator(language)
    if kind == "event":
        subject = _("Invitation: %(title)s", title=target.title)
        lines = [
            _("Event: %(title)s", title=target.title),
            _("When: %(when)s", when=local_when(target.starts_at, language)),
            _("Where: %(venue)s", venue=target.venue),
        ]
        intro = _("You are warmly invited. Register with the link below while seats last.")
        link = f"/events/{target.id}/register"
    else:
        subject = _("Invitation: %(title)s", title=target.title)
        first = timing(target).first_start
        lines = [_("Course: %(title)s", title=target.title)]
        if first is not None:
            lines.append(_("First session: %(when)s", when=local_when(first, language)))
        intro = _("You are warmly invited to apply. Apply with the link below.")
        link = f"/courses/{target.id}/apply"
    lines.append(_("Register: %(link)s", link=link))
    return subject, letter(language, name, intro, lines), link


def invite(kind, number, people, source, actor=None, now=None):
    """Invite `people` [(name, mobile, email, user id)] to a target; return the counts.

    Returns dict(invited, opted_out, already): those invited now, those left out because
    they opted out, and those invited to this target before.
    """
    now = now or utcnow()
    target = target_of(kind, number)
    if target is None:
        raise OutreachError("not_found")
    if not _open_for_invitations(kind, target, now):
        raise OutreachError("target_not_open")
    if not people:
        raise OutreachError("nobody_chosen")
    if len(people) > MAX_INVITED:
        raise OutreachError("too_many", most=MAX_INVITED)
    key = f"{kind}:{target.id}"
    blocked = opted_out_numbers(person[1] for person in people)
    counts = dict(invited=0, opted_out=0, already=0)
    with database.atomic():
        known = {
            row.mobile
            for row in Invitation.select(Invitation.mobile).where(Invitation.target == key)
        }
        for name, mobile, email, user_id in people:
            if mobile in blocked:
                counts["opted_out"] += 1
                continue
            if mobile in known:
                counts["already"] += 1
                continue
            language = "zh_CN"
            if user_id:
                account = User.get_or_none(User.id == user_id)
                language = (account.language if account else None) or "zh_CN"
            subject, body, link = _compose(kind, target, language, name)
            notice = notices.queue(
                "outreach.invitation",
                subject,
                body,
                recipient=user_id,
                mobile=mobile,
                email=email,
                link=link,
            )
            Invitation.create(
                target=key,
                source=source,
                name=name[:50],
                mobile=mobile,
                email=email or "",
                recipient=user_id,
                notice=notice,
                invited_by=actor,
                created_at=now,
            )
            known.add(mobile)
            counts["invited"] += 1
        audit.record(
            "outreach.invite",
            target,
            f"{counts['invited']} invited from {source}, {counts['opted_out']} opted out",
            actor=actor,
        )
    return counts


def figures(kind, number):
    """dict(invited, registered): invitations to a target and how many of them registered."""
    key = f"{kind}:{number}"
    invited = Invitation.select(Invitation.mobile).where(Invitation.target == key)
    total = invited.count()
    if kind == "event":
        registered = (
            Registration.select(Registration.mobile)
            .where(
                Registration.event == number,
                Registration.status.in_(LIVE_STATUSES),
                Registration.mobile.in_(invited),
            )
            .distinct()
            .count()
        )
    else:
        registered = (
            Application.select(Application.user)
            .join(User)
            .where(
                Application.course == number,
                Application.status.in_(COURSE_LIVE),
                User.mobile.in_(invited),
            )
            .distinct()
            .count()
        )
    return dict(invited=total, registered=registered)


def invited_list(kind, number, limit=500):
    """The invitations to a target, newest first."""
    return list(
        Invitation.select()
        .where(Invitation.target == f"{kind}:{number}")
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
        .limit(limit)
    )
