"""Server-side login sessions, so logging out (or deactivation) ends a session for good."""

from peewee import CharField, DateTimeField, ForeignKeyField, Model


def up(db):
    """Create the login_session table (frozen copy of the model as of this migration)."""

    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class User(Base):
        class Meta:
            table_name = "user"

    class LoginSession(Base):
        token = CharField(max_length=64, unique=True)
        user = ForeignKeyField(User, on_delete="CASCADE")
        created_at = DateTimeField()
        ended_at = DateTimeField(null=True)

    db.create_tables([LoginSession])
