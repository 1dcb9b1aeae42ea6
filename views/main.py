"""The home page of each role, the privacy notice, the health check and the favicon."""

from flask import Blueprint, current_app, jsonify, redirect, send_from_directory, url_for
from flask_login import current_user
from peewee import PeeweeException

from db import database, migrate
from db.accounts import PRIVACY_NOTICE_VERSION
from views import home_sections
from views.access import kiosk_allowed
from views.pages import render_page

bp = Blueprint("main", __name__)


@bp.route("/")
def home():
    """Public: what is open for registration. Staff: the dashboard. Kiosk: its start screen."""
    if current_user.is_authenticated and current_user.role == "kiosk":
        return redirect(url_for("kiosk.start"))
    if current_user.is_authenticated and current_user.is_staff:
        return render_page("main/dashboard.html", panels=home_sections.staff_panels())
    return render_page("main/home.html", sections=home_sections.public_sections())


@bp.route("/privacy")
def privacy():
    """The privacy notice people consent to."""
    return render_page("main/privacy.html", version=PRIVACY_NOTICE_VERSION)


@bp.route("/healthz")
def healthz():
    """JSON for a load balancer and the kiosk's retry logic: 200 when the database answers."""
    try:
        database.execute_sql("SELECT 1")
        db_version, pending = migrate.database_version(), migrate.pending_migrations()
    except PeeweeException:
        return jsonify(status="error", database="unreachable"), 503
    schema = "pending" if pending else "ok"
    status = 200 if schema == "ok" else 503
    body = dict(
        status="ok" if status == 200 else "error",
        database="ok",
        schema=schema,
        schema_version=db_version,
    )
    return jsonify(body), status


@bp.route("/favicon.ico")
@kiosk_allowed
def favicon():
    """The product's mark where browsers look for it unasked (pages link the SVG as well).

    Its URL carries no content hash, so it is cached for a day rather than a year."""
    return send_from_directory(
        current_app.static_folder, "favicon.ico", mimetype="image/x-icon", max_age=24 * 3600
    )
