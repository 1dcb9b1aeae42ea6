"""Training: the status machine, applying, review decisions, seats, the waiting list."""

from datetime import timedelta

import pytest

from db.accounts import PRIVACY_NOTICE_VERSION
from db.audit import AuditEntry
from db.base import utcnow
from db.notices import Notice
from db.training import (
    APPROVED,
    COMPLETED,
    NOT_COMPLETED,
    PENDING,
    REJECTED,
    SEATING,
    STATUSES,
    TRANSITIONS,
    WAITING,
    WITHDRAWN,
    Application,
    ApplicationAnswer,
    Attendance,
    Certificate,
    Course,
    TrainingError,
    applications,
    courses,
)
from db.training.completion import confirm_completion, mark_not_completed, reopen_completion
from db.training.lifecycle import move
from db.training.models import CourseSession
from tests.training_helpers import make_application, make_course


def apply(course, user, **kwargs):
    """Apply with sensible defaults."""
    values = dict(position="总经理", motivation="提升管理能力", consent=True)
    values.update(kwargs)
    return applications.apply(course.id, user, **values)


def audited(application, action):
    """True when an audit entry of `action` exists for the application."""
    return (
        AuditEntry.select()
        .where(
            AuditEntry.object_type == "application",
            AuditEntry.object_id == application.id,
            AuditEntry.action == action,
        )
        .exists()
    )


def noticed(user, kind):
    """The notices of `kind` queued for `user`."""
    return list(Notice.select().where(Notice.recipient == user.id, Notice.kind == kind))


def reload(application):
    return Application.get_by_id(application.id)


# --- The status machine: every allowed transition through the action that makes it ---


def _apply_reviewed(ctx):
    course = make_course(review_required=True)
    application, _ = apply(course, ctx.person)
    return application


def _apply_seat(ctx):
    course = make_course(review_required=False, seats=1)
    application, _ = apply(course, ctx.person)
    return application


def _apply_full(ctx):
    course = make_course(review_required=False, seats=1)
    make_application(course, ctx.make_user(), APPROVED)
    application, _ = apply(course, ctx.person)
    return application


def _approve(seats):
    def scenario(ctx):
        course = make_course(seats=seats)
        if seats == 1:
            make_application(course, ctx.make_user(), APPROVED)
            course.seats = 1
        application = make_application(course, ctx.person, PENDING)
        applications.decide([application.id], "approve", actor=ctx.staff)
        return reload(application)

    return scenario


def _reject(origin):
    def scenario(ctx):
        course = make_course(seats=5)
        application = make_application(
            course, ctx.person, origin, number=1 if origin == WAITING else None
        )
        applications.decide([application.id], "reject", reason="名额已满", actor=ctx.staff)
        return reload(application)

    return scenario


def _withdraw(origin):
    def scenario(ctx):
        course = make_course(seats=5)
        application = make_application(
            course, ctx.person, origin, number=1 if origin == WAITING else None
        )
        return applications.withdraw(application.id, ctx.person)

    return scenario


def _promote(ctx):
    course = make_course(seats=1)
    leaver = ctx.make_user()
    seated = make_application(course, leaver, APPROVED)
    application = make_application(course, ctx.person, WAITING, number=1)
    applications.withdraw(seated.id, leaver)
    return reload(application)


def _complete(ctx):
    course = make_course(sessions=2, first_in_days=-20)
    application = make_application(course, ctx.person, APPROVED)
    for session in course.sessions:
        Attendance.create(session=session, application=application, method="roll_call")
    confirm_completion(course.id, [application.id], actor=ctx.staff)
    return reload(application)


def _not_complete(ctx):
    course = make_course(sessions=2, first_in_days=-20)
    application = make_application(course, ctx.person, APPROVED)
    mark_not_completed(course.id, application.id, "缺课", actor=ctx.staff)
    return reload(application)


def _reopen(ctx):
    course = make_course(sessions=2, first_in_days=-20)
    application = make_application(course, ctx.person, NOT_COMPLETED)
    reopen_completion(course.id, application.id, actor=ctx.staff)
    return reload(application)


SCENARIOS = {
    (None, PENDING): _apply_reviewed,
    (None, APPROVED): _apply_seat,
    (None, WAITING): _apply_full,
    (PENDING, APPROVED): _approve(5),
    (PENDING, WAITING): _approve(1),
    (PENDING, REJECTED): _reject(PENDING),
    (PENDING, WITHDRAWN): _withdraw(PENDING),
    (WAITING, APPROVED): _promote,
    (WAITING, REJECTED): _reject(WAITING),
    (WAITING, WITHDRAWN): _withdraw(WAITING),
    (APPROVED, REJECTED): _reject(APPROVED),
    (APPROVED, WITHDRAWN): _withdraw(APPROVED),
    (APPROVED, COMPLETED): _complete,
    (APPROVED, NOT_COMPLETED): _not_complete,
    (NOT_COMPLETED, APPROVED): _reopen,
}


