"""Who may open what: loading the signed-in user, role checks, and the kiosk's fence."""

from functools import wraps

from flask import abort, current_app, flash, redirect, request, url_for
from flask_login import current_user, login_url

from db.accounts import user_for_session
from views.extensions import login_manager
from views.pages import htmx_redirect

# Endpoints outside the kiosk blueprint that the kiosk account may open.
KIOSK_EXTRA_ENDPOINTS = {"static", "auth.logout", "auth.language", "main.healthz"}


@login_manager.user_loader
def load_user(session_id):
    """The account of a live login session, or None (ended or unknown sessions sign out).

    Deactivated accounts are refused by Flask-Login through `User.is_active`. A session
    outlives neither its cookie's lifetime (12 hours) nor, for the kiosk, its remember
    cookie's (7 days): counted from login, on the server.
    """
    return user_for_session(
        session_id,
        max_age=current_app.config["PERMANENT_SESSION_LIFETIME"],
        kiosk_max_age=current_app.config["REMEMBER_COOKIE_DURATION"],
    )


@login_manager.unauthorized_handler
def send_to_login():
    """Send a guest to the login page, back to where they were after it.

    An htmx request gets HX-Redirect, so the whole page goes to the login page (htmx would
    follow a 302 itself and swap the login page into the fragment's place).
    """
    flash(str(login_manager.login_message), login_manager.login_message_category)
    if request.headers.get("HX-Request") == "true":
        back_to = request.headers.get("HX-Current-URL") or request.url
        return htmx_redirect(login_url(login_manager.login_view, next_url=back_to))
    return redirect(login_url(login_manager.login_view, next_url=request.url))


def role_required(*roles):
    """Allow the view only to signed-in users of `roles` (guests are sent to log in)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


staff_required = role_required("admin", "staff")
admin_required = role_required("admin")


def kiosk_allowed(view):
    """Mark a view outside the kiosk blueprint as open to the kiosk account too."""
    view.kiosk_allowed = True
    return view


def init_app(app):
    """Fence the kiosk account in: only kiosk pages, static files and marked public pages."""

    @app.before_request
    def fence_kiosk():
        if not (current_user.is_authenticated and current_user.role == "kiosk"):
            return None
        endpoint = request.endpoint or ""
        if endpoint.startswith("kiosk.") or endpoint in KIOSK_EXTRA_ENDPOINTS:
            return None
        view = app.view_functions.get(endpoint)
        if view is not None and getattr(view, "kiosk_allowed", False):
            return None
        if endpoint == "main.home":
            return None  # home sends the kiosk to its start screen
        if endpoint == "auth.login" and request.method == "GET":
            # The kiosk was signed in here once: Back after its return to start leads here.
            return redirect(url_for("kiosk.start"))
        abort(403)
