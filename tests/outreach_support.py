"""Fakes for the outreach tests, on loopback only: Tencent Cloud SMS (checks the
TC3-HMAC-SHA256 signature by recomputing it from the shared secret) and a WeCom group robot.
"""

import hashlib
import hmac
import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET_ID = "AKIDtest0000000000000000000000000000"
SECRET_KEY = "test-secret-key-0000000000000000"
APP_ID = "1400000001"
SIGN_NAME = "广中社区"
TEMPLATE_ID = "2000001"


def tc3_signature(secret_key, method, host, content_type, body, timestamp, service="sms"):
    """The TC3-HMAC-SHA256 signature of a request, as Tencent Cloud's documentation defines it."""
    date = datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%d")
    canonical = "\n".join(
        [
            method,
            "/",
            "",
            f"content-type:{content_type}\nhost:{host}\n",
            "content-type;host",
            hashlib.sha256(body).hexdigest(),
        ]
    )
    to_sign = "\n".join(
        [
            "TC3-HMAC-SHA256",
            str(timestamp),
            f"{date}/{service}/tc3_request",
            hashlib.sha256(canonical.encode()).hexdigest(),
        ]
    )

    def step(key, message):
        return hmac.new(key, message.encode(), hashlib.sha256).digest()

    key = step(step(step(("TC3" + secret_key).encode(), date), service), "tc3_request")
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest(), date


class FakeServer:
    """A loopback HTTP server in a thread; `handle(handler, body)` answers each POST."""

    def __init__(self):
        fake = self
        self.requests = []
        self.lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, answer = fake.handle(self, body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class FakeTencentSms(FakeServer):
    """Tencent Cloud SMS SendSms: refuses a badly signed request with AuthFailure, records
    good ones; `fail_next` makes the next answers a per-number failure."""

    def __init__(self, secret_key=SECRET_KEY):
        super().__init__()
        self.secret_key = secret_key
        self.sent = []  # (mobile, template id, params) of accepted messages
        self.refusals = []
        self.fail_next = 0
        self.fail_code = "LimitExceeded.PhoneNumberDailyLimit"

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def handle(self, handler, body):
        headers = handler.headers
        authorization = headers.get("Authorization", "")
        host = headers.get("Host", "")
        expected, date = tc3_signature(
            self.secret_key,
            "POST",
            host,
            headers.get("Content-Type", ""),
            body,
            headers.get("X-TC-Timestamp", "0"),
        )
        good = (
            authorization.startswith(f"TC3-HMAC-SHA256 Credential={SECRET_ID}/{date}/sms/")
            and authorization.endswith(f"Signature={expected}")
            and headers.get("X-TC-Action") == "SendSms"
            and headers.get("X-TC-Version") == "2021-01-11"
        )
        with self.lock:
            self.requests.append(dict(headers=dict(headers), body=body))
            if not good:
                self.refusals.append(authorization)
                return 200, {
                    "Response": {
                        "Error": {"Code": "AuthFailure.SignatureFailure", "Message": "bad"},
                        "RequestId": "r-bad",
                    }
                }
            payload = json.loads(body)
            mobile = payload["PhoneNumberSet"][0]
            if self.fail_next:
                self.fail_next -= 1
                status = {"Code": self.fail_code, "Message": "daily limit", "SerialNo": ""}
            else:
                self.sent.append(
                    (
                        mobile,
                        payload["TemplateId"],
                        payload["TemplateParamSet"],
                        payload["SmsSdkAppId"],
                        payload["SignName"],
                    )
                )
                status = {
                    "Code": "Ok",
                    "Message": "send success",
                    "SerialNo": f"s-{len(self.sent)}",
                }
            status.update(PhoneNumber=mobile, Fee=1, SessionContext=payload.get("SessionContext"))
            return 200, {"Response": {"SendStatusSet": [status], "RequestId": "r-1"}}


class FakeWeCom(FakeServer):
    """A WeCom group robot webhook: records text messages; `refuse` answers an errcode."""

    def __init__(self):
        super().__init__()
        self.messages = []
        self.refuse = False

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/cgi-bin/webhook/send?key=test-key"

    def handle(self, handler, body):
        payload = json.loads(body)
        with self.lock:
            if self.refuse or "key=test-key" not in handler.path:
                return 200, {"errcode": 93000, "errmsg": "invalid webhook url"}
            assert payload["msgtype"] == "text"
            self.messages.append(payload["text"]["content"])
        return 200, {"errcode": 0, "errmsg": "ok"}


def sms_config(endpoint, **extra):
    """App config switching SMS on against a fake endpoint."""
    config = dict(
        SMS_ENDPOINT=endpoint,
        SMS_SECRET_ID=SECRET_ID,
        SMS_SECRET_KEY=SECRET_KEY,
        SMS_SDK_APP_ID=APP_ID,
        SMS_SIGN_NAME=SIGN_NAME,
        SMS_TEMPLATE_ID=TEMPLATE_ID,
        SMS_TEMPLATES="",
        SMS_TEMPLATE_PARAMS="subject,link,stop",
        PUBLIC_BASE_URL="https://desk.example.cn",
    )
    config.update(extra)
    return config
