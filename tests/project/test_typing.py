"""Type checks (pyproject.toml, [tool.mypy]; `mypy` in `make lint`): every app of the site is
checked, `make lint` runs the check, and the check fails on a module with a type error (so it
cannot pass by checking nothing)."""

import os
import subprocess
import sys
import tomllib
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
MYPY = str(Path(sys.executable).parent / "mypy")


def _checked() -> list[str]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]["files"]


def test_mypy_checks_every_app_of_the_site():
    # given the site's own apps, and config
    ours = {
        app.split(".")[0] for app in settings.INSTALLED_APPS if (ROOT / app.split(".")[0]).is_dir()
    }
    ours.add("config")

    # then mypy is given each of them
    assert set(_checked()) == ours


def test_make_lint_runs_mypy():
    # when make shows what `make lint` would run
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    result = subprocess.run(
        ["make", "--dry-run", "--always-make", "lint"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    # then the type check is one of its commands
    assert any(line.endswith("/mypy") for line in result.stdout.splitlines()), result.stdout


def test_a_type_error_fails_the_check(tmp_path):
    # given a module that adds a number to a letter's reference (a string)
    module = tmp_path / "broken_types.py"
    module.write_text(
        "from letters.models import Letter\n\n\n"
        "def reference_plus_one(letter: Letter) -> str:\n"
        "    return letter.reference + 1\n"
    )

    # when mypy checks it with the project's settings
    result = subprocess.run(
        [MYPY, "--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", str(tmp_path / "c")]
        + [str(module)],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
    )

    # then it fails, naming the line
    assert result.returncode == 1, result.stdout + result.stderr
    assert "broken_types.py:5: error: Unsupported operand types" in result.stdout
