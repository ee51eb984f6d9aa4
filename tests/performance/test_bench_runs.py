"""`make bench` itself works: run at a tiny size against its own database, it measures every
page (none missing, none failing) and writes its results. Speed is not judged here."""

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        shutil.which("wrk") is None, reason="wrk comes from scripts/system-packages.sh"
    ),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the benchmark runs on PostgreSQL"
    ),
]


@pytest.fixture
def bench_env():
    """The benchmark's settings and its own database, named for this run (parallel runs never
    share one) and dropped after it, with the test's own Redis database."""
    params = settings.DATABASES["default"]
    name = f"letterbridge_bench_ci_{uuid.uuid4().hex[:12]}"
    server = f"postgres://{params['USER']}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}"
    yield os.environ | {
        "DJANGO_SETTINGS_MODULE": "benchmarks.settings",  # as `make bench`: not the tests' own
        "DATABASE_URL": f"{server}/{name}",
        "REDIS_URL": settings.REDIS_URL,
    }
    subprocess.run(  # noqa: S603
        [
            "dropdb",
            "--if-exists",
            "--force",
            "-h",
            params["HOST"] or "127.0.0.1",
            "-U",
            params["USER"],
            name,
        ],
        capture_output=True,
        check=False,
        timeout=120,
    )


def _bench(module: str, *args: str, env: dict) -> None:
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_the_benchmark_runs_at_a_tiny_size_and_reports_every_page(tmp_path, bench_env):
    output = tmp_path / "results.json"
    _bench(
        "benchmarks.run",
        "--sizes",
        "60",
        "--duration",
        "3",  # long enough that a slow page on a busy machine still finishes requests
        "--email-samples",
        "3",
        "--pdf-letters",
        "5",
        "--output",
        str(output),
        env=bench_env,
    )
    report = json.loads(output.read_text())
    rows = {row["name"]: row for row in report["results"]}
    pages = [
        "bare view (fixed body)",
        "bare view + 1 indexed SELECT",
        "bare view + 1 INSERT, committed",
        "prisoner directory",
        "prisoner page",
        "letter form POST",
        "tracking page",
        "volunteer queue",
        "admin letters, filter + search",
        "claim next, 20 volunteers",
    ]
    for name in pages:
        assert rows[name]["requests"] > 0 and rows[name]["errors"] == 0, rows[name]
        assert rows[name]["note"] == "", rows[name]
    assert rows["claim next, 20 volunteers"]["extra"]["double_claims"] == 0
    assert rows["transition → e-mail sent (live worker)"]["requests"] == 3
    assert rows["batch PDF of 5 letters"]["extra"]["bytes"] > 10_000
    assert report["creation_seconds"]["60"] >= 0
    assert "size" in report["table"] and "req/s" in report["table"]


def test_the_campaign_burst_runs_with_supporters_and_volunteers_and_no_error(tmp_path, bench_env):
    output = tmp_path / "campaign.json"
    _bench(
        "benchmarks.campaign",
        "--size",
        "60",
        "--duration",
        "4",
        "--supporters",
        "3",
        "--volunteers",
        "2",
        "--output",
        str(output),
        env=bench_env,
    )
    report = json.loads(output.read_text())
    rows = {row["name"]: row for row in report["results"]}
    assert report["scenario"]["errors"] == 0, report["scenario"]["why"]
    assert report["scenario"]["accepted"] > 0 and report["scenario"]["handed_in"] > 0
    for page in ("letter form GET", "letter form POST", "claim next POST", "hand in POST"):
        assert rows[page]["requests"] > 0 and rows[page]["p95_ms"] > 0, rows[page]
    assert rows["transition → e-mail sent"]["requests"] > 0
    assert rows["letters accepted per minute"]["requests"] == report["scenario"]["accepted"]
