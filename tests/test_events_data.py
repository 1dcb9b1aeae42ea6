"""Events, data layer: the migration matches the models, seat allocation is reusable by
another registration model, the demo data tells the story, and the helpers behave."""

from datetime import datetime, timedelta

import pytest
from peewee import CharField, ForeignKeyField, IntegerField

from db import database, write_lock
from db.accounts import Enterprise
from db.base import BaseModel, utcnow
from db.codes import is_code, is_token, new_token, normalise_code, random_code
from db.events import (
    CONFIRMED,
    PENDING,
    REJECTED,
    WAITING,
    Event,
    EventQuestion,
    Registration,
    RegistrationAnswer,
    queries,
)
from db.notices import Notice
from db.seating import Seating, SeatingError
from views.calendar import local_to_utc, utc_to_local

MODELS = (Event, EventQuestion, Registration, RegistrationAnswer, Notice)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_migration_creates_what_the_models_declare(app, model):
    table = model._meta.table_name
    columns = {column.name for column in database.get_columns(table)}
    assert columns == {field.column_name for field in model._meta.sorted_fields}
    indexes = {tuple(index.columns) for index in database.get_indexes(table)}
    for declared in model._meta.indexes:
        if isinstance(declared, tuple):  # (fields, unique); the partial index is checked below
            names = tuple(model._meta.fields[f].column_name for f in declared[0])
            assert names in indexes, (table, names)


def test_live_registration_index_is_unique_and_partial(app):
    index = next(
        i for i in database.get_indexes("registration") if i.columns == ["event_id", "mobile"]
    )
    assert index.unique and "status" in index.sql.lower()


# --- A second kind of registration shares the seat rules ---------------------------------------


class CourseApplication(BaseModel):
    """A stand-in for the training module's applications: owner, status, waiting number."""

    course = ForeignKeyField(Enterprise)
    name = CharField()
    state = CharField()
    queue_no = IntegerField(null=True)

    class Meta:
        table_name = "test_course_application"


COURSE_SEATS = Seating(
    model=CourseApplication,
    owner_field=CourseApplication.course,
    status_field=CourseApplication.state,
    number_field=CourseApplication.queue_no,
    seated="approved",
    waiting="waitlisted",
)


@pytest.fixture
def course_table(app):
    database.create_tables([CourseApplication])
    yield
    database.drop_tables([CourseApplication])


def test_seating_serves_another_model_with_other_status_names(course_table, make_enterprise):
    course = make_enterprise(name="高级职业经理人研修班（代用）")
    promoted_names = []
    with write_lock(Enterprise, course.id):
        for n in range(5):
            state, number = COURSE_SEATS.place(course.id, capacity=2)
            CourseApplication.create(course=course, name=f"学员{n}", state=state, queue_no=number)
    states = [
        (a.name, a.state, a.queue_no)
        for a in CourseApplication.select().order_by(CourseApplication.id)
    ]
    assert states[:3] == [
        ("学员0", "approved", None),
        ("学员1", "approved", None),
        ("学员2", "waitlisted", 1),
    ]
    third = CourseApplication.get(CourseApplication.name == "学员3")
    assert COURSE_SEATS.waiting_position(third) == 2
    with write_lock(Enterprise, course.id):
        CourseApplication.update(state="withdrawn").where(
            CourseApplication.name == "学员0"
        ).execute()
        promoted = COURSE_SEATS.promote(
            course.id, 2, on_promote=lambda row: promoted_names.append(row.name)
        )
    assert promoted_names == ["学员2"] and [p.state for p in promoted] == ["approved"]
    assert COURSE_SEATS.waiting_positions(course.id) == {
        CourseApplication.get(CourseApplication.name == name).id: position
        for position, name in ((1, "学员3"), (2, "学员4"))
    }
    with pytest.raises(SeatingError) as refused:
        COURSE_SEATS.check_capacity(course.id, 1)
    assert refused.value.seated == 2
    with write_lock(Enterprise, course.id):
        assert len(COURSE_SEATS.promote(course.id, 4)) == 2
        assert COURSE_SEATS.next_number(course.id) == 4  # numbers are never reused


