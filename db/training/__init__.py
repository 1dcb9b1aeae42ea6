"""Training courses: applications, review, seats, session attendance, certificates.

status        the application status machine (every allowed transition, in one table)
labels        what people read for statuses and attendance methods (pages, exports, privacy)
models        Course, CourseSession, Application, ApplicationAnswer, Attendance, Certificate
lifecycle     move(): the checked, audited, announced change of an application's status
courses       create and edit courses; add, edit and remove sessions
applications  apply, decide (approve or reject, one or many), withdraw
promotion     free seats go to the waiting list in order
attendance    roll call, sign_in_by_code, person_by_mobile (shared with the kiosk)
completion    who met the rule, certificates with gapless yearly numbers, revocation
queries       timings, seat figures, lists for pages, panels and exports
texts         the words of the notices
privacy       personal data: export, erase, purge (db/privacy.py)
demo          the demo seeder
"""

from db.training import completion, demo, privacy
from db.training.errors import TrainingError  # noqa: F401
from db.training.models import (  # noqa: F401
    SEATING,
    Application,
    ApplicationAnswer,
    Attendance,
    Certificate,
    Course,
    CourseSession,
)
from db.training.status import (  # noqa: F401
    APPROVED,
    COMPLETED,
    LIVE_STATUSES,
    NOT_COMPLETED,
    PENDING,
    REJECTED,
    STATUSES,
    TRANSITIONS,
    WAITING,
    WITHDRAWN,
)

# What the module adds to the shared registries (db/modules.py lists the modules).
demo_seeders = (("training", demo.seed_training),)
number_checks = (completion.certificate_numbers,)
privacy_providers = (privacy.PROVIDER,)
