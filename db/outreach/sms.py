"""The SMS channel: notices with a mobile number go out through Tencent Cloud SMS.

Each notice gets at most one `SmsDelivery` (unique per notice), so re-running
`send-notices` never texts a notice twice. A failed try is retried with backoff
(`BACKOFF_MINUTES`, then given up after `MAX_ATTEMPTS` and shown to staff). A number that
opted out is never texted: its deliveries are held back as `opted_out`; an opt-out outlives
the person's erasure as a keyed hash of the number (`SmsSuppression`). Tencent Cloud only
sends approved templates, so the notice's subject and links travel as the template's
parameters (`SMS_TEMPLATE_PARAMS` names which, in order). Full mobile numbers never reach
a log line or an error text kept here.
"""

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

from peewee import JOIN

from db import audit, database, write_lock
from db.base import utcnow
from db.notices import Notice
from db.outreach.models import (
    FAILED,
    OPTED_OUT,
    QUEUED,
    SENT,
    SmsDelivery,
    SmsPreference,
    SmsSuppression,
    insert_once,
)
from db.validators import mask_mobile

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_MINUTES = (5, 15, 45, 135)  # after the 1st, 2nd, 3rd and 4th failed try
CLAIM_TIMEOUT = timedelta(minutes=15)
PARAM_NAMES = ("subject", "link", "stop")
SUBJECT_LENGTH = 20  # Tencent Cloud caps a template variable's length
ENQUEUE_BATCH = 1000  # notices given their delivery in one run, oldest first


class SmsError(Exception):
    """The provider refused or could not be reached; `code` is its error code."""

    def __init__(self, code, message=""):
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code


@dataclass
class SmsSettings:
    """The SMS configuration (app.py load_config reads it from the environment)."""

    host: str
    protocol: str
    secret_id: str
    secret_key: str
    region: str
    app_id: str
    sign_name: str
    default_template: str
    templates: dict = field(default_factory=dict)
    params: tuple = PARAM_NAMES
    base_url: str = ""
    max_age: timedelta = timedelta(hours=24)
    timeout: int = 10

    @classmethod
    def from_config(cls, config):
        """The settings, or None when SMS is not configured (no SecretId or app id)."""
        if not (config.get("SMS_SECRET_ID") and config.get("SMS_SDK_APP_ID")):
            return None
        endpoint = config.get("SMS_ENDPOINT") or "https://sms.tencentcloudapi.com"
        parts = urlsplit(endpoint if "://" in endpoint else "https://" + endpoint)
        templates = {}  # kind -> template id; "" (as in `kind=`) keeps that kind from SMS
        for pair in (config.get("SMS_TEMPLATES") or "").split(","):
            kind, equals, template = pair.partition("=")
            if kind.strip() and equals:
                templates[kind.strip()] = template.strip()
        names = tuple(
            name.strip()
            for name in (config.get("SMS_TEMPLATE_PARAMS") or ",".join(PARAM_NAMES)).split(",")
            if name.strip() in PARAM_NAMES
        )
        return cls(
            host=parts.netloc,
            protocol=parts.scheme or "https",
            secret_id=config["SMS_SECRET_ID"],
            secret_key=config.get("SMS_SECRET_KEY") or "",
            region=config.get("SMS_REGION") or "ap-guangzhou",
            app_id=config["SMS_SDK_APP_ID"],
            sign_name=config.get("SMS_SIGN_NAME") or "",
            default_template=config.get("SMS_TEMPLATE_ID") or "",
            templates=templates,
            params=names,
            base_url=(config.get("PUBLIC_BASE_URL") or "").rstrip("/"),
            max_age=timedelta(hours=int(config.get("SMS_MAX_AGE_HOURS") or 24)),
            timeout=int(config.get("SMS_TIMEOUT") or 10),
        )

    def template_for(self, kind):
        """The template id for a notice kind ("" when this kind is not texted)."""
        return self.templates.get(kind, self.default_template)

    def texted_kinds(self):
        """A condition on `Notice.kind` that holds exactly for the kinds with a template.

        With a default template every kind is texted but those set to "" in SMS_TEMPLATES;
        without one, only the kinds SMS_TEMPLATES names with a template. (Selecting only
        these keeps untexted notices from filling the head of the queue: see `enqueue`.)
        """
        if self.default_template:
            silent = [kind for kind, template in self.templates.items() if not template]
            return Notice.kind.not_in(silent) if silent else Notice.kind.is_null(False)
        texted = [kind for kind, template in self.templates.items() if template]
        return Notice.kind.in_(texted) if texted else Notice.id.is_null()


