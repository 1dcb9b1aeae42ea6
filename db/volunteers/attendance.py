"""Sign-in and sign-out at an activity, by staff on the roster and at the kiosk.

Signing out writes the attendance hour record (pending until staff approve it): the minutes
between sign-in and sign-out, capped at the activity's `max_minutes`. Each change runs under
the activity's write lock, so a double tap signs in once and writes one record.
"""

from datetime import timedelta

from db import audit, write_lock
from db.base import utcnow
from db.market.periods import local_today
from db.volunteers.errors import VolunteerError
from db.volunteers.models import (
    ATTENDANCE,
    CONFIRMED,
    PUBLISHED,
    Activity,
    HourRecord,
    Signup,
)

# Sign-in opens this long before the activity starts.
SIGN_IN_EARLY = timedelta(hours=1)
# The kiosk still lists an activity this long after its end, for signing out.
SIGN_OUT_LATE = timedelta(hours=2)
# A second tap at the kiosk this soon after signing in is the same arrival (a double tap,
# a resent form), not a sign-out.
KIOSK_REPEAT = timedelta(minutes=5)


def attended_minutes(signed_in_at, signed_out_at, cap):
    """Whole minutes from sign-in to sign-out (seconds dropped), at most `cap`."""
    elapsed = int((signed_out_at - signed_in_at).total_seconds() // 60)
    return max(0, min(elapsed, cap))


def sign_in_state(activity, now=None):
    """open, not_yet, closed or the activity's status: whether sign-in is possible now."""
    now = now or utcnow()
    if activity.status != PUBLISHED:
        return activity.status
    if now < activity.starts_at - SIGN_IN_EARLY:
        return "not_yet"
    if now >= activity.ends_at:
        return "closed"
    return "open"


def _locked_signup(activity, signup_id):
    """The sign-up of this activity (inside its lock), or VolunteerError."""
    signup = Signup.get_or_none(Signup.id == signup_id, Signup.activity == activity.id)
    if signup is None:
        raise VolunteerError("unknown_signup")
    signup.activity = activity
    return signup


def _sign_in_locked(activity, signup, actor, now):
    """Sign a confirmed person in, inside the activity's lock."""
    state = sign_in_state(activity, now)
    if state != "open":
        raise VolunteerError("sign_in_" + state)
    if signup.status != CONFIRMED:
        raise VolunteerError("not_confirmed", status=signup.status)
    if signup.signed_in_at is not None:
        raise VolunteerError("already_signed_in")
    Signup.update(signed_in_at=now, signed_in_by=actor, updated_at=now).where(
        Signup.id == signup.id
    ).execute()
    signup.signed_in_at, signup.signed_in_by = now, actor
    audit.record("volunteers.signup.sign_in", signup, "signed in", actor=actor)
    return signup


def _sign_out_locked(activity, signup, actor, now):
    """Sign a person out and write the pending hour record, inside the activity's lock."""
    if signup.signed_in_at is None:
        raise VolunteerError("not_signed_in")
    if signup.signed_out_at is not None:
        raise VolunteerError("already_signed_out")
    if now < signup.signed_in_at:
        raise VolunteerError("sign_out_before_sign_in")
    Signup.update(signed_out_at=now, signed_out_by=actor, updated_at=now).where(
        Signup.id == signup.id
    ).execute()
    signup.signed_out_at, signup.signed_out_by = now, actor
    minutes = attended_minutes(signup.signed_in_at, now, activity.max_minutes)
    record = HourRecord.create(
        volunteer=signup.volunteer_id,
        activity=activity,
        signup=signup,
        served_on=local_today(signup.signed_in_at),
        minutes=minutes,
        source=ATTENDANCE,
        created_at=now,
        created_by=actor,
    )
    audit.record(
        "volunteers.signup.sign_out", signup, f"{minutes} min, record {record.id}", actor=actor
    )
    return signup, record


def sign_in(signup_id, actor=None, now=None):
    """Sign a confirmed volunteer in (from an hour before the start until the end)."""
    now = now or utcnow()
    signup = Signup.get_or_none(Signup.id == signup_id)
    if signup is None:
        raise VolunteerError("unknown_signup")
    with write_lock(Activity, signup.activity_id) as activity:
        return _sign_in_locked(activity, _locked_signup(activity, signup_id), actor, now)


def sign_out(signup_id, actor=None, now=None):
    """Sign a volunteer out: (signup, the pending hour record)."""
    now = now or utcnow()
    signup = Signup.get_or_none(Signup.id == signup_id)
    if signup is None:
        raise VolunteerError("unknown_signup")
    with write_lock(Activity, signup.activity_id) as activity:
        return _sign_out_locked(activity, _locked_signup(activity, signup_id), actor, now)


def undo_sign_in(signup_id, actor=None):
    """Take back a sign-in made by mistake (only before sign-out: afterwards the hours are
    corrected on the hours page)."""
    signup = Signup.get_or_none(Signup.id == signup_id)
    if signup is None:
        raise VolunteerError("unknown_signup")
    with write_lock(Activity, signup.activity_id) as activity:
        signup = _locked_signup(activity, signup_id)
        if signup.signed_in_at is None:
            raise VolunteerError("not_signed_in")
        if signup.signed_out_at is not None:
            raise VolunteerError("already_signed_out")
        Signup.update(signed_in_at=None, signed_in_by=None, updated_at=utcnow()).where(
            Signup.id == signup.id
        ).execute()
        signup.signed_in_at = None
        audit.record("volunteers.signup.undo_sign_in", signup, "sign-in taken back", actor=actor)
    return signup


def kiosk_sign(activity_id, volunteer, actor=None, now=None):
    """The kiosk's one button: (signup, "signed_in" | "signed_out", hour record or None).

    The volunteer found by their mobile number is signed in when confirmed and not yet in,
    signed out when in; someone not signed up takes a free slot and is signed in at once
    (refused "full" when no slot is free or people wait). A tap within five minutes of
    signing in answers "signed_in" again and changes nothing. Runs in one transaction."""
    from db.volunteers.activities import _sign_up_locked
    from db.volunteers.models import SEATING

    now = now or utcnow()
    with write_lock(Activity, activity_id) as activity:
        signup = Signup.get_or_none(
            Signup.activity == activity.id, Signup.volunteer == volunteer.id
        )
        if signup is not None and signup.signed_in_at is not None:
            signup.activity = activity
            if signup.signed_out_at is None and now - signup.signed_in_at < KIOSK_REPEAT:
                return signup, "signed_in", None
            signup, record = _sign_out_locked(activity, signup, actor, now)
            return signup, "signed_out", record
        if signup is None or signup.status != CONFIRMED:
            state = sign_in_state(activity, now)
            if state != "open":
                raise VolunteerError("sign_in_" + state)
            if signup is not None and signup.status == "waiting":
                raise VolunteerError("not_confirmed", status=signup.status)
            if SEATING.place(activity.id, activity.slots)[0] != CONFIRMED:
                raise VolunteerError("full")
            signup, _created = _sign_up_locked(activity, volunteer, "kiosk", actor, now)
        signup.activity = activity
        return _sign_in_locked(activity, signup, actor, now), "signed_in", None
