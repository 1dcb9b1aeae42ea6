"""Teams, volunteers and members, and join requests.

A volunteer row is found by its mobile number (unique): a person entered by staff and the
same person signing in with an account (an entrepreneur's username is their mobile number)
are one volunteer, linked to the account the first time it acts. A row is created only with
the person's consent to the privacy notice, recorded on the row.

Joining a team: a signed-in person asks (`request_join`), staff approve or decline
(`decide_join_request`). Both run under the team's write lock, so two requests sent at once
leave one pending and an approval makes one membership.
"""

from db import audit, write_lock
from db.accounts import PRIVACY_NOTICE_VERSION, Enterprise, User
from db.base import utcnow
from db.validators import is_mobile, normalise_mobile, one_line
from db.volunteers.errors import VolunteerError
from db.volunteers.models import (
    APPROVED,
    DECLINED,
    DIVISION,
    LEADER,
    MEMBER,
    PENDING,
    ROLES,
    SQUAD,
    TEAM_KINDS,
    JoinRequest,
    Membership,
    Team,
    Volunteer,
)

MAX_TEAM_NAME = 100
MAX_NAME = 50
MAX_NOTE = 300


def _clean_text(value, limit, required_code, field, too_long_code="too_long"):
    """One line of text, required and at most `limit` characters."""
    value = one_line(value or "")
    if not value and required_code:
        raise VolunteerError(required_code, field=field)
    if len(value) > limit:
        raise VolunteerError(too_long_code, field=field, limit=limit)
    return value


def _check_team_fields(kind, name, parent_id, enterprise_id, team_id=None):
    """(kind, name, parent, enterprise) checked; raises VolunteerError."""
    if kind not in TEAM_KINDS:
        raise VolunteerError("unknown_kind", field="kind")
    name = _clean_text(name, MAX_TEAM_NAME, "team_name_required", "name")
    taken = Team.select().where(Team.name == name)
    if team_id is not None:
        taken = taken.where(Team.id != team_id)
    if taken.exists():
        raise VolunteerError("team_name_taken", field="name")
    if kind == DIVISION:
        return kind, name, None, None
    parent = Team.get_or_none(Team.id == parent_id, Team.kind == DIVISION) if parent_id else None
    if parent is None:
        raise VolunteerError("division_required", field="parent")
    enterprise = Enterprise.get_or_none(Enterprise.id == enterprise_id) if enterprise_id else None
    if enterprise is None or enterprise.merged_into_id:
        raise VolunteerError("enterprise_required", field="enterprise")
    return kind, name, parent, enterprise


def create_team(kind, name, parent_id=None, enterprise_id=None, description="", actor=None):
    """A new 分队 (division) or 小分队 (squad: of an enterprise, within a division)."""
    with write_lock():
        kind, name, parent, enterprise = _check_team_fields(kind, name, parent_id, enterprise_id)
        team = Team.create(
            kind=kind,
            name=name,
            parent=parent,
            enterprise=enterprise,
            description=(description or "").strip()[:2000],
        )
        audit.record("volunteers.team.create", team, f"{kind} {name}", actor=actor)
    return team


def update_team(
    team_id, name, parent_id=None, enterprise_id=None, description="", active=True, actor=None
):
    """Change a team's name, division, enterprise, description or whether it is active.

    A division with squads stays a division (its kind never changes)."""
    with write_lock(Team, team_id) as team:
        kind, name, parent, enterprise = _check_team_fields(
            team.kind, name, parent_id, enterprise_id, team_id=team.id
        )
        if parent is not None and parent.id == team.id:
            raise VolunteerError("division_required", field="parent")
        team.name, team.parent, team.enterprise = name, parent, enterprise
        team.description = (description or "").strip()[:2000]
        team.active = bool(active)
        team.updated_at = utcnow()
        team.save()
        audit.record("volunteers.team.update", team, f"{kind} {name}", actor=actor)
    return team


def _clean_person(name, mobile):
    """A person's name and mobile number, checked and cleaned; raises VolunteerError."""
    name = _clean_text(name, MAX_NAME, "name_required", "name")
    mobile = normalise_mobile(mobile)
    if not is_mobile(mobile):
        raise VolunteerError("mobile_invalid", field="mobile")
    return name, mobile


def volunteer_by_mobile(mobile):
    """The volunteer with this mobile number, or None."""
    mobile = normalise_mobile(mobile)
    if not is_mobile(mobile):
        return None
    return Volunteer.get_or_none(Volunteer.mobile == mobile)


