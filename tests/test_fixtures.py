"""The suite's own machinery (tests/conftest.py): what makes it fast must not let one test's
data, configuration or routes reach the next."""

from db import database, demo
from db.accounts import Enterprise, User
from db.demo import DEMO_ACCOUNTS
from db.settings import set_setting
from tests.conftest import (
    APP_CONFIG,
    VACUUM_FROM,
    SharedApp,
    empty_postgresql_tables,
    postgresql_only,
)


@postgresql_only
def test_emptying_postgresql_leaves_no_row_and_restarts_the_ids(app, make_user):
    make_user(role="staff")
    make_user()  # and its enterprise
    set_setting("probe", "1")  # a table without an id sequence
    Enterprise.insert(id=50_000, name="明确编号").execute()  # a row the sequence did not number
    Enterprise.insert_many([{"name": f"企业{n}"} for n in range(VACUUM_FROM)]).execute()
    empty_postgresql_tables()
    for table in database.get_tables():
        if table != "schema_version":
            assert database.execute_sql(f'SELECT count(*) FROM "{table}"').fetchone()[0] == 0
    assert Enterprise.create(name="第一家").id == 1
    assert User.create(username="u", name="n", role="staff", password_hash="x").id == 1
    empty_postgresql_tables()
    assert Enterprise.select().count() == 0 and Enterprise.create(name="又一家").id == 1


def test_the_shared_app_is_put_back_after_a_test(database_url):
    shared = SharedApp()
    application = shared.for_test(database_url)
    assert application.config["PASSWORD_HASH_METHOD"] == APP_CONFIG["PASSWORD_HASH_METHOD"]
    application.config["WTF_CSRF_ENABLED"] = True
    application.config["COMPRESS_ALGORITHM"].append("zstd")
    application.extensions["demo_mode"] = (True, 0)
    application.test_client().get("/healthz")
    shared.after_test()
    again = shared.for_test(database_url)
    assert again is application  # the same application, as it was built
    assert again.config["WTF_CSRF_ENABLED"] is False
    assert "zstd" not in again.config["COMPRESS_ALGORITHM"]
    assert "demo_mode" not in again.extensions

    @again.route("/added-by-a-test")  # allowed again, as on a new application
    def added():
        return "x"

    shared.after_test()
    fresh = shared.for_test(database_url)
    assert fresh is not application  # a route was added: the next test gets a new one
    assert "added" not in fresh.view_functions


def test_demo_data_is_there_from_the_start(demo_data, app):
    assert demo_data == DEMO_ACCOUNTS
    assert demo.is_demo() and User.select().where(User.username == "staff").exists()
    assert demo.seed() is False  # nothing left to seed
    staff = app.test_client()
    response = staff.post("/login", data={"username": "staff", "password": "demo-staff-1"})
    assert response.status_code == 302


def test_without_demo_data_the_database_is_empty(app):
    assert not demo.is_demo() and not User.select().exists()
