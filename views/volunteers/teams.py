"""Volunteer teams pages."""

from views.volunteers import bp  # noqa: F401
