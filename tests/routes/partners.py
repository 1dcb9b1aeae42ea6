"""Partner-ledger routes: staff pages, and the enterprise-name suggestions of the
registration forms (anyone but the kiosk)."""

from db import partners
from db.market.periods import local_today
from tests.routes import PUBLIC, STAFF_ONLY, Route

STAFF_FORM = STAFF_ONLY | {"staff": 422, "admin": 422}
STAFF_REDIRECT = STAFF_ONLY | {"staff": 302, "admin": 302}
STAFF_BAD_REQUEST = STAFF_ONLY | {"staff": 400, "admin": 400}


def setup(ctx):
    """A partner with details, a contact, a visit and party figures; a duplicate merged
    into another record; a pair to merge."""
    ctx.enterprise = partners.save_enterprise(
        "宝华集团", "91310109607301218N", sector="building", status="strategic", location="宝华大厦"
    )
    ctx.contact = partners.add_contact(ctx.enterprise.id, "郑国庆", "13800003003", consent=True)
    ctx.visit = partners.record_visit(
        ctx.enterprise.id, local_today(), "frontline", "党建计划", needs="场地"
    )
    partners.record_party_organisation(ctx.enterprise.id, local_today().year, "independent", 18)
    ctx.duplicate = ctx.make_enterprise(name="宝华集团有限公司")
    kept = ctx.make_enterprise(name="华谊集团")
    ctx.merge = partners.merge(kept.id, ctx.make_enterprise(name="华谊集团有限公司").id)


def enterprise_url(suffix=""):
    return lambda ctx: f"/partners/{ctx.enterprise.id}{suffix}"


def merge_url(ctx):
    return f"/partners/merge?survivor={ctx.enterprise.id}&loser={ctx.duplicate.id}"


ROUTES = [
    Route("/partners/", "GET", STAFF_ONLY),
    Route("/partners/export.xlsx", "GET", STAFF_ONLY),
    Route("/partners/new", "GET", STAFF_ONLY),
    Route("/partners/new", "POST", STAFF_FORM),
    Route(
        "/partners/<int:enterprise_id>", "GET", STAFF_ONLY, url=enterprise_url(), query_budget=14
    ),
    Route("/partners/<int:enterprise_id>/edit", "GET", STAFF_ONLY, url=enterprise_url("/edit")),
    Route("/partners/<int:enterprise_id>/edit", "POST", STAFF_FORM, url=enterprise_url("/edit")),
    Route(
        "/partners/<int:enterprise_id>/contacts/new",
        "GET",
        STAFF_ONLY,
        url=enterprise_url("/contacts/new"),
    ),
    Route(
        "/partners/<int:enterprise_id>/contacts/new",
        "POST",
        STAFF_FORM,
        url=enterprise_url("/contacts/new"),
    ),
    Route(
        "/partners/contacts/<int:contact_id>/edit",
        "GET",
        STAFF_ONLY,
        url=lambda ctx: f"/partners/contacts/{ctx.contact.id}/edit",
    ),
    Route(
        "/partners/contacts/<int:contact_id>/edit",
        "POST",
        STAFF_FORM,
        url=lambda ctx: f"/partners/contacts/{ctx.contact.id}/edit",
    ),
    Route(
        "/partners/contacts/<int:contact_id>/end",
        "POST",
        STAFF_REDIRECT,
        url=lambda ctx: f"/partners/contacts/{ctx.contact.id}/end",
    ),
    Route("/partners/<int:enterprise_id>/party", "GET", STAFF_ONLY, url=enterprise_url("/party")),
    Route("/partners/<int:enterprise_id>/party", "POST", STAFF_FORM, url=enterprise_url("/party")),
    Route(
        "/partners/<int:enterprise_id>/visits/new",
        "GET",
        STAFF_ONLY,
        url=enterprise_url("/visits/new"),
    ),
    Route(
        "/partners/<int:enterprise_id>/visits/new",
        "POST",
        STAFF_FORM,
        url=enterprise_url("/visits/new"),
    ),
    Route("/partners/visits", "GET", STAFF_ONLY),
    Route(
        "/partners/visits/<int:visit_id>",
        "GET",
        STAFF_ONLY,
        url=lambda ctx: f"/partners/visits/{ctx.visit.id}",
    ),
    Route(
        "/partners/visits/<int:visit_id>",
        "POST",
        STAFF_FORM,
        url=lambda ctx: f"/partners/visits/{ctx.visit.id}",
    ),
    Route("/partners/reminders", "GET", STAFF_ONLY),
    Route("/partners/settings", "GET", STAFF_ONLY),
    Route("/partners/settings", "POST", STAFF_FORM),
    Route("/partners/duplicates", "GET", STAFF_ONLY),
    Route("/partners/duplicates/distinct", "POST", STAFF_BAD_REQUEST),
    Route(
        "/partners/<int:enterprise_id>/merge-another",
        "GET",
        STAFF_ONLY,
        url=enterprise_url("/merge-another?q=宝华集团有限公司"),
    ),
    Route("/partners/merge", "GET", STAFF_ONLY, url=merge_url, query_budget=14),
    Route("/partners/merge", "POST", STAFF_FORM, url=merge_url),
    Route("/partners/merges", "GET", STAFF_ONLY),
    Route(
        "/partners/merges/<int:merge_id>/undo",
        "POST",
        STAFF_REDIRECT,
        url=lambda ctx: f"/partners/merges/{ctx.merge.id}/undo",
    ),
    Route("/partners/coverage", "GET", STAFF_ONLY),
    Route("/partners/report", "GET", STAFF_ONLY, query_budget=12),
    Route("/partners/report.xlsx", "GET", STAFF_ONLY, query_budget=12),
    Route("/partners/suggest", "GET", PUBLIC, url="/partners/suggest?enterprise=宝华"),
]
