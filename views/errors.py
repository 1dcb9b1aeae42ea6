"""Error pages inside the layout, in the user's language."""

from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from peewee import DataError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from views import params
from views.pages import render_page

ERROR_TEXTS = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back and try again.")),
    403: (_l("Not allowed"), _l("Your account may not open this page.")),
    404: (_l("Page not found"), _l("Check the address, or start again from the home page.")),
    405: (_l("Not allowed"), _l("This page cannot be used that way.")),
    413: (_l("Too large"), _l("What you sent is too large. Send less at a time.")),
    422: (_l("Cannot process"), _l("Some of what you entered cannot be used. Check and retry.")),
    429: (_l("Too many attempts"), _l("Please wait a few minutes and try again.")),
    500: (_l("Something went wrong"), _l("Nothing was saved. Please try again in a moment.")),
    503: (_l("Temporarily unavailable"), _l("The service is busy. Please try again shortly.")),
}
CSRF_TEXT = _l("This form has expired or was sent twice. Reload the page and try again.")


def error_page(status, detail=None):
    """The error page for `status`, with an optional more specific explanation."""
    title, text = ERROR_TEXTS.get(status, ERROR_TEXTS[500])
    return render_page(
        "errors/error.html", block="content", status=status, title=title, text=detail or text
    )


def init_app(app):
    """Register the handlers, and bound `<int:...>` URL arguments to what an id column holds
    (an id past that is not found), which must happen before the blueprints are registered."""
    params.init_app(app)

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return error_page(400, CSRF_TEXT)

    @app.errorhandler(HTTPException)
    def http_error(exc):
        if exc.code < 400:
            return exc
        return error_page(exc.code)

    @app.errorhandler(OperationalError)
    def database_unavailable(exc):
        app.logger.error("database error: %s", exc)
        return error_page(503)

    @app.errorhandler(DataError)
    @app.errorhandler(OverflowError)
    def value_out_of_range(exc):
        # A value the database cannot hold (a number past its column, on PostgreSQL a DataError,
        # on SQLite an OverflowError): input the views should have refused. Refused, not a 500.
        app.logger.warning("value refused by the database: %s", type(exc).__name__)
        return error_page(400)

    @app.errorhandler(InternalServerError)
    def server_error(exc):
        return error_page(500)
