"""The soak test: a minute of mixed load, then proof that nothing failed, nothing was lost and
the workers' memory held steady.

    python -m tests.faults.soak [--seconds 60] [--clients 20] [--backend sqlite|postgresql]

The app runs under gunicorn (2 workers) on 127.0.0.1 against a seeded database of its own.
Each client is a browser-like session (guests, staff at the counter, entrepreneurs signed in)
sending one request after another: 90% reads of the pages its role uses, 10% writes
(registrations, redemptions, donations). Passing means: no answer was a 5xx and every answer
was the one expected, no connection failed, every acknowledged write is in the database (and
none is half done, and `flask --app app ledger verify` passes), the workers were never
replaced, and each worker's resident memory at the end is within the allowed growth of what
it was after the warm-up (the report prints both).
"""

import argparse
import random
import sys
import threading
import time

from tests.faults.harness import (
    ENTREPRENEURS,
    STAFF,
    Actor,
    Ledger,
    Scratch,
    Server,
    check_everything,
    new_rng,
    rss_kib,
    say,
    seed,
)

WRITE_SHARE = 0.10
# A worker may grow this much after the warm-up (caches filling); a leak of a few KiB per
# request over a minute's thousands of requests shows well beyond it.
ALLOWED_GROWTH_KIB = 16 * 1024


def pages(role, fixture, rng):
    """A page the role would read now."""
    card = rng.choice(fixture.cards)
    choices = {
        "guest": [
            "/",
            "/events",
            "/events/archive",
            f"/events/{fixture.big_event}",
            f"/events/{fixture.small_event}",
            f"/events/{fixture.big_event}/register",
            "/market/disclosure",
            "/privacy",
            "/events?q=%E8%AE%BA%E5%9D%9B",  # 论坛
        ],
        "staff": [
            "/",
            "/manage/events",
            f"/manage/events/{fixture.big_event}",
            "/market/",
            "/market/households",
            "/market/donations",
            "/market/donors",
            f"/market/counter/{card}",
            "/market/items",
            "/market/cash",
            "/market/reports",
        ],
        "entrepreneur": ["/", "/my/registrations", "/notices", "/events", "/account"],
    }[role]
    return rng.choice(choices)


class Client(threading.Thread):
    """One session sending requests back to back until the time is up."""

    def __init__(self, role, actor, fixture, deadline, latencies, username=None):
        super().__init__(daemon=True)
        self.role, self.actor, self.fixture = role, actor, fixture
        self.deadline, self.latencies, self.username = deadline, latencies, username
        self.failures = []

    def run(self):
        """Read or write, 9 to 1, until the deadline; a client that breaks fails the run."""
        try:
            self.requests()
        except Exception as exc:
            self.failures.append(f"client {self.actor.number} stopped: {exc!r}")

    def requests(self):
        """Read or write, 9 to 1, until the deadline."""
        rng = self.actor.rng
        while time.monotonic() < self.deadline:
            started = time.monotonic()
            if rng.random() < WRITE_SHARE:
                self.write(rng)
            else:
                path = pages(self.role, self.fixture, rng)
                answer = self.actor.call("GET", path)
                if answer is None:
                    self.failures.append(f"connection failed: GET {path}")
                elif answer[0] != 200:
                    self.actor.unexpected(f"GET {path}", answer)
            self.latencies.append(time.monotonic() - started)

    def write(self, rng):
        """The role's kind of write."""
        if self.role == "guest":
            self.actor.register(self.fixture.big_event)
        elif self.role == "staff":
            if rng.random() < 0.8:
                self.actor.redeem()
            else:
                self.actor.donate()
        else:
            self.actor.register_with_account(self.username)


def run(backend, seconds, clients, seed_text):
    """One soak run; True when it passed."""
    rng = new_rng(seed_text)
    say(f"== soak on {backend}: {seconds} s, {clients} clients (seed {seed_text!r}) ==")
    scratch = Scratch(backend)
    server = Server(scratch, f"soak-{backend}")
    ledger, latencies = Ledger(), []
    try:
        fixture = seed(scratch)
        server.start()
        workers = server.worker_pids()
        threads = []
        deadline = time.monotonic() + seconds
        for number in range(1, clients + 1):
            actor = Actor(server.url, ledger, fixture, number, random.Random(rng.random()))
            share = number % 10
            if share < 5:
                role, username = "guest", None
            elif share < 8:
                role, username = "staff", None
                actor.sign_in(*STAFF)
            else:
                role = "entrepreneur"
                username, password = ENTREPRENEURS[number % len(ENTREPRENEURS)]
                actor.sign_in(username, password)
            threads.append(Client(role, actor, fixture, deadline, latencies, username))
        for thread in threads:
            thread.start()
        warm_up = min(10, seconds / 4)
        time.sleep(warm_up)
        start_rss = {pid: rss_kib(pid) for pid in workers}
        for thread in threads:
            thread.join(seconds + 120)
        end_rss = {pid: rss_kib(pid) for pid in workers}
        replaced = sorted(set(server.worker_pids()) ^ set(workers))
        server.stop()

        problems = check_everything(scratch, fixture, ledger)
        problems += [f"server error: {line}" for line in ledger.server_errors[:20]]
        problems += [f"unexpected answer: {line}" for line in ledger.unexpected[:20]]
        problems += [failure for thread in threads for failure in thread.failures][:20]
        if replaced:
            problems.append(f"workers were replaced during the run: {replaced}")
        for pid in workers:
            growth = end_rss[pid] - start_rss[pid]
            say(
                f"worker {pid}: RSS {start_rss[pid] / 1024:.1f} MiB after the warm-up, "
                f"{end_rss[pid] / 1024:.1f} MiB at the end ({growth / 1024:+.1f} MiB)"
            )
            if growth > ALLOWED_GROWTH_KIB:
                problems.append(f"worker {pid} grew {growth / 1024:.1f} MiB")
        requests = sum(ledger.statuses.values())
        ordered = sorted(latencies) or [0]
        say(
            f"{requests} requests ({requests / seconds:.0f}/s), answers "
            f"{dict(sorted(ledger.statuses.items()))}, latency p50 "
            f"{ordered[len(ordered) // 2] * 1000:.0f} ms, p99 "
            f"{ordered[int(len(ordered) * 0.99)] * 1000:.0f} ms; {ledger.acknowledged()} writes "
            "acknowledged"
        )
        for problem in problems:
            say(f"  ! {problem}")
        say(f"{backend} soak: " + ("FAILED" if problems else "passed"))
        return not problems
    finally:
        server.close()
        scratch.drop()


def main(argv=None):
    """Parse the arguments and run; exit 1 on any problem."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--seed", default=None, help="repeat a run's random choices")
    args = parser.parse_args(argv)
    seed_text = args.seed or str(random.SystemRandom().randrange(10**9))
    sys.exit(0 if run(args.backend, args.seconds, args.clients, seed_text) else 1)


if __name__ == "__main__":
    main()
