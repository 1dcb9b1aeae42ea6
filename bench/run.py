"""Load benchmark: the product against the bare reference stack, in one run, with wrk.

    python -m bench.run [--duration 10] [--warmup 2] [--connections 10] [--quick]

Starts the reference app and the product under gunicorn (2 workers each, served as `make run`
serves: views/serving.py, gevent workers) on loopback,
drives every endpoint of bench/endpoints.py with wrk (10 clients, 10 s after a 2 s warm-up),
checks allocation after the write runs, and writes a Markdown table to bench/results/<date>.md.
The database is the district-scale one made by bench/generate.py (SQLite by default;
DATABASE_URL for PostgreSQL).
"""

import argparse
import datetime
import http.cookiejar
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from bench import endpoints
from db import release_connections

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
DATA = BENCH / "data"
RESULTS = BENCH / "results"
PYTHON = sys.executable

ACCEPT_ENCODING = "gzip, deflate, br"
TIMEOUT_S = 5  # wrk --timeout: a request slower than this is a timeout, not a latency
# Appended to every script. It keeps the threads (wrapping the script's own setup()) so that
# done() can add up the refusals each thread counted: answers with a status in `refusals`
# (set by the script's prelude) are correct answers at a limit, not errors. wrk leaves
# timed-out requests out of its latency percentiles, so they are reported (and counted as
# errors) on their own.
WRK_REPORT = """
local all_threads = {}
local script_setup = setup
setup = function(thread)
  table.insert(all_threads, thread)
  if script_setup then script_setup(thread) end
end
refused = 0
if next(refusals) ~= nil then
  response = function(status, headers, body)
    if refusals[status] then refused = refused + 1 end
  end
end
done = function(summary, latency, requests)
  local refused_total = 0
  for _, thread in ipairs(all_threads) do refused_total = refused_total + thread:get("refused") end
  local status_errors = summary.errors.status - refused_total
  local errors = status_errors + summary.errors.connect + summary.errors.read
                 + summary.errors.write + summary.errors.timeout
  io.write(string.format(
    'WRKJSON {"requests": %d, "seconds": %f, "bytes": %d, "errors": %d, "status_errors": %d, '
    .. '"timeouts": %d, "refused": %d, "p50_ms": %f, "p99_ms": %f}\\n',
    summary.requests, summary.duration / 1e6, summary.bytes, errors, status_errors,
    summary.errors.timeout, refused_total,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A gunicorn server with 2 workers on a loopback port, configured as `make run` serves
    (views/serving.py: gevent workers, request bodies buffered), the reference app too."""

    def __init__(self, app_spec, env, workers=2):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "gunicorn",
                "--config",
                "views/serving.py",
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "60",
                app_spec,
            ],
            cwd=ROOT,
            env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/", timeout=2)
                return
            except urllib.error.HTTPError:
                return  # the server answers (404 on the reference app's "/")
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{app_spec} did not start; see {self.log.name}")

    def worker_rss_mb(self):
        """Resident memory of each worker process, in MB."""
        children = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True
        ).stdout.split()
        sizes = []
        for pid in children:
            status = Path(f"/proc/{pid}/status").read_text()
            kb = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
            sizes.append(round(kb / 1024, 1))
        return sizes

    def stop(self):
        self.process.terminate()
        self.process.wait(20)


