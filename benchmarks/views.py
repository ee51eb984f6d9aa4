"""The baselines every page is compared with: the framework alone, one indexed SELECT, and one
INSERT committed (the least any durable write can cost: what a letter POST is measured against
in the README)."""

import random

from django.db import connection, transaction
from django.http import HttpResponse

from prisoners.models import Prisoner


def bare(request):
    return HttpResponse(b"ok", content_type="text/plain")


def one_select(request):
    slug = (
        Prisoner.objects.filter(pk=random.randint(1, 500))  # noqa: S311 - not security
        .values_list("slug", flat=True)
        .first()
    )
    return HttpResponse((slug or "none").encode(), content_type="text/plain")


_PROBE_BODY = "Dear friend, " + "we think of you every day. " * 40  # about a letter's length
_probe_ready = False
_PROBE_LOCK = 0x6C625F70  # an advisory lock's key: only one worker creates the table


def one_insert(request):
    """One row of about a letter's size, written and committed (autocommit: one round trip and
    a WAL flush), into a table only the benchmark has."""
    global _probe_ready
    with connection.cursor() as cursor:
        if not _probe_ready:
            # Four workers asking at once on a fresh database raced in IF NOT EXISTS (a
            # duplicate pg_type row, answered 500 during the warm-up): one at a time.
            with transaction.atomic():
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PROBE_LOCK])
                cursor.execute(
                    "CREATE TABLE IF NOT EXISTS bench_probe (id bigserial PRIMARY KEY, "
                    "body text NOT NULL, created_at timestamptz NOT NULL)"
                )
            _probe_ready = True
        cursor.execute(
            "INSERT INTO bench_probe (body, created_at) VALUES (%s, now())", [_PROBE_BODY]
        )
    return HttpResponse(b"ok", content_type="text/plain")