# --- Demo data ------------------------------------------------------------------------------------


def test_demo_events_tell_the_story(demo_data, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    titles = [event.title for event in Event.select()]
    for name in ("中广党建论坛", "中广企业家论坛", "经济时事报告会", "企业党建联建促进会年会"):
        assert any(name in title for title in titles), name
    now = utcnow()
    events = list(Event.select().where(Event.status != "draft"))
    past = [e for e in events if e.is_past(now)]
    upcoming = [e for e in events if e.starts_at > now]
    assert len(past) >= 2 and len(upcoming) >= 3
    figures = queries.counts_for([e.id for e in events])
    assert all(figures[e.id]["checked_in"] > 0 for e in past)
    assert any(figures[e.id]["waiting"] > 0 for e in upcoming)
    assert any(0 < e.seats - figures[e.id]["confirmed"] <= 5 for e in upcoming)
    assert any(figures[e.id]["pending"] > 0 for e in upcoming)
    assert Registration.select().where(Registration.status == REJECTED).exists()
    for mobile in ("13800000001", "13800000002"):
        mine = Registration.select().where(Registration.mobile == mobile)
        assert mine.count() >= 3 and all(r.user_id for r in mine)
    assert Notice.select().where(Notice.recipient.is_null(False)).count() >= 6
    assert not Registration.select().where(Registration.created_at > utcnow()).exists()
    mobiles = [r.mobile for r in Registration.select()]
    assert all(m.startswith("1380000") for m in mobiles)
    for event in events:  # the rules hold in the demo too
        assert figures[event.id]["confirmed"] <= event.seats
        numbers = sorted(
            r.waiting_number for r in event.registrations.where(Registration.status == WAITING)
        )
        assert numbers == list(range(1, len(numbers) + 1))
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert Event.select().count() == len(titles)


def test_demo_statuses_are_coherent(demo_data, runner):
    runner.invoke(args=["seed-demo"])
    annual = Event.get(Event.title == "企业党建联建促进会年会")
    assert annual.approval_required
    assert annual.registrations.where(Registration.status == PENDING).exists()
    assert (
        not Registration.select()
        .where(Registration.status != CONFIRMED, Registration.checked_in_at.is_null(False))
        .exists()
    )


# --- Helpers -------------------------------------------------------------------------------------


def test_codes_and_tokens():
    for _ in range(200):
        code = random_code()
        assert is_code(code) and not set(code) & set("01OIL")
    assert normalise_code(" abcd-2345 ") == "ABCD2345"
    assert not is_code("ABCD234O")
    token = new_token()
    assert is_token(token) and len(token) >= 32 and not is_token("short")


def test_shanghai_wall_clock_round_trip():
    local = datetime(2026, 11, 26, 9, 30)
    assert local_to_utc(local) == datetime(2026, 11, 26, 1, 30)
    assert utc_to_local(local_to_utc(local)) == local
    assert local_to_utc(None) is None and utc_to_local(None) is None


def test_the_lock_switch_is_test_config_only_and_never_read_from_the_environment(
    database_url, monkeypatch
):
    import db as data_layer
    from app import create_app

    # A stray variable in a production environment must not switch the allocation lock off.
    monkeypatch.setenv("TESTING_DISABLE_WRITE_LOCK", "1")
    normal = create_app({"TESTING": True, "DATABASE_URL": database_url})
    assert normal.config["TESTING_DISABLE_WRITE_LOCK"] is False
    assert data_layer._lock_disabled is False
    switched = create_app(
        {"TESTING": True, "DATABASE_URL": database_url, "TESTING_DISABLE_WRITE_LOCK": True}
    )
    assert data_layer._lock_disabled is True
    create_app({"TESTING": True, "DATABASE_URL": database_url})
    assert data_layer._lock_disabled is False
    assert switched.config["TESTING_DISABLE_WRITE_LOCK"] is True


def test_today_bounds_follow_shanghai(app):
    # 20:00 UTC on the 26th is 04:00 on the 27th in Shanghai.
    start, end = queries.today_bounds(datetime(2026, 11, 26, 20, 0))
    assert start == datetime(2026, 11, 26, 16, 0) and end - start == timedelta(days=1)
