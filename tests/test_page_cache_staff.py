"""The staff read pages served from the page cache (views/caching.py): an event's
registrations and their htmx search, the review queue, the attendance grid, the stock page
and the monthly report. A write made by a domain action is on the very next GET; a staff
member never gets another's page; an entrepreneur or a guest is refused as before and never
gets a stored staff page; the htmx fragment and the page are stored apart; the clock turns
a page when it would change by itself."""

import re
import time
from datetime import timedelta

import pytest

from db import market
from db.base import utcnow
from db.events import Event
from db.events import registrations as event_registrations
from db.market.periods import local_today
from db.training import applications, attendance
from tests.events_support import guest, new_event
from tests.market_helpers import make_household, make_item  # noqa: F401  (fixtures)
from tests.training_helpers import add_session, make_application, make_course

VERSION_READ = "SELECT token FROM data_version WHERE id = 1"


def etag_of(response):
    """The ETag header (weak) of an answer."""
    etag = response.headers.get("ETag")
    assert etag and etag.startswith('W/"'), response.headers
    return etag


def served_from_cache(client, path, query_counter, headers=None):
    """GET `path` and prove it came from the cache: the data version (and the session) is
    all it read."""
    with query_counter() as counter:
        response = client.get(path, headers=headers or {})
    assert response.status_code == 200, path
    reads = [s for s in counter.statements if "login_session" not in s]
    assert reads == [VERSION_READ], (path, reads)
    assert response.headers["Cache-Control"] == "no-store", path
    return response


def registered_event():
    """A coming event with one confirmed guest: (event, registration)."""
    event = new_event(seats=5)
    registration, _created = event_registrations.register(event.id, guest(1))
    return event, registration


def test_a_check_in_is_on_the_very_next_get_of_the_list_and_its_search(login_as, query_counter):
    event, registration = registered_event()
    staff = login_as("staff")
    path, search = f"/manage/events/{event.id}", f"/manage/events/{event.id}?q=嘉宾"
    htmx = {"HX-Request": "true"}
    check_in = f'name="check_in" value="{registration.id}"'
    undo = f'name="undo_check_in" value="{registration.id}"'
    full, fragment = staff.get(path), staff.get(search, headers=htmx)
    assert check_in in full.text and check_in in fragment.text
    served_from_cache(staff, path, query_counter)
    served_from_cache(staff, search, query_counter, headers=htmx)
    event_registrations.check_in(registration)
    for response in (staff.get(path), staff.get(search, headers=htmx)):
        assert undo in response.text and check_in not in response.text


def test_the_list_and_its_htmx_fragment_are_stored_apart(login_as):
    event, _registration = registered_event()
    staff = login_as("staff")
    path = f"/manage/events/{event.id}?q=嘉宾"
    full = staff.get(path)
    fragment = staff.get(path, headers={"HX-Request": "true"})
    assert "<html" in full.text and "<html" not in fragment.text and "嘉宾1" in fragment.text
    again = staff.get(path)
    assert "<html" in again.text and etag_of(again) == etag_of(full) != etag_of(fragment)
    assert "<html" not in staff.get(path, headers={"HX-Request": "true"}).text


def test_an_approval_leaves_the_review_queue_at_once(login_as, make_user, query_counter):
    course = make_course()
    applicant = make_user(name="申请人甲")
    application = make_application(course, applicant)
    staff = login_as("staff")
    assert "申请人甲" in staff.get("/manage/applications").text
    served_from_cache(staff, "/manage/applications", query_counter)
    applications.decide([application.id], "approve")
    assert "申请人甲" not in staff.get("/manage/applications").text
    make_application(course, make_user(name="申请人乙"))
    assert "申请人乙" in staff.get("/manage/applications").text


def test_an_attendance_mark_is_on_the_very_next_get_of_the_grid(login_as, make_user, query_counter):
    course = make_course(sessions=0)
    session = add_session(course, utcnow() - timedelta(minutes=10))  # under way: markable
    application = make_application(course, make_user(name="学员甲"), status="approved")
    staff = login_as("staff")
    path, cell = f"/manage/courses/{course.id}/attendance", f"{session.id}-{application.id}"
    assert f'name="mark" value="{cell}"' in staff.get(path).text
    served_from_cache(staff, path, query_counter)
    attendance.mark(session.id, application.id, True)
    page = staff.get(path).text
    assert f'name="unmark" value="{cell}"' in page and f'name="mark" value="{cell}"' not in page


def stock_shown(page, item):
    """The stock the stock page shows for `item`."""
    found = re.search(rf'data-stock-item="{item.id}">(\d+)', page)
    assert found, page[:500]
    return int(found.group(1))


