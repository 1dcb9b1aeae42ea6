"""Seats and a waiting list, for any kind of registration that competes for a capacity.

Events (registrations for a forum) and courses (applications for a class) share these rules:
- a seated row (confirmed, approved …) takes one seat; the capacity is never exceeded;
- a newcomer who finds no free seat, or anyone already waiting, joins the waiting list with
  the next number of that owner (numbers are never reused, so they record arrival order);
- when a seat frees, the head of the list (lowest number) is promoted, in the same
  transaction;
- the capacity cannot be lowered below the seats already taken.

A `Seating` describes one registration model. Every method that reads counts or changes
rows must run inside `write_lock(Owner, owner_id)` of the owning row, so counts read stay
true until commit. Nothing is counted in a separate column that could drift.
"""

from peewee import fn

from db.errors import DomainError


class SeatingError(DomainError):
    """A refused capacity change; `seated` is the number of seats already taken."""

    def __init__(self, code, seated=0):
        super().__init__(code, seated=seated)
        self.seated = seated


class Seating:
    """Seat allocation for `model`, whose rows belong to an owner through `owner_field`.

    `status_field` holds the row's state; `seated` is the status value that takes a seat and
    `waiting` the one for the waiting list; `number_field` (an integer column, null until
    the row first waits) keeps the waiting-list number.
    """

    def __init__(self, model, owner_field, status_field, number_field, seated, waiting):
        self.model = model
        self.owner_field = owner_field
        self.status_field = status_field
        self.number_field = number_field
        self.seated = seated
        self.waiting = waiting

    def _of(self, owner_id):
        """The rows of one owner."""
        return self.model.select().where(self.owner_field == owner_id)

    def seated_count(self, owner_id):
        """Seats taken now."""
        return self._of(owner_id).where(self.status_field == self.seated).count()

    def waiting_count(self, owner_id):
        """People on the waiting list now."""
        return self._of(owner_id).where(self.status_field == self.waiting).count()

    def next_number(self, owner_id):
        """The waiting-list number the next person to wait gets (never reused)."""
        highest = (
            self.model.select(fn.MAX(self.number_field))
            .where(self.owner_field == owner_id)
            .scalar()
        )
        return (highest or 0) + 1

    def counts(self, owner_id):
        """(seats taken, people waiting) now, in one statement."""
        rows = dict(
            self.model.select(self.status_field, fn.COUNT(self.model._meta.primary_key))
            .where(self.owner_field == owner_id, self.status_field.in_((self.seated, self.waiting)))
            .group_by(self.status_field)
            .tuples()
        )
        return rows.get(self.seated, 0), rows.get(self.waiting, 0)

    def place(self, owner_id, capacity):
        """The (status, waiting number) a newcomer gets: a free seat, else the list's end.

        Nobody jumps the queue: while anyone waits, a newcomer waits too.
        """
        seated, waiting = self.counts(owner_id)
        if seated < capacity and waiting == 0:
            return self.seated, None
        return self.waiting, self.next_number(owner_id)

    def waiting_heads(self, owner_id, limit):
        """The first `limit` rows of the waiting list, in arrival order."""
        return list(
            self._of(owner_id)
            .where(self.status_field == self.waiting)
            .order_by(self.number_field, self.model._meta.primary_key)
            .limit(limit)
        )

    def promote(self, owner_id, capacity, on_promote=None):
        """Give every free seat to the head of the waiting list, in order; return those seated.

        `on_promote(row)` runs for each promoted row (after its status is saved) to stamp
        further fields, audit the change and queue the notice, in the same transaction.
        """
        free = capacity - self.seated_count(owner_id)
        if free <= 0:
            return []
        promoted = []
        for row in self.waiting_heads(owner_id, free):
            self.model.update({self.status_field: self.seated}).where(
                self.model._meta.primary_key == row._pk
            ).execute()
            setattr(row, self.status_field.name, self.seated)
            if on_promote is not None:
                on_promote(row)
            promoted.append(row)
        return promoted

    def waiting_position(self, row):
        """1 for the head of the list; None when the row is not waiting."""
        if getattr(row, self.status_field.name) != self.waiting:
            return None
        number = getattr(row, self.number_field.name)
        owner_id = getattr(row, self.owner_field.name + "_id")
        ahead = (
            self._of(owner_id)
            .where(self.status_field == self.waiting, self.number_field < number)
            .count()
        )
        return ahead + 1

    def waiting_positions(self, owner_id):
        """{row id: position} for everyone waiting for this owner (one query)."""
        rows = (
            self._of(owner_id)
            .select(self.model._meta.primary_key)
            .where(self.status_field == self.waiting)
            .order_by(self.number_field, self.model._meta.primary_key)
        )
        return {row._pk: position for position, row in enumerate(rows, start=1)}

    def check_capacity(self, owner_id, capacity):
        """Raise SeatingError('below_seated') when `capacity` is under the seats taken."""
        seated = self.seated_count(owner_id)
        if capacity < seated:
            raise SeatingError("below_seated", seated=seated)
