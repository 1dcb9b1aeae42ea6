"""Public pages: the list of events, the archive, an event's page, and registering."""

from flask import flash, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from db.accounts import PRIVACY_NOTICE_VERSION
from db.base import utcnow
from db.events import KINDS, EventError, queries, registrations
from db.pagination import paginate
from views.caching import cached_page, clock
from views.events import bp
from views.events.common import add_error, event_or_404, form_page, person_from
from views.events.forms import (
    AccountConsentForm,
    AccountRegistrationForm,
    GuestRegistrationForm,
    answers_from,
    with_questions,
)
from views.pages import is_fragment_request, render_page
from views.params import page_number

PAGE_SIZE = 20
# What changes the public pages by the clock: events opening, closing, starting, ending.
EVENT_CLOCK = clock("events")


def _listing(past):
    """The public list (upcoming) or the archive (past), searchable and filtered by kind."""
    kind = request.args.get("kind", "")
    kind = kind if kind in KINDS else ""
    q = request.args.get("q", "").strip()[:50]
    listing = paginate(
        queries.public_events(kind=kind, q=q, past=past), page_number(request.args), PAGE_SIZE
    )
    return render_page(
        "events/index.html",
        block="results",
        listing=listing,
        figures=queries.counts_for([event.id for event in listing.rows]),
        kind=kind,
        kinds=KINDS,
        q=q,
        past=past,
        now=utcnow(),
    )


@bp.route("/events")
@cached_page(EVENT_CLOCK)
def index():
    """Upcoming events with seats left, filtered by kind, searchable."""
    return _listing(False)


@bp.route("/events/archive")
@cached_page(EVENT_CLOCK)
def archive():
    """Past events, newest first."""
    return _listing(True)


@bp.route("/events/<int:event_id>")
@cached_page(EVENT_CLOCK)
def detail(event_id):
    """An event's details and seats left (refreshed while the page is open)."""
    event = event_or_404(event_id)
    return render_page(
        "events/detail.html",
        block="seats",
        event=event,
        figures=queries.counts(event),
        state=event.registration_state(),
        questions=queries.questions_of(event),
    )


@bp.route("/events/<int:event_id>/seats")
@cached_page(EVENT_CLOCK)
def seats(event_id):
    """The seats-left panel of an event's page alone (htmx polls it)."""
    event = event_or_404(event_id)
    if not is_fragment_request():
        return redirect(url_for("events.detail", event_id=event.id))
    return render_page(
        "events/detail.html",
        block="seats",
        event=event,
        figures=queries.counts(event),
        state=event.registration_state(),
    )


def registers_with_account():
    """True for a signed-in entrepreneur (registered in one step from the account)."""
    return (
        current_user.is_authenticated
        and current_user.role == "entrepreneur"
        and bool(current_user.mobile)
    )


def _registration_form(questions):
    """The form for the visitor: one step for an entrepreneur, the full form for anyone else."""
    if registers_with_account():
        needs_consent = current_user.consent_version != PRIVACY_NOTICE_VERSION
        base = AccountConsentForm if needs_consent else AccountRegistrationForm
        form_class = with_questions(base, questions)
        if request.method == "GET":
            return form_class(position=current_user.position)
        return form_class()
    return with_questions(GuestRegistrationForm, questions)()


@bp.route("/events/<int:event_id>/register", methods=["GET", "POST"])
def register(event_id):
    """Register for an event: one step when signed in, else name, mobile, enterprise …"""
    event = event_or_404(event_id)
    questions = queries.questions_of(event)
    form = _registration_form(questions)
    account = registers_with_account()
    if form.is_submitted() and form.validate():
        try:
            registration, created = _submit(event, questions, form, account)
        except EventError as exc:
            add_error(form, exc)
        else:
            if not created:
                flash(_("You are already registered: here is your registration."), "info")
            return redirect(registration.private_path, code=303)
    return form_page(
        "events/register.html",
        form.is_submitted(),
        event=event,
        form=form,
        account=account,
        state=event.registration_state(),
        partners=queries.partner_names(),
    )


def _submit(event, questions, form, account):
    """Hand a valid registration form to the db layer (with the event and questions read for
    the form: what it does before its lock is checked against them)."""
    language = "en" if str(get_locale()) == "en" else "zh_CN"
    if account:
        user = current_user._get_current_object()
        person = dict(
            name=user.name,
            mobile=user.mobile,
            enterprise_name=user.enterprise.name if user.enterprise_id else "",
            position=form.position.data or user.position,
            email=form.email.data or "",
        )
        source = "account"
    else:
        user = None
        person = person_from(form)
        # Only staff registering someone else count as "staff"; any other signed-in person
        # (an entrepreneur without a mobile number on the account, say) filled in the form
        # themselves, like a guest.
        source = "staff" if current_user.is_authenticated and current_user.is_staff else "web"
    return registrations.register(
        event.id,
        person,
        answers_from(form),
        source=source,
        user=user,
        language=language,
        submission_key=form.submission_key.data,
        event=event,
        questions=questions,
    )
