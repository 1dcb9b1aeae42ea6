"""What events put on the home pages and in the menus."""

from flask_babel import lazy_gettext as _l

from db.events import queries
from views import home_sections, navigation

HOME_LIMIT = 6

navigation.add("events.index", _l("Events"), roles=("guest", "entrepreneur", "staff", "admin"))
navigation.add("events.mine", _l("My registrations"), roles=("entrepreneur",))
navigation.add("notices.index", _l("My notices"), roles=("entrepreneur",))
navigation.add("events.manage_index", _l("Manage events"), roles=("staff", "admin"))


@home_sections.public_section
def open_events_section():
    """Events open for registration now, with seats left."""
    events = queries.open_events(HOME_LIMIT)
    if not events:
        return None
    return dict(
        title=_l("Forums and events"),
        template="events/_home_section.html",
        items=events,
        figures=queries.counts_for([event.id for event in events]),
    )


@home_sections.staff_panel
def events_panel():
    """Today's events (with the door screen) and registrations awaiting review."""
    return dict(
        title=_l("Events"),
        template="events/_staff_panel.html",
        today=queries.today_events(),
        pending=queries.pending_approvals(),
    )
