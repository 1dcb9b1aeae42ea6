"""Security headers on every response."""

from flask import abort, current_app, request

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "object-src 'none'",
        "frame-ancestors 'none'",
    )
)


# A year; sent only where the site is served over HTTPS (SESSION_COOKIE_SECURE on).
HSTS = "max-age=31536000"


def init_app(app):
    """Add the headers. Everything but the static files is kept out of caches: pages, and
    downloads (CSV, XLSX, calendars, QR codes, the personal-data export) may carry personal
    data, and must not stay in the back/forward or a shared cache."""

    @app.before_request
    def refuse_nul_characters():
        # No one types a NUL character; PostgreSQL cannot store one in text and refuses the
        # whole statement. Refused here for every path, query and form value (400).
        if "\x00" in request.path or any(
            "\x00" in key or "\x00" in value
            for values in (request.args, request.form)
            for key, value in values.items(multi=True)
        ):
            abort(400)

    @app.after_request
    def add_security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
        if current_app.config.get("SESSION_COOKIE_SECURE"):
            headers.setdefault("Strict-Transport-Security", HSTS)
        if request.endpoint != "static" and "Cache-Control" not in headers:
            headers["Cache-Control"] = "no-store"
        return response
