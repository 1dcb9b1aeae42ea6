"""Every data module, imported in one place so models and demo seeders all register."""

from db import (  # noqa: F401
    accounts,
    audit,
    demo,
    events,
    market,
    notices,
    privacy,
    settings,
    training,
)