def volunteer_of(user):
    """The volunteer row of an account (by the account, else by its mobile number), or None."""
    if user is None or not getattr(user, "is_authenticated", True):
        return None
    found = Volunteer.get_or_none(Volunteer.user == user.id)
    if found is None and user.mobile:
        found = Volunteer.get_or_none(Volunteer.mobile == user.mobile, Volunteer.user.is_null())
    return found


def _ensure_volunteer(user, consent, actor, now):
    """The account's volunteer row, linked or created (inside the caller's lock).

    Creating one needs consent (VolunteerError "consent_required"); an account without a
    mobile number (staff) cannot volunteer ("mobile_required")."""
    with write_lock(User, user.id):  # nests: one account's row is made once
        return _ensure_locked(user, consent, actor, now)


def _ensure_locked(user, consent, actor, now):
    """_ensure_volunteer's work, with the account's row locked."""
    found = Volunteer.get_or_none(Volunteer.user == user.id)
    if found is not None:
        return found
    if not user.mobile:
        raise VolunteerError("mobile_required")
    found = Volunteer.get_or_none(Volunteer.mobile == user.mobile)
    if found is not None:
        if found.user_id is not None:  # another account holds this number
            raise VolunteerError("mobile_taken")
        found.user = user
        if found.consent_at is None and consent:
            found.consent_at, found.consent_version = now, PRIVACY_NOTICE_VERSION
        found.updated_at = now
        found.save()
        audit.record("volunteers.volunteer.link", found, "linked to the account", actor=actor)
        return found
    if not consent:
        raise VolunteerError("consent_required", field="consent")
    volunteer = Volunteer.create(
        user=user,
        name=user.name[:MAX_NAME],
        mobile=user.mobile,
        enterprise=user.enterprise_id,
        consent_at=now,
        consent_version=PRIVACY_NOTICE_VERSION,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    audit.record("volunteers.volunteer.create", volunteer, "from an account", actor=actor)
    return volunteer


def volunteer_for_user(user, consent=False, actor=None):
    """The account's volunteer row, linked by mobile number or created with consent."""
    return _ensure_volunteer(user, consent, actor or user, utcnow())


def _add_membership(team, volunteer, role, actor):
    """(membership, created): the volunteer in the team (an existing membership is kept)."""
    existing = Membership.get_or_none(
        Membership.team == team.id, Membership.volunteer == volunteer.id
    )
    if existing is not None:
        return existing, False
    membership = Membership.create(team=team, volunteer=volunteer, role=role)
    audit.record(
        "volunteers.member.add",
        membership,
        f"volunteer {volunteer.id} {role} of team {team.id}",
        actor=actor,
    )
    return membership, True


def add_member(team_id, name, mobile, consent, role=MEMBER, enterprise_id=None, actor=None):
    """Staff add a person to a team: (membership, created).

    The person is found by mobile number (an account holder or someone entered before) or
    entered now, which needs their consent, recorded on the row. Adding someone already in
    the team changes nothing (created is False)."""
    if role not in ROLES:
        raise VolunteerError("unknown_role", field="role")
    name, mobile = _clean_person(name, mobile)
    now = utcnow()
    with write_lock(Team, team_id) as team:
        if not team.active:
            raise VolunteerError("team_inactive")
        volunteer = Volunteer.get_or_none(Volunteer.mobile == mobile)
        if volunteer is None:
            if not consent:
                raise VolunteerError("consent_required", field="consent")
            enterprise = None
            if enterprise_id:
                enterprise = Enterprise.get_or_none(Enterprise.id == enterprise_id)
                if enterprise is None:
                    raise VolunteerError("enterprise_required", field="enterprise")
            elif team.kind == SQUAD:
                enterprise = team.enterprise
            account = User.get_or_none(User.mobile == mobile, User.role == "entrepreneur")
            if (
                account is not None
                and Volunteer.select().where(Volunteer.user == account.id).exists()
            ):
                account = None
            volunteer = Volunteer.create(
                user=account,
                name=name,
                mobile=mobile,
                enterprise=enterprise or (account.enterprise_id if account else None),
                consent_at=now,
                consent_version=PRIVACY_NOTICE_VERSION,
                created_by=actor,
                created_at=now,
                updated_at=now,
            )
            audit.record("volunteers.volunteer.create", volunteer, "entered by staff", actor=actor)
        return _add_membership(team, volunteer, role, actor)


def set_role(membership_id, role, actor=None):
    """Make a member a leader or a leader a member."""
    if role not in ROLES:
        raise VolunteerError("unknown_role", field="role")
    membership = Membership.get_or_none(Membership.id == membership_id)
    if membership is None:
        raise VolunteerError("unknown_member")
    with write_lock(Team, membership.team_id):
        membership = Membership.get_or_none(Membership.id == membership_id)
        if membership is None:
            raise VolunteerError("unknown_member")
        if membership.role != role:
            membership.role = role
            membership.save()
            audit.record("volunteers.member.role", membership, role, actor=actor)
    return membership


def remove_member(membership_id, actor=None):
    """Take a volunteer out of a team (their hours and sign-ups stay)."""
    membership = Membership.get_or_none(Membership.id == membership_id)
    if membership is None:
        raise VolunteerError("unknown_member")
    with write_lock(Team, membership.team_id):
        deleted = Membership.delete().where(Membership.id == membership_id).execute()
        if not deleted:
            raise VolunteerError("unknown_member")
        audit.record(
            "volunteers.member.remove",
            membership,
            f"volunteer {membership.volunteer_id} left team {membership.team_id}",
            actor=actor,
        )
    return membership


def request_join(team_id, user, note="", consent=False):
    """A signed-in person asks to join a team: the pending request (one at a time).

    Refused when the team is inactive, the person is already a member, or for an account
    without a mobile number; a second request while one is pending returns that one."""
    note = _clean_text(note, MAX_NOTE, None, "note")
    now = utcnow()
    with write_lock(Team, team_id) as team:
        if not team.active:
            raise VolunteerError("team_inactive")
        volunteer = _ensure_volunteer(user, consent, user, now)
        if (
            Membership.select()
            .where(Membership.team == team.id, Membership.volunteer == volunteer.id)
            .exists()
        ):
            raise VolunteerError("already_member")
        pending = JoinRequest.get_or_none(
            JoinRequest.team == team.id,
            JoinRequest.volunteer == volunteer.id,
            JoinRequest.status == PENDING,
        )
        if pending is not None:
            return pending
        request = JoinRequest.create(team=team, volunteer=volunteer, note=note, created_at=now)
        audit.record("volunteers.join.request", request, f"team {team.id}", actor=user)
    return request


def decide_join_request(request_id, approve, note="", actor=None):
    """Staff approve (a membership is made) or decline a pending join request.

    A request already decided is refused ("request_decided"), so two staff deciding at once
    make one decision."""
    note = _clean_text(note, MAX_NOTE, None, "decision_note")
    request = JoinRequest.get_or_none(JoinRequest.id == request_id)
    if request is None:
        raise VolunteerError("unknown_request")
    now = utcnow()
    with write_lock(Team, request.team_id) as team:
        request = JoinRequest.get_by_id(request_id)
        if request.status != PENDING:
            raise VolunteerError("request_decided", status=request.status)
        request.status = APPROVED if approve else DECLINED
        request.decided_at, request.decided_by, request.decision_note = now, actor, note
        request.save()
        audit.record(f"volunteers.join.{request.status}", request, f"team {team.id}", actor=actor)
        if approve:
            _add_membership(team, request.volunteer, MEMBER, actor)
        _tell_decision(request, team)
    return request


def _tell_decision(request, team):
    """A notice to the person who asked (in their account's language), in the decision's
    transaction; someone without an account gets it by SMS."""
    from db import notices
    from db.events.texts import translator

    volunteer = request.volunteer
    user = volunteer.user if volunteer.user_id else None
    _ = translator((user.language if user else None) or "zh_CN")
    if request.status == APPROVED:
        subject = _("Welcome to %(team)s", team=team.name)
        body = _(
            "Your request to join %(team)s is approved. You will find the team's activities "
            "on the volunteer page.",
            team=team.name,
        )
    else:
        subject = _("Your request to join %(team)s", team=team.name)
        body = _("Your request to join %(team)s was not accepted this time.", team=team.name)
    if request.decision_note:
        body += "\n" + _("Note from the centre: %(note)s", note=request.decision_note)
    notices.queue(
        f"volunteers.join_{request.status}",
        subject,
        body,
        recipient=user,
        mobile=None if user else volunteer.mobile,
        link="/volunteers/teams",
    )


__all__ = [
    "LEADER",
    "add_member",
    "create_team",
    "decide_join_request",
    "remove_member",
    "request_join",
    "set_role",
    "update_team",
    "volunteer_by_mobile",
    "volunteer_for_user",
    "volunteer_of",
]
