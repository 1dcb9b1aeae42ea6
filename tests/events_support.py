"""Helpers shared by the events tests: an event factory, invented guests, and a small HTTP
session (cookie + CSRF token) for requests to a live server from many threads."""

import http.client
import re
import urllib.parse
from datetime import timedelta

from db.base import utcnow
from db.events import Event, manage
from db.events.queries import today_bounds
from tests.conftest import csrf_token_from


def later_today(at_most=timedelta(minutes=30)):
    """A `starts_in` for an event that is still today in Shanghai, whatever the hour.

    `at_most` from now, or half the time left before midnight when less is left (an event
    starting a minute ago still takes place today: it has not ended). A fixed half hour
    failed every run between 23:30 and midnight.
    """
    now = utcnow()
    _, midnight = today_bounds(now)
    return min(at_most, (midnight - now) / 2)


def new_event(
    seats=10,
    approval=False,
    questions=(),
    publish=True,
    starts_in=timedelta(days=7),
    hours=2,
    opens_at=None,
    closes_at=None,
    kind="forum",
    title="测试论坛",
    venue="党群服务中心多功能厅",
    description="",
):
    """A published (or draft) event starting `starts_in` from now."""
    starts = (utcnow() + starts_in).replace(second=0, microsecond=0)
    data = dict(
        kind=kind,
        title=title,
        description=description,
        venue=venue,
        starts_at=starts,
        ends_at=starts + timedelta(hours=hours),
        seats=seats,
        opens_at=opens_at,
        closes_at=closes_at,
        approval_required=approval,
        audience_note="",
    )
    event = manage.create_event(data, list(questions))
    if publish:
        manage.publish(event.id)
    return Event.get_by_id(event.id)


def guest(n, **overrides):
    """An invented guest's details as db.events.registrations.register takes them."""
    person = dict(
        name=f"嘉宾{n}",
        mobile=f"1380001{n:04d}",
        enterprise_name="测试联建企业",
        position="经理",
        email="",
    )
    person.update(overrides)
    return person


def guest_form(n, **overrides):
    """The registration form fields of an invented guest."""
    form = dict(
        name=f"嘉宾{n}",
        mobile=f"1380001{n:04d}",
        enterprise="测试联建企业",
        position="经理",
        email="",
        consent="y",
    )
    form.update(overrides)
    return form


class LiveSession:
    """One browser-like session against a live server: a session cookie and its CSRF token.

    After `start(path)` the cookie and token are fixed, so many threads can post with them at
    once (responses' new cookies are ignored; the CSRF token stays valid for the session).
    """

    def __init__(self, server):
        parts = urllib.parse.urlsplit(server.url)
        self.host, self.port = parts.hostname, parts.port
        self.cookie = ""
        self.token = None

    def request(self, method, path, data=None, timeout=60, headers=None):
        """(status, headers, body text) of one request on a fresh connection."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        headers = dict(headers or {})
        if self.cookie:
            headers["Cookie"] = self.cookie
        body = None
        if data is not None:
            body = urllib.parse.urlencode({"csrf_token": self.token, **data})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            return response.status, response.headers, text
        finally:
            connection.close()

    def _keep_cookie(self, headers):
        """Keep the session cookie a response sets."""
        for value in headers.get_all("Set-Cookie") or []:
            match = re.match(r"(session=[^;]+)", value)
            if match:
                self.cookie = match.group(1)

    def start(self, path):
        """GET a page, keep its session cookie and CSRF token."""
        status, headers, text = self.request("GET", path)
        assert status == 200, (status, text[:300])
        self._keep_cookie(headers)
        self.token = csrf_token_from(text)
        assert self.cookie and self.token
        return text

    def login(self, username, password, path):
        """Sign in (a staff member at the door, say), then start on `path` signed in."""
        self.start("/login")
        status, headers, text = self.request(
            "POST", "/login", {"username": username, "password": password}
        )
        assert status == 302, (status, text[:300])
        self._keep_cookie(headers)
        return self.start(path)

    def post(self, path, data, headers=None):
        """POST a form with the session's token; (status, Location, body)."""
        status, headers, text = self.request("POST", path, data, headers=headers)
        return status, headers.get("Location", ""), text
