"""The crash test: SIGKILL the running app at random moments, restart it, and prove that
nothing acknowledged was lost and nothing was left half done.

    python -m tests.faults.crash [--kills 20] [--backend sqlite|postgresql] [--seed TEXT]

The app runs under gunicorn (a master and 2 workers) on 127.0.0.1 against a seeded database
of its own. Client threads register guests for an event (and for a three-seat event, where
they also cancel, so people waiting are promoted and told), redeem goods for points at the
counter, and record donations, as browsers would (session cookie, CSRF token). At a random
moment the master and all workers are killed with SIGKILL together (in some rounds one worker
is killed alone first, and the master replaces it); then, with the app down:

- SQLite: `PRAGMA integrity_check` is ok and `PRAGMA foreign_key_check` is empty
  (PostgreSQL: amcheck's `bt_index_check` on every index, when the extension is there);
- no foreign key points at a missing row (every table, both databases);
- `flask --app app ledger verify` passes (hash chains, balances, gapless receipt numbers);
- every action the app acknowledged (answered with its success redirect) is in the database;
- no action is half done: every redemption has its stock movements and its points debit
  (and no such rows exist without it), every donation its ledger rows, every registration its
  audit entry and notice, every promotion and cancellation its notice; seats never oversold;
  every volunteer hour record holds exactly the points its passbook entries booked (an
  approval or correction of hours and its points commit together).

Then the app is started again and the clients carry on. Exit status 0 when every round
passed; the server logs are in test-output/faults/.
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
    say,
    seed,
)


def calmly(action, *args):
    """Do `action` and then pause half a second (a person, not a script)."""
    action(*args)
    time.sleep(0.5)


def client_loop(actor, action, up, stop):
    """Run `action` again and again while the server is up, until told to stop."""
    while not stop.is_set():
        if not up.wait(0.2):
            continue
        action()


def start_clients(server, fixture, ledger, up, stop, rng):
    """The client threads: guests registering (and cancelling), staff at the counter and
    recording donations, entrepreneurs registering from their accounts."""
    threads, number = [], 0

    def actor():
        nonlocal number
        number += 1
        return Actor(server.url, ledger, fixture, number, random.Random(rng.random()))

    plans = []
    for _ in range(2):
        guest = actor()
        plans.append((guest, lambda g=guest: g.register(fixture.big_event)))
    guest = actor()
    plans.append((guest, guest.register_and_cancel))
    for _ in range(2):
        counter = actor()
        counter.sign_in(*STAFF)
        plans.append((counter, counter.redeem))
    donor = actor()
    donor.sign_in(*STAFF)
    plans.append((donor, donor.donate))
    merger = actor()
    merger.sign_in(*STAFF)
    plans.append((merger, lambda m=merger: calmly(m.merge_duplicate)))
    for share in range(2):  # two staff approving volunteer hours (points booked with them)
        approver = actor()
        approver.sign_in(*STAFF)
        plans.append((approver, lambda a=approver, n=share: a.approve_hours(n, 2)))
    for username, password in ENTREPRENEURS:
        person = actor()
        person.sign_in(username, password)
        plans.append((person, lambda p=person, u=username: calmly(p.register_with_account, u)))
    for client, action in plans:
        thread = threading.Thread(target=client_loop, args=(client, action, up, stop), daemon=True)
        thread.start()
        threads.append(thread)
    return threads


def run(backend, kills, seed_text):
    """One crash run on one database; True when every round passed."""
    rng = new_rng(seed_text)
    say(f"== crash test on {backend}: {kills} kills (seed {seed_text!r}) ==")
    scratch = Scratch(backend)
    server = Server(scratch, f"crash-{backend}")
    ledger, up, stop = Ledger(), threading.Event(), threading.Event()
    started = time.monotonic()
    try:
        fixture = seed(scratch)
        server.start()
        up.set()
        threads = start_clients(server, fixture, ledger, up, stop, rng)
        for round_number in range(1, kills + 1):
            before = ledger.acknowledged()
            time.sleep(rng.uniform(0.2, 3.0))  # a random moment
            if rng.random() < 0.3:  # now and then a worker dies first, alone
                server.kill_one_worker(rng)
                time.sleep(rng.uniform(0.05, 1.0))
            up.clear()
            server.kill()
            problems = check_everything(scratch, fixture, ledger)
            say(
                f"kill {round_number:2d}/{kills}: {ledger.acknowledged() - before:4d} actions "
                f"acknowledged this round, {ledger.acknowledged():5d} in all; "
                + ("all checks passed" if not problems else f"{len(problems)} PROBLEMS")
            )
            if problems:
                for problem in problems[:30]:
                    say(f"  ! {problem}")
                return False
            server.start()
            up.set()
        stop.set()
        for thread in threads:
            thread.join(70)
        server.stop()
        problems = check_everything(scratch, fixture, ledger)
        problems += [f"server error: {line}" for line in ledger.server_errors[:20]]
        problems += [f"unexpected answer: {line}" for line in ledger.unexpected[:20]]
        if ledger.acknowledged() < kills:
            problems.append(f"only {ledger.acknowledged()} actions acknowledged: proves little")
        for problem in problems:
            say(f"  ! {problem}")
        say(
            f"{backend}: {kills} kills, {ledger.acknowledged()} acknowledged actions "
            f"({len(ledger.registrations)} registrations, {len(ledger.cancellations)} "
            f"cancellations, {len(ledger.redemptions)} redemptions, {len(ledger.donations)} "
            f"donations, {len(ledger.merges)} merges, {len(ledger.hour_approvals)} hour approvals, "
            f"{len(ledger.hour_corrections)} hour corrections), "
            f"answers {dict(sorted(ledger.statuses.items()))}, "
            f"{time.monotonic() - started:.0f} s: " + ("FAILED" if problems else "passed")
        )
        return not problems
    finally:
        stop.set()
        up.set()
        server.close()
        scratch.drop()


def main(argv=None):
    """Parse the arguments and run; exit 1 on any problem."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--seed", default=None, help="repeat a run's random choices")
    args = parser.parse_args(argv)
    seed_text = args.seed or str(random.SystemRandom().randrange(10**9))
    sys.exit(0 if run(args.backend, args.kills, seed_text) else 1)


if __name__ == "__main__":
    main()