class Ctx:
    """What a scenario needs: the applicant, a staff member, a user factory."""

    def __init__(self, make_user):
        self.make_user = make_user
        self.person = make_user(role="entrepreneur")
        self.staff = make_user(role="staff")


def test_every_transition_has_a_scenario():
    assert set(SCENARIOS) == set(TRANSITIONS)


@pytest.mark.parametrize("pair", list(TRANSITIONS), ids=lambda p: f"{p[0]}->{p[1]}")
def test_allowed_transition_is_audited_and_announced(pair, app, make_user):
    ctx = Ctx(make_user)
    application = SCENARIOS[pair](ctx)
    action, kind = TRANSITIONS[pair]
    assert application.status == pair[1]
    assert audited(application, "application." + action)
    assert len(noticed(ctx.person, kind)) == 1
    notice = noticed(ctx.person, kind)[0]
    assert notice.link == f"/my/courses/{application.id}"
    assert application.course.title in notice.subject


REFUSED = [
    (origin, target)
    for origin in (None, *STATUSES)
    for target in STATUSES
    if (origin, target) not in TRANSITIONS
]


@pytest.mark.parametrize("pair", REFUSED, ids=lambda p: f"{p[0]}->{p[1]}")
def test_refused_transition_changes_nothing(pair, app, make_user):
    origin, target = pair
    course = make_course()
    person = make_user()
    if origin is None:
        application = Application(course=course, user=person, status=None)
    else:
        application = make_application(course, person, origin)
    with pytest.raises(TrainingError) as caught:
        move(application, target, utcnow())
    assert caught.value.code == "transition_refused"
    assert Application.select().count() == (0 if origin is None else 1)
    if origin is not None:
        assert reload(application).status == origin
    assert AuditEntry.select().where(AuditEntry.object_type == "application").count() == 0
    assert Notice.select().count() == 0


@pytest.mark.parametrize("origin", [WAITING, APPROVED, REJECTED, WITHDRAWN, COMPLETED])
def test_approving_anything_but_pending_is_skipped(origin, app, make_user):
    course = make_course()
    application = make_application(course, make_user(), origin)
    result = applications.decide([application.id], "approve")
    assert result.skipped == [application] and not result.done
    assert reload(application).status == origin


@pytest.mark.parametrize("origin", [REJECTED, WITHDRAWN, COMPLETED])
def test_rejecting_a_final_status_is_skipped(origin, app, make_user):
    course = make_course()
    application = make_application(course, make_user(), origin)
    result = applications.decide([application.id], "reject", reason="不符合条件")
    assert result.skipped == [application]
    assert reload(application).status == origin


@pytest.mark.parametrize("origin", [REJECTED, WITHDRAWN, COMPLETED])
def test_withdrawing_a_final_status_is_refused(origin, app, make_user):
    course = make_course()
    person = make_user()
    application = make_application(course, person, origin)
    with pytest.raises(TrainingError) as caught:
        applications.withdraw(application.id, person)
    assert caught.value.code == "not_withdrawable"


@pytest.mark.parametrize("origin", [PENDING, WAITING, REJECTED, WITHDRAWN])
def test_only_approved_people_complete(origin, app, make_user):
    course = make_course(sessions=1, first_in_days=-10)
    application = make_application(course, make_user(), origin)
    Attendance.create(session=course.sessions[0], application=application, method="roll_call")
    assert confirm_completion(course.id, [application.id]) == []
    # Pending and waiting ones are closed out at completion: never admitted, never completed.
    assert reload(application).status == (REJECTED if origin in (PENDING, WAITING) else origin)
    assert Certificate.select().count() == 0


# --- Applying ---


def test_apply_records_position_motivation_answers_and_consent(app, make_user):
    course = make_course(questions="企业主营业务？\n希望解决的问题？")
    person = make_user(position="董事长")
    application, created = apply(course, person, answers=["咨询", "团队管理"], language="en")
    assert created and application.status == PENDING
    assert application.position == "总经理" and application.motivation == "提升管理能力"
    assert application.consent_at is not None
    assert application.consent_version == PRIVACY_NOTICE_VERSION
    assert application.language == "en"
    answers = list(ApplicationAnswer.select().order_by(ApplicationAnswer.position))
    assert [(a.question, a.value) for a in answers] == [
        ("企业主营业务？", "咨询"),
        ("希望解决的问题？", "团队管理"),
    ]
    notice = noticed(person, "training.received")[0]
    assert notice.subject.startswith("Application received")  # the language applied in


