"""Where a "Claim next" press spends its time, in-process (Django's test client, so no network
and no other load in the figures): the whole request, the claim service inside it, the SQL
inside both, and the rest (middleware, session, messages, the redirect). Each press is given
back untimed, so the queue never runs dry.

    DJANGO_SETTINGS_MODULE=benchmarks.settings python -m benchmarks.claim_profile --presses 300
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import time

from django.contrib.auth import get_user_model
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection
from django.test import Client
from django.urls import reverse

from benchmarks import run  # noqa: F401  (sets Django up with the benchmark's settings)
from letters.models import Letter
from letters.services import translation


class Clock:
    def __init__(self) -> None:
        self.sql_s = 0.0
        self.queries = 0
        self.service_s = 0.0
        self.service_sql_s = 0.0

    def sql(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.sql_s += time.perf_counter() - started
            self.queries += 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--presses", type=int, default=300)
    parser.add_argument("--volunteer", default="bench-volunteer-0")
    parser.add_argument("--profile", action="store_true", help="print cProfile's top 25")
    args = parser.parse_args(argv)

    user = get_user_model().objects.get(username=args.volunteer)
    client = Client(SERVER_NAME="localhost")
    client.force_login(user)
    url = reverse("admin:letters_letter_desk_claim_next")
    clock = Clock()
    claim = translation.letter_claim_next

    def timed_claim(**kwargs):
        started, sql_before = time.perf_counter(), clock.sql_s
        try:
            return claim(**kwargs)
        finally:
            clock.service_s += time.perf_counter() - started
            clock.service_sql_s += clock.sql_s - sql_before

    def give_back() -> None:
        held = Letter.objects.filter(claimed_by=user, status="in_translation")
        for letter_id in held.values_list("pk", flat=True):
            translation.letter_release(letter_id=letter_id, actor=user)

    give_back()
    for _ in range(10):  # warm: templates, connections, caches
        client.post(url)
        client.cookies.pop(CookieStorage.cookie_name, None)
        give_back()
    translation.letter_claim_next = timed_claim
    profiler = cProfile.Profile()
    total_s = cpu_s = 0.0
    statuses: dict[int, int] = {}
    try:
        for _ in range(args.presses):
            with connection.execute_wrapper(clock.sql):
                started, started_cpu = time.perf_counter(), time.process_time()
                if args.profile:  # its own overhead would swell every figure above
                    profiler.enable()
                response = client.post(url)
                if args.profile:
                    profiler.disable()
                total_s += time.perf_counter() - started
                cpu_s += time.process_time() - started_cpu
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            # The page the press redirects to shows its message and the browser drops it; kept,
            # the messages would pile up in the cookie and then in the session, written per press.
            client.cookies.pop(CookieStorage.cookie_name, None)
            give_back()
    finally:
        translation.letter_claim_next = claim

    n = args.presses
    rows = [
        ("whole request (wall)", total_s),
        ("whole request (CPU of this process)", cpu_s),
        ("  SQL, all (wall, round trips included)", clock.sql_s),
        ("  claim service (wall)", clock.service_s),
        ("    of which SQL", clock.service_sql_s),
        (
            "  outside the service: middleware, session, messages, redirect",
            total_s - clock.service_s,
        ),
        ("    of which SQL", clock.sql_s - clock.service_sql_s),
    ]
    print(f"{args.presses} presses, statuses {statuses}, {clock.queries / n:.1f} queries each")
    for name, seconds in rows:
        print(f"{name:<66} {seconds * 1000 / n:7.2f} ms")
    if args.profile:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).sort_stats(os.environ.get("SORT", "tottime"))
        stats.print_stats(int(os.environ.get("TOP", "40")))
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
