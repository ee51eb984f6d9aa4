"""`make run` as a newcomer runs it (scripts/run.sh, which the target calls after installing):
nothing configured, a port of their choosing. It serves there, its e-mails link there, an
oversized post is refused with 413 rather than 500, and Ctrl-C stops web, worker and beat."""

import http.client
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 240  # migrations on a new SQLite file and the demo data, on two busy cores


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(port: int, path: str) -> int | None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    except OSError:
        return None
    finally:
        connection.close()


def _wait_for(condition, what: str, log: Path):
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(1)
    raise AssertionError(f"{what} within {STARTUP_SECONDS}s:\n{log.read_text()}")


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_make_run_serves_on_its_port_links_e_mails_there_and_stops_on_ctrl_c(tmp_path):
    # given a checkout with nothing configured, and a port chosen by the developer
    port = _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "LETTERBRIDGE_", "CELERY_"))
        and k not in {"DATABASE_URL", "REDIS_URL", "PORT"}
    }
    env |= {"PORT": str(port), "LETTERBRIDGE_VAR_DIR": str(tmp_path)}
    log = tmp_path / "run.out"
    # when `make run` starts
    with log.open("w") as out:
        run = subprocess.Popen(
            [str(ROOT / "scripts" / "run.sh")],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        # then the site answers on that port
        _wait_for(lambda: _get(port, "/") == 200, f"no page on port {port}", log)
        assert _get(port, "/letters/write/") == 200
        # and an oversized letter is refused with 413 and says why
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request(
            "POST",
            "/letters/write/",
            body=b"original_text=" + b"x" * 300_000,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        response = connection.getresponse()
        assert (response.status, response.read()) == (413, b"This request is too large.")
        connection.close()
        # and the worker's e-mails (the demo letters' confirmations) link to that port
        link = f"http://127.0.0.1:{port}/letters/track/"
        _wait_for(
            lambda: any(link in mail.read_text() for mail in (tmp_path / "mail").glob("*.log")),
            f"no e-mail linking to {link}",
            log,
        )
        # when the developer presses Ctrl-C (the terminal signals the whole group)
        os.killpg(run.pid, signal.SIGINT)
        run.wait(timeout=90)
        deadline = time.monotonic() + 60
        while _group_alive(run.pid) and time.monotonic() < deadline:
            time.sleep(1)
        # then web, worker and beat have all stopped
        assert not _group_alive(run.pid), log.read_text()
    finally:
        if _group_alive(run.pid):
            os.killpg(run.pid, signal.SIGKILL)
            run.wait(timeout=30)
    output = log.read_text() + (tmp_path / "log" / "worker.log").read_text()
    assert f"Letterbridge is running: http://127.0.0.1:{port}/" in output
    assert "No hostname was supplied" not in output
    assert "Traceback" not in output, output
