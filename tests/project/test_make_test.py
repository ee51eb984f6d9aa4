"""`make test` on a machine where nothing was prepared by hand: the Makefile installs the Debian
packages its tests need before the suite runs, the install script asks apt for exactly what is
missing, and a browser test without a browser fails in CI instead of skipping."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e import conftest as e2e

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "system-packages.sh"


def _dry_run(target: str) -> list[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    result = subprocess.run(
        ["make", "--dry-run", "--always-make", target],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.splitlines()


@pytest.mark.parametrize("target", ["test", "bench"])
def test_make_installs_the_system_packages_before_it_runs_anything_that_needs_them(target):
    # when make shows what `make test` (or `make bench`) would run
    commands = _dry_run(target)
    # then the system packages are installed, and before pytest or the benchmark starts
    installs = [n for n, line in enumerate(commands) if "scripts/system-packages.sh" in line]
    runs = [n for n, line in enumerate(commands) if "/pytest" in line or "benchmarks." in line]
    assert installs and runs, commands
    assert installs[0] < runs[0]


def _machine(tmp_path: Path, *, has: tuple[str, ...], uid: int) -> tuple[dict, Path]:
    """A PATH holding only bash, stubs of `id`, `sudo` and `apt-get` that record their calls,
    and the tools the machine already `has`."""
    bin_dir, calls = tmp_path / "bin", tmp_path / "calls.log"
    bin_dir.mkdir()
    (bin_dir / "bash").symlink_to(shutil.which("bash"))
    stubs = {
        "id": f"echo {uid}\n",
        "apt-get": f'echo "apt-get $*" >> {calls}\n',
        "sudo": f'echo "sudo $1" >> {calls}\n"$@"\n',
    } | {tool: "exit 0\n" for tool in has}
    for name, body in stubs.items():
        stub = bin_dir / name
        stub.write_text(f"#!{shutil.which('bash')}\n{body}")
        stub.chmod(0o755)
    return {"PATH": str(bin_dir), "HOME": str(tmp_path)}, calls


def _install(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(SCRIPT)], env=env, capture_output=True, text=True, timeout=30, check=True
    )


def test_a_fresh_machine_gets_chromium_and_wrk_from_apt(tmp_path):
    # given a machine (root, as CI's) with neither Chromium nor wrk
    env, calls = _machine(tmp_path, has=(), uid=0)
    # when the script runs
    _install(env)
    # then apt's lists are refreshed and both packages installed, without sudo
    lines = calls.read_text().splitlines()
    assert lines[0] == "apt-get update -qq"
    assert lines[1].startswith("apt-get install -y")
    assert lines[1].split()[-2:] == ["chromium", "wrk"]
    assert not any(line.startswith("sudo") for line in lines)


def test_a_developer_without_root_installs_only_what_is_missing_through_sudo(tmp_path):
    # given a developer's machine (not root) that has wrk but no Chromium
    env, calls = _machine(tmp_path, has=("wrk",), uid=1000)
    # when the script runs
    _install(env)
    # then apt is called through sudo, for Chromium alone
    lines = calls.read_text().splitlines()
    installs = [line for line in lines if line.startswith("apt-get install")]
    assert installs and installs[0].split()[-1] == "chromium"
    assert "wrk" not in installs[0].split()
    assert "sudo apt-get" in lines


def test_a_prepared_machine_pays_nothing(tmp_path):
    # given a machine that has both tools
    env, calls = _machine(tmp_path, has=("chromium", "wrk"), uid=0)
    # when the script runs
    result = _install(env)
    # then apt is never called and nothing is printed
    assert not calls.exists()
    assert result.stdout == ""


@pytest.mark.parametrize(
    "ci, outcome", [("true", pytest.fail.Exception), ("", pytest.skip.Exception)]
)
def test_a_missing_browser_fails_in_ci_and_skips_elsewhere_saying_what_to_install(
    monkeypatch, ci, outcome
):
    # given no chromium on the PATH, in CI or on a developer's machine
    monkeypatch.setattr(e2e.shutil, "which", lambda name: None)
    monkeypatch.setenv("CI", ci)
    # when a browser test asks for the browser
    with pytest.raises((pytest.fail.Exception, pytest.skip.Exception)) as stopped:
        next(e2e._chromium())
    # then CI fails the test and a bare pytest skips it, both naming the way to install it
    assert stopped.type is outcome
    assert "scripts/system-packages.sh" in str(stopped.value)
