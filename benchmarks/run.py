"""`make bench`: load the app from outside its process and report, side by side with two
baselines (the framework alone, and one indexed SELECT).

Production settings on PostgreSQL and Redis, gunicorn sized for this machine, wrk on loopback,
every run bounded in time. Prints a table and writes var/bench/results.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402
from django.utils.module_loading import import_string  # noqa: E402

from benchmarks import seed  # noqa: E402
from letters import tokens  # noqa: E402
from letters.models import Letter  # noqa: E402

HOST = "127.0.0.1"
OUT = ROOT / "var" / "bench"


@dataclass
class Result:
    name: str
    size: int
    rps: float = 0.0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    errors: int = 0
    requests: int = 0
    ratio_to_bare: float | None = None
    note: str = ""
    extra: dict = field(default_factory=dict)


def percentile(ordered: list[float], p: float) -> float:
    """The p-th quantile (0..1) of already sorted values; 0 when there are none."""
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def url_or_none(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def staff_cookie(username: str) -> str:
    """A logged-in session made directly, as the login form would leave it."""
    user = get_user_model().objects.get(username=username)
    session = import_string(f"{settings.SESSION_ENGINE}.SessionStore")()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = settings.AUTHENTICATION_BACKENDS[-1]
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


CSRF = "b" * 32  # an unmasked CSRF secret is a valid token for the cookie that holds it


def csrf_headers(cookie: str = "") -> dict[str, str]:
    jar = f"{settings.CSRF_COOKIE_NAME}={CSRF}" + (f"; {cookie}" if cookie else "")
    return {"Cookie": jar, "Content-Type": "application/x-www-form-urlencoded"}


def wait_for_port(port: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def worker_class_args(threads: int) -> list[str]:
    if threads <= 0:
        return ["--worker-class", "sync"]
    return ["--threads", str(threads), "--worker-class", "gthread"]


class Server:
    """gunicorn for 2 cores: 4 workers x 2 threads keeps both cores busy while some wait on I/O.
    ``threads=0``: sync workers (one request at a time each, no kept-alive connection)."""

    def __init__(self, workers: int, threads: int):
        self.port = free_port()
        self.proc = subprocess.Popen(  # noqa: S603
            [
                str(ROOT / ".venv/bin/gunicorn"),
                "benchmarks.wsgi:application",
                "--bind",
                f"{HOST}:{self.port}",
                "--workers",
                str(workers),
                *worker_class_args(threads),
                "--preload",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=os.environ | {"DJANGO_SETTINGS_MODULE": "benchmarks.settings"},
        )
        wait_for_port(self.port, self.proc)

    def worker_pids(self) -> list[int]:
        out = subprocess.run(  # noqa: S603
            ["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True
        ).stdout
        return [int(p) for p in out.split()]

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)


def peak_rss_mb(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return 0.0
    match = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else 0.0


def wrk(url: str, *, duration: int, connections: int, method="GET", body="", headers=None) -> dict:
    env = os.environ.copy()
    env["WRK_METHOD"] = method
    if body:
        env["WRK_BODY"] = body
    if headers:
        env["WRK_HEADERS"] = "|".join(f"{k}: {v}" for k, v in headers.items())
    proc = subprocess.run(  # noqa: S603
        [
            shutil.which("wrk") or "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{duration}s",
            "--timeout",
            "10s",
            "-s",
            str(ROOT / "benchmarks" / "report.lua"),
            url,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=duration + 60,
    )
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed: {proc.stdout}\n{proc.stderr}")
    data = json.loads(line[len("WRKJSON ") :])
    data["errors"] = data.pop("socket_errors") + data.pop("http_errors")
    return data


def claim_next_race(base: str, path: str, volunteers: list[str], duration: int) -> dict:
    """20 volunteers press "Claim next" at the same instant, each with its own session and
    connection, in rounds for ``duration`` seconds. A round ends when every press has
    answered; then each gives the letter back through the service, untimed, and the next round
    starts when all 20 are ready again. (A loop in which every volunteer presses again the
    moment an answer comes only measures the length of the queue on two cores, and giving the
    letter back inside it ran a second transaction per press in this process, whose 20 threads
    share one interpreter lock, so that work was counted in the others' latencies.)"""
    from letters.services import translation

    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    clock = {"stop_at": 0.0, "go": True, "round_started": 0.0, "pressing_s": 0.0}

    def round_starts() -> None:
        now = time.monotonic()
        if not clock["stop_at"]:
            clock["stop_at"] = now + duration
        clock["go"] = now < clock["stop_at"]
        clock["round_started"] = now

    def round_answered() -> None:
        clock["pressing_s"] += time.monotonic() - clock["round_started"]

    ready = threading.Barrier(len(volunteers), action=round_starts)
    answered = threading.Barrier(len(volunteers), action=round_answered)

    def run(username: str) -> None:
        nonlocal errors
        cookie = staff_cookie(username)
        user = get_user_model().objects.get(username=username)
        port = int(base.rsplit(":", 1)[1])
        conn = http.client.HTTPConnection(HOST, port, timeout=10)
        body = urlencode({"csrfmiddlewaretoken": CSRF})
        headers = csrf_headers(cookie)

        def give_back() -> None:
            held = Letter.objects.filter(claimed_by=user, status="in_translation")
            for letter_id in held.values_list("pk", flat=True):
                translation.letter_release(letter_id=letter_id, actor=user)

        give_back()  # what an earlier run left held
        while True:
            ready.wait()
            if not clock["go"]:
                break
            started = time.perf_counter()
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                # the server closed an idle keep-alive connection: a new one, like a browser
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=10)
                status = None
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if status is not None:
                    latencies.append(elapsed)
                    errors += status >= 400
            answered.wait()
            give_back()
        conn.close()

    threads = [threading.Thread(target=run, args=(u,)) for u in volunteers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()
    return {
        "double_claims": double_claims(),
        "requests": len(latencies),
        # presses answered per second of pressing (the untimed give-backs left out)
        "rps": len(latencies) / clock["pressing_s"] if clock["pressing_s"] else 0.0,
        "p50_ms": percentile(latencies, 0.50),
        "p95_ms": percentile(latencies, 0.95),
        "p99_ms": percentile(latencies, 0.99),
        "errors": errors,
    }


def double_claims() -> int:
    """Claims of a letter that was already claimed and not yet given back: must be zero."""
    from letters.models import LetterEvent

    doubles, last = 0, {}
    events = (
        LetterEvent.objects.filter(action__in=["claim", "release", "expire_claim"])
        .order_by("letter_id", "created_at", "pk")
        .values_list("letter_id", "action")
    )
    for letter_id, action in events.iterator():
        if action == "claim" and last.get(letter_id) == "claim":
            doubles += 1
        last[letter_id] = action
    return doubles


def page_specs(prisoner_slug: str, token: str, coordinator: str, volunteer: str) -> list[dict]:
    """Every page measured, in the order of the table. A page whose URL does not exist in this
    build is reported as missing, never silently dropped."""
    volunteer_cookie = staff_cookie(volunteer)
    coordinator_cookie = staff_cookie(coordinator)
    letter_form = url_or_none("letters:write")
    form_body = urlencode(
        {
            "csrfmiddlewaretoken": CSRF,
            "prisoner": prisoner_slug,
            "supporter_name": "Bench Supporter",
            "supporter_email": "bench-post@example.org",
            "supporter_country": "GB",
            "language": "en",
            # report.lua puts a number of its own into every request's __N__: each POST is a
            # new letter (the same letter sent again is answered with the first one's page).
            "original_text": seed.TEXT[:580] + " (letter __N__)",
            "delivery": "return_to_me",
            "postage_currency": "GBP",
            "consent": "on",
            "website": "",
        }
    )
    admin_list = url_or_none("admin:letters_letter_changelist")
    return [
        {"name": "bare view (fixed body)", "path": "/bench/bare/", "public": True},
        {"name": "bare view + 1 indexed SELECT", "path": "/bench/select/", "public": True},
        {"name": "bare view + 1 INSERT, committed", "path": "/bench/insert/", "public": True},
        {"name": "prisoner directory", "path": url_or_none("prisoners:list"), "public": True},
        {
            "name": "prisoner page",
            "path": url_or_none("prisoners:detail", prisoner_slug),
            "public": True,
        },
        {
            "name": "letter form (GET)",
            "path": letter_form and f"{letter_form}?to={prisoner_slug}",
            "public": True,
        },
        {
            "name": "letter form POST",
            "path": letter_form,
            "method": "POST",
            "body": form_body,
            "headers": csrf_headers(),
            "public": True,
            "post": True,
        },
        {
            "name": "tracking page",
            "path": url_or_none("letters:track", token),
            "p95_target": 100,
            "connections": 4,
        },
        {
            "name": "volunteer queue",
            "path": url_or_none("admin:letters_letter_desk_queue"),
            "headers": {"Cookie": volunteer_cookie},
            "p95_target": 100,
            "connections": 4,
        },
        {
            "name": "admin letters, filter + search",
            "path": admin_list and f"{admin_list}?status__exact=received&q=LB-B00001",
            "headers": {"Cookie": coordinator_cookie},
            "p95_target": 100,
            "connections": 4,
        },
    ]


def _prime(url: str, headers: dict | None) -> None:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request("GET", path, headers=headers or {})
        conn.getresponse().read()
    except (OSError, http.client.HTTPException):
        pass  # wrk reports the page's errors
    finally:
        conn.close()


def measure_pages(base: str, specs: list[dict], size: int, duration: int) -> list[Result]:
    results, bare_rps = [], None
    for spec in specs:
        result = Result(name=spec["name"], size=size)
        if not spec.get("path"):
            result.note = "page not in this build"
            results.append(result)
            continue
        # one request that waits as long as it takes, so a cold page (the first render, the
        # month's counts, the page cache's first copy) is ready before anything is timed; on a
        # busy machine that first render can outlast a whole short run
        if spec.get("method", "GET") == "GET":
            _prime(base + spec["path"], spec.get("headers"))
        # warm every gunicorn worker (imports, connections, caches) before measuring
        wrk(
            base + spec["path"],
            duration=2,
            connections=8,
            method=spec.get("method", "GET"),
            body=spec.get("body", ""),
            headers=spec.get("headers"),
        )
        # Throughput pages are loaded by 16 clients at once; pages with a latency target by 4
        # (a handful of volunteers, or supporters checking their letters), since at saturation
        # on two cores latency only measures the length of the queue.
        data = wrk(
            base + spec["path"],
            duration=duration,
            connections=spec.get("connections", 16),
            method=spec.get("method", "GET"),
            body=spec.get("body", ""),
            headers=spec.get("headers"),
        )
        for key in ("rps", "p50_ms", "p95_ms", "p99_ms", "errors", "requests"):
            setattr(result, key, data[key])
        if spec["path"] == "/bench/bare/":
            bare_rps = result.rps
        if bare_rps:
            result.ratio_to_bare = round(result.rps / bare_rps, 3)
        if spec.get("public") and spec["path"] not in (
            "/bench/bare/",
            "/bench/select/",
            "/bench/insert/",
        ):
            target = 0.25 if spec.get("post") else 0.5
            result.extra["target"] = f"≥ {target} × bare"
            result.extra["met"] = bool(result.ratio_to_bare and result.ratio_to_bare >= target)
        if spec.get("p95_target"):
            result.extra["target"] = f"p95 < {spec['p95_target']} ms"
            result.extra["met"] = (
                result.requests > 0 and result.p95_ms < spec["p95_target"] and result.errors == 0
            )
        results.append(result)
    return results


@contextmanager
def celery_worker(concurrency: int = 2):
    """A Celery worker on every queue (as `make run` starts one) on the benchmark's Redis, ready
    before the block runs: measure from a worker that is ready, not one still starting."""
    from config.celery import app as celery_app

    worker = subprocess.Popen(  # noqa: S603
        [
            str(ROOT / ".venv/bin/celery"),
            "-A",
            "config",
            "worker",
            "-Q",
            ",".join(settings.LETTERBRIDGE_TASK_QUEUES),
            f"--concurrency={concurrency}",
            "--loglevel=WARNING",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=os.environ | {"DJANGO_SETTINGS_MODULE": "benchmarks.settings"},
    )
    try:
        deadline = time.monotonic() + 60
        while not celery_app.control.ping(timeout=1.0) and time.monotonic() < deadline:
            pass
        yield worker
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)


def worker_peak_rss_mb(worker: subprocess.Popen) -> float:
    return round(
        max([peak_rss_mb(worker.pid)] + [peak_rss_mb(p) for p in child_pids(worker.pid)]), 1
    )


def email_delays_ms(notifications) -> list[float]:
    """Sorted times from each transition (its Notification row) to its e-mail being sent."""
    return sorted(
        (n.sent_at - n.created_at).total_seconds() * 1000
        for n in notifications.filter(sent_at__isnull=False).only("created_at", "sent_at")
    )


def email_latency(samples: int) -> Result:
    """Time from a transition to its e-mail being sent by a live worker on Redis."""
    from config.celery import app as celery_app
    from letters.models import Notification
    from letters.services import submission
    from prisoners.models import Prisoner

    result = Result(name="transition → e-mail sent (live worker)", size=Letter.objects.count())
    # The form POSTs queued thousands of e-mails with no worker running; drop that backlog so
    # the samples measure a transition's own path, not the queue ahead of it.
    celery_app.control.purge()
    with celery_worker() as worker:
        prisoner = Prisoner.objects.filter(accepts_letters=True).first()
        ids = []
        for number in range(samples):
            submitted = submission.letter_submit(
                prisoner_id=prisoner.pk,
                supporter_name="Bench",
                supporter_email="bench-mail@example.org",
                language="en",
                # Each its own letter: the same one sent again is answered with the first.
                original_text=f"Dear friend, you are not forgotten. ({number})",
                delivery="return_to_me",
            )
            ids.append(submitted.letter.pk)
            time.sleep(0.05)
        deadline = time.monotonic() + 60
        pending = Notification.objects.filter(letter_id__in=ids, sent_at__isnull=True)
        while pending.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        delays = email_delays_ms(Notification.objects.filter(letter_id__in=ids))
        result.requests = len(delays)
        result.errors = samples - len(delays)
        if delays:
            result.p50_ms = statistics.median(delays)
            result.p95_ms = percentile(delays, 0.95)
            result.p99_ms = delays[-1]
        result.extra = {
            "target": "p95 < 2000 ms",
            "met": result.requests > 0 and result.errors == 0 and result.p95_ms < 2000,
            "worker_peak_rss_mb": worker_peak_rss_mb(worker),
        }
    return result


def child_pids(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout  # noqa: S603
    return [int(p) for p in out.split()]


def batch_pdf(count: int) -> Result:
    result = Result(name=f"batch PDF of {count} letters", size=Letter.objects.count())
    try:
        from letters import pdf
    except ImportError:
        result.note = "PDFs not in this build"
        return result
    render = getattr(pdf, "render_batch_pdf", None)
    if render is None:
        result.note = "letters.pdf has no render_batch_pdf"
        return result
    letters = list(Letter.objects.filter(status="approved").select_related("prisoner")[:count])
    started = time.perf_counter()
    data = render(letters)
    seconds = time.perf_counter() - started
    result.requests = len(letters)
    result.extra = {
        "seconds": round(seconds, 2),
        "bytes": len(data),
        "target": "< 15 s for 500",
        "met": seconds < 15,
    }
    return result


def print_table(results: list[Result]) -> str:
    lines = [
        f"{'size':>9}  {'what':<40} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'errors':>6} {'×bare':>6}  target",
    ]
    for r in results:
        target = r.extra.get("target", "")
        if target:
            target += "  " + ("met" if r.extra.get("met") else "NOT met")
        if r.note:
            target = r.note
        if "seconds" in r.extra:
            target = f"{r.extra['seconds']} s, {r.extra['bytes'] // 1024} KiB  " + target
        lines.append(
            f"{r.size:>9}  {r.name:<40} {r.rps:>8.1f} {r.p50_ms:>8.1f} {r.p95_ms:>8.1f} "
            f"{r.p99_ms:>8.1f} {r.errors:>6} "
            f"{(f'{r.ratio_to_bare:.2f}' if r.ratio_to_bare is not None else ''):>6}  {target}"
        )
    return "\n".join(lines)


def ensure_database() -> None:
    name = settings.DATABASES["default"]["NAME"]
    subprocess.run(  # noqa: S603
        ["createdb", "-h", HOST, "-U", "postgres", name], capture_output=True, check=False
    )
    call_command("migrate", verbosity=0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,100000,1000000")
    parser.add_argument("--duration", type=int, default=8, help="seconds per page")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--pdf-letters", type=int, default=500)
    parser.add_argument("--email-samples", type=int, default=100)
    parser.add_argument("--output", default=str(OUT / "results.json"))
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]

    ensure_database()
    seed.reset()
    results: list[Result] = []
    creation: dict[int, float] = {}
    for size in sizes:
        creation[size] = round(seed.grow_to(size), 2)
        print(f"… {size:,} letters ready ({creation[size]} s to create)", flush=True)
        prisoner_slug = (
            Letter.objects.values_list("prisoner__slug", flat=True).order_by("pk").first()
        )
        posted = Letter.objects.filter(status="posted").only("tracking_salt").first()
        token = tokens.token_for(salt=posted.tracking_salt)
        server = Server(args.workers, args.threads)
        try:
            specs = page_specs(prisoner_slug, token, "bench-coordinator", "bench-volunteer-0")
            base = f"http://{HOST}:{server.port}"
            results += measure_pages(base, specs, size, args.duration)
            claim_url = url_or_none("admin:letters_letter_desk_claim_next")
            race = Result(name="claim next, 20 volunteers", size=size)
            if claim_url:
                data = claim_next_race(
                    base, claim_url, [f"bench-volunteer-{i}" for i in range(20)], args.duration
                )
                for key in ("rps", "p50_ms", "p95_ms", "p99_ms", "errors", "requests"):
                    setattr(race, key, data[key])
                race.extra = {
                    "target": "p95 < 100 ms, no double claim",
                    "double_claims": data["double_claims"],
                    "met": bool(race.requests)
                    and race.p95_ms < 100
                    and not race.errors
                    and not data["double_claims"],
                }
            else:
                race.note = "claim next not in this build"
            results.append(race)
            web_peak = max((peak_rss_mb(p) for p in server.worker_pids()), default=0.0)
        finally:
            server.stop()
        results.append(
            Result(
                name="web worker peak memory (MiB)",
                size=size,
                extra={"peak_mb": web_peak},
                note=f"{web_peak:.1f} MiB",
            )
        )
        print(print_table([r for r in results if r.size == size]), flush=True)

    results.append(batch_pdf(args.pdf_letters))
    mail = email_latency(args.email_samples)
    results.append(mail)
    table = print_table(results)
    print("\n" + table)
    machine = {
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "postgres": connection.cursor().connection.info.server_version,
        "uname": " ".join(os.uname()),
        "gunicorn": f"{args.workers} workers × {args.threads} threads (gthread)",
    }
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(
        json.dumps(
            {
                "machine": machine,
                "creation_seconds": creation,
                "results": [r.__dict__ for r in results],
                "table": table,
            },
            indent=2,
            default=str,
        )
    )
    print(f"\nwritten {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
