"""The public pages' cache (views/caching.py): a write is seen by the very next request, a
page is never served to a viewer it was not rendered for, each visitor gets their own CSRF
token, conditional GET answers 304 only while nothing changed, the clock expires a page, and
the version cannot miss a write (triggers, checked; the cache stays off without them)."""

import re
import threading
import time
from datetime import timedelta

import pytest

from db import data_version, database, is_sqlite, market
from db.base import utcnow
from db.events import Event, Registration
from db.events import registrations as event_registrations
from db.market.periods import local_today
from tests.conftest import csrf_token_from
from tests.events_support import LiveSession, guest, guest_form, new_event
from tests.market_helpers import make_household, make_item  # noqa: F401  (fixtures)
from views.caching import HOLE

SEATS = "剩余 {left} 个名额（共 {seats} 个）"


# A CSRF token: signed, with the second it was signed in (itsdangerous), so two requests a
# second apart get different ones for the same session.
CSRF_TOKEN = re.compile(r"I[\w-]{20,}\.[\w-]{6}\.[\w-]{20,}")


def without_csrf_tokens(html):
    return CSRF_TOKEN.sub("(token)", html)


def etag_of(response):
    """The ETag header (weak) of an answer."""
    etag = response.headers.get("ETag")
    assert etag and etag.startswith('W/"'), response.headers
    return etag


def test_a_registration_changes_the_seats_on_the_very_next_get(client):
    event = new_event(seats=5)
    assert SEATS.format(left=5, seats=5) in client.get(f"/events/{event.id}").text
    assert SEATS.format(left=5, seats=5) in client.get("/events").text  # both stored now
    response = client.post(f"/events/{event.id}/register", data=guest_form(1))
    assert response.status_code == 303
    assert SEATS.format(left=4, seats=5) in client.get(f"/events/{event.id}").text
    assert SEATS.format(left=4, seats=5) in client.get("/events").text
    seats = client.get(f"/events/{event.id}/seats", headers={"HX-Request": "true"})
    assert SEATS.format(left=4, seats=5) in seats.text and "<html" not in seats.text


def test_the_second_get_is_served_from_the_cache(client, query_counter):
    event = new_event()
    first = client.get(f"/events/{event.id}")
    with query_counter() as counter:
        second = client.get(f"/events/{event.id}")
    assert second.status_code == 200
    assert "(token)" in without_csrf_tokens(first.text)
    assert without_csrf_tokens(second.text) == without_csrf_tokens(first.text)
    assert counter.statements == ["SELECT token FROM data_version WHERE id = 1"]


