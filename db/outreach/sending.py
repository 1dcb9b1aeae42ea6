"""The outreach channels `send-notices` runs after e-mail (db/notices.py @channel): SMS
first, then the staff group, so an SMS given up on in this run is told to staff at once."""

from db import notices
from db.outreach import sms, wecom


@notices.channel
def send_sms(config):
    """Text due notices when SMS is configured; the run's report line."""
    settings = sms.SmsSettings.from_config(config)
    if settings is None:
        return None
    sent, failed, given_up = sms.send_due(settings)
    return f"SMS: {sent} sent, {failed} failed, {len(given_up)} given up"


@notices.channel
def send_staff_alerts(config):
    """Post new staff alerts to the WeCom group when its webhook is configured."""
    url = config.get("WECOM_WEBHOOK_URL")
    if not url:
        return None
    raised = wecom.collect()
    posted = wecom.send_alerts(url)
    return f"WeCom: {raised} new alerts, {posted} posted"
