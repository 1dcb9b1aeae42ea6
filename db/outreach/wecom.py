"""The staff channel: alerts posted to a WeCom (企业微信) group robot.

Things staff should hear of — a new course application, an item at or below its low-stock
threshold, an SMS given up on — become `StaffAlert` rows with a unique key, so each is told
once however often `send-notices` runs. Unsent alerts go out together as one text message
to the robot's webhook (`WECOM_WEBHOOK_URL`); a refused post keeps them for the next run.
Alerts hold no names or full mobile numbers: the group is a chat, not a records system.
"""

import json
import logging
import urllib.request

from db import database, write_lock
from db.base import utcnow
from db.outreach.models import StaffAlert, insert_once
from db.outreach.texts import translator

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
MAX_MESSAGE = 2000  # the robot takes 2048 bytes of text


class WeComError(Exception):
    """The robot refused the message or could not be reached."""


def post(url, content, timeout=10):
    """Post one text message to a WeCom group robot; raise WeComError when refused."""
    body = json.dumps({"msgtype": "text", "text": {"content": content}}).encode()
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=timeout) as response:
            answer = json.loads(response.read().decode() or "{}")
    except (OSError, ValueError) as exc:
        raise WeComError(type(exc).__name__) from None
    if answer.get("errcode") != 0:
        raise WeComError(f"{answer.get('errcode')}: {answer.get('errmsg', '')}"[:200])


def raise_alert(key, text):
    """Queue an alert once per key (a second call with the same key does nothing)."""
    return insert_once(StaffAlert.insert(key=key[:64], text=text[:300], created_at=utcnow()))


def collect(now=None):
    """Raise alerts for new course applications, low stock and given-up SMS; return how many."""
    from db.market.reports import low_stock
    from db.outreach.models import FAILED, SmsDelivery
    from db.training import PENDING, Application, Course

    _ = translator("zh_CN")
    now = now or utcnow()
    raised = 0
    with database.atomic():
        recent = (
            Application.select(Application.id, Course.title)
            .join(Course)
            .where(Application.status == PENDING)
            .order_by(Application.id.desc())
            .limit(50)
        )
        for row in recent:
            raised += raise_alert(
                f"application:{row.id}",
                _("New course application to review: %(title)s", title=row.course.title),
            )
        today = now.date().isoformat()
        for item, stock in low_stock(limit=20):
            raised += raise_alert(
                f"low_stock:{item.id}:{today}",
                _("Low stock: %(item)s, %(stock)s left", item=item.name, stock=stock),
            )
        for delivery in SmsDelivery.select(SmsDelivery.id).where(SmsDelivery.status == FAILED):
            raised += raise_alert(
                f"sms_failed:{delivery.id}",
                _("An SMS could not be sent; see the failed sends page."),
            )
    return raised


def send_alerts(url, now=None, poster=post):
    """Post every unsent alert as one message; return how many were sent (0 when refused)."""
    now = now or utcnow()
    # Claimed by marking them sent under the write lock, so two runs never post one alert
    # twice; a refused post gives them back for the next run.
    with write_lock():
        pending = list(
            StaffAlert.select()
            .where(StaffAlert.sent_at.is_null(), StaffAlert.attempts < MAX_ATTEMPTS)
            .order_by(StaffAlert.id)
            .limit(30)
        )
        ids = [alert.id for alert in pending]
        if ids:
            StaffAlert.update(sent_at=now, attempts=StaffAlert.attempts + 1).where(
                StaffAlert.id.in_(ids)
            ).execute()
    if not pending:
        return 0
    _ = translator("zh_CN")
    lines = [_("Lianjian Desk")] + ["· " + alert.text for alert in pending]
    try:
        poster(url, "\n".join(lines)[:MAX_MESSAGE])
    except WeComError as exc:
        log.warning("WeCom alert failed: %s", exc)
        with database.atomic():
            StaffAlert.update(sent_at=None, last_error=str(exc)[:300]).where(
                StaffAlert.id.in_(ids)
            ).execute()
        return 0
    return len(ids)
