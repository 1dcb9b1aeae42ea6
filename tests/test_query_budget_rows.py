"""Query budget of the row actions (tests/test_query_budget.py counts the pages): a button
of a table's one form (the staff registrations list, the attendance grid) runs the same
number of SQL statements with 10 and with 1,000 rows around it, within ROW_ACTION_BUDGET.

Each action is counted as htmx sends it (the answer is the row or the cell) and without
JavaScript (the answer is a redirect back to the list). The seeders are those of the pages
(tests/scale_support.py). Each round presses a pair of buttons that undo each other (check
in, undo; unmark, mark late with a note), so the rows stay as seeded.
"""

import pytest

from db.accounts import User
from db.events.models import Registration
from db.training.models import Attendance, CourseSession
from tests.scale_support import World, seed_attendance, seed_registrations

SIZES = (10, 1_000)
# Fixed, as the pages' budgets are: a new statement in a row action has to raise it here.
ROW_ACTION_BUDGET = {
    "registrations form": {"htmx": 11, "plain": 7},
    "attendance grid form": {"htmx": 13, "plain": 9},
}


def registration_buttons(state):
    """The registrations form's URL and a check-in and its undo for one seeded row."""
    event = state["event"]
    first = (
        Registration.select(Registration.id)
        .where(Registration.event == event.id)
        .order_by(Registration.id)
        .first()
    )
    url = f"/manage/events/{event.id}/registrations"
    return url, [{"check_in": str(first.id)}, {"undo_check_in": str(first.id)}]


def grid_buttons(state):
    """The grid form's URL and, for one marked cell, unmark and mark again (late: the
    seeded sessions have ended, so with a note)."""
    course = state["course"]
    marked = (
        Attendance.select(Attendance.session, Attendance.application)
        .join(CourseSession)
        .where(CourseSession.course == course.id)
        .order_by(Attendance.id)
        .first()
    )
    cell = f"{marked.session_id}-{marked.application_id}"
    url = f"/manage/courses/{course.id}/attendance"
    return url, [{"unmark": cell}, {"mark": cell, f"note-{cell}": "预算补记"}]


ROW_ACTIONS = [
    ("registrations form", seed_registrations, registration_buttons),
    ("attendance grid form", seed_attendance, grid_buttons),
]


@pytest.mark.parametrize("mode", ["htmx", "plain"])
@pytest.mark.parametrize("action", ROW_ACTIONS, ids=[a[0] for a in ROW_ACTIONS])
def test_row_actions_do_not_grow_with_rows(action, mode, app, login_as, query_counter):
    """Each button of the pair runs as many statements at 10 as at 1,000 rows, within its
    budget, and does what it says (a success status, not a refusal)."""
    name, seed, buttons = action
    budget = ROW_ACTION_BUDGET[name][mode]
    headers = {"HX-Request": "true"} if mode == "htmx" else {}
    success = 200 if mode == "htmx" else (302, 303)
    staff = User.create(
        username="budget-staff", name="预算工作人员", role="staff", password_hash="x"
    )
    world, state = World(staff), {}
    client = login_as("staff")
    counts, seeded = {}, 0
    for size in SIZES:
        seed(world, state, size - seeded)
        seeded = size
        url, pair = buttons(state)
        for data in pair:  # warm up: per-process caches filled
            assert client.post(url, data=data, headers=headers).status_code in (200, 302, 303)
        counts[size] = []
        for data in pair:
            with query_counter() as counter:
                response = client.post(url, data=data, headers=headers)
            assert response.status_code in (success if isinstance(success, tuple) else (success,))
            counts[size].append(counter.statements)
    for small, large in zip(counts[SIZES[0]], counts[SIZES[1]], strict=True):
        assert len(large) == len(small), (
            f"{name} ({mode}): {len(small)} statements at {SIZES[0]} rows, {len(large)} at "
            f"{SIZES[1]}: " + " | ".join(s[:100] for s in large)
        )
        assert len(large) <= budget, f"{name} ({mode}): {len(large)} > {budget}: " + " | ".join(
            s[:100] for s in large
        )
