"""CPU time and queries per request of a few pages, in-process (Django's test client), on the
benchmark's database: figures that other load on a shared machine hardly moves. PostgreSQL's
own CPU is not counted. Run from a tree's root to compare two versions on one database.

    DJANGO_SETTINGS_MODULE=benchmarks.settings python -m benchmarks.cpu_pages --requests 40
"""

from __future__ import annotations

import argparse
import json
import time

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.urls import reverse

from benchmarks import run  # noqa: F401  (sets Django up with the benchmark's settings)
from letters.models import Letter
from letters.services import translation


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument(
        "--pages",
        default="",
        help="only the pages whose name contains this text (e.g. 'queue', 'admin letters')",
    )
    parser.add_argument(
        "--volunteer",
        default="bench-volunteer-0",
        help="the volunteer whose pages are measured (another one than a parallel run's)",
    )
    args = parser.parse_args(argv)
    users = get_user_model().objects
    volunteer = users.get(username=args.volunteer)
    coordinator = users.get(username="bench-coordinator")

    def give_back() -> None:
        held = Letter.objects.filter(claimed_by=volunteer, status="in_translation")
        for letter_id in held.values_list("pk", flat=True):
            translation.letter_release(letter_id=letter_id, actor=volunteer)

    admin_list = reverse("admin:letters_letter_changelist") + "?status__exact=received"
    pages = [
        ("bare view", "GET", "/bench/bare/", None),
        ("prisoner directory", "GET", reverse("prisoners:list"), None),
        ("volunteer queue", "GET", reverse("admin:letters_letter_desk_queue"), volunteer),
        ("admin letters, status filter", "GET", admin_list, coordinator),
        ("claim next POST", "POST", reverse("admin:letters_letter_desk_claim_next"), volunteer),
    ]
    out = {}
    give_back()
    for name, method, path, user in pages:
        if args.pages.lower() not in name.lower():
            continue
        client = Client(SERVER_NAME="localhost")
        if user is not None:
            client.force_login(user)
        call = client.post if method == "POST" else client.get
        for _ in range(5):  # warm
            call(path)
            give_back()
        # Counted by a wrapper: the queries log that CaptureQueriesContext reads is emptied when
        # a request starts (django.db.reset_queries), so it saw 0 for every page.
        queries: list[str] = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            call(path)
        give_back()
        cpu = wall = 0.0
        for _ in range(args.requests):
            started, started_cpu = time.perf_counter(), time.process_time()
            response = call(path)
            cpu += time.process_time() - started_cpu
            wall += time.perf_counter() - started
            give_back()
        out[name] = {
            "status": response.status_code,
            "cpu_ms": round(cpu * 1000 / args.requests, 2),
            "wall_ms": round(wall * 1000 / args.requests, 2),
            "queries": len(queries),
        }
        print(f"{name:<32} {out[name]}", flush=True)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
