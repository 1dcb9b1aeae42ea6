"""QR codes drawn on the server as inline SVG (no script, no external service)."""

import io

import segno
from markupsafe import Markup


def qr_svg(data, scale=4, title=None):
    """An <svg> QR code for `data`, safe to place in a template.

    Always a full QR code, never a Micro QR (which many phone and counter scanners cannot
    read), even for short data such as a love card number.
    """
    buffer = io.BytesIO()
    segno.make(data, error="m", micro=False).save(
        buffer,
        kind="svg",
        scale=scale,
        border=2,
        xmldecl=False,
        svgns=True,
        title=title,
        nl=False,
        svgclass="qr",
        lineclass=None,
    )
    return Markup(buffer.getvalue().decode())


def init_app(app):
    """Make `qr_svg` available to templates."""
    app.jinja_env.globals["qr_svg"] = qr_svg