def send_text(settings, mobile, template_id, params, context=""):
    """Send one templated SMS through the Tencent Cloud SDK; return its serial number."""
    from tencentcloud.common import credential
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
        TencentCloudSDKException,
    )
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile
    from tencentcloud.sms.v20210111 import models, sms_client

    http = HttpProfile(
        protocol=settings.protocol, endpoint=settings.host, reqTimeout=settings.timeout
    )
    client = sms_client.SmsClient(
        credential.Credential(settings.secret_id, settings.secret_key),
        settings.region,
        ClientProfile(httpProfile=http),
    )
    request = models.SendSmsRequest()
    request.PhoneNumberSet = ["+86" + mobile]
    request.SmsSdkAppId = settings.app_id
    request.SignName = settings.sign_name
    request.TemplateId = template_id
    request.TemplateParamSet = list(params)
    request.SessionContext = context
    try:
        response = client.SendSms(request)
    except TencentCloudSDKException as exc:
        raise SmsError(exc.get_code() or "ClientError", exc.get_message() or "") from None
    except Exception as exc:  # the connection, a proxy, a garbled answer
        raise SmsError("ConnectionError", type(exc).__name__) from None
    statuses = response.SendStatusSet or []
    if not statuses:
        raise SmsError("EmptyAnswer")
    status = statuses[0]
    if status.Code != "Ok":
        raise SmsError(status.Code or "Unknown", status.Message or "")
    return status.SerialNo or ""


def preference(mobile):
    """The number's preference row, created with a fresh opt-out token when first needed."""
    row = SmsPreference.get_or_none(SmsPreference.mobile == mobile)
    if row is None:
        insert_once(
            SmsPreference.insert(
                mobile=mobile, token=secrets.token_urlsafe(12)[:16], created_at=utcnow()
            )
        )
        row = SmsPreference.get(SmsPreference.mobile == mobile)
    return row


_secret_key = None  # the app's SECRET_KEY (views/outreach hands it over at start-up)


def use_secret_key(secret):
    """Remember the application's SECRET_KEY for the keyed hashes below."""
    global _secret_key
    _secret_key = secret if isinstance(secret, bytes) else str(secret).encode()


def keyed_digest(purpose, value):
    """HMAC-SHA256 of `value` under the app's SECRET_KEY, for `purpose` (one purpose's hashes
    never match another's). Without the key a mobile number cannot be found from its hash:
    trying every number needs the key."""
    if not _secret_key:
        raise RuntimeError("no SECRET_KEY for keyed hashes (db.outreach.sms.use_secret_key)")
    message = f"{purpose}:{value}".encode()
    return hmac.new(_secret_key, message, hashlib.sha256).hexdigest()


def suppression_digest(mobile):
    """The keyed hash an erased opt-out is kept as, so the row holds no readable number.

    A new SECRET_KEY makes the kept hashes match nobody: keep the key, or the erased
    opt-outs are forgotten.
    """
    return keyed_digest("sms-suppression", mobile)


def suppress(mobile, since=None):
    """Keep an opt-out (made at `since`) that outlives the number's erasure.

    Runs inside the caller's transaction; a second call for the number changes nothing."""
    insert_once(
        SmsSuppression.insert(digest=suppression_digest(mobile), created_at=since or utcnow())
    )


def is_opted_out(mobile):
    """True when this number asked for no more SMS (also before an erasure)."""
    return bool(opted_out_numbers([mobile]))


