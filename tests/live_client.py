"""A small HTTP client for tests against a live server: cookies, CSRF tokens, no redirects."""

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request

TOKEN = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"|"X-CSRFToken": "([^"]+)"')


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class LiveClient:
    """One browser-like visitor: keeps cookies and the latest CSRF token it saw."""

    def __init__(self, base_url, timeout=30):
        self.base_url = base_url
        self.timeout = timeout
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )
        self.token = None

    def request(self, method, path, data=None, headers=None):
        """(status, body text, headers); remembers any CSRF token in the body."""
        body = urllib.parse.urlencode(data or {}, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(
            self.base_url + path, data=body, method=method, headers=headers or {}
        )
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                status, text, response_headers = response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            status, text, response_headers = error.code, error.read(), error.headers
        text = text.decode("utf-8", "replace")
        match = TOKEN.search(text)
        if match:
            self.token = match.group(1) or match.group(2)
        return status, text, response_headers

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, data=None, headers=None):
        """POST a form with the CSRF token (fetch any page first to have one)."""
        if self.token is None:
            self.get("/login")
        return self.request(
            "POST", path, data={**(data or {}), "csrf_token": self.token}, headers=headers
        )

    def login(self, username, password):
        self.get("/login")
        return self.post("/login", {"username": username, "password": password})
