"""Against the nearest peer: django-helpdesk 2.6.1 side by side with Letterbridge, in one run.

django-helpdesk is installed from PyPI into a virtualenv of its own under var/peer/ (never into
the project's), with a minimal project written next to it: Django's default middleware (as its
demo), PostgreSQL with persistent connections (CONN_MAX_AGE=60 and health checks, as ours),
100,000 tickets in one queue, a staff user signed in. Both apps are served by the same
gunicorn (4 sync workers, preloaded; see --threads) and loaded by the same wrk, one page after
the other, so the ratios come from one run on the same (shared, loaded) machine.

Pages: each app's bare view (a fixed body through its whole middleware stack); the peer's
ticket list (the HTML page) and the JSON its table loads (the first 25 open tickets, oldest
first: the ticket list's data); our volunteer queue and our admin's letter list.

Because the machine is shared, each page's CPU time per request is also measured in-process
(Django's test client in a loop, ``time.process_time``), which other load hardly moves. That
counts the Python side only: PostgreSQL's own CPU is not in it.

    DJANGO_SETTINGS_MODULE=benchmarks.settings python -m benchmarks.peer --size 100000
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks import run, seed

PEER_PACKAGE = "django-helpdesk==2.6.1"
PEER_DIR = run.ROOT / "var" / "peer"
VENV = PEER_DIR / "venv"
PROJECT = PEER_DIR / "project"
PEER_DB = os.environ.get("PEER_DATABASE_NAME", "letterbridge_peer_helpdesk")

SETTINGS = """
import os
SECRET_KEY = "peer-benchmark-only-not-a-secret-0123456789abcdef"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
    "django.contrib.sessions", "django.contrib.messages", "django.contrib.staticfiles",
    "django.contrib.sites", "django.contrib.humanize", "rest_framework", "helpdesk",
]
# Django's default stack, as django-helpdesk's demo project uses
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "peer_urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [], "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.template.context_processors.i18n",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
DATABASES = {"default": {
    "ENGINE": "django.db.backends.postgresql", "NAME": os.environ["PEER_DATABASE_NAME"],
    "USER": "postgres", "HOST": "127.0.0.1", "PORT": "5432",
    "CONN_MAX_AGE": 60, "CONN_HEALTH_CHECKS": True,
}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
SITE_ID = 1
USE_TZ = True
TIME_ZONE = "Europe/London"
STATIC_URL = "/static/"
LOGIN_URL = "helpdesk:login"
# Teams need pinax-teams, an optional extra; without them helpdesk points the field at users.
HELPDESK_TEAMS_MODE_ENABLED = False
LOGGING = {"version": 1, "root": {"level": "WARNING"}}
"""

URLS = """
from django.http import HttpResponse
from django.urls import include, path


def bare(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare), path("", include("helpdesk.urls"))]
"""

WSGI = """
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer_settings")
from django.core.wsgi import get_wsgi_application
application = get_wsgi_application()
from django.urls import get_resolver
get_resolver().url_patterns
"""

# Run inside the peer's virtualenv: tickets up to the size, a staff user, and the session
# cookie and the ticket data URL printed as JSON.
SEED = """
import json, os, random, sys
from datetime import timedelta
import django
django.setup()
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from helpdesk.models import Queue, Ticket
from helpdesk.query import query_to_base64

size = int(sys.argv[1])
queue, _ = Queue.objects.get_or_create(slug="bench", defaults={"title": "Bench"})
User = get_user_model()
staff, made = User.objects.get_or_create(username="peer-staff", defaults={"is_staff": True})
if made:
    staff.set_password("peer-staff-password")
    staff.save()