def opted_out_numbers(mobiles):
    """The numbers among `mobiles` that opted out (their preference, or a suppression)."""
    mobiles = [m for m in set(mobiles) if m]
    found = set()
    for start in range(0, len(mobiles), 500):
        chunk = mobiles[start : start + 500]
        found.update(
            row.mobile
            for row in SmsPreference.select(SmsPreference.mobile).where(
                SmsPreference.mobile.in_(chunk),
                SmsPreference.opted_out_at.is_null(False),
            )
        )
        digests = {suppression_digest(mobile): mobile for mobile in chunk}
        found.update(
            digests[row.digest]
            for row in SmsSuppression.select(SmsSuppression.digest).where(
                SmsSuppression.digest.in_(list(digests))
            )
        )
    return found


def opt_out(mobile, source, now=None):
    """Stop SMS to `mobile` (idempotent); queued deliveries to it are held back."""
    now = now or utcnow()
    with database.atomic():
        row = preference(mobile)
        if row.opted_out_at is None:
            SmsPreference.update(opted_out_at=now, source=source[:12]).where(
                SmsPreference.id == row.id
            ).execute()
            audit.record("sms.opt_out", summary=f"{mask_mobile(mobile)} by {source}", actor=None)
        waiting = Notice.select(Notice.id).where(Notice.mobile == mobile)
        SmsDelivery.update(status=OPTED_OUT).where(
            SmsDelivery.status == QUEUED, SmsDelivery.notice.in_(waiting)
        ).execute()


def opt_in(mobile, now=None):
    """Take SMS again for `mobile` (the person's own choice, from their account).

    This also lifts a suppression kept from before an erasure: the person is back, signed
    in with the number, and asks for SMS."""
    with database.atomic():
        updated = (
            SmsPreference.update(opted_out_at=None, source="")
            .where(SmsPreference.mobile == mobile, SmsPreference.opted_out_at.is_null(False))
            .execute()
        )
        updated += (
            SmsSuppression.delete()
            .where(SmsSuppression.digest == suppression_digest(mobile))
            .execute()
        )
        if updated:
            audit.record("sms.opt_in", summary=mask_mobile(mobile), actor=None)


def mobile_for_token(token):
    """The number an opt-out link belongs to, or None."""
    row = SmsPreference.get_or_none(SmsPreference.token == (token or "")[:24])
    return row.mobile if row else None


def enqueue(settings, now=None):
    """Give each recent notice with a mobile number and a template its delivery; return how many.

    Only notices younger than `max_age` are texted, so switching SMS on does not text the
    whole history. Only notices of a kind with a template are selected: a notice that is not
    texted never gets a delivery, so were it selected it would stay at the head of the
    oldest-first batch for good and, a thousand of them, stop the queue. A concurrent run
    inserting the same delivery is ignored (unique notice).
    """
    now = now or utcnow()
    pending = (
        Notice.select(Notice.id, Notice.kind, Notice.mobile)
        .join(SmsDelivery, on=(SmsDelivery.notice == Notice.id), join_type=JOIN.LEFT_OUTER)
        .where(
            Notice.mobile.is_null(False),
            Notice.mobile != "",
            Notice.created_at >= now - settings.max_age,
            settings.texted_kinds(),
            SmsDelivery.id.is_null(),
        )
        .order_by(Notice.id)
        .limit(ENQUEUE_BATCH)
    )
    rows = list(pending)
    blocked = opted_out_numbers(row.mobile for row in rows)
    created = 0
    with database.atomic():
        for row in rows:
            template = settings.template_for(row.kind)
            inserted = insert_once(
                SmsDelivery.insert(
                    notice=row.id,
                    template_id=template[:20],
                    status=OPTED_OUT if row.mobile in blocked else QUEUED,
                    next_try_at=now,
                    created_at=now,
                )
            )
            created += 1 if inserted else 0
    return created


def _due(now):
    return SmsDelivery.select().where(
        SmsDelivery.status == QUEUED,
        SmsDelivery.next_try_at <= now,
        SmsDelivery.claimed_at.is_null() | (SmsDelivery.claimed_at < now - CLAIM_TIMEOUT),
    )


