"""Volunteer activities pages."""

from views.volunteers import bp  # noqa: F401
