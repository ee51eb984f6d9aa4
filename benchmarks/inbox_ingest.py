"""`make bench` (part): how fast the Inbox ingests e-mail, and how much memory it takes.

N messages (default 1,000), cycled from the test corpus (tests/fixtures/email: every kind,
letters, attachments, auto-replies, the oversized one) with a unique Message-ID each, go
through ``ingest_raw_email`` one after another, as the poller hands them over: stored
encrypted, parsed, guessed at against a directory of prisoners, saved. Production settings on
PostgreSQL (benchmarks.settings). Prints messages per second and peak memory (the process's
peak RSS, and Python's own peak allocation for one message, by tracemalloc), and writes
var/bench/inbox_ingest.json: `python -m benchmarks.inbox_ingest --messages 1000`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")

import django  # noqa: E402

django.setup()

from benchmarks.run import ensure_database  # noqa: E402
from inbox.models import InboundEmail  # noqa: E402
from inbox.services import ingest_raw_email  # noqa: E402
from pages.management.commands.load_demo_data import PRISONERS  # noqa: E402
from prisoners.models import Prisoner  # noqa: E402

CORPUS = ROOT / "tests" / "fixtures" / "email"
OUT = ROOT / "var" / "bench"
MESSAGE_ID = re.compile(rb"^Message-ID:[^\r\n]*\r?\n", re.I | re.M)


def messages(n: int) -> list[bytes]:
    """``n`` distinct messages: the corpus again and again, each with its own Message-ID."""
    corpus = [path.read_bytes() for path in sorted(CORPUS.glob("*.eml"))]
    out = []
    for i in range(n):
        raw = MESSAGE_ID.sub(b"", corpus[i % len(corpus)])
        out.append(f"Message-ID: <bench.{i}.{time.time_ns()}@example.org>\r\n".encode() + raw)
    return out


def directory() -> None:
    for row in PRISONERS:
        Prisoner.objects.get_or_create(
            slug=row["slug"],
            defaults={k: row[k] for k in ("name_en", "name_ru", "name_ru_dative")},
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=1000)
    args = parser.parse_args()
    ensure_database()
    InboundEmail.objects.all().delete()
    directory()
    batch = messages(args.messages)
    megabytes = sum(len(raw) for raw in batch) / 1e6

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    outcomes: dict[str, int] = {}
    for raw in batch:
        status = ingest_raw_email(raw).email.status
        outcomes[status] = outcomes.get(status, 0) + 1
    seconds = time.perf_counter() - started
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux

    # Python's own peak for the largest single message (the oversized scan), traced apart so
    # tracing does not slow the timed run.
    largest = max(messages(len(list(CORPUS.glob("*.eml")))), key=len)
    tracemalloc.start()
    ingest_raw_email(largest)
    _current, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    result = {
        "messages": args.messages,
        "megabytes_in": round(megabytes, 1),
        "seconds": round(seconds, 2),
        "messages_per_second": round(args.messages / seconds, 1),
        "peak_rss_mb": round(rss_peak / 1024, 1),
        "rss_growth_mb": round((rss_peak - rss_before) / 1024, 1),
        "largest_message_kb": round(len(largest) / 1024, 1),
        "largest_message_python_peak_mb": round(traced_peak / 1e6, 1),
        "outcomes": outcomes,
    }
    InboundEmail.objects.all().delete()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "inbox_ingest.json").write_text(json.dumps(result, indent=2))
    print(
        f"inbox ingest: {result['messages']} messages ({result['megabytes_in']} MB) in "
        f"{result['seconds']} s = {result['messages_per_second']} messages/s; "
        f"peak RSS {result['peak_rss_mb']} MB (+{result['rss_growth_mb']} MB while ingesting); "
        f"largest message {result['largest_message_kb']} kB peaks at "
        f"{result['largest_message_python_peak_mb']} MB of Python allocations; "
        f"outcomes {outcomes}"
    )


if __name__ == "__main__":
    main()
