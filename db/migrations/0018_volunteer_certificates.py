"""Volunteer hour certificates (志愿服务时长证明): gapless SC-<year>-<serial> numbers and the
hour records each certificate counted (db/volunteers/certificates.py)."""

from peewee import CharField, DateField, DateTimeField, ForeignKeyField, IntegerField, Model


def up(db):
    """Create the certificate tables (frozen copies of db/volunteers/certificates.py)."""

    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class User(Base):
        username = CharField(max_length=64, unique=True)

        class Meta:
            table_name = "user"

    class Volunteer(Base):
        name = CharField(max_length=50)

        class Meta:
            table_name = "volunteer"

    class HourRecord(Base):
        minutes = IntegerField()

        class Meta:
            table_name = "volunteer_hours"

    class HourCertificate(Base):
        number = CharField(max_length=16, unique=True)
        year = IntegerField()
        serial = IntegerField()
        volunteer = ForeignKeyField(Volunteer, on_delete="RESTRICT")
        holder_name = CharField(max_length=50)
        enterprise_name = CharField(max_length=100, default="")
        first_day = DateField()
        last_day = DateField()
        minutes = IntegerField()
        records = IntegerField()
        activities = IntegerField()
        issued_at = DateTimeField()
        issued_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        revoked_at = DateTimeField(null=True)
        revoked_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        revoke_reason = CharField(max_length=300, default="")

        class Meta:
            table_name = "volunteer_certificate"
            indexes = ((("year", "serial"), True),)

    class HourCertificateLine(Base):
        certificate = ForeignKeyField(HourCertificate, on_delete="CASCADE")
        record = ForeignKeyField(HourRecord, on_delete="RESTRICT")
        minutes = IntegerField()

        class Meta:
            table_name = "volunteer_certificate_line"
            indexes = ((("certificate", "record"), True),)

    db.create_tables([HourCertificate, HourCertificateLine])
