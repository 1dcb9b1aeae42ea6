"""Lianjian Desk (联建服务台): the application factory."""

import os
from datetime import timedelta

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from db import init_database, release_connections
from views import (
    access,
    admin,
    auth,
    cli,
    errors,
    events,
    i18n,
    kiosk,
    log_privacy,
    main,
    market,
    navigation,
    notices,
    outreach,
    pages,
    partners,
    privacy,
    qr,
    security,
    training,
    volunteers,
)
from views.extensions import babel, compress, csrf, login_manager

BLUEPRINTS = (
    auth.bp,
    main.bp,
    admin.bp,
    kiosk.bp,
    privacy.bp,
    events.bp,
    notices.bp,
    market.bp,
    training.bp,
    partners.bp,
    outreach.bp,
    volunteers.bp,
)


TRUE_WORDS = ("1", "true", "yes", "on")


def env_flag(name):
    """An on/off setting from the environment: 1, true, yes or on (any case) mean on."""
    return os.environ.get(name, "").strip().lower() in TRUE_WORDS


def load_config(app, config):
    """Settings from the environment, then `config` (tests) on top."""
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("SECRET_KEY"),
        DATABASE_URL=os.environ.get(
            "DATABASE_URL", "sqlite:///" + os.path.join(app.instance_path, "lianjian.sqlite3")
        ),
        # One switch for every cookie we set: session, Flask-Login's remember cookie (the
        # kiosk) and the language cookie (views/auth.py reads SESSION_COOKIE_SECURE).
        SESSION_COOKIE_SECURE=env_flag("SESSION_COOKIE_SECURE"),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=env_flag("SESSION_COOKIE_SECURE"),
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        # The kiosk's session lasts a working week so staff sign it in rarely.
        REMEMBER_COOKIE_DURATION=timedelta(days=7),
        # Seconds without a touch before a kiosk screen returns to start and forgets input.
        KIOSK_IDLE_SECONDS=int(os.environ.get("KIOSK_IDLE_SECONDS", 60)),
        # Tokens live as long as the session: a kiosk page left open all day still submits.
        WTF_CSRF_TIME_LIMIT=None,
        MAX_CONTENT_LENGTH=int(os.environ.get("MAX_CONTENT_LENGTH", 2 * 1024 * 1024)),
        BABEL_DEFAULT_LOCALE="zh_CN",
        BABEL_DEFAULT_TIMEZONE="Asia/Shanghai",
        BABEL_TRANSLATION_DIRECTORIES=i18n.translation_directories(app.root_path),
        SEND_FILE_MAX_AGE_DEFAULT=timedelta(days=365),
        # Pages and fragments go out compressed to browsers that ask (all do): the roll-call
        # grid's 190 KB of repeated markup travels as about 6 KB. Static files are sent as
        # they are, cached for a year.
        COMPRESS_ALGORITHM=["br", "gzip"],
        COMPRESS_BR_LEVEL=4,
        COMPRESS_LEVEL=6,
        COMPRESS_MIN_SIZE=1024,
        # Test-only, and only through create_app's config (tests/unlocked_app.py), never the
        # environment: the concurrency tests' control run switches the allocation lock off to
        # show that the race they guard against is real. Without the lock, seats overbook.
        TESTING_DISABLE_WRITE_LOCK=False,
        # How passwords are hashed (werkzeug's method name; db.accounts.hash_password). The
        # test suite may pass a cheap one in its config; never read from the environment.
        PASSWORD_HASH_METHOD="scrypt",
        # Notices by e-mail (`flask --app app send-notices`); nothing is sent without a host.
        SMTP_HOST=os.environ.get("SMTP_HOST", ""),
        SMTP_PORT=int(os.environ.get("SMTP_PORT") or 25),
        SMTP_USER=os.environ.get("SMTP_USER", ""),
        SMTP_PASSWORD=os.environ.get("SMTP_PASSWORD", ""),
        SMTP_FROM=os.environ.get("SMTP_FROM", ""),
        SMTP_SECURITY=os.environ.get("SMTP_SECURITY", "starttls"),
        PUBLIC_BASE_URL=os.environ.get("PUBLIC_BASE_URL", ""),
        # Notices by SMS through Tencent Cloud SMS (db/outreach/sms.py; README table);
        # nothing is texted without a SecretId and an SDK app id.
        SMS_ENDPOINT=os.environ.get("SMS_ENDPOINT", "https://sms.tencentcloudapi.com"),
        SMS_SECRET_ID=os.environ.get("SMS_SECRET_ID", ""),
        SMS_SECRET_KEY=os.environ.get("SMS_SECRET_KEY", ""),
        SMS_REGION=os.environ.get("SMS_REGION", "ap-guangzhou"),
        SMS_SDK_APP_ID=os.environ.get("SMS_SDK_APP_ID", ""),
        SMS_SIGN_NAME=os.environ.get("SMS_SIGN_NAME", ""),
        SMS_TEMPLATE_ID=os.environ.get("SMS_TEMPLATE_ID", ""),
        SMS_TEMPLATES=os.environ.get("SMS_TEMPLATES", ""),
        SMS_TEMPLATE_PARAMS=os.environ.get("SMS_TEMPLATE_PARAMS", "subject,link,stop"),
        SMS_MAX_AGE_HOURS=int(os.environ.get("SMS_MAX_AGE_HOURS") or 24),
        SMS_REPLY_TOKEN=os.environ.get("SMS_REPLY_TOKEN", ""),
        SMS_TIMEOUT=int(os.environ.get("SMS_TIMEOUT") or 10),
        # Staff alerts to a WeCom (企业微信) group robot.
        WECOM_WEBHOOK_URL=os.environ.get("WECOM_WEBHOOK_URL", ""),
        # Behind a reverse proxy (README: nginx) every client is the proxy's address unless
        # the proxy's X-Forwarded-For is trusted: the number of proxies in front of the app.
        # 0 (the default) trusts no header, so a direct client cannot forge its address.
        PROXY_FIX_X_FOR=int(os.environ.get("PROXY_FIX_X_FOR") or 0),
    )
    app.config.update(config or {})
    if "SESSION_COOKIE_SECURE" in (config or {}) and "REMEMBER_COOKIE_SECURE" not in config:
        app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]
    if not app.config["SECRET_KEY"]:
        if not (app.debug or app.testing):
            raise RuntimeError(
                "SECRET_KEY is not set. Set it to a long random string in the environment "
                "(for example: python -c 'import secrets; print(secrets.token_hex(32))')."
            )
        app.config["SECRET_KEY"] = "dev-only-not-secret"


def create_app(config=None):
    """Build the application: configuration, database, extensions, blueprints, error pages."""
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    if (config or {}).get("TESTING"):
        app.testing = True
    load_config(app, config)
    if app.config["PROXY_FIX_X_FOR"] > 0:
        # request.remote_addr (login throttling, logs) becomes the client's address.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"])
    log_privacy.init_app(app)

    if app.config["TESTING_DISABLE_WRITE_LOCK"]:
        app.logger.warning("TESTING_DISABLE_WRITE_LOCK is on: seat allocation is NOT safe")
    init_database(app.config["DATABASE_URL"], app.config["TESTING_DISABLE_WRITE_LOCK"])
    cli.refuse_newer_schema(app)  # the flask command says why in one line
    release_connections()  # each worker opens its own, after any fork
    pages.init_app(app)

    csrf.init_app(app)
    compress.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)
    access.init_app(app)
    navigation.init_app(app)
    qr.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    return app
