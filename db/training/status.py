"""The application status machine: the one place that lists every allowed transition.

An application starts from NEW (it does not exist yet). Every change of status goes through
`db.training.lifecycle.move`, which refuses a pair missing from TRANSITIONS, audits the change
and queues the notice named here, all in the caller's transaction.
"""

NEW = None
PENDING, APPROVED, WAITING, REJECTED, WITHDRAWN, COMPLETED, NOT_COMPLETED = (
    "pending",
    "approved",
    "waiting",
    "rejected",
    "withdrawn",
    "completed",
    "not_completed",
)
STATUSES = (PENDING, APPROVED, WAITING, REJECTED, WITHDRAWN, COMPLETED, NOT_COMPLETED)
# A live application counts as the person's one application for the course. Not completing
# is an outcome of the course, like completing: it stays the person's one application (and
# staff can take it back, see below), so it is live too.
LIVE_STATUSES = (PENDING, APPROVED, WAITING, COMPLETED, NOT_COMPLETED)
FINAL_STATUSES = (REJECTED, WITHDRAWN, COMPLETED, NOT_COMPLETED)
# How an approved person's course ended, once staff decided: what the completion to-do waits for.
OUTCOME_STATUSES = (COMPLETED, NOT_COMPLETED)

# (from, to): (the action that makes the change, the kind of notice it sends)
TRANSITIONS = {
    (NEW, PENDING): ("apply", "training.received"),
    (NEW, APPROVED): ("apply", "training.approved"),
    (NEW, WAITING): ("apply", "training.waiting"),
    (PENDING, APPROVED): ("approve", "training.approved"),
    (PENDING, WAITING): ("approve", "training.waiting"),
    (PENDING, REJECTED): ("reject", "training.rejected"),
    (PENDING, WITHDRAWN): ("withdraw", "training.withdrawn"),
    (WAITING, APPROVED): ("promote", "training.promoted"),
    (WAITING, REJECTED): ("reject", "training.rejected"),
    (WAITING, WITHDRAWN): ("withdraw", "training.withdrawn"),
    (APPROVED, REJECTED): ("reject", "training.rejected"),
    (APPROVED, WITHDRAWN): ("withdraw", "training.withdrawn"),
    (APPROVED, COMPLETED): ("complete", "training.completed"),
    # After the last session, staff decide that someone below the attendance rule did not
    # complete; a decision made by mistake is taken back to approved (no certificate was
    # issued, so nothing else is undone), and the person is told both times.
    (APPROVED, NOT_COMPLETED): ("not_complete", "training.not_completed"),
    (NOT_COMPLETED, APPROVED): ("reopen", "training.reopened"),
}

# Once a course has started nobody is reviewed or promoted any more: what is still pending or
# waiting then is closed out (not admitted, with a reason the applicant reads), never left
# hanging. The change is an allowed transition above, made by the "reject" action.
CLOSE_OUT = {PENDING: REJECTED, WAITING: REJECTED}


def allowed(from_status, to_status):
    """True when the machine allows going from `from_status` to `to_status`."""
    return (from_status, to_status) in TRANSITIONS


def sources(to_status, action=None):
    """The statuses from which `to_status` can be reached (by `action`, if given)."""
    return tuple(
        origin
        for (origin, target), (name, _kind) in TRANSITIONS.items()
        if target == to_status and (action is None or name == action)
    )