def test_stock_movements_are_on_the_very_next_get_of_the_stock_page(
    login_as,
    query_counter,
    make_item,  # noqa: F811  (the fixture)
    make_household,  # noqa: F811
):
    rice = make_item(name="大米", points=30, value=4500)
    staff = login_as("staff")
    assert stock_shown(staff.get("/market/items").text, rice) == 0
    served_from_cache(staff, "/market/items", query_counter)
    market.record_donation("person", "爱心人士", local_today(), lines=[(rice.id, 20, 4500)])
    assert stock_shown(staff.get("/market/items").text, rice) == 20
    household = make_household()
    market.issue_allowance()
    market.redeem(household.id, [(rice.id, 1)])
    assert stock_shown(staff.get("/market/items").text, rice) == 19


def test_a_redemption_and_cash_are_on_the_very_next_get_of_the_report(
    login_as,
    query_counter,
    make_item,  # noqa: F811  (the fixture)
    make_household,  # noqa: F811
):
    rice = make_item(name="大米", points=30, value=4500)
    market.record_donation("person", "爱心人士", local_today(), lines=[(rice.id, 20, 4500)])
    household = make_household()
    market.issue_allowance()
    staff = login_as("staff")
    # The first report of a month stores the month before (closed: a write, a new version).
    assert 'data-report="redemptions">0<' in staff.get("/market/reports").text
    assert 'data-report="redemptions">0<' in staff.get("/market/reports").text
    served_from_cache(staff, "/market/reports", query_counter)
    market.redeem(household.id, [(rice.id, 1)])
    page = staff.get("/market/reports").text
    assert 'data-report="redemptions">1<' in page and 'data-report="households">1<' in page
    closing = re.search(r'data-report="cash-closing">([^<]*)<', page).group(1)
    market.record_donation("person", "捐款人", local_today(), money=12_300)  # a cash entry
    again = re.search(r'data-report="cash-closing">([^<]*)<', staff.get("/market/reports").text)
    assert again.group(1) != closing and "123" in again.group(1)


def staff_paths():
    """One URL of each cached staff page, with what it needs to show something."""
    event, _registration = registered_event()
    course = make_course(sessions=1, first_in_days=-1)
    return [
        f"/manage/events/{event.id}",
        f"/manage/events/{event.id}?q=嘉宾",
        "/manage/applications",
        f"/manage/courses/{course.id}/attendance",
        "/market/items",
        "/market/reports",
    ]


def test_one_staff_member_never_gets_anothers_page(login_as):
    paths = staff_paths()
    first = login_as("staff", name="工作人员甲")
    second = login_as("staff", name="工作人员乙")
    for path in paths:
        mine, theirs = first.get(path), second.get(path)
        assert "工作人员甲" in mine.text and "工作人员乙" not in mine.text, path
        assert "工作人员乙" in theirs.text and "工作人员甲" not in theirs.text, path
        assert etag_of(mine) != etag_of(theirs), path
        again = first.get(path)  # from the cache: still the first one's own
        assert "工作人员甲" in again.text and "工作人员乙" not in again.text, path
        assert etag_of(again) == etag_of(mine), path


@pytest.mark.parametrize("role", [None, "entrepreneur", "kiosk"])
def test_others_are_refused_and_never_get_a_stored_staff_page(login_as, role):
    paths = staff_paths()
    staff = login_as("staff", name="工作人员丙")
    for path in paths:
        assert staff.get(path).status_code == 200, path  # stored
    visitor = login_as(role)
    for path in paths:
        for headers in ({}, {"HX-Request": "true"}):
            response = visitor.get(path, headers=headers)
            refused = response.status_code in (302, 303, 403) or (
                response.status_code == 204 and "HX-Redirect" in response.headers
            )
            assert refused, (path, response.status_code)
            assert "工作人员丙" not in response.text and "ETag" not in response.headers, path


def test_the_grid_turns_when_a_session_opens_for_marking(login_as, make_user):
    """Marking opens 30 minutes before a session starts: the stored grid expires then."""
    course = make_course(sessions=0)
    opens = utcnow() + timedelta(seconds=1.5)
    session = add_session(course, opens + timedelta(minutes=30))
    application = make_application(course, make_user(name="学员乙"), status="approved")
    staff = login_as("staff")
    path, button = (
        f"/manage/courses/{course.id}/attendance",
        f'name="mark" value="{session.id}-{application.id}"',
    )
    assert button not in staff.get(path).text
    assert button not in staff.get(path).text  # stored
    time.sleep(max(0.0, (opens - utcnow()).total_seconds()) + 0.2)
    assert button in staff.get(path).text


def test_the_event_page_turns_when_the_event_ends(login_as):
    """Attendance by enterprise appears on a staff event page once the event is over."""
    event, _registration = registered_event()
    ends = utcnow() + timedelta(seconds=1.5)
    Event.update(starts_at=utcnow() - timedelta(hours=1), ends_at=ends).where(
        Event.id == event.id
    ).execute()
    staff = login_as("staff")
    path = f"/manage/events/{event.id}"
    assert "按企业统计出席情况" not in staff.get(path).text
    assert "按企业统计出席情况" not in staff.get(path).text  # stored
    time.sleep(max(0.0, (ends - utcnow()).total_seconds()) + 0.2)
    assert "按企业统计出席情况" in staff.get(path).text
