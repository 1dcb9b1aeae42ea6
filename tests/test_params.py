"""Numbers from the request: Unicode digits, huge ids and other non-numbers are refused as
input (a 4xx or the default), never a 500. See `views/params.py`."""

import pytest

from tests.routes.market import setup as market_setup
from tests.routes.training import setup as training_setup
from views.params import int_list, parse_int

HUGE = "99999999999999999999999"
# "²".isdigit() is True but int("²") raises; "٣" and "９" are digits int() reads.
ODD_DIGITS = ["²", "٣", "９", "-1", "1.5", " ", "", HUGE, "2147483648", "1e3", "0x10"]


@pytest.mark.parametrize("text", ODD_DIGITS)
def test_parse_int_refuses_everything_but_ascii_digits_in_range(text):
    assert parse_int(text) is None
    assert parse_int(text, default=7) == 7


def test_parse_int_reads_ascii_digits_and_bounds():
    assert parse_int("42") == 42
    assert parse_int(" 42 ") == 42
    assert parse_int("2147483647") == 2_147_483_647
    assert parse_int("0", minimum=1) is None
    assert parse_int("1000", maximum=999) is None
    assert parse_int(None, default=3) == 3
    assert int_list(["1", "²", "x", "3", HUGE]) == [1, 3]


class Ctx:
    def __init__(self, make_user, make_enterprise):
        self.make_user, self.make_enterprise = make_user, make_enterprise


@pytest.mark.parametrize("value", ["²", "٣", "９", HUGE])
@pytest.mark.parametrize(
    "role,path",
    [
        (None, "/events"),
        ("entrepreneur", "/notices"),
        ("admin", "/admin/users"),
        ("admin", "/admin/audit"),
        ("staff", "/market/donations"),
        ("staff", "/market/households"),
        ("staff", "/manage/events"),
    ],
)
def test_page_parameter(login_as, role, path, value):
    response = login_as(role).get(path, query_string={"page": value})
    assert response.status_code == 200


@pytest.mark.parametrize("value", ["²", HUGE, "-3"])
def test_training_filters(login_as, make_user, make_enterprise, value):
    ctx = Ctx(make_user, make_enterprise)
    training_setup(ctx)
    client = login_as("staff")
    assert client.get("/manage/applications", query_string={"course": value}).status_code == 200
    page = client.get(f"/manage/courses/{ctx.course.id}", query_string={"session": value})
    assert page.status_code == 200
    # Posted application ids: unusable ones are ignored, the decision refused as empty.
    decided = client.post(
        "/manage/applications/decide", data={"application": [value], "action": "approve"}
    )
    assert decided.status_code < 500
    completion = client.post(
        f"/manage/courses/{ctx.course.id}/completion", data={"application": [value]}
    )
    assert completion.status_code < 500


@pytest.mark.parametrize("value", ["²", "٣", HUGE])
def test_market_numbers(login_as, make_user, make_enterprise, value):
    ctx = Ctx(make_user, make_enterprise)
    market_setup(ctx)
    client = login_as("staff")
    card = f"/market/counter/{ctx.household.card_no}"
    # A quantity, and a field name, that are not plain digits.
    assert client.post(card, data={f"qty-{ctx.item.id}": value}).status_code == 422
    assert client.post(card, data={f"qty-{value}": "1"}).status_code == 422
    assert client.get(f"{card}/total", query_string={f"qty-{value}": "1"}).status_code == 200
    donation = client.post(
        "/market/donations/new",
        data={
            "donor_kind": "person",
            "donor_name": "张三",
            "lines-0-item": value,
            "lines-0-quantity": "1",
        },
    )
    assert donation.status_code == 422
    counted = client.post("/market/stock/count", data={f"counted-{ctx.item.id}": value})
    assert counted.status_code == 422
    assert client.get("/market/stock/write-off", query_string={"item": value}).status_code == 200


@pytest.mark.parametrize(
    "role,path",
    [
        (None, f"/events/{HUGE}"),
        (None, f"/courses/{HUGE}"),
        ("staff", f"/manage/courses/{HUGE}"),
        ("staff", f"/market/items/{HUGE}"),
        ("staff", f"/market/reverse/donation/{HUGE}"),
        ("admin", "/admin/users/2147483648/active"),
    ],
)
def test_ids_past_the_column_are_not_found(login_as, role, path):
    client = login_as(role)
    method = client.post if path.endswith("/active") else client.get
    assert method(path).status_code == 404


def test_database_range_errors_are_refused_not_500(app, client):
    """The safety net: a value the database cannot hold is a 400 even where a view forgot."""
    from db.accounts import Enterprise

    @app.route("/test-overflow")
    def overflow():
        # PostgreSQL: DataError (integer out of range); SQLite: OverflowError.
        return str(Enterprise.create(id=10**30, name="x").id)

    response = client.get("/test-overflow")
    assert response.status_code == 400
    assert "Content-Security-Policy" in response.headers


def test_purge_refuses_odd_months(runner):
    for text in ("²m", "٣m", "0m", "m", "24"):
        result = runner.invoke(args=["purge-personal-data", "--older-than", text])
        assert result.exit_code == 2, (text, result.output)
        assert "24m" in result.output


@pytest.mark.parametrize(
    "role,method,path,data",
    [
        (None, "GET", "/events", {"q": "a\x00b"}),
        (None, "POST", "/signup", {"name": "a\x00b", "mobile": "13800001111"}),
        (None, "GET", "/r/abc\x00def", None),
        ("staff", "GET", "/market/households", {"q\x00": "x"}),
    ],
)
def test_nul_characters_are_refused(login_as, role, method, path, data):
    """PostgreSQL cannot store a NUL in text and refuses the statement: refused up front."""
    client = login_as(role)
    if method == "GET":
        response = client.get(path, query_string=data)
    else:
        response = client.post(path, data=data)
    assert response.status_code == 400
