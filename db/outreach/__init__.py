"""Outreach: reach people where they are (SMS, WeCom staff alerts, reminders, invitations,
the yearly copy of a forum, feedback).

models       SmsDelivery, SmsPreference, SmsSuppression, StaffAlert, ReminderSent, Invitation,
             FeedbackSurvey, FeedbackAnswer
sms          the Tencent Cloud SMS channel: deliveries, retries with backoff, opt-outs
wecom        staff alerts to a WeCom group robot
reminders    the day before and an hour before (a @producer of db/notices.py)
invitations  candidates (past guests, graduates, partner contacts), invite, figures
copying      copy an event or a course to a new date
feedback     surveys, answers (one a person), results; the feedback requests (a @producer)
texts        the words of the notices
privacy      personal data: export, erase, purge (db/privacy.py)
demo         the demo seeder
"""

from db.outreach import (  # noqa: F401
    copying,
    demo,
    feedback,
    invitations,
    privacy,
    reminders,
    sending,
    sms,
    wecom,
)
from db.outreach.errors import OutreachError  # noqa: F401
from db.outreach.models import (  # noqa: F401
    FeedbackAnswer,
    FeedbackSurvey,
    Invitation,
    ReminderSent,
    SmsDelivery,
    SmsPreference,
    SmsSuppression,
    StaffAlert,
)

# What the module adds to the shared registries (db/modules.py lists the modules).
demo_seeders = (("outreach", demo.seed_outreach),)
privacy_providers = (privacy.PROVIDER,)