def test_double_apply_creates_nothing_new(app, make_user):
    course = make_course()
    person = make_user()
    first, created = apply(course, person)
    again, created_again = apply(course, person, motivation="再次提交")
    assert created and not created_again
    assert again.id == first.id
    assert Application.select().count() == 1
    assert len(noticed(person, "training.received")) == 1


def test_a_new_application_after_a_rejection_is_allowed(app, make_user):
    course = make_course()
    person = make_user()
    first, _ = apply(course, person)
    applications.decide([first.id], "reject", reason="材料不全")
    second, created = apply(course, person)
    assert created and second.id != first.id


@pytest.mark.parametrize(
    "kwargs, code",
    [
        (dict(consent=False), "consent_required"),
        (dict(position=" "), "required"),
        (dict(motivation=""), "required"),
        (dict(motivation="长" * 1001), "motivation_too_long"),
        (dict(answers=[""]), "answer_required"),
    ],
)
def test_apply_refuses_incomplete_input(kwargs, code, app, make_user):
    course = make_course(questions="您的问题？")
    if "answers" not in kwargs:
        kwargs["answers"] = ["回答"]
    with pytest.raises(TrainingError) as caught:
        apply(course, make_user(), **kwargs)
    assert caught.value.code == code
    assert Application.select().count() == 0


def test_apply_only_while_the_window_is_open(app, make_user):
    now = utcnow()
    person = make_user()
    not_yet = make_course(opens_at=now + timedelta(days=1))
    closed = make_course(closes_at=now - timedelta(hours=1))
    started = make_course(first_in_days=-1)
    draft = make_course(published=False)
    no_dates = make_course(sessions=0)
    for course, code in (
        (not_yet, "applications_not_yet"),
        (closed, "applications_closed"),
        (started, "applications_closed"),
        (draft, "applications_draft"),
        (no_dates, "applications_no_sessions"),
    ):
        with pytest.raises(TrainingError) as caught:
            apply(course, person)
        assert caught.value.code == code
    assert Application.select().count() == 0


def test_without_review_seats_fill_then_the_waiting_list(app, make_user):
    course = make_course(review_required=False, seats=2)
    results = [apply(course, make_user())[0] for _ in range(4)]
    assert [a.status for a in results] == [APPROVED, APPROVED, WAITING, WAITING]
    assert [a.waiting_number for a in results[2:]] == [1, 2]
    assert [SEATING.waiting_position(a) for a in results[2:]] == [1, 2]


# --- Review decisions ---


def test_approving_many_fills_seats_in_arrival_order_then_waits(app, make_user):
    course = make_course(seats=2)
    people = [make_user() for _ in range(4)]
    rows = [
        make_application(course, p, PENDING, created_at=utcnow() + timedelta(minutes=i))
        for i, p in enumerate(people)
    ]
    result = applications.decide([r.id for r in reversed(rows)], "approve")
    assert [a.id for a in result.approved] == [rows[0].id, rows[1].id]
    assert [a.id for a in result.waiting] == [rows[2].id, rows[3].id]
    assert [reload(r).waiting_number for r in rows[2:]] == [1, 2]


def test_rejecting_needs_a_reason(app, make_user):
    course = make_course()
    application = make_application(course, make_user(), PENDING)
    with pytest.raises(TrainingError) as caught:
        applications.decide([application.id], "reject", reason="  ")
    assert caught.value.code == "reason_required"
    assert reload(application).status == PENDING


def test_rejecting_an_approved_person_promotes_the_head_of_the_waiting_list(app, make_user):
    course = make_course(seats=1)
    seated = make_application(course, make_user(), APPROVED)
    second = make_application(course, make_user(), WAITING, number=2)
    first = make_application(course, make_user(), WAITING, number=1)
    applications.decide([seated.id], "reject", reason="不符合报名条件")
    assert reload(seated).status == REJECTED and reload(seated).reason == "不符合报名条件"
    assert reload(first).status == APPROVED
    assert reload(second).status == WAITING and SEATING.waiting_position(reload(second)) == 1
    assert noticed(first.user, "training.promoted")


def test_decisions_on_a_finished_course_are_not_made(app, make_user):
    course = make_course(sessions=1, first_in_days=-10)
    application = make_application(course, make_user(), PENDING)
    seated = make_application(course, make_user(), APPROVED)
    result = applications.decide([application.id, seated.id], "reject", reason="x")
    assert not result.done and not result.skipped
    assert {a.id for a in result.started} == {application.id, seated.id}
    assert reload(seated).status == APPROVED
    # The pending one was closed out, not left hanging.
    assert reload(application).status == REJECTED


def test_decisions_span_courses_in_one_call(app, make_user):
    one, two = make_course(seats=1), make_course(seats=1)
    a = make_application(one, make_user(), PENDING)
    b = make_application(two, make_user(), PENDING)
    result = applications.decide([a.id, b.id], "approve")
    assert {x.status for x in result.done} == {APPROVED}


