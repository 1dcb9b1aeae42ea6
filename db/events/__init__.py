"""Forums and events: seats, a waiting list, registration, check-in and notices.

models         Event, EventQuestion, Registration, RegistrationAnswer, SEATING
registrations  register, update_details, cancel, approve, reject, check_in, undo_check_in
manage         create_event, update_event, publish, close, reopen, cancel_event, reminders
queries        lists, search, seat counts, attendance figures
texts          the words of the notices
privacy        personal data: export, erase, purge (db/privacy.py)
demo           the demo seeder
"""

from db.events import demo, manage, privacy, queries, registrations  # noqa: F401
from db.events.errors import EventError  # noqa: F401
from db.events.models import (  # noqa: F401
    CANCELLED,
    CONFIRMED,
    KINDS,
    LIVE_STATUSES,
    MAX_QUESTIONS,
    PENDING,
    REJECTED,
    SEATING,
    STATUSES,
    WAITING,
    Event,
    EventQuestion,
    Registration,
    RegistrationAnswer,
)

# What the module adds to the shared registries (db/modules.py lists the modules).
demo_seeders = (("events", demo.seed_events),)
privacy_providers = (privacy.PROVIDER,)
