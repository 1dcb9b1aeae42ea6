"""The application with its allocation lock switched off, for the concurrency tests' control
runs only: they serve it (gunicorn 'tests.unlocked_app:create_app()') to show that the races
the lock prevents are real. Nothing outside tests can switch the lock off."""

import app


def create_app():
    return app.create_app({"TESTING_DISABLE_WRITE_LOCK": True})