def wrk(url, duration, warmup, connections, script="", refusals=()):
    """Run wrk (after a warm-up) and return its numbers. `requests` counts every answer
    (refusals and error statuses included); `completed` the correct ones (refusals included);
    `errors` includes timeouts and any status ≥ 400 not in `refusals`."""
    prelude = (
        "refusals = {"
        + "".join(f"[{status}] = true," for status in refusals)
        + "}\n"
        # As every browser does: the product compresses pages for clients that ask.
        + f'wrk.headers["Accept-Encoding"] = "{ACCEPT_ENCODING}"\n'
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(prelude + script + WRK_REPORT)
    command = ["wrk", f"-t{endpoints.THREADS}", f"-c{connections}", "--timeout", f"{TIMEOUT_S}s"]
    if warmup:
        subprocess.run(
            [*command, f"-d{warmup}s", "-s", handle.name, url], capture_output=True, check=True
        )
    out = subprocess.run(
        [*command, f"-d{duration}s", "-s", handle.name, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(handle.name)
    result = json.loads(out.split("WRKJSON ", 1)[1].splitlines()[0])
    # `requests` are the answers (error statuses included); timed-out and failed
    # connections never answered and are only among the errors.
    result["completed"] = result["requests"] - result["status_errors"]
    result["rps"] = result["completed"] / result["seconds"]
    result["bytes_per_response"] = result["bytes"] / max(result["requests"], 1)
    return result


def login(base_url, username, password):
    """A session cookie and CSRF token for `username` on the product."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base_url + "/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode(
        {"username": username, "password": password, "csrf_token": token}
    ).encode()
    opener.open(base_url + "/login", body)
    page = opener.open(base_url + "/").read().decode()
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return {"Cookie": cookie, "X-CSRFToken": token}


def machine_description():
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory // 1024 // 1024} GiB, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    )


def median_run(results):
    """The run with the median requests/s, and how many runs there were."""
    ordered = sorted(results, key=lambda r: r["rps"])
    return dict(ordered[len(ordered) // 2], runs=len(ordered))


def load_average():
    """The machine's 1-minute load average (other work on the machine skews numbers)."""
    return float(Path("/proc/loadavg").read_text().split()[0])


def fresh_copy(database_url, scale):
    """A copy of the generated database for this run, so every run starts from the same data
    (the write endpoints use up seats, visits and stock). Returns its DATABASE_URL."""
    # No connection of this process to the source stays open: SQLite folds its WAL into the
    # file copied, and PostgreSQL copies a template only when nobody is connected to it.
    release_connections()
    if database_url.startswith("sqlite:///"):
        source = Path(database_url[len("sqlite:///") :])
        target = DATA / f"run-{scale}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(source, target)
        return f"sqlite:///{target}"
    import psycopg2

    parts = urllib.parse.urlsplit(database_url)
    source = parts.path.lstrip("/")
    target = f"{source}_run"
    admin = psycopg2.connect(urllib.parse.urlunsplit(parts._replace(path="/postgres")))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{target}"')
        cursor.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
    admin.close()
    return urllib.parse.urlunsplit(parts._replace(path="/" + target))


def static_caching(base_url):
    """The Cache-Control of the stylesheet linked from the home page, and whether its URL
    carries a content hash."""
    page = urllib.request.urlopen(base_url + "/").read().decode()
    href = re.search(r'href="(/static/css/app\.css\?v=([0-9a-f]+))"', page)
    if href is None:
        return "no content-hashed stylesheet link found on the home page"
    response = urllib.request.urlopen(base_url + href.group(1))
    return (
        f"{href.group(1)} (content hash {href.group(2)}) is served with "
        f"`Cache-Control: {response.headers.get('Cache-Control')}`"
    )


def main():
    from bench import generate

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="small data set, 3 s runs")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="TEXT",
        help="run only endpoints whose name contains TEXT (printed, not written to results/)",
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk (make bench does this as root)")
    if args.quick:
        args.duration, args.warmup = 3, 1

    DATA.mkdir(exist_ok=True)
    database_url = os.environ.get("DATABASE_URL")
    scale = "quick" if args.quick else "district"
    if not database_url:
        database_url = f"sqlite:///{DATA / f'{scale}.sqlite3'}"
    loads = [load_average()]
    started = time.monotonic()
    counts = generate.ensure(database_url, scale)
    generated_in = time.monotonic() - started
    run_url = fresh_copy(database_url, scale)
    backend = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"

    reference_db = DATA / "reference.sqlite3"
    from bench import reference_app

    reference_app.fill(str(reference_db))
    reference = Server(
        "bench.reference_app:create_app()", {"BENCH_REFERENCE_DB": str(reference_db)}
    )
    product = Server("app:create_app()", {"DATABASE_URL": run_url, "SECRET_KEY": "bench"})
    rows = []
    try:
        scripts = {
            "hello": "",
            "rows": "request = function() return wrk.format('GET', '/rows?q=' .. "
            "math.random(0, 199)) end\n",
            "insert": 'wrk.method = "POST"\n',
        }
        paths = {"hello": "/hello", "rows": "/rows", "insert": "/insert"}

        def measure_reference(name):
            """One wrk run of a reference endpoint."""
            result = wrk(
                reference.url + paths[name],
                args.duration,
                args.warmup,
                args.connections,
                scripts[name],
            )
            runs.setdefault(name, []).append(result)
            return result

        runs = {}
        for name in paths:
            measure_reference(name)
        context = endpoints.prepare(product.url, login, run_url)
        start = endpoints.allocation_start(run_url)
        caching = static_caching(product.url)
        chosen = [
            e for e in endpoints.ENDPOINTS if not args.only or any(t in e.name for t in args.only)
        ]
        for endpoint in chosen:
            # The matching reference again, just before: the ratio holds even if the
            # machine's load drifts during the run.
            reference_result = measure_reference(endpoint.reference)
            script = endpoint.script(context)
            result = wrk(
                product.url + endpoint.path(context),
                args.duration,
                args.warmup,
                args.connections,
                script,
                endpoint.refusals,
            )
            result.update(
                html_bytes=html_bytes(product.url, endpoint, context),
                name=endpoint.name,
                kind=endpoint.reference,
                reference_rps=reference_result["rps"],
                ratio=result["rps"] / reference_result["rps"] if reference_result["rps"] else 0,
            )
            rows.append(result)
            print(
                f"  {endpoint.name}: {result['rps']:.0f} req/s ({result['ratio']:.2f}× "
                f"{endpoint.reference} at {reference_result['rps']:.0f}/s), "
                f"p99 {result['p99_ms']:.1f} ms, {result['errors']} errors "
                f"({result['timeouts']} timeouts), {result['refused']} refused, "
                f"{result['bytes_per_response']:,.0f} B",
                flush=True,
            )
            if endpoint.name == "redemption POST":
                drain_stock(product.url, run_url, endpoint, context, args.connections)
        refs = {name: median_run(results) for name, results in runs.items()}
        rss = product.worker_rss_mb()
        loads.append(load_average())
        checks = endpoints.check_allocation(run_url, start)
    finally:
        product.stop()
        reference.stop()
    notes = dict(checks=checks, rss=rss, caching=caching, generated_in=generated_in, loads=loads)
    write_report(args, backend, counts, refs, rows, notes)


def html_bytes(base_url, endpoint, context):
    """The body of one answer of a GET endpoint as it is before compression (None for a
    POST)."""
    if endpoint.post:
        return None
    request = urllib.request.Request(
        base_url + endpoint.path(context), headers=endpoint.headers(context)
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return len(response.read())


def drain_stock(base_url, run_url, endpoint, context, connections, most_seconds=60):
    """Unmeasured: go on redeeming until the bench towel's stock is out (a slow measured run
    may not get there), so the check after the run sees redemptions racing for the last
    units. Gives up after `most_seconds` (the check then says the limit was not tested)."""
    deadline = time.monotonic() + most_seconds
    while time.monotonic() < deadline and endpoints.bench_stock(run_url) > 0:
        wrk(base_url + "/", 5, 0, connections, endpoint.script(context), endpoint.refusals)


TARGETS = {"rows": 0.5, "insert": 0.4}  # SQLite; PostgreSQL reads: 0.4
P99_TARGET_MS = 150
PAGE_TARGET_BYTES = 30 * 1024
RSS_TARGET_MB = 100


def verdict(row, backend, checks=()):
    """What an endpoint misses of its targets ("" when it meets them all).

    Nothing completed is a miss by itself (its p99 and size of 0 prove nothing), so are
    errors and timeouts (wrk leaves timed-out requests out of p99), and for the POSTs a
    failed or untested allocation check after the run (`checks`)."""
    target = TARGETS[row["kind"]]
    if backend == "PostgreSQL" and row["kind"] == "rows":
        target = 0.4
    misses = []
    if row["completed"] == 0:
        misses.append("nothing completed")
    if row["ratio"] < target:
        misses.append(f"ratio < {target}")
    if row["timeouts"]:
        misses.append(f"{row['timeouts']} timeouts (> {TIMEOUT_S} s)")
    if row["completed"] and row["p99_ms"] >= P99_TARGET_MS:
        misses.append(f"p99 ≥ {P99_TARGET_MS} ms")
    if row["errors"] - row["timeouts"]:
        misses.append("errors")
    if row["completed"] and row["bytes_per_response"] >= PAGE_TARGET_BYTES:
        misses.append("≥ 30 KB")
    if row["kind"] == "insert":
        if any(c.startswith("FAILED") for c in checks):
            misses.append("allocation FAILED")
        if any(c.startswith("NOT TESTED") for c in checks):
            misses.append("limit NOT TESTED")
    return ", ".join(misses)


def write_report(args, backend, counts, refs, rows, notes):
    """The Markdown table, appended to bench/results/<date>.md for a district-scale run of
    every endpoint (a quick or partial run is only printed)."""
    checks, rss, caching = notes["checks"], notes["rss"], notes["caching"]
    RESULTS.mkdir(exist_ok=True)
    today = datetime.date.today().isoformat()
    lines = [
        f"## {backend} — {datetime.datetime.now():%Y-%m-%d %H:%M}",
        "",
        f"Machine: {machine_description()}. gunicorn 2 gevent workers (views/serving.py); wrk "
        f"{endpoints.THREADS} threads, {args.connections} connections, {args.duration} s after "
        f"a {args.warmup} s warm-up, loopback; every run on a fresh copy of the generated data. "
        f"Load average {notes['loads'][0]:.1f} before, {notes['loads'][-1]:.1f} after "
        "(other work shared the machine).",
        "",
        "Data: "
        + ", ".join(f"{n:,} {k}" for k, n in counts.items())
        + "."
        + (f" Generated in {notes['generated_in']:.0f} s." if notes["generated_in"] > 5 else ""),
        "",
        "Each endpoint's ratio is to its reference measured just before it; the reference "
        "table shows the median run.",
        "",
        "| reference | runs | req/s | p50 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, r in refs.items():
        lines.append(
            f"| bare {name} | {r['runs']} | {r['rps']:.0f} | {r['p50_ms']:.1f} | "
            f"{r['p99_ms']:.1f} | {r['errors']} |"
        )
    lines += [
        "",
        "| endpoint | req/s | ratio to reference (its req/s) | p50 ms | p99 ms | errors "
        "(timeouts) | refused | bytes/response | HTML bytes | misses |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['name']} | {r['rps']:.0f} | {r['ratio']:.2f}× {r['kind']} "
            f"({r['reference_rps']:.0f}) | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | "
            f"{r['errors']} ({r['timeouts']}) | {r['refused']} | "
            f"{r['bytes_per_response']:,.0f} | "
            f"{'—' if r['html_bytes'] is None else format(r['html_bytes'], ',')} | "
            f"{verdict(r, backend, checks) or '—'} |"
        )
    heavy = [m for m in rss if m >= RSS_TARGET_MB]
    lines += [
        "",
        "req/s counts correct answers only (refusals included). Errors count answers ≥ 400, "
        "socket errors and "
        f"timeouts (no answer within {TIMEOUT_S} s; wrk leaves them out of p50 and p99); "
        "refused counts the counter's correct refusals (422) once the towel is out of stock "
        "or a card's visits are used up. bytes/response are what travelled, headers "
        f"included, to a client that sends Accept-Encoding: {ACCEPT_ENCODING} (as browsers "
        "do); HTML bytes are the same answer's body uncompressed.",
        "After the run: " + "; ".join(checks) + ".",
        f"Worker RSS after the run: {', '.join(f'{m} MB' for m in rss)}"
        + (f" ({len(heavy)} over {RSS_TARGET_MB} MB)." if heavy else f" (< {RSS_TARGET_MB} MB)."),
        f"Static files: {caching}.",
        "",
        "",
    ]
    print("\n".join(lines))
    if args.only or args.quick:
        return
    path = RESULTS / f"{today}.md"
    with path.open("a") as handle:
        handle.write("\n".join(lines))
    print(f"written to {path}")


if __name__ == "__main__":
    main()