have = Ticket.objects.count()
rng = random.Random(7)
now = timezone.now()
text = "Dear friend, you are not forgotten. " * 20
batch = []
for i in range(have, size):
    created = now - timedelta(minutes=size - i)
    batch.append(Ticket(
        title=f"Ticket {i}", queue=queue, created=created, modified=created,
        submitter_email=f"someone{i % 997}@example.org", status=rng.choice([1, 1, 2, 3, 4]),
        priority=rng.choice([1, 2, 3, 4, 5]), description=text,
        assigned_to=staff if i % 5 == 0 else None,
    ))
    if len(batch) == 5000:
        Ticket.objects.bulk_create(batch)
        batch = []
if batch:
    Ticket.objects.bulk_create(batch)
session = SessionStore()
session["_auth_user_id"] = str(staff.pk)
session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
session["_auth_user_hash"] = staff.get_session_auth_hash()
session.create()
query = query_to_base64({
    "filtering": {"status__in": [1, 2]}, "sorting": "created", "search_string": "",
    "sortreverse": False,
})
print(json.dumps({
    "tickets": Ticket.objects.count(),
    "cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}",
    "data_path": f"/datatables_ticket_list/{query}?draw=1&start=0&length=25",
}))
"""

# Run in either virtualenv: CPU time per request of each page through Django's test client.
CPU_LOOP = """
import json, sys, time
import django
django.setup()
from django.contrib.auth import get_user_model
from django.test import Client

pages, requests = json.loads(sys.argv[1]), int(sys.argv[2])
out = {}
for name, path, username in pages:
    client = Client(SERVER_NAME="localhost")
    if username:
        client.force_login(get_user_model().objects.get(username=username))
    for _ in range(5):
        status = client.get(path).status_code
    started_cpu, started = time.process_time(), time.perf_counter()
    for _ in range(requests):
        client.get(path)
    out[name] = {
        "status": status,
        "cpu_ms": (time.process_time() - started_cpu) * 1000 / requests,
        "wall_ms": (time.perf_counter() - started) * 1000 / requests,
    }
print("CPUJSON " + json.dumps(out))
"""


def peer_python() -> str:
    return str(VENV / "bin" / "python")


def install() -> None:
    """The peer's own virtualenv (PyPI), made once; the project's venv is never touched."""
    if not (VENV / "bin" / "python").exists():
        uv = str(run.ROOT / ".venv" / "bin" / "uv")
        subprocess.run([uv, "venv", "--python", sys.executable, str(VENV)], check=True)  # noqa: S603
    check = subprocess.run(  # noqa: S603
        [peer_python(), "-c", "import helpdesk, gunicorn, psycopg"], capture_output=True
    )
    if check.returncode:
        uv = str(run.ROOT / ".venv" / "bin" / "uv")
        subprocess.run(  # noqa: S603
            [uv, "pip", "install", "--python", peer_python(), PEER_PACKAGE, "gunicorn"]
            + ["psycopg[binary]"],
            check=True,
        )
    PROJECT.mkdir(parents=True, exist_ok=True)
    for name, text in {
        "peer_settings.py": SETTINGS,
        "peer_urls.py": URLS,
        "peer_wsgi.py": WSGI,
        "peer_seed.py": SEED,
        "cpu_loop.py": CPU_LOOP,
    }.items():
        (PROJECT / name).write_text(text.lstrip())


def peer_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))} | {
        "DJANGO_SETTINGS_MODULE": "peer_settings",
        "PEER_DATABASE_NAME": PEER_DB,
        "PYTHONPATH": str(PROJECT),
    }


def peer_run(*args: str, timeout: int = 1800) -> str:
    done = subprocess.run(  # noqa: S603
        [peer_python(), *args],
        cwd=PROJECT,
        env=peer_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode:
        raise RuntimeError(f"the peer's {args[0]} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def prepare_peer(size: int) -> dict:
    subprocess.run(  # noqa: S603
        ["createdb", "-h", run.HOST, "-U", "postgres", PEER_DB], capture_output=True, check=False
    )
    peer_run("-m", "django", "migrate", "--noinput", "-v0")
    started = time.perf_counter()
    info = json.loads(peer_run("peer_seed.py", str(size)).strip().splitlines()[-1])
    info["seconds"] = round(time.perf_counter() - started, 1)
    subprocess.run(  # noqa: S603
        ["psql", "-h", run.HOST, "-U", "postgres", "-d", PEER_DB, "-qc", "VACUUM ANALYZE"],
        capture_output=True,
        check=False,
    )
    return info


class PeerServer(run.Server):
    """The same gunicorn, started from the peer's virtualenv and project."""

    def __init__(self, workers: int, threads: int):
        self.port = run.free_port()
        gunicorn = str(VENV / "bin" / "gunicorn")
        self.proc = subprocess.Popen(  # noqa: S603
            [gunicorn, "peer_wsgi:application", "--bind", f"{run.HOST}:{self.port}"]
            + ["--workers", str(workers), *run.worker_class_args(threads)]
            + ["--preload", "--log-level", "warning"],
            cwd=PROJECT,
            env=peer_env(),
        )
        run.wait_for_port(self.port, self.proc)


