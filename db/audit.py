"""The audit log: who did what to which object, written in the same transaction as the change."""

from peewee import CharField, ForeignKeyField, IntegerField, fn

from db.accounts.models import User
from db.base import BaseModel, UTCDateTimeField, utcnow
from db.validators import mask_username


class AuditEntry(BaseModel):
    """One recorded change. Never holds passwords or other secrets."""

    at = UTCDateTimeField(default=utcnow, index=True)
    actor = ForeignKeyField(User, null=True, backref="audit_entries", on_delete="SET NULL")
    actor_label = CharField(max_length=100, default="")
    action = CharField(max_length=64, index=True)
    object_type = CharField(max_length=40, index=True)
    object_id = IntegerField(null=True)
    summary = CharField(max_length=500, default="")

    class Meta:
        indexes = ((("object_type", "object_id"), False),)


def record(action, obj=None, summary="", actor=None, object_type=None, object_id=None):
    """Write an audit entry for `obj` (a model instance) or an explicit type and id.

    `actor` defaults to the signed-in user of the current request, if any; an entrepreneur's
    username (their mobile number) is stored masked. Call it inside the transaction of the
    change it records.
    """
    if actor is None:
        actor = _current_actor()
    if obj is not None:
        object_type = object_type or obj._meta.table_name
        object_id = obj._pk  # not get_id(): Flask-Login makes that a string
    return AuditEntry.create(
        actor=actor,
        actor_label=(mask_username(actor.username) if actor else "system")[:100],
        action=action,
        object_type=object_type or "",
        object_id=object_id,
        summary=summary[:500],
    )


def _current_actor():
    """The request's signed-in user, or None outside a request or for a guest."""
    try:
        from flask import has_request_context
        from flask_login import current_user
    except ImportError:  # pragma: no cover - flask is always installed
        return None
    if has_request_context() and current_user.is_authenticated:
        return current_user._get_current_object()
    return None


def entries(action="", object_type="", actor="", q=""):
    """Audit entries, newest first: of one `action` and `object_type`, by one account (its
    username; an entrepreneur's is stored masked, so it is looked up masked), with `q` in the
    summary. Empty filters filter nothing."""
    query = AuditEntry.select().order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if action:
        query = query.where(AuditEntry.action == action)
    if object_type:
        query = query.where(AuditEntry.object_type == object_type)
    if actor:
        query = query.where(AuditEntry.actor_label == mask_username(actor))
    if q:
        query = query.where(AuditEntry.summary ** f"%{q}%")
    return query


def actions(limit=200):
    """The distinct actions recorded, in order (the audit page's filter)."""
    distinct = AuditEntry.select(fn.DISTINCT(AuditEntry.action).alias("action"))
    return [row.action for row in distinct.order_by(AuditEntry.action).limit(limit)]
