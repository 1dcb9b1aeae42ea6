"""The words of outreach notices, in the person's language (catalogs read with Babel, so
this works in a request, the send command or a script alike: see db/events/texts.py)."""

from db.events.texts import SOON_FORMATS, local_when, translator  # noqa: F401

SIGN_OFF = "Guangzhong Community Party-Building Service Centre"


def letter(language, name, intro, lines, outro=""):
    """A notice body: greeting, intro, detail lines, an optional closing line, sign-off."""
    _ = translator(language)
    body = [_("Dear %(name)s,", name=name), "", intro, "", *lines]
    if outro:
        body += ["", outro]
    body += ["", _(SIGN_OFF)]
    return "\n".join(body)
