"""Volunteer hours pages."""

from views.volunteers import bp  # noqa: F401
