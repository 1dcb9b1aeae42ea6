"""Outreach: the SMS suppression list, which outlives the erasure of a person who opted out
(a keyed hash of the mobile number, no number in readable form)."""

from peewee import CharField, DateTimeField, Model


def up(db):
    """Create sms_suppression (a frozen copy of db/outreach/models.py SmsSuppression)."""

    class SmsSuppression(Model):
        digest = CharField(max_length=64, unique=True)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "sms_suppression"

    db.create_tables([SmsSuppression])
