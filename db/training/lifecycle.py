"""Moving an application from one status to another, checked against the status machine.

`move` is the only writer of `Application.status` besides the waiting-list promotion of
db.seating, whose rows are passed through `moved` for the same check, audit entry and notice.
Call both inside the transaction (and, where seats are involved, the course's write lock) of
the action that makes the change.
"""

from db import audit
from db.training.errors import TrainingError
from db.training.models import Application
from db.training.status import NEW, TRANSITIONS, allowed
from db.training.texts import notify


def check(origin, target):
    """Raise TrainingError('transition_refused') unless the machine allows the change."""
    if not allowed(origin, target):
        raise TrainingError("transition_refused", origin=origin or "new", target=target)


def move(application, target, now, actor=None, fields=None, **notice):
    """Change `application` to `target`, stamping `fields`; audit it and queue its notice.

    A new application (status None) is inserted; an existing one is updated only if its
    status is still the one read, so a change made meanwhile is refused ("changed"), never
    overwritten. `notice` carries first_start, reason and number for the notice text (and
    an audit-only note).
    """
    origin = application.status
    check(origin, target)
    values = dict(fields or {}, status=target, updated_at=now)
    if origin is NEW:
        for name, value in values.items():
            setattr(application, name, value)
        application.save()
    else:
        changed = (
            Application.update(values)
            .where(Application.id == application.id, Application.status == origin)
            .execute()
        )
        if changed != 1:
            raise TrainingError("changed")
        for name, value in values.items():
            setattr(application, name, value)
    moved(application, origin, actor=actor, **notice)
    return application


def moved(application, origin, actor=None, first_start=None, reason="", number="", note=""):
    """Audit and announce a change already written (from `origin` to the row's status).

    `note` is added to the audit summary only (e.g. "closed out: the course has started").
    """
    check(origin, application.status)
    action, kind = TRANSITIONS[(origin, application.status)]
    summary = f"{origin or 'new'} -> {application.status}"
    if note:
        summary += f" ({note})"
    if application.waiting_number and application.status == "waiting":
        summary += f", waiting #{application.waiting_number}"
    if reason:
        summary += f"; reason: {reason}"
    if number:
        summary += f"; certificate {number}"
    audit.record("application." + action, application, summary, actor=actor)
    notify(kind, application, first_start=first_start, reason=reason, number=number)