def test_nothing_chosen_is_refused(app):
    with pytest.raises(TrainingError) as caught:
        applications.decide([], "approve")
    assert caught.value.code == "nothing_chosen"


# --- Withdrawing ---


def test_withdrawing_frees_the_seat_for_the_waiting_list(app, make_user):
    course = make_course(seats=1)
    person = make_user()
    seated = make_application(course, person, APPROVED)
    waiting = make_application(course, make_user(), WAITING, number=1)
    applications.withdraw(seated.id, person)
    assert reload(seated).status == WITHDRAWN and reload(seated).withdrawn_at is not None
    assert reload(waiting).status == APPROVED


def test_withdrawing_after_the_course_started_is_refused(app, make_user):
    course = make_course(first_in_days=-1)
    person = make_user()
    application = make_application(course, person, APPROVED)
    with pytest.raises(TrainingError) as caught:
        applications.withdraw(application.id, person)
    assert caught.value.code == "withdraw_closed"
    assert reload(application).status == APPROVED


def test_nobody_withdraws_someone_elses_application(app, make_user):
    course = make_course()
    application = make_application(course, make_user(), APPROVED)
    with pytest.raises(TrainingError) as caught:
        applications.withdraw(application.id, make_user())
    assert caught.value.code == "not_found"


# --- Courses and seats ---


COURSE_DATA = dict(
    title="新课程",
    institution="培训机构",
    lecturers="",
    description="",
    seats=2,
    opens_at=None,
    closes_at=None,
    review_required=True,
    eligibility_note="",
    completion_share=80,
    questions="",
    published=True,
)


def test_seats_cannot_drop_below_those_approved(app, make_user):
    course = make_course(seats=3)
    for _ in range(2):
        make_application(course, make_user(), APPROVED)
    with pytest.raises(TrainingError) as caught:
        courses.update_course(course.id, dict(COURSE_DATA, seats=1))
    assert caught.value.code == "below_approved" and caught.value.params == {"approved": 2}
    assert Course.get_by_id(course.id).seats == 3


def test_more_seats_promote_the_waiting_list_in_order(app, make_user):
    course = make_course(seats=1)
    make_application(course, make_user(), APPROVED)
    first = make_application(course, make_user(), WAITING, number=1)
    second = make_application(course, make_user(), WAITING, number=2)
    courses.update_course(course.id, dict(COURSE_DATA, seats=2))
    assert reload(first).status == APPROVED and reload(second).status == WAITING


@pytest.mark.parametrize(
    "change, code",
    [
        (dict(title=" "), "required"),
        (dict(seats=0), "bad_seats"),
        (dict(completion_share=101), "bad_share"),
        (dict(questions="\n".join(f"问题{i}" for i in range(6))), "too_many_questions"),
    ],
)
def test_course_fields_are_checked(change, code, app):
    with pytest.raises(TrainingError) as caught:
        courses.create_course(dict(COURSE_DATA, **change))
    assert caught.value.code == code
    assert Course.select().count() == 0


def test_a_session_must_end_after_it_starts(app):
    course = make_course(sessions=0)
    start = utcnow() + timedelta(days=3)
    with pytest.raises(TrainingError) as caught:
        courses.add_session(course.id, start, start, "开班")
    assert caught.value.code == "ends_before_start"
    session = courses.add_session(course.id, start, start + timedelta(hours=2), "开班", "201")
    assert len(session.code) == 8
    courses.update_session(session.id, start, start + timedelta(hours=3), "开班仪式", "301")
    assert CourseSession.get_by_id(session.id).topic == "开班仪式"
    courses.remove_session(session.id)
    assert CourseSession.select().count() == 0
    assert AuditEntry.select().where(AuditEntry.action.startswith("session.")).count() == 3


# --- The migration matches the models ---


@pytest.mark.parametrize(
    "model",
    [Course, CourseSession, Application, ApplicationAnswer, Attendance, Certificate],
    ids=lambda m: m.__name__,
)
def test_migration_creates_what_the_models_declare(app, model):
    from db import database

    table = model._meta.table_name
    columns = {column.name for column in database.get_columns(table)}
    assert columns == {field.column_name for field in model._meta.sorted_fields}
    indexes = {tuple(index.columns): index for index in database.get_indexes(table)}
    for declared, unique in (i for i in model._meta.indexes if isinstance(i, tuple)):
        names = tuple(model._meta.fields[f].column_name for f in declared)
        assert names in indexes and indexes[names].unique == unique, (table, names)


def test_one_live_application_per_person_is_a_partial_unique_index(app):
    from db import database

    index = next(
        i for i in database.get_indexes("application") if i.columns == ["course_id", "user_id"]
    )
    assert index.unique and "status" in index.sql.lower()
