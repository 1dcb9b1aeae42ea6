"""Training: courses, sessions, applications and their answers, attendance, certificates."""

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

LIVE_STATUSES = ("pending", "approved", "waiting", "completed")


def up(db):
    """Create the training tables (frozen copies of the models as of this migration)."""

    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Enterprise(Base):
        class Meta:
            table_name = "enterprise"

    class User(Base):
        class Meta:
            table_name = "user"

    class Course(Base):
        title = CharField(max_length=120)
        institution = CharField(max_length=120)
        lecturers = CharField(max_length=300, default="")
        description = TextField(default="")
        seats = IntegerField()
        opens_at = DateTimeField(null=True)
        closes_at = DateTimeField(null=True)
        review_required = BooleanField(default=True)
        eligibility_note = CharField(max_length=500, default="")
        completion_share = IntegerField(default=80)
        questions = TextField(default="")
        published = BooleanField(default=False, index=True)
        created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = DateTimeField()
        updated_at = DateTimeField()

    class CourseSession(Base):
        course = ForeignKeyField(Course, on_delete="CASCADE")
        starts_at = DateTimeField(index=True)
        ends_at = DateTimeField()
        topic = CharField(max_length=200)
        room = CharField(max_length=100, default="")
        code = CharField(max_length=8, unique=True)

        class Meta:
            indexes = ((("course", "starts_at"), False),)

    class Application(Base):
        course = ForeignKeyField(Course)
        user = ForeignKeyField(User)
        enterprise = ForeignKeyField(Enterprise, null=True, on_delete="SET NULL")
        position = CharField(max_length=50, default="")
        motivation = TextField(default="")
        status = CharField(max_length=16)
        waiting_number = IntegerField(null=True)
        reason = CharField(max_length=300, default="")
        language = CharField(max_length=8, default="zh_CN")
        consent_at = DateTimeField()
        consent_version = CharField(max_length=16)
        created_at = DateTimeField()
        updated_at = DateTimeField()
        decided_at = DateTimeField(null=True)
        decided_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        withdrawn_at = DateTimeField(null=True)
        completed_at = DateTimeField(null=True)

        class Meta:
            indexes = (
                (("course", "status"), False),
                (("course", "waiting_number"), False),
                (("status", "created_at"), False),
            )

    Application.add_index(
        Application.index(Application.course, Application.user, unique=True).where(
            Application.status.in_(LIVE_STATUSES)
        )
    )

    class ApplicationAnswer(Base):
        application = ForeignKeyField(Application, on_delete="CASCADE")
        position = IntegerField()
        question = CharField(max_length=200)
        value = CharField(max_length=500, default="")

        class Meta:
            indexes = ((("application", "position"), True),)

    class Attendance(Base):
        session = ForeignKeyField(CourseSession, on_delete="CASCADE")
        application = ForeignKeyField(Application, on_delete="CASCADE")
        method = CharField(max_length=16)
        note = CharField(max_length=300, default="")
        recorded_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        recorded_at = DateTimeField()

        class Meta:
            indexes = ((("session", "application"), True),)

    class Certificate(Base):
        number = CharField(max_length=16, unique=True)
        year = IntegerField()
        serial = IntegerField()
        application = ForeignKeyField(Application, unique=True)
        course = ForeignKeyField(Course)
        holder_name = CharField(max_length=50)
        enterprise_name = CharField(max_length=100, default="")
        course_title = CharField(max_length=120)
        institution = CharField(max_length=120)
        first_day = DateField()
        last_day = DateField()
        minutes = IntegerField()
        issued_at = DateTimeField()
        issued_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        revoked_at = DateTimeField(null=True)
        revoked_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        revoke_reason = CharField(max_length=300, default="")

        class Meta:
            indexes = ((("year", "serial"), True),)

    db.create_tables(
        [Course, CourseSession, Application, ApplicationAnswer, Attendance, Certificate]
    )