def claim(limit=100, now=None):
    """Claim up to `limit` due deliveries for this run (disjoint from any concurrent run)."""
    now = now or utcnow()
    with write_lock():
        ids = [
            row.id for row in _due(now).select(SmsDelivery.id).order_by(SmsDelivery.id).limit(limit)
        ]
        if not ids:
            return []
        SmsDelivery.update(claimed_at=now).where(SmsDelivery.id.in_(ids)).execute()
    return list(
        SmsDelivery.select(SmsDelivery, Notice)
        .join(Notice)
        .where(SmsDelivery.id.in_(ids))
        .order_by(SmsDelivery.id)
    )


def _release(delivery, **fields):
    """Write the outcome of this run's try, if the claim is still this run's."""
    with database.atomic():
        return (
            SmsDelivery.update(claimed_at=None, **fields)
            .where(SmsDelivery.id == delivery.id, SmsDelivery.claimed_at == delivery.claimed_at)
            .execute()
        )


def mark_failed(delivery, error, now=None):
    """Count a failed try: retry after the backoff, or give up after MAX_ATTEMPTS."""
    now = now or utcnow()
    attempts = delivery.attempts + 1
    given_up = attempts >= MAX_ATTEMPTS
    wait = BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1]
    _release(
        delivery,
        attempts=attempts,
        status=FAILED if given_up else QUEUED,
        next_try_at=now + timedelta(minutes=wait),
        last_error=str(error)[:300],
    )
    delivery.attempts, delivery.status = attempts, FAILED if given_up else QUEUED
    return given_up


def parameters(settings, notice, stop_token):
    """The template parameters of one notice, in the order SMS_TEMPLATE_PARAMS names."""
    values = {
        "subject": notice.subject[:SUBJECT_LENGTH],
        "link": settings.base_url + notice.link if notice.link else settings.base_url + "/",
        "stop": f"{settings.base_url}/o/{stop_token}",
    }
    return [values[name] for name in settings.params]


def send_due(settings, limit=100, now=None, sender=send_text):
    """Text every claimed delivery; return (sent, failed, given up deliveries)."""
    enqueue(settings, now)
    sent = failed = 0
    given_up = []
    for delivery in claim(limit, now):
        notice = delivery.notice
        mobile = notice.mobile or ""
        if not mobile or is_opted_out(mobile):
            _release(delivery, status=OPTED_OUT)
            continue
        token = preference(mobile).token
        try:
            serial = sender(
                settings,
                mobile,
                delivery.template_id,
                parameters(settings, notice, token),
                f"notice-{notice.id}",
            )
        except SmsError as exc:
            failed += 1
            log.warning("SMS to %s failed: %s", mask_mobile(mobile), exc)
            if mark_failed(delivery, exc, now):
                given_up.append(delivery)
        else:
            _release(
                delivery,
                status=SENT,
                attempts=delivery.attempts + 1,
                sent_at=utcnow(),
                serial_no=str(serial)[:64],
                last_error="",
            )
            sent += 1
    if sent or failed:
        with database.atomic():
            audit.record(
                "sms.send", summary=f"{sent} sent, {failed} failed", object_type="sms", actor=None
            )
    return sent, failed, given_up


def troubles(limit=200):
    """Deliveries that failed at least once (given up or waiting to retry), newest first."""
    return list(
        SmsDelivery.select(SmsDelivery, Notice)
        .join(Notice)
        .where(
            (SmsDelivery.status == FAILED)
            | ((SmsDelivery.status == QUEUED) & (SmsDelivery.attempts > 0))
        )
        .order_by(SmsDelivery.next_try_at.desc(), SmsDelivery.id.desc())
        .limit(limit)
    )


def retry(delivery_id, actor=None):
    """Give a failed delivery a fresh round of tries now (staff, after fixing the cause)."""
    with database.atomic():
        updated = (
            SmsDelivery.update(status=QUEUED, attempts=0, next_try_at=utcnow(), claimed_at=None)
            .where(SmsDelivery.id == delivery_id, SmsDelivery.status == FAILED)
            .execute()
        )
        if updated:
            audit.record(
                "sms.retry", summary=f"delivery {delivery_id}", object_type="sms", actor=actor
            )
    return bool(updated)
