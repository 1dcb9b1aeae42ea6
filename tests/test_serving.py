"""Slow clients, and fast ones on kept-alive connections, cannot take the app away from
everyone else (views/serving.py).

The server is started as `make run` starts it: gunicorn with views/serving.py and two workers.
Thirty connections dribble their request a byte at a time over loopback and never finish it;
meanwhile a normal client must get its page, and the slow connections must still be open and
unanswered (the server waits for them, it did not just drop them; it closes one only once it
has stalled for views/serving.py's keepalive, 10 s). Under plain sync workers the normal
client gets nothing: both workers sit reading the first two slow connections.
"""

import contextlib
import os
import socket
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from db import database, is_sqlite

pytestmark = pytest.mark.live

SLOW_CLIENTS = 30
# Seconds between two bytes on each slow connection, and the most bytes one ever sends: the
# dribbling thread stops by itself after ROUNDS × TICK seconds even if a test fails midway.
TICK = 0.25
ROUNDS = 240
PAGE_TIMEOUT = 20  # generous: a loaded machine still answers well within it


class SlowClients:
    """`count` loopback connections, each sending `head` at once and then `dribble` one byte
    every TICK seconds, never reaching its end."""

    def __init__(self, port, count, dribble, head=b""):
        assert len(dribble) > ROUNDS  # the request never completes
        self.sockets = [
            socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(count)
        ]
        for sock in self.sockets:
            if head:
                sock.sendall(head)
        self.dribble = dribble
        self.sent = 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        for index in range(ROUNDS):
            if self.stopped.is_set():
                return
            for sock in self.sockets:
                with contextlib.suppress(OSError):  # a closed one shows in still_waiting()
                    sock.sendall(self.dribble[index : index + 1])
            self.sent = index + 1
            self.stopped.wait(TICK)

    def wait_until_sent(self, count):
        """Wait until every connection has sent `count` bytes of its dribble."""
        deadline = time.monotonic() + 30
        while self.sent < count and time.monotonic() < deadline:
            time.sleep(TICK / 5)
        assert self.sent >= count, "the slow clients did not get going"

    def still_waiting(self):
        """How many connections are open and have had no answer."""
        waiting = 0
        for sock in self.sockets:
            sock.setblocking(False)
            try:
                data = sock.recv(1)
            except BlockingIOError:
                waiting += 1  # nothing to read, not closed: the server waits for the rest
            except OSError:
                pass
            else:
                assert not data, f"a slow client was answered: {data!r}"
            finally:
                sock.setblocking(True)
        return waiting

    def close(self):
        self.stopped.set()
        self.thread.join(10)
        for sock in self.sockets:
            sock.close()


@pytest.fixture
def slow_clients():
    """slow_clients(port, dribble, head=b"") → SlowClients, closed after the test."""
    opened = []

    def start(port, dribble, head=b""):
        clients = SlowClients(port, SLOW_CLIENTS, dribble, head)
        opened.append(clients)
        return clients

    yield start
    for clients in opened:
        clients.close()


def get_page(url):
    """(status, body) of a normal GET with a generous timeout."""
    try:
        with urllib.request.urlopen(url, timeout=PAGE_TIMEOUT) as response:
            return response.status, response.read().decode()
    except TimeoutError:
        pytest.fail(f"no answer to a normal client within {PAGE_TIMEOUT} s")


def test_slow_headers_do_not_stall_a_normal_client(live_server, slow_clients):
    server = live_server(workers=2)
    port = int(server.url.rsplit(":", 1)[1])
    request = b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * ROUNDS * 2
    clients = slow_clients(port, request)
    clients.wait_until_sent(8)  # each connection has started its request line
    status, body = get_page(server.url + "/login")
    assert status == 200 and 'name="password"' in body
    assert clients.still_waiting() == SLOW_CLIENTS


def server_database_connections(server, database_url):
    """Database connections the server's workers hold open (in use or kept in their pool)."""
    if is_sqlite():
        path = os.path.realpath(database_url[len("sqlite:///") :])
        children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
        count = 0
        for pid in children.read_text().split():
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):  # closed meanwhile
                    count += os.readlink(fd) == path
        return count
    query = (
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    return database.execute_sql(query).fetchone()[0]


def test_slow_bodies_hold_no_database_connection(live_server, slow_clients, database_url):
    """The app takes a database connection before it reads a form: a body arriving slowly is
    read in full before the app runs, so thirty of them leave the pool alone."""
    server = live_server(workers=2)
    port = int(server.url.rsplit(":", 1)[1])
    size = ROUNDS * 2
    head = (
        "POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {size}\r\n\r\n"
    ).encode()
    clients = slow_clients(port, b"a" * size, head=head)
    clients.wait_until_sent(4)
    status, _ = get_page(server.url + "/login")
    assert status == 200
    assert server_database_connections(server, database_url) < 10  # a few, not thirty
    assert clients.still_waiting() == SLOW_CLIENTS


class PipelinedClient:
    """A kept-alive connection that always has its next GET in the server's socket before the
    answer to the last one has come (as a fast client often has): counts the answers."""

    REQUEST = b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=PAGE_TIMEOUT)
        self.buffer = b""
        self.answers = 0

    def _read_answer(self):
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self.sock.recv(65536) or pytest.fail("the server closed")
        head, _, rest = self.buffer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200"), head[:40]
        length = int(
            next(h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length:")).split(
                b":"
            )[1]
        )
        while len(rest) < length:
            rest += self.sock.recv(65536) or pytest.fail("the server closed")
        self.buffer = rest[length:]

    def run(self, until):
        self.sock.sendall(self.REQUEST * 2)
        while time.monotonic() < until:
            self._read_answer()
            self.answers += 1
            self.sock.sendall(self.REQUEST)

    def close(self):
        self.sock.close()


def test_kept_alive_connections_take_turns(live_server):
    """Four connections that each have a request waiting at all times, on one worker: each is
    answered about as often as the others. Without views/serving.py's post_request the first
    one's greenlet never waits and the other three get next to nothing."""
    server = live_server(workers=1)
    port = int(server.url.rsplit(":", 1)[1])
    clients = [PipelinedClient(port) for _ in range(4)]
    until = time.monotonic() + 3
    threads = [threading.Thread(target=client.run, args=(until,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(PAGE_TIMEOUT + 5)
    counts = [client.answers for client in clients]
    for client in clients:
        client.close()
    assert min(counts) >= 5, counts
    assert min(counts) >= max(counts) / 3, counts