def test_304_while_nothing_changed_then_200_with_a_new_etag(client):
    event = new_event(seats=5)
    first = client.get(f"/events/{event.id}")
    etag = etag_of(first)
    again = client.get(f"/events/{event.id}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert etag_of(again) == etag
    event_registrations.register(event.id, guest(1))
    changed = client.get(f"/events/{event.id}", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert SEATS.format(left=4, seats=5) in changed.text
    assert etag_of(changed) != etag


def test_a_write_elsewhere_re_renders_but_keeps_the_etag_of_an_unchanged_page(client):
    event, other = new_event(), new_event(title="另一场")
    etag = etag_of(client.get(f"/events/{event.id}"))
    event_registrations.register(other.id, guest(1))  # a new data version
    again = client.get(f"/events/{event.id}", headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_the_market_notice_follows_donations_and_redemptions(
    client,
    make_item,  # noqa: F811  (the fixture)
    make_household,  # noqa: F811
):
    rice = make_item(name="大米", points=30, value=4500)
    households = [make_household() for _ in range(2)]
    market.record_donation(
        "enterprise", "公示测试集团", local_today(), lines=[(rice.id, 20, 4500)], named=True
    )
    market.issue_allowance()
    market.redeem(households[0].id, [(rice.id, 1)])
    first = client.get("/market/disclosure")
    assert 'data-disclosure="households">1<' in first.text and "公示测试集团" in first.text
    assert (
        client.get("/market/disclosure", headers={"If-None-Match": etag_of(first)}).status_code
        == 304
    )
    market.redeem(households[1].id, [(rice.id, 1)])
    assert 'data-disclosure="households">2<' in client.get("/market/disclosure").text
    market.record_donation(
        "enterprise", "新来的捐赠集团", local_today(), lines=[(rice.id, 5, 4500)], named=True
    )
    assert "新来的捐赠集团" in client.get("/market/disclosure").text


def test_a_staff_edit_of_an_event_is_seen_at_once(client, login_as):
    from tests.test_events_staff import event_form

    event = new_event(title="旧标题论坛")
    assert "旧标题论坛" in client.get(f"/events/{event.id}").text
    assert "旧标题论坛" in client.get("/events").text
    staff = login_as("staff")
    form = event_form(title="新标题论坛", closes_at="")
    assert staff.post(f"/manage/events/{event.id}/edit", data=form).status_code == 303
    for path in (f"/events/{event.id}", "/events"):
        page = client.get(path).text
        assert "新标题论坛" in page and "旧标题论坛" not in page


def test_a_write_no_domain_action_made_is_seen_too(client):
    """Rows written by plain SQL (a bulk insert, a script) change the version as well."""
    event = new_event(seats=5)
    assert SEATS.format(left=5, seats=5) in client.get(f"/events/{event.id}").text
    Registration.insert_many(
        [
            dict(
                event=event.id,
                code=f"BULK{n:04d}",
                token=f"bulk-token-{n}",
                name=f"批量{n}",
                mobile=f"1370000{n:04d}",
                status="confirmed",
                source="staff",
                created_at=utcnow(),
                updated_at=utcnow(),
            )
            for n in range(2)
        ]
    ).execute()
    assert SEATS.format(left=3, seats=5) in client.get(f"/events/{event.id}").text
    Registration.delete().where(Registration.code.startswith("BULK")).execute()
    assert SEATS.format(left=5, seats=5) in client.get(f"/events/{event.id}").text
    Event.update(title="直接改名").where(Event.id == event.id).execute()
    assert "直接改名" in client.get(f"/events/{event.id}").text


def test_languages_and_viewers_get_pages_and_etags_of_their_own(app, login_as):
    event = new_event()
    path = f"/events/{event.id}"
    zh, en = app.test_client(), app.test_client()
    en.set_cookie("lang", "en")
    zh_page, en_page = zh.get(path), en.get(path)
    assert "报名" in zh_page.text and "Register" not in zh_page.text
    assert "seats left" in en_page.text
    entrepreneur = login_as("entrepreneur", name="企业家甲")
    other = login_as("entrepreneur", name="企业家乙")
    staff = login_as("staff", name="工作人员丙")
    pages = {
        "zh": zh_page,
        "en": en_page,
        "entrepreneur": entrepreneur.get(path),
        "other": other.get(path),
        "staff": staff.get(path),
    }
    assert len({etag_of(page) for page in pages.values()}) == len(pages)
    assert "企业家甲" in pages["entrepreneur"].text and "企业家甲" not in pages["other"].text
    assert "管理此活动" in pages["staff"].text
    for name in ("zh", "entrepreneur", "other"):
        assert "管理此活动" not in pages[name].text
    # Served again from the cache: still each one's own page.
    for name, client in (("entrepreneur", entrepreneur), ("staff", staff), ("zh", zh)):
        again = client.get(path)
        assert etag_of(again) == etag_of(pages[name])
        assert ("管理此活动" in again.text) == (name == "staff")
    assert "企业家甲" not in zh.get(path).text and "工作人员丙" not in zh.get(path).text


def test_kiosk_start_is_its_own_and_never_stored_by_the_browser(login_as):
    new_event(starts_in=timedelta(hours=3))
    kiosk, staff = login_as("kiosk"), login_as("staff")
    screens = [kiosk.get("/kiosk/"), kiosk.get("/kiosk/"), staff.get("/kiosk/")]
    assert all(screen.status_code == 200 for screen in screens)
    assert etag_of(screens[0]) == etag_of(screens[1]) != etag_of(screens[2])
    assert all(screen.headers["Cache-Control"] == "no-store" for screen in screens)
    kiosk_en = login_as("kiosk", language="en")
    assert etag_of(kiosk_en.get("/kiosk/")) not in {etag_of(s) for s in screens}


def test_guest_pages_revalidate_signed_in_pages_stay_out_of_the_browser_cache(client, login_as):
    event = new_event()
    for path in (
        "/events",
        f"/events/{event.id}",
        "/courses",
        "/events/archive",
        "/market/disclosure",
    ):
        guest_page = client.get(path)
        assert guest_page.headers["Cache-Control"] == "private, no-cache", path
        assert {"Cookie", "HX-Request"} <= set(guest_page.vary), path
        signed_in = login_as("entrepreneur").get(path)
        assert signed_in.headers["Cache-Control"] == "no-store", path


def test_each_visitor_gets_their_own_csrf_token_and_it_works(csrf_app):
    event = new_event()
    first, second = csrf_app.test_client(), csrf_app.test_client()
    tokens = set()
    for client in (first, second):
        page = client.get(f"/events/{event.id}").text
        assert HOLE not in page
        token = csrf_token_from(page)
        assert token and f'"X-CSRFToken": "{token}"' in page
        tokens.add(token)
        # The cached page's token is this session's: the language switch accepts it.
        switched = client.post("/language/en", data={"csrf_token": token, "next": "/events"})
        assert switched.status_code in (302, 303), switched.status_code
    assert len(tokens) == 2
    refused = first.post("/language/zh_CN", data={"csrf_token": "forged", "next": "/events"})
    assert refused.status_code == 400


def test_a_304_keeps_a_token_of_the_same_session_only(csrf_app):
    event = new_event()
    path = f"/events/{event.id}"
    visitor, stranger = csrf_app.test_client(), csrf_app.test_client()
    etag = etag_of(visitor.get(path))
    assert visitor.get(path, headers={"If-None-Match": etag}).status_code == 304
    # Another session with the same ETag gets the page with its own token, not a 304.
    assert stranger.get(path, headers={"If-None-Match": etag}).status_code == 200


def test_flash_messages_are_not_cached_and_not_served_from_the_cache(client):
    event = new_event()
    client.get(f"/events/{event.id}")  # stored
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "只给这位访客的消息")]
    flashed = client.get(f"/events/{event.id}")
    assert "只给这位访客的消息" in flashed.text and "ETag" not in flashed.headers
    assert "只给这位访客的消息" not in client.get(f"/events/{event.id}").text
    assert "只给这位访客的消息" not in client.get(f"/events/{event.id}").text


def test_the_page_and_its_htmx_fragment_are_stored_apart(client):
    new_event(title="片段论坛")
    full = client.get("/events")
    fragment = client.get("/events", headers={"HX-Request": "true"})
    assert "<html" in full.text and "<html" not in fragment.text and "片段论坛" in fragment.text
    assert "<html" in client.get("/events").text
    assert etag_of(full) != etag_of(fragment)


def test_the_clock_expires_a_page_when_registration_opens(client):
    opens = utcnow() + timedelta(seconds=1.5)
    event = new_event(opens_at=opens)
    path = f"/events/{event.id}"
    assert f'href="/events/{event.id}/register"' not in client.get(path).text
    assert f'href="/events/{event.id}/register"' not in client.get(path).text  # cached
    time.sleep(max(0.0, (opens - utcnow()).total_seconds()) + 0.2)
    assert f'href="/events/{event.id}/register"' in client.get(path).text


def test_an_event_drops_off_the_list_when_it_ends(client):
    starts = utcnow() - timedelta(hours=1)
    event = new_event(title="即将结束的论坛", starts_in=timedelta(hours=-1))
    Event.update(ends_at=utcnow() + timedelta(seconds=1.5)).where(Event.id == event.id).execute()
    assert starts < utcnow()
    assert "即将结束的论坛" in client.get("/events").text
    time.sleep(1.8)
    assert "即将结束的论坛" not in client.get("/events").text


def test_the_version_changes_at_commit_with_the_write(app):
    """A reader sees the old token while a write is under way and the new one with its rows."""
    event = new_event()
    before = data_version.current()
    written, release, done = threading.Event(), threading.Event(), threading.Event()

    def writer():
        with database.connection_context(), database.atomic():
            Event.update(title="事务中的改名").where(Event.id == event.id).execute()
            written.set()
            release.wait(10)
        done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    assert written.wait(10)
    assert data_version.current() == before
    assert Event.get_by_id(event.id).title != "事务中的改名"
    release.set()
    assert done.wait(10)
    thread.join()
    assert data_version.current() != before
    assert Event.get_by_id(event.id).title == "事务中的改名"


def test_a_rolled_back_write_keeps_the_version(app):
    new_event()
    before = data_version.current()
    with pytest.raises(RuntimeError), database.atomic():
        Event.update(title="不算数").execute()
        raise RuntimeError
    assert data_version.current() == before


def test_every_tracked_table_has_its_triggers(app):
    assert data_version.missing_triggers() == []


def test_without_its_triggers_the_cache_stays_off(app, client):
    event = new_event()
    if is_sqlite():
        database.execute_sql('DROP TRIGGER "data_version_registration_INSERT"')
    else:
        database.execute_sql("ALTER TABLE registration DISABLE TRIGGER data_version_bump")
    try:
        assert data_version.missing_triggers() == ["registration"]
        app.extensions.pop("page_cache", None)
        first = client.get(f"/events/{event.id}")
        assert "ETag" not in first.headers and first.headers["Cache-Control"] == "no-store"
        event_registrations.register(event.id, guest(1))  # no version change now
        assert SEATS.format(left=9, seats=10) in client.get(f"/events/{event.id}").text
    finally:
        if not is_sqlite():
            database.execute_sql("ALTER TABLE registration ENABLE TRIGGER data_version_bump")
    assert data_version.missing_triggers() == [] or is_sqlite()


def test_without_its_version_row_the_cache_stays_off(client):
    event = new_event()
    database.execute_sql("DELETE FROM data_version")
    assert data_version.current() is None
    first = client.get(f"/events/{event.id}")
    assert first.status_code == 200 and "ETag" not in first.headers


TABLE = re.compile(r'(?:FROM|JOIN)\s+"(\w+)"')
# Read for the viewer on every request (the session's account), not for the page: the key
# holds what the page shows of it (role, id, name, language).
VIEWER_STATEMENT = "login_session"


def staff_cached_paths():
    """The staff read pages served from the cache, on the demo data: an event's
    registrations (a coming and a past event, the htmx search), the review queue, a course's
    attendance grid, the stock page, this month's and last month's report."""
    from db.market.periods import current_period, shift_period
    from db.training.models import Attendance, CourseSession

    now = utcnow()
    public = Event.select().where(Event.status.in_(("published", "closed")))
    coming = public.where(Event.ends_at > now).order_by(Event.id.desc()).first()
    past = public.where(Event.ends_at <= now).order_by(Event.id.desc()).first()
    marked = (
        CourseSession.select(CourseSession.course)
        .join(Attendance)
        .order_by(CourseSession.course)
        .first()
    )
    return [
        (f"/manage/events/{coming.id}", False),
        (f"/manage/events/{past.id}", False),
        (f"/manage/events/{coming.id}?q=1", True),
        ("/manage/applications", False),
        (f"/manage/courses/{marked.course_id}/attendance", False),
        ("/market/items", False),
        ("/market/reports", False),
        (f"/market/reports?month={shift_period(current_period(), -1)}", False),
    ]


@pytest.mark.parametrize("role", [None, "entrepreneur", "staff", "kiosk"])
def test_every_table_a_cached_page_reads_is_tracked(app, demo_data, login_as, query_counter, role):
    """The rendering of each cached page reads only tables whose writes change the version:
    a page that starts reading a new table fails here until a migration tracks it."""
    app.config["PAGE_CACHE"] = False
    event = Event.select().where(Event.status == "published").order_by(Event.id.desc()).first()
    paths = ["/kiosk/"] if role == "kiosk" else ["/events", "/events/archive", "/courses"]
    if role != "kiosk":
        paths += [f"/events/{event.id}", "/market/disclosure"]
    paths = [(path, False) for path in paths]
    if role == "staff":
        paths += staff_cached_paths()
    client = login_as(role)
    for path, htmx in paths:
        headers = {"HX-Request": "true"} if htmx else {}
        client.get(path, headers=headers)  # per-process caches filled
        with query_counter() as counter:
            assert client.get(path, headers=headers).status_code == 200, path
        read = {
            table
            for statement in counter.statements
            if VIEWER_STATEMENT not in statement
            for table in TABLE.findall(statement)
        }
        untracked = read - set(data_version.TRACKED_TABLES) - {"data_version"}
        assert not untracked, f"{path} reads {untracked}, which no trigger tracks"


def test_a_registration_on_one_worker_is_seen_on_the_other(app, live_server):
    event = new_event(seats=5)
    server = live_server(workers=2)
    visitor = LiveSession(server)
    for _ in range(4):  # both workers have the page stored
        visitor.start(f"/events/{event.id}")
    status, _, _ = visitor.post(f"/events/{event.id}/register", guest_form(1))
    assert status == 303
    for _ in range(6):
        status, _, text = visitor.request("GET", f"/events/{event.id}")
        assert status == 200 and SEATS.format(left=4, seats=5) in text
