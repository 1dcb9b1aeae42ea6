"""The bare stack we measure ourselves against: Flask, peewee + SQLite (WAL), Jinja.

- GET /hello: a bare "hello world".
- GET /rows?q=N: 50 rows selected by an indexed column out of 10,000, rendered with Jinja.
- POST /insert: one row inserted under BEGIN IMMEDIATE with synchronous=FULL.

Run: BENCH_REFERENCE_DB=path gunicorn -w 2 'bench.reference_app:create_app()'
`python -m bench.reference_app PATH` creates and fills the database first.
"""

import os
import random
import sys

from flask import Flask, render_template_string, request
from peewee import CharField, IntegerField, Model, SqliteDatabase

database = SqliteDatabase(None)

PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>rows</title></head>
<body><table>{% for row in rows %}<tr><td>{{ row.id }}</td><td>{{ row.name }}</td>
<td>{{ row.bucket }}</td></tr>{% endfor %}</table></body></html>"""


class Row(Model):
    """A row of the reference table: 10,000 of them, 200 buckets of 50."""

    name = CharField()
    bucket = IntegerField(index=True)

    class Meta:
        database = database


def open_database(path):
    """The same pragmas the product uses."""
    database.init(
        path,
        pragmas={"journal_mode": "wal", "synchronous": "full", "busy_timeout": 10_000},
        timeout=10,
    )


def fill(path, rows=10_000):
    """Create the reference table with `rows` rows in buckets of 50."""
    open_database(path)
    with database:
        database.drop_tables([Row])
        database.create_tables([Row])
        with database.atomic():
            for start in range(0, rows, 500):
                Row.insert_many(
                    [{"name": f"参考行{i}", "bucket": i // 50} for i in range(start, start + 500)]
                ).execute()


def create_app():
    """The reference app on the database named by BENCH_REFERENCE_DB."""
    open_database(os.environ["BENCH_REFERENCE_DB"])
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024  # as the product's (views/serving.py)

    @app.before_request
    def connect():
        database.connect(reuse_if_open=True)

    @app.teardown_request
    def close(exc):
        if not database.is_closed():
            database.close()

    @app.route("/hello")
    def hello():
        return "Hello, world!"

    @app.route("/rows")
    def rows():
        bucket = request.args.get("q", type=int, default=random.randrange(200))
        selected = Row.select().where(Row.bucket == bucket).limit(50)
        return render_template_string(PAGE, rows=selected)

    @app.route("/insert", methods=["POST"])
    def insert():
        with database.atomic("IMMEDIATE"):
            Row.create(name="新行", bucket=-1)
        return "ok", 201

    return app


if __name__ == "__main__":
    fill(sys.argv[1])