def measure(base: str, name: str, path: str, cookie: str, duration: int, connections: int):
    headers = {"Cookie": cookie} if cookie else None
    # Warm every worker and thread first (imports, templates, connections): on a loaded
    # machine a cold first request takes seconds, and 2 s of warm-up was not enough.
    run.wrk(base + path, duration=max(5, duration // 2), connections=8, headers=headers)
    data = run.wrk(base + path, duration=duration, connections=connections, headers=headers)
    return {"name": name, "path": path.split("?")[0][:60]} | {
        k: data[k] for k in ("rps", "p50_ms", "p95_ms", "p99_ms", "errors", "requests")
    }


def cpu_ours(pages: list[tuple[str, str, str]], requests: int) -> dict:
    code = CPU_LOOP.replace("django.setup()", "")
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import django; django.setup()\n" + code, json.dumps(pages)]
        + [str(requests)],
        cwd=run.ROOT,
        env=os.environ | {"DJANGO_SETTINGS_MODULE": "benchmarks.settings"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.split("CPUJSON ", 1)[1])


def cpu_peer(pages: list[tuple[str, str, str]], requests: int) -> dict:
    return json.loads(
        peer_run("cpu_loop.py", json.dumps(pages), str(requests)).split("CPUJSON ", 1)[1]
    )


def compare(size: int, duration: int, workers: int, threads: int, cpu_requests: int) -> dict:
    install()
    run.ensure_database()
    from letters.models import Letter

    if Letter.objects.count() > size:
        seed.reset()
    seed.grow_to(size)
    peer = prepare_peer(size)
    print(f"… {size:,} letters and {peer['tickets']:,} tickets ready", flush=True)

    volunteer, coordinator = "bench-volunteer-0", "bench-coordinator"
    admin_list = run.url_or_none("admin:letters_letter_changelist")
    queue = run.url_or_none("admin:letters_letter_desk_queue")
    ours = [
        ("ours: bare view", "/bench/bare/", ""),
        ("ours: volunteer queue", queue, volunteer),
        ("ours: admin letters list", f"{admin_list}?status__exact=received", coordinator),
    ]
    theirs = [
        ("helpdesk: bare view", "/bench/bare/", ""),
        ("helpdesk: ticket list page", "/tickets/", "peer-staff"),
        ("helpdesk: ticket list data (25)", peer["data_path"], "peer-staff"),
    ]
    rows: list[dict] = []
    # one app at a time (each alone on the machine), pages in the same order on both
    server = run.Server(workers, threads)
    try:
        base = f"http://{run.HOST}:{server.port}"
        cookies = {u: run.staff_cookie(u) for u in (volunteer, coordinator)}
        for name, path, user in ours:
            connections = 16 if not user else 8
            rows.append(measure(base, name, path, cookies.get(user, ""), duration, connections))
    finally:
        server.stop()
    peer_server = PeerServer(workers, threads)
    try:
        base = f"http://{run.HOST}:{peer_server.port}"
        for name, path, user in theirs:
            connections = 16 if not user else 8
            cookie = peer["cookie"] if user else ""
            rows.append(measure(base, name, path, cookie, duration, connections))
    finally:
        peer_server.stop()
    cpu = cpu_ours(ours, cpu_requests) | cpu_peer(theirs, cpu_requests)
    for row in rows:
        row["cpu_ms"] = round(cpu[row["name"]]["cpu_ms"], 2)
        row["status"] = cpu[row["name"]]["status"]
    by = {row["name"]: row for row in rows}

    def ratio(a: str, b: str, key: str) -> float:
        x, y = by[a][key], by[b][key]
        if key == "cpu_ms":  # fewer ms is faster: requests per CPU-second
            x, y = y, x
        return round(x / y, 2) if y else 0.0

    pairs = [
        ("ours: volunteer queue", "helpdesk: ticket list page", 2.0),
        ("ours: volunteer queue", "helpdesk: ticket list data (25)", 2.0),
        ("ours: admin letters list", "helpdesk: ticket list page", 2.0),
        ("ours: admin letters list", "helpdesk: ticket list data (25)", 2.0),
        ("ours: bare view", "helpdesk: bare view", 0.9),
    ]
    ratios = [
        {
            "ours": a,
            "theirs": b,
            "target": target,
            "rps_ratio": ratio(a, b, "rps"),
            "cpu_ratio": ratio(a, b, "cpu_ms"),
        }
        for a, b, target in pairs
    ]
    return {"size": size, "peer": PEER_PACKAGE, "rows": rows, "ratios": ratios}


def print_report(report: dict) -> str:
    lines = [
        f"{'what':<36} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'errors':>6} {'CPU ms/req':>10}"
        + "  status"
    ]
    for r in report["rows"]:
        lines.append(
            f"{r['name']:<36} {r['rps']:>8.1f} {r['p50_ms']:>7.1f} {r['p95_ms']:>7.1f} "
            f"{r['errors']:>6} {r['cpu_ms']:>10.2f}  {r['status']}"
        )
    lines.append("")
    lines.append(f"{'ours / theirs':<62} {'req/s':>6} {'CPU':>6}  target")
    for r in report["ratios"]:
        met = "met" if min(r["rps_ratio"], r["cpu_ratio"]) >= r["target"] else "NOT met"
        if (r["rps_ratio"] >= r["target"]) != (r["cpu_ratio"] >= r["target"]):
            met = "met by one measure only"
        lines.append(
            f"{r['ours'] + ' / ' + r['theirs']:<62} {r['rps_ratio']:>6.2f} "
            f"{r['cpu_ratio']:>6.2f}  ≥ {r['target']}×  {met}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=100_000, help="letters and tickets")
    parser.add_argument("--duration", type=int, default=8, help="seconds per page")
    parser.add_argument("--workers", type=int, default=4)
    # Sync workers by default: with gthread, wrk's kept-alive connections stay with the worker
    # that accepted them, and a worker holding several serves them on one core while another
    # idles; the same page measured 123 and 217 req/s in two runs. Sync workers take one
    # request at a time and close the connection, so every request goes to an idle worker and
    # both apps are measured at the machine's capacity. --threads 2 for gthread as before.
    parser.add_argument("--threads", type=int, default=0, help="0: sync workers")
    parser.add_argument("--cpu-requests", type=int, default=300, help="in-process loop")
    parser.add_argument("--output", default=str(run.OUT / "peer.json"))
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        print("wrk is not installed (make system-packages)", file=sys.stderr)
        return 2
    report = compare(args.size, args.duration, args.workers, args.threads, args.cpu_requests)
    table = print_report(report)
    print(table)
    report["table"] = table
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(report, indent=2))
    print(f"\nwritten {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
