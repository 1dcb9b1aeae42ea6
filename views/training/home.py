"""What training puts on the home pages and in the menus."""

from datetime import UTC, datetime, time, timedelta

from flask_babel import lazy_gettext as _l

from db.training import queries
from views import home_sections, navigation
from views.calendar import SHANGHAI

HOME_LIMIT = 4
PANEL_LIMIT = 8

navigation.add("training.index", _l("Courses"), roles=("guest", "entrepreneur"))
navigation.add("training.mine", _l("My courses"), roles=("entrepreneur",))
navigation.add("training.manage_index", _l("Manage courses"), roles=("staff", "admin"))


def today_bounds():
    """The start and end of today in Asia/Shanghai, as naive UTC."""
    today = datetime.now(UTC).astimezone(SHANGHAI).date()
    start = datetime.combine(today, time(0), SHANGHAI).astimezone(UTC).replace(tzinfo=None)
    return start, start + timedelta(days=1)


@home_sections.public_section
def open_courses_section():
    """Courses taking applications now, with seats left."""
    courses = queries.open_courses(limit=HOME_LIMIT)
    if not courses:
        return None
    return dict(
        title=_l("Training courses"),
        template="training/_home_section.html",
        items=courses,
        seats_left=queries.seats_left,
    )


@home_sections.staff_panel
def training_panel():
    """Applications awaiting review and today's sessions (grid and code screen)."""
    return dict(
        title=_l("Training courses"),
        template="training/_staff_panel.html",
        pending=queries.pending_by_course(PANEL_LIMIT),
        pending_total=queries.pending_count(),
        today=queries.sessions_between(*today_bounds())[:PANEL_LIMIT],
        completion=queries.awaiting_completion(limit=PANEL_LIMIT),
    )
