"""Access to other people's objects (IDOR): every object route, tried with another user's
object or one that does not exist, answers 403 or 404 (a guest is sent to log in) and never
shows the object's data or changes it.

The object routes are read from the route × role table (tests/routes/), so a new module's
object routes are covered here without new code.
"""

from types import SimpleNamespace

import pytest
from werkzeug.routing import IntegerConverter

from db.accounts import User
from db.audit import AuditEntry
from db.codes import new_token
from db.events import Event, Registration
from db.events import registrations as reg
from db.market.models import Household, Passbook
from db.notices import Notice
from db.training import APPROVED, Application, Certificate
from db.training.completion import confirm_completion
from db.training.models import Attendance
from db.volunteers import HourRecord, JoinRequest, Membership, Signup
from tests.events_support import guest, new_event
from tests.test_routes import TABLE, TABLE_MODULES
from tests.training_helpers import make_application, make_course

OBJECT_ROUTES = [route for route in TABLE if "<" in route.rule]
REFUSED = (302, 403, 404)  # a guest is sent to log in; others are refused or told "not found"


def context(app, make_user, make_enterprise):
    """Every table module's setup objects, and the personal details they hold."""
    ctx = SimpleNamespace(make_user=make_user, make_enterprise=make_enterprise, app=app)
    for module in TABLE_MODULES:
        if hasattr(module, "setup"):
            module.setup(ctx)
    registration = Registration.get_by_id(ctx.registration.id)
    household = Household.get_by_id(ctx.household.id)
    User.update(name="申请人甲").where(User.id == ctx.application.user_id).execute()
    Certificate.update(holder_name="持证人乙").where(Certificate.id == ctx.certificate.id).execute()
    ctx.secrets = [
        registration.name,
        registration.mobile,
        registration.code,
        household.head_name,
        ctx.passbook.holder_name,
        "申请人甲",
        "持证人乙",
        ctx.application.motivation,
        ctx.volunteer.name,
        ctx.volunteer.mobile,
        ctx.vr_volunteer.name,  # the holder of an hour certificate (tests/routes/volunteer_records)
        ctx.vr_volunteer.mobile,
    ]
    return ctx


def fingerprint():
    """What an attempt must not change: registrations, households, accounts, applications,
    certificates and notices."""
    return (
        [
            (r.id, r.status, r.name, r.mobile, r.checked_in_at, r.waiting_number)
            for r in Registration.select().order_by(Registration.id)
        ],
        [(h.id, h.head_name, h.status, h.next_review) for h in Household.select()],
        [(p.id, p.holder_name, p.status) for p in Passbook.select()],
        [(u.id, u.active, u.name) for u in User.select().order_by(User.id)],
        [(a.id, a.status, a.motivation) for a in Application.select().order_by(Application.id)],
        [(c.id, c.revoked_at) for c in Certificate.select()],
        Notice.select().count(),
        [(s.id, s.status, s.signed_in_at, s.signed_out_at) for s in Signup.select()],
        [(h.id, h.status, h.minutes, h.points) for h in HourRecord.select()],
        [(m.id, m.role) for m in Membership.select()],
        [(j.id, j.status) for j in JoinRequest.select()],
    )


@pytest.mark.parametrize("role", ["guest", "entrepreneur", "kiosk"])
def test_object_routes_refuse_other_roles_and_show_nothing(
    app, login_as, make_user, make_enterprise, role
):
    ctx = context(app, make_user, make_enterprise)
    client = login_as(None if role == "guest" else role)
    before = fingerprint()
    tried = 0
    for route in OBJECT_ROUTES:
        expected = route.expect[role]
        if {200, 303, 422} & set(expected if isinstance(expected, tuple) else (expected,)):
            continue  # a public object (an event's page, a private link's holder)
        tried += 1
        response = client.open(route.path(ctx), method=route.method, data=route.data)
        assert response.status_code in REFUSED, f"{route.method} {route.rule} as {role}"
        body = response.get_data(as_text=True)
        for secret in ctx.secrets:
            assert secret not in body, f"{route.method} {route.rule} as {role} shows {secret}"
    assert tried >= 20, "the table lost its object routes: this test would prove nothing"
    assert fingerprint() == before


def bogus_values(rule):
    """Arguments naming an object that does not exist, for each placeholder of `rule`."""
    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):
            values[name] = 987_654
        elif name == "token":
            values[name] = new_token()
        elif name == "card_no":
            values[name] = "GZ99999"
        elif name == "kind":
            values[name] = "donation"
        else:
            return None  # not an object (a language code, a report month)
    return values


