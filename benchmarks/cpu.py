"""CPU per request in one process, which the load of a shared machine does not distort: each
public page and the letter POST through Django's whole stack (the test client, the benchmark's
production settings, PostgreSQL and Redis), timed with process_time beside the bare view.

    DJANGO_SETTINGS_MODULE=benchmarks.settings python -m benchmarks.cpu [--requests 300]

Run it after `make bench` (it uses the benchmark's database as that left it). The page cache is
warm after the first request, as in the wrk run. Database and Redis servers' own CPU is not
counted here: see the wall time beside it."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402

from benchmarks import seed  # noqa: E402
from benchmarks.run import CSRF  # noqa: E402
from prisoners.models import Prisoner  # noqa: E402


def measure(requests: int) -> list[tuple[str, float, float]]:
    slug = Prisoner.objects.filter(accepts_letters=True).values_list("slug", flat=True).first()
    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies[settings.CSRF_COOKIE_NAME] = CSRF
    body = urlencode(
        {
            "csrfmiddlewaretoken": CSRF,
            "prisoner": slug,
            "supporter_name": "Bench Supporter",
            "supporter_email": "bench-post@example.org",
            "supporter_country": "GB",
            "language": "en",
            "original_text": seed.TEXT[:600],
            "delivery": "return_to_me",
            "postage_currency": "GBP",
            "consent": "on",
            "website": "",
        }
    )
    pages = {
        "bare view (fixed body)": lambda: client.get("/bench/bare/"),
        "prisoner directory": lambda: client.get("/"),
        "prisoner page": lambda: client.get(f"/prisoners/{slug}/"),
        "letter form (GET)": lambda: client.get(f"/letters/write/?to={slug}"),
        "letter form POST": lambda: client.post(
            "/letters/write/", body, content_type="application/x-www-form-urlencoded"
        ),
    }
    rows = []
    for name, request in pages.items():
        for _ in range(10):  # warm: imports, connections, the page cache
            status = request().status_code
            if status not in (200, 302):
                raise RuntimeError(f"{name} answered {status}")
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(requests):
            request()
        rows.append(
            (
                name,
                (time.process_time() - cpu) / requests * 1000,
                (time.perf_counter() - wall) / requests * 1000,
            )
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args(argv)
    rows = measure(args.requests)
    bare = rows[0][1]
    print(f"{'what':<28} {'CPU ms/req':>10} {'wall ms/req':>11} {'bare/CPU':>9}")
    for name, cpu, wall in rows:
        print(f"{name:<28} {cpu:>10.2f} {wall:>11.2f} {bare / cpu:>9.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
