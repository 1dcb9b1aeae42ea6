"""The privacy notice the walk-up form's consent line names, in the kiosk's own frame."""

from flask import request
from jinja2_fragments.flask import render_block
from markupsafe import Markup

from db.accounts import PRIVACY_NOTICE_VERSION
from views.kiosk import bp
from views.kiosk.common import kiosk_required
from views.pages import render_page
from views.params import parse_int


@bp.route("/privacy")
@kiosk_required
def privacy():
    """The privacy notice in large type, with a way back to the registration form.

    The text is the web page's (main/privacy.html, its `content` block rendered alone), so
    the kiosk shows exactly the notice people consent to. `?event=<id>` names the form to go
    back to. The form opens it over itself (htmx, block `kiosk_layer`), so what was typed
    stays; without htmx it is a screen of its own.
    """
    notice = Markup(render_block("main/privacy.html", "content", version=PRIVACY_NOTICE_VERSION))
    return render_page(
        "kiosk/privacy.html",
        block="kiosk_layer",
        notice=notice,
        event_id=parse_int(request.args.get("event", "")),
    )
