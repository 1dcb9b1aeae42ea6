"""The write path of a registration POST: how many statements it runs and how many of them
inside the event's lock, one transaction (one commit: one fsync on SQLite in WAL mode with
synchronous=FULL), and what is done before the lock still holding true when the event
changes in between. Figures before this work: 15 statements, 13 inside the lock."""

import contextlib
from datetime import timedelta

import pytest

import db.events.registrations as registrations
from db import database
from db.accounts import Enterprise
from db.events import CONFIRMED, WAITING, EventError, Registration, manage
from db.notices import Notice
from tests.conftest import BACKEND, sqlite_only
from tests.events_support import guest, guest_form, new_event
from tests.market_helpers import make_household, make_item  # noqa: F401  (fixtures)

# One guest registration POST, whatever the number of registrations already there: the
# event and its questions for the form; the enterprise before the lock; inside it the event
# row, the duplicate check, the seats, the registration, the audit entry and the notice (a
# waiting place adds the list's highest number). The code is not looked up first: the unique
# index refuses a repeat, and the registration draws again (10 before that).
POST_BUDGET = 9
LOCK_BUDGET = 6


@contextlib.contextmanager
def watching_the_lock(monkeypatch, counter):
    """Record which statements ran inside write_lock, and count the commits."""
    spans, commits = [], []
    original = registrations.write_lock

    @contextlib.contextmanager
    def recorded(*args, **kwargs):
        start = len(counter.statements)
        with original(*args, **kwargs) as row:
            try:
                yield row
            finally:
                spans.append((start, len(counter.statements)))

    real_commit = database.obj.commit

    def commit(*args, **kwargs):
        commits.append(1)
        return real_commit(*args, **kwargs)

    monkeypatch.setattr(registrations, "write_lock", recorded)
    monkeypatch.setattr(database.obj, "commit", commit)
    yield spans, commits


def writes(statements):
    return [s for s in statements if s.split(None, 1)[0] in ("INSERT", "UPDATE", "DELETE")]


@pytest.mark.parametrize("already", [0, 200])
def test_a_registration_post_runs_its_budget(app, client, monkeypatch, query_counter, already):
    event = new_event(seats=1_000)
    for n in range(already):
        registrations.register(event.id, guest(n))
    client.post(f"/events/{event.id}/register", data=guest_form(9001))  # warm
    with query_counter() as counter, watching_the_lock(monkeypatch, counter) as (spans, commits):
        response = client.post(f"/events/{event.id}/register", data=guest_form(9002))
    assert response.status_code == 303
    statements = counter.statements
    ((start, end),) = spans
    inside = statements[start:end]
    assert len(statements) <= POST_BUDGET, "\n".join(s[:120] for s in statements)
    assert len(inside) <= LOCK_BUDGET, "\n".join(s[:120] for s in inside)
    # One transaction: every write inside the lock, one commit (one WAL fsync on SQLite).
    assert writes(statements) == writes(inside)
    assert [s.split(None, 3)[2] for s in writes(inside)] == [
        '"registration"',
        '"audit_entry"',
        '"notice"',
    ]
    assert len(commits) == 1
    assert not any(s.startswith("SAVEPOINT") for s in statements)  # the enterprise exists


def test_a_code_drawn_twice_is_drawn_again(app, monkeypatch):
    """The unique index on codes refuses a code already held; the registration is made with
    the next draw, and its notice names the code it got."""
    event = new_event()
    first, _ = registrations.register(event.id, guest(1))
    draws = iter([first.code, "ZZZZ2345"])
    monkeypatch.setattr(registrations, "random_code", lambda: next(draws))
    second, created = registrations.register(event.id, guest(2))
    assert created and second.code == "ZZZZ2345"
    assert Registration.get_by_id(second.id).code == "ZZZZ2345"
    notice = Notice.get(Notice.link == second.private_path)
    assert "ZZZZ2345" in notice.body and first.code not in notice.body
    assert Registration.select().count() == 2 and Notice.select().count() == 2


def test_a_waiting_place_adds_one_statement(app, client, query_counter):
    event = new_event(seats=1)
    client.post(f"/events/{event.id}/register", data=guest_form(1))
    with query_counter() as counter:
        client.post(f"/events/{event.id}/register", data=guest_form(2))
    assert Registration.get(Registration.mobile == guest(2)["mobile"]).status == WAITING
    assert len(counter.statements) <= POST_BUDGET + 1


def test_a_new_enterprise_is_created_inside_the_lock(app, client):
    event = new_event()
    form = guest_form(1, enterprise="今天才登记的企业")
    assert client.post(f"/events/{event.id}/register", data=form).status_code == 303
    registration = Registration.get(Registration.mobile == guest(1)["mobile"])
    assert registration.enterprise.name == "今天才登记的企业"
    assert Enterprise.select().where(Enterprise.name == "今天才登记的企业").count() == 1


def test_a_merged_enterprise_name_finds_the_record_kept(app):
    kept = Enterprise.create(name="保留的企业")
    Enterprise.create(name="旧写法企业", merged_into=kept)
    event = new_event()
    registration, _ = registrations.register(
        event.id, guest(1, enterprise_name="旧写法企业"), event=event
    )
    assert registration.enterprise_id == kept.id


def test_the_notice_is_written_with_the_registration_or_not_at_all(app, monkeypatch):
    event = new_event()

    def broken(*args, **kwargs):
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(registrations, "queue_notice", broken)
    with pytest.raises(RuntimeError):
        registrations.register(event.id, guest(1))
    assert Registration.select().count() == 0 and Notice.select().count() == 0


