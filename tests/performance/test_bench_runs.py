"""`make bench` itself works: run at a tiny size against its own database, it measures every
page (none missing, none failing) and writes its results. Speed is not judged here."""

import json
import os
import shutil
import subprocess
import sys
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


def test_the_benchmark_runs_at_a_tiny_size_and_reports_every_page(tmp_path):
    params = settings.DATABASES["default"]
    database = (
        f"postgres://{params['USER']}@{params['HOST']}:{params['PORT']}/letterbridge_bench_ci"
    )
    output = tmp_path / "results.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.run",
            "--sizes",
            "60",
            "--duration",
            "1",
            "--email-samples",
            "3",
            "--pdf-letters",
            "5",
            "--output",
            str(output),
        ],
        cwd=ROOT,
        env=os.environ | {"DATABASE_URL": database, "REDIS_URL": "redis://127.0.0.1:6379/12"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads(output.read_text())
    rows = {row["name"]: row for row in report["results"]}
    pages = [
        "bare view (fixed body)",
        "bare view + 1 indexed SELECT",
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