def test_objects_that_do_not_exist_are_404(app, login_as):
    """Asked by a role that may open the route, an unknown object is "not found"."""
    clients = {role: login_as(role) for role in ("admin", "entrepreneur", "kiosk")}
    rows = {(route.rule, route.method): route for route in TABLE}
    adapter = app.url_map.bind("localhost")
    tried = 0
    for rule in app.url_map.iter_rules():
        values = bogus_values(rule) if rule.arguments else None
        if not values or rule.endpoint == "static":
            continue
        path = adapter.build(rule.endpoint, values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            route = rows[(rule.rule, method)]
            role = next(r for r in clients if route.expect[r] != 403)
            tried += 1
            response = clients[role].open(path, method=method)
            assert response.status_code == 404, f"{method} {path} as {role}"
    assert tried >= 30


def register_with_account(user, event, n):
    """A registration made by a signed-in entrepreneur for `event`."""
    person = guest(n, name=user.name, mobile=user.mobile)
    registration, _ = reg.register(event.id, person, user=user)
    return registration


def test_one_entrepreneur_never_sees_anothers_registrations_or_notices(login_as):
    owner = login_as("entrepreneur", mobile="13800008001", name="林晓")
    other = login_as("entrepreneur", mobile="13800008002", name="高远")
    event = new_event(seats=5, title="林晓报名的论坛")
    registration = register_with_account(owner.user, event, 1)
    assert Notice.select().where(Notice.recipient == owner.user.id).exists()

    own = owner.get("/my/registrations").get_data(as_text=True)
    assert registration.token in own and "林晓报名的论坛" in own
    assert "林晓报名的论坛" in owner.get("/notices").get_data(as_text=True)
    for path in ("/my/registrations", "/notices"):
        body = other.get(path).get_data(as_text=True)
        assert registration.token not in body and "林晓" not in body, path
        assert "林晓报名的论坛" not in body, path


def test_a_private_link_is_opened_only_by_its_token(login_as):
    owner = login_as("entrepreneur", mobile="13800008003", name="韩梅")
    other = login_as("entrepreneur", mobile="13800008004")
    event = new_event(seats=5, title="韩梅的沙龙")
    registration = register_with_account(owner.user, event, 3)
    for guess in (
        registration.code,
        str(registration.id),
        registration.token[:-1],
        registration.token.upper(),
        new_token(),
    ):
        for path in (f"/r/{guess}", f"/r/{guess}/event.ics"):
            response = other.get(path)
            assert response.status_code == 404, path
            body = response.get_data(as_text=True)
            assert "韩梅" not in body and "13800008003" not in body
        assert other.post(f"/r/{guess}/cancel").status_code == 404
    assert Registration.get_by_id(registration.id).status == registration.status


def test_staff_decisions_on_a_registration_refused_to_its_owner(login_as):
    owner = login_as("entrepreneur", mobile="13800008005")
    event = new_event(seats=5)
    registration = register_with_account(owner.user, event, 5)
    for action in ("cancel", "check-in", "approve", "reject", "undo-check-in"):
        response = owner.post(f"/manage/registrations/{registration.id}/{action}")
        assert response.status_code == 403, action
    current = Registration.get_by_id(registration.id)
    assert (current.status, current.checked_in_at) == (registration.status, None)


def test_draft_events_are_not_found_by_the_public(login_as):
    draft = new_event(seats=5, publish=False, title="尚未发布的论坛")
    for role in (None, "entrepreneur"):
        client = login_as(role)
        for path in (f"/events/{draft.id}", f"/events/{draft.id}/register"):
            response = client.get(path)
            assert response.status_code == 404, (role, path)
            assert "尚未发布的论坛" not in response.get_data(as_text=True)
        refused = client.post(f"/events/{draft.id}/register", data=guest(9) | {"consent": "y"})
        assert refused.status_code == 404
    assert not Registration.select().where(Registration.event == draft.id).exists()
    assert Event.get_by_id(draft.id).status == "draft"


def test_admin_only_account_changes_refused_to_staff(login_as, make_user):
    target = make_user(role="entrepreneur", mobile="13800008006")
    staff = login_as("staff")
    entries = AuditEntry.select().count()
    response = staff.post(f"/admin/users/{target.id}/active", data={"active": "0"})
    assert response.status_code == 403
    assert User.get_by_id(target.id).active and AuditEntry.select().count() == entries


def test_one_entrepreneur_never_opens_anothers_course_or_certificate(login_as):
    owner = login_as("entrepreneur", mobile="13800008007", name="岳华")
    other = login_as("entrepreneur", mobile="13800008008")
    upcoming = make_course(sessions=2)
    application = make_application(upcoming, owner.user, APPROVED, motivation="岳华的理由")
    finished = make_course(sessions=1, first_in_days=-10)
    done = make_application(finished, owner.user, APPROVED)
    Attendance.create(session=finished.sessions[0], application=done, method="roll_call")
    (certificate,) = confirm_completion(finished.id, [done.id])

    assert owner.get(f"/my/courses/{application.id}").status_code == 200
    assert owner.get(f"/certificates/{certificate.number}/print").status_code == 200
    for path in (
        f"/my/courses/{application.id}",
        f"/my/courses/{application.id}/calendar.ics",
        f"/certificates/{certificate.number}/print",
    ):
        response = other.get(path)
        assert response.status_code == 404, path
        body = response.get_data(as_text=True)
        assert "岳华" not in body and "岳华的理由" not in body, path
    assert other.post(f"/my/courses/{application.id}/withdraw").status_code == 404
    assert Application.get_by_id(application.id).status == APPROVED
    assert "岳华的理由" not in other.get("/my/courses").get_data(as_text=True)
    # Anyone may verify a certificate by its number, and sees only a masked name.
    verify = login_as(None).get(f"/certificates/{certificate.number}").get_data(as_text=True)
    assert certificate.number in verify and "岳华" not in verify and "岳*" in verify


def test_the_kiosk_cannot_open_a_draft_event(login_as):
    draft = new_event(seats=5, publish=False, title="尚未发布的讲座")
    kiosk = login_as("kiosk")
    response = kiosk.get(f"/kiosk/register/{draft.id}")
    assert response.status_code == 404 and "尚未发布的讲座" not in response.get_data(as_text=True)
