"""The navigation of each role. Modules add their entries with `add()` when they land."""

import time

from flask import request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from peewee import PeeweeException

from db.demo import is_demo

# (endpoint, label, roles that see it; None means everyone but the kiosk)
NAV = [
    ("main.home", _l("Home"), None),
]
ADMIN_NAV = [
    ("privacy.lookup", _l("Personal data"), ("admin", "staff")),
    ("admin.users", _l("Accounts"), ("admin",)),
    ("admin.audit", _l("Audit log"), ("admin",)),
]


def add(endpoint, label, roles=None, position=None):
    """Add a navigation entry (roles=None: everyone except the kiosk)."""
    entry = (endpoint, label, roles)
    NAV.insert(len(NAV) if position is None else position, entry)


def current_role():
    """The signed-in user's role, or 'guest'."""
    return current_user.role if current_user.is_authenticated else "guest"


def nav_items():
    """The entries the current user sees, marking the one for this page."""
    role = current_role()
    if role == "kiosk":
        return []
    items = []
    for endpoint, label, roles in NAV + ADMIN_NAV:
        if roles is not None and role not in roles:
            continue
        url = url_for(endpoint)
        active = request.endpoint == endpoint
        items.append(dict(url=url, label=label, active=active))
    return items


DEMO_CHECK_SECONDS = 60


def demo_mode(app):
    """Whether the database holds demo data, checked at most once a minute per process
    (it changes only when seed-demo runs; this saves a query on every page)."""
    value, checked_at = app.extensions.get("demo_mode", (False, -DEMO_CHECK_SECONDS))
    if time.monotonic() - checked_at >= DEMO_CHECK_SECONDS:
        try:
            value = is_demo()
        except PeeweeException:  # an error page while the database is down still renders
            return False
        app.extensions["demo_mode"] = (value, time.monotonic())
    return value


def init_app(app):
    """Give every template the navigation and the demo marker."""

    @app.context_processor
    def layout_context():
        return dict(nav_items=nav_items(), demo_mode=demo_mode(app))
