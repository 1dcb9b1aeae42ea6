"""Volunteer service (志愿服务): teams, volunteers, activities, hours and points.

models       Team, Volunteer, Membership, JoinRequest, Activity, Signup, HourRecord, SEATING
errors       VolunteerError
teams        teams, members (an account or entered by staff, with consent), join requests
activities   publish, edit, cancel; sign up and cancel (seats and a waiting list)
attendance   sign-in and sign-out by staff and at the kiosk
hours        hours from the times (capped), self-reported hours, approval and correction in
             bulk, points booked into the market passbook in the same transaction
queries      lists and pages
records      a volunteer's own record: hours, passbook points and entries, activities
certificates hour certificates (SC-<year>-<serial>, gapless) and whether one is still current
reports      team reports by month and year
honour       the honour board (approved hours, names masked)
privacy      personal data: export, correct, erase, purge (db/privacy.py)
demo         demo data

Every operation owns its transaction and writes its audit entry in it.
"""

from db.volunteers import certificates, demo, privacy
from db.volunteers.certificates import HourCertificate, HourCertificateLine  # noqa: F401
from db.volunteers.errors import VolunteerError  # noqa: F401
from db.volunteers.models import (  # noqa: F401
    SEATING,
    Activity,
    HourRecord,
    JoinRequest,
    Membership,
    Signup,
    Team,
    Volunteer,
)


def certificate_lines_check():
    """`flask --app app ledger verify`: hour certificates add up to the records they count."""
    problems = certificates.line_problems()
    return problems, f"volunteer hour certificates: {len(problems)} problem(s)"


# What the module adds to the shared registries (db/modules.py lists the modules).
demo_seeders = (("volunteers", demo.seed_volunteers),)
ledger_checks = (certificate_lines_check,)
number_checks = (certificates.certificate_numbers,)
privacy_providers = (privacy.PROVIDER,)