def test_the_notice_is_in_the_registrants_language_with_its_code(app):
    event = new_event(seats=1)
    first, _ = registrations.register(event.id, guest(1), language="en")
    second, _ = registrations.register(event.id, guest(2))
    confirmed = Notice.get(Notice.link == first.private_path)
    waiting = Notice.get(Notice.link == second.private_path)
    assert confirmed.kind == "event.confirmed" and first.code in confirmed.body
    assert confirmed.subject.startswith("Registration confirmed")
    assert waiting.kind == "event.waiting" and second.code in waiting.body
    assert "候补" in waiting.subject


def test_an_event_changed_since_it_was_read_is_checked_again_inside_the_lock(app):
    """The view read the event and its questions for the form; staff then added a required
    question and renamed the event. The answers are checked against the new questions and
    the notice names the new title."""
    event = new_event(title="旧名论坛")
    stale = type(event).get_by_id(event.id)
    stale_questions = []
    data = {name: getattr(event, name) for name in manage.EVENT_FIELDS}
    data["title"] = "新名论坛"
    question = dict(label="单位性质", kind="text", choices="", required=True)
    manage.update_event(event.id, data, [question], now=event.updated_at + timedelta(seconds=1))
    with pytest.raises(EventError) as refused:
        registrations.register(event.id, guest(1), event=stale, questions=stale_questions)
    assert refused.value.code == "answer_required"
    assert Registration.select().count() == 0
    manage.update_event(event.id, data, [], now=event.updated_at + timedelta(seconds=2))
    registration, created = registrations.register(
        event.id, guest(1), event=stale, questions=stale_questions
    )
    assert created and registration.status == CONFIRMED
    assert "新名论坛" in Notice.get(Notice.link == registration.private_path).subject


def test_a_resubmission_still_gets_its_registration_before_the_answers_are_checked(app):
    event = new_event()
    registration, _ = registrations.register(event.id, guest(1), submission_key="k" * 32)
    again, created = registrations.register(
        event.id, guest(1), answers={999: "x"}, submission_key="k" * 32
    )
    assert not created and again.id == registration.id


# --- The redemption POST ----------------------------------------------------------------
# Before this work: 22 statements (the basket page's figures computed before redeeming), 12
# inside the market lock. Now the page is computed only when shown again (a refusal): the
# user's session, the card, the catalogue's order; the visit limit and the kept stock totals
# brought up to date before the lock; inside it the card, the month's visits, the items,
# the newest stock row, the balance, and the writes (redemption, movement and points entry,
# each after its chain's last hash, audit entry).
REDEMPTION_BUDGET = 18
REDEMPTION_LOCK_BUDGET = 11
# PostgreSQL takes the market lock with a statement of its own (pg_advisory_xact_lock).
LOCK_STATEMENT = 0 if BACKEND == "sqlite" else 1


@pytest.fixture
def counter(login_as, make_item, make_household):  # noqa: F811
    """A staff client, rice in stock, and two households with points."""
    from db import market
    from db.market.periods import local_today

    rice = make_item(name="大米", points=30, value=4500)
    market.record_donation("person", "张三", local_today(), lines=[(rice.id, 10, 4500)])
    households = [make_household(size=1) for _ in range(3)]
    market.issue_allowance()
    return login_as("staff"), rice, households


def test_a_redemption_post_runs_its_budget(app, counter, monkeypatch, query_counter):
    import db.market.redemption as redemption

    staff, rice, households = counter
    staff.post(f"/market/counter/{households[0].card_no}", data={f"qty-{rice.id}": "1"})  # warm
    spans, commits = [], []
    original = redemption.market_lock
    real_commit = database.obj.commit

    with query_counter() as count:

        @contextlib.contextmanager
        def recorded():
            start = len(count.statements)
            with original() as row:
                try:
                    yield row
                finally:
                    spans.append((start, len(count.statements)))

        def commit(*args, **kwargs):
            commits.append(1)
            return real_commit(*args, **kwargs)

        monkeypatch.setattr(redemption, "market_lock", recorded)
        monkeypatch.setattr(database.obj, "commit", commit)
        response = staff.post(
            f"/market/counter/{households[1].card_no}", data={f"qty-{rice.id}": "1"}
        )
    assert response.status_code == 302 and "/market/redemptions/" in response.location
    ((start, end),) = spans
    statements, inside = count.statements, count.statements[start:end]
    assert len(statements) <= REDEMPTION_BUDGET + LOCK_STATEMENT, "\n".join(
        s[:120] for s in statements
    )
    assert len(inside) <= REDEMPTION_LOCK_BUDGET + LOCK_STATEMENT, "\n".join(
        s[:120] for s in inside
    )
    assert writes(statements) == writes(inside) and len(commits) == 1


def test_a_refused_redemption_shows_the_page_with_its_figures(app, counter):
    staff, rice, households = counter
    response = staff.post(f"/market/counter/{households[2].card_no}", data={f"qty-{rice.id}": "11"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "大米库存不足" in page and 'name="rows"' in page


@sqlite_only
def test_the_duplicate_check_inside_the_lock_uses_the_live_mobile_index(app):
    """The check reads one index entry, not every live registration of the event."""
    event = new_event(seats=500)
    Registration.insert_many(
        [
            dict(
                event=event.id,
                code=f"PLAN{n:04d}",
                token=f"plan-token-{n}",
                name=f"计划{n}",
                mobile=f"1370000{n:04d}",
                status=CONFIRMED,
                source="staff",
                created_at=event.created_at,
                updated_at=event.created_at,
            )
            for n in range(300)
        ]
    ).execute()
    database.execute_sql("ANALYZE")
    sql, params = registrations.live_by_mobile_query(event.id, "13700000001").sql()
    plan = " ".join(row[-1] for row in database.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
    assert "registration_event_id_mobile" in plan, plan
    assert registrations.live_by_mobile_query(event.id, "13700000001").scalar() is not None
