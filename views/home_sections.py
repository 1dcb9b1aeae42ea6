"""What the home pages list: each module registers a provider here when it lands.

A public section provider returns None or a dict(title=…, template=…, items=[…]); a staff
panel provider returns None or dict(title=…, template=…, **data). Providers run their own
small, bounded queries.
"""

PUBLIC_SECTIONS = []
STAFF_PANELS = []


def public_section(provider):
    """Register a provider of a section on the public home page."""
    PUBLIC_SECTIONS.append(provider)
    return provider


def staff_panel(provider):
    """Register a provider of a panel on the staff dashboard."""
    STAFF_PANELS.append(provider)
    return provider


def public_sections():
    """The sections that have something to show, in registration order."""
    return [section for section in (p() for p in PUBLIC_SECTIONS) if section]


def staff_panels():
    """The dashboard panels that have something to show."""
    return [panel for panel in (p() for p in STAFF_PANELS) if panel]
