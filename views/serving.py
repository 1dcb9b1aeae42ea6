"""How gunicorn serves the app: the one server configuration.

`make run`, the live test server (tests/conftest.py), the fault harness (tests/faults/) and
the production command in README.md all start `gunicorn --config views/serving.py …` and add
only the address, the number of workers and logging on the command line.

Slow clients. A sync worker reads one connection at a time: two clients sending their headers
a byte a second hold both workers, and nobody else gets a page. A gevent worker reads each
connection in a greenlet of its own and calls the app only once the request line and headers
are in. The app takes its database connection before anything reads the body (views/pages.py;
the CSRF check reads the form), so `post_worker_init` below also reads the whole body (at
most MAX_CONTENT_LENGTH) before the app runs: a client sending slowly holds a greenlet, never
a database connection. In production nginx stands in front as well (README.md), buffering
requests and responses and closing connections that stall.

Why greenlets cannot interleave transactions. A greenlet gives way only where it waits on a
patched socket, lock or sleep. The database drivers are not patched (no psycogreen): a query
blocks its whole worker until it returns, so no other greenlet of that worker runs while a
transaction is open, and none can start waiting for SQLite's write lock (the busy_timeout wait
blocks the process) while another greenlet of the same process holds it. That stays true while
nothing inside a transaction waits on the network or sleeps: domain actions do neither (notices
are e-mailed by `flask send-notices`, outside any request).

Fair turns on kept-alive connections. A greenlet gives way only when it waits, and a browser
or a load tester on a kept-alive connection often has its next request in the socket before
the answer to the last one is done: the greenlet reads it without waiting and runs it too,
and the worker's other connections wait (with ten clients on two workers, some waited
seconds while the median stayed at 30 ms). `post_request` below gives way after every
answer, so each connection with a request waiting is served in turn. Each greenlet has a peewee
connection of its own because the worker patches `threading` before it imports the app: the
master never imports the app (no preload_app), and this file imports nothing of it.
"""

import io

import gevent

worker_class = "gevent"
# Connections one worker keeps open at once, slow ones included (then the listen queue waits).
worker_connections = 1000
# Seconds a connection may wait for its next request and, in a gevent worker, also for the
# line and headers of its first: a client that stalls longer is closed, so slow clients cost
# a greenlet for at most this long.
keepalive = 10
# Each worker imports the app after gevent has patched threading (see above).
preload_app = False


def buffered_body(app, limit):
    """`app` with the request body read in full before it runs, when at most `limit` bytes.

    A longer declared body is left unread: the app refuses it (413) without reading it. A
    chunked body is read to one byte past the limit, so that the app still sees it is too long.
    """

    def application(environ, start_response):
        stream = environ["wsgi.input"]
        length = environ.get("CONTENT_LENGTH")
        if length:  # gunicorn has checked that it is a number
            if int(length) <= limit:
                environ["wsgi.input"] = io.BytesIO(stream.read(int(length)))
        elif "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            environ["wsgi.input"] = io.BytesIO(stream.read(limit + 1))
        return app(environ, start_response)

    return application


# Seconds `post_request` sleeps: any positive time puts the greenlet behind the event loop's
# next poll, so connections whose requests arrived meanwhile go first (a zero sleep would not).
TURN_SECONDS = 0.000_001


def post_request(worker, req, environ, resp):
    """Give the other connections a turn after every answer (see the module's docstring)."""
    gevent.sleep(TURN_SECONDS)


def post_worker_init(worker):
    """Read request bodies before the app runs (see the module's docstring)."""
    worker.wsgi = buffered_body(worker.wsgi, worker.wsgi.config["MAX_CONTENT_LENGTH"])
