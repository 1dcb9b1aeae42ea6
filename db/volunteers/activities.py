"""Activities: staff publish them; people sign up and cancel (seats and a waiting list).

Everything that takes or frees a slot runs under `write_lock(Activity, activity_id)` and
counts rows after taking it (db/seating.py, `SEATING`), so confirmed sign-ups never exceed
the slots and the waiting list is served strictly in order: a cancelled seat goes to the
head of the list in the same transaction, and so do new slots when staff add some.
"""

from datetime import timedelta

from db import audit, notices, write_lock
from db.base import utcnow
from db.events.texts import local_when, translator
from db.seating import SeatingError
from db.validators import one_line
from db.volunteers.errors import VolunteerError
from db.volunteers.models import (
    CANCELLED,
    CONFIRMED,
    DRAFT,
    LIVE_SIGNUPS,
    PUBLISHED,
    SEATING,
    SIGNUP_SOURCES,
    Activity,
    Signup,
    Team,
    Volunteer,
)
from db.volunteers.teams import _ensure_volunteer

MAX_TITLE = 120
MAX_PLACE = 200
MAX_SLOTS = 10_000
MAX_MINUTES = 24 * 60  # an activity's hour cap: at most a day
MAX_DURATION = timedelta(days=7)


def _check_fields(fields):
    """The activity's fields, checked and cleaned; raises VolunteerError."""
    title = one_line(fields.get("title") or "")
    if not title:
        raise VolunteerError("title_required", field="title")
    if len(title) > MAX_TITLE:
        raise VolunteerError("too_long", field="title", limit=MAX_TITLE)
    place = one_line(fields.get("place") or "")
    if not place:
        raise VolunteerError("place_required", field="place")
    if len(place) > MAX_PLACE:
        raise VolunteerError("too_long", field="place", limit=MAX_PLACE)
    team = Team.get_or_none(Team.id == fields.get("team_id")) if fields.get("team_id") else None
    if team is None:
        raise VolunteerError("team_required", field="team")
    starts_at, ends_at = fields.get("starts_at"), fields.get("ends_at")
    if starts_at is None:
        raise VolunteerError("starts_required", field="starts_at")
    if ends_at is None or ends_at <= starts_at:
        raise VolunteerError("ends_before_start", field="ends_at")
    if ends_at - starts_at > MAX_DURATION:
        raise VolunteerError("too_long_duration", field="ends_at")
    slots = fields.get("slots")
    if not isinstance(slots, int) or isinstance(slots, bool) or not 1 <= slots <= MAX_SLOTS:
        raise VolunteerError("slots_range", field="slots", limit=MAX_SLOTS)
    max_minutes = fields.get("max_minutes")
    if max_minutes is None:  # by default the activity's length, at most a day
        max_minutes = min(int((ends_at - starts_at).total_seconds() // 60), MAX_MINUTES)
    if not isinstance(max_minutes, int) or not 1 <= max_minutes <= MAX_MINUTES:
        raise VolunteerError("cap_range", field="max_minutes", limit=MAX_MINUTES)
    return dict(
        team=team,
        title=title,
        place=place,
        what_to_do=(fields.get("what_to_do") or "").strip()[:4000],
        starts_at=starts_at,
        ends_at=ends_at,
        slots=slots,
        max_minutes=max_minutes,
    )


def create_activity(fields, publish=False, actor=None):
    """A new activity (a draft, or published at once). `fields`: team_id, title, place,
    what_to_do, starts_at, ends_at (naive UTC), slots, max_minutes (None: its length)."""
    clean = _check_fields(fields)
    if not clean["team"].active:
        raise VolunteerError("team_inactive", field="team")
    now = utcnow()
    with write_lock():
        activity = Activity.create(
            **clean,
            status=PUBLISHED if publish else DRAFT,
            created_by=actor,
            created_at=now,
            updated_at=now,
        )
        audit.record("volunteers.activity.create", activity, activity.status, actor=actor)
    return activity


def update_activity(activity_id, fields, actor=None):
    """Change an activity. Slots cannot go below the seats taken ("below_seated"); more
    slots seat the head of the waiting list at once."""
    clean = _check_fields(fields)
    now = utcnow()
    with write_lock(Activity, activity_id) as activity:
        if activity.status == CANCELLED:
            raise VolunteerError("activity_cancelled")
        try:
            SEATING.check_capacity(activity.id, clean["slots"])
        except SeatingError as error:
            raise VolunteerError("below_seated", field="slots", seated=error.seated) from None
        for name, value in clean.items():
            setattr(activity, name, value)
        activity.updated_at = now
        activity.save()
        audit.record("volunteers.activity.update", activity, f"slots {activity.slots}", actor=actor)
        promoted = _promote(activity, now, actor)
    return activity, promoted


def publish_activity(activity_id, actor=None):
    """Publish a draft (publishing one already published changes nothing)."""
    with write_lock(Activity, activity_id) as activity:
        if activity.status == CANCELLED:
            raise VolunteerError("activity_cancelled")
        if activity.status == DRAFT:
            activity.status, activity.updated_at = PUBLISHED, utcnow()
            activity.save()
            audit.record("volunteers.activity.publish", activity, "published", actor=actor)
    return activity


def cancel_activity(activity_id, reason="", actor=None):
    """Cancel an activity: every live sign-up is cancelled and told (hours kept)."""
    reason = one_line(reason or "")[:300]
    now = utcnow()
    with write_lock(Activity, activity_id) as activity:
        if activity.status == CANCELLED:
            return activity
        activity.status, activity.cancel_reason, activity.updated_at = CANCELLED, reason, now
        activity.save()
        live = list(
            Signup.select(Signup, Volunteer)
            .join(Volunteer)
            .where(Signup.activity == activity.id, Signup.status.in_(LIVE_SIGNUPS))
        )
        Signup.update(status=CANCELLED, cancelled_at=now, updated_at=now).where(
            Signup.id.in_([row.id for row in live])
        ).execute()
        for row in live:
            row.activity = activity
            _notify("cancelled", row)
        audit.record(
            "volunteers.activity.cancel",
            activity,
            f"{len(live)} sign-up(s) cancelled",
            actor=actor,
        )
    return activity


def _notify(kind, signup):
    """Tell a volunteer their place was confirmed from the waiting list, or the activity was
    cancelled (a notice in the outbox, in their account's language)."""
    volunteer = signup.volunteer
    user = volunteer.user if volunteer.user_id else None
    language = (user.language if user else None) or "zh_CN"
    _ = translator(language)
    activity = signup.activity
    when = local_when(activity.starts_at, language)
    if kind == "promoted":
        subject = _("A place for you: %(title)s", title=activity.title)
        body = _(
            "A place at the volunteer activity %(title)s (%(when)s, %(place)s) has become "
            "free and is now yours. If you cannot come, please cancel so the next person "
            "can take it.",
            title=activity.title,
            when=when,
            place=activity.place,
        )
    else:
        subject = _("Cancelled: %(title)s", title=activity.title)
        body = _(
            "The volunteer activity %(title)s (%(when)s) has been cancelled. Thank you for "
            "signing up.",
            title=activity.title,
            when=when,
        )
    notices.queue(
        f"volunteers.{kind}",
        subject,
        body,
        recipient=user,
        mobile=None if user else volunteer.mobile,
        link=f"/volunteers/activities/{activity.id}",
    )


def _promote(activity, now, actor=None):
    """Seat the head of the waiting list for every free slot (inside the activity's lock)."""
    if activity.status != PUBLISHED or now >= activity.ends_at:
        return []

    def stamp(row):
        """Stamp, audit and tell one promoted sign-up."""
        Signup.update(confirmed_at=now, updated_at=now).where(Signup.id == row.id).execute()
        row.activity = activity
        audit.record(
            "volunteers.signup.promote", row, f"waiting #{row.waiting_number} seated", actor=actor
        )
        _notify("promoted", row)

    return SEATING.promote(activity.id, activity.slots, on_promote=stamp)


def _sign_up_locked(activity, volunteer, source, actor, now):
    """(signup, created) inside the activity's lock: a live sign-up is returned as it is; a
    cancelled one is taken up again at the end of the queue."""
    if source not in SIGNUP_SOURCES:
        raise ValueError(f"unknown sign-up source {source!r}")
    existing = Signup.get_or_none(Signup.activity == activity.id, Signup.volunteer == volunteer.id)
    if existing is not None and existing.is_live:
        return existing, False
    state = activity.signup_state(now)
    if state != "open" and not (source != "web" and state == "started"):
        raise VolunteerError("signup_" + state)
    status, number = SEATING.place(activity.id, activity.slots)
    values = dict(
        status=status,
        waiting_number=number,
        source=source,
        updated_at=now,
        confirmed_at=now if status == CONFIRMED else None,
        cancelled_at=None,
    )
    if existing is None:
        signup = Signup.create(activity=activity, volunteer=volunteer, created_at=now, **values)
    else:
        Signup.update(**values).where(Signup.id == existing.id).execute()
        signup = Signup.get_by_id(existing.id)
    signup.activity, signup.volunteer = activity, volunteer
    audit.record(
        "volunteers.signup.create", signup, f"{source}: {status} #{number or '-'}", actor=actor
    )
    return signup, True


def sign_up(activity_id, user, consent=False, now=None):
    """A signed-in person signs up: (signup, created). A free slot is taken while nobody
    waits; otherwise the person waits with the next number. Signing up again returns the
    live sign-up; signing up needs the person's consent the first time (their volunteer row
    is made then)."""
    now = now or utcnow()
    with write_lock(Activity, activity_id) as activity:
        if activity.status == DRAFT:
            raise VolunteerError("signup_draft")
        volunteer = _ensure_volunteer(user, consent, user, now)
        return _sign_up_locked(activity, volunteer, "web", user, now)


def add_to_activity(activity_id, volunteer_id, source="staff", actor=None, now=None):
    """Staff (or the kiosk) sign a known volunteer up: the same seats and queue, and also
    while the activity runs."""
    now = now or utcnow()
    with write_lock(Activity, activity_id) as activity:
        volunteer = Volunteer.get_or_none(Volunteer.id == volunteer_id)
        if volunteer is None:
            raise VolunteerError("unknown_volunteer")
        return _sign_up_locked(activity, volunteer, source, actor, now)


def cancel_signup(signup_id, by="self", actor=None, now=None):
    """Cancel a live sign-up: (signup, promoted). A freed seat goes to the head of the
    waiting list. The person may cancel until the activity starts; staff until it ends.
    Someone already signed in cannot be cancelled ("signed_in"). Cancelling twice changes
    nothing."""
    now = now or utcnow()
    signup = Signup.get_or_none(Signup.id == signup_id)
    if signup is None:
        raise VolunteerError("unknown_signup")
    with write_lock(Activity, signup.activity_id) as activity:
        signup = Signup.get_by_id(signup_id)
        signup.activity = activity
        if signup.status == CANCELLED:
            return signup, []
        if signup.signed_in_at is not None:
            raise VolunteerError("signed_in")
        limit = activity.starts_at if by == "self" else activity.ends_at
        if now >= limit:
            raise VolunteerError("cancel_closed")
        was_seated = signup.status == CONFIRMED
        Signup.update(status=CANCELLED, cancelled_at=now, updated_at=now).where(
            Signup.id == signup.id
        ).execute()
        signup.status = CANCELLED
        audit.record("volunteers.signup.cancel", signup, f"by {by}", actor=actor)
        promoted = _promote(activity, now, actor) if was_seated else []
    return signup, promoted
