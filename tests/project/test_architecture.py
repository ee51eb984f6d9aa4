"""The import rules of the apps (pyproject.toml, [tool.importlinter]): layers from config down to
core, letters without payments, prisoners without letters, nothing importing config. The code
keeps them; each rule breaks when a module breaks it (so the check cannot pass by checking
nothing); and every app of the site is placed in the layers."""

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = str(Path(sys.executable).parent / "lint-imports")


def _config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def _lint_imports(cwd: Path, *contracts: str) -> subprocess.CompletedProcess:
    selected = [arg for contract in contracts for arg in ("--contract", contract)]
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache", "--no-logo", *selected],
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(cwd)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_code_keeps_every_import_rule():
    # when import-linter checks the apps against the contracts
    result = _lint_imports(ROOT)

    # then every contract is kept
    contracts = len(_config()["contracts"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {contracts} kept, 0 broken." in result.stdout


def _only_python(folder: str, names: list[str]) -> list[str]:
    return [
        name
        for name in names
        if name == "__pycache__" or not (name.endswith(".py") or (Path(folder) / name).is_dir())
    ]


@pytest.fixture
def copy_of_the_apps(tmp_path) -> Path:
    """The apps' Python modules and the contracts, copied where a test may spoil them."""
    for package in _config()["root_packages"]:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=_only_python)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


@pytest.mark.parametrize(
    ("module", "bad_import", "contract"),
    [
        ("letters/coupled.py", "from payments import selectors", "letters-without-payments"),
        ("letters/coupled.py", "import payments.models", "layers"),
        ("letters/coupled.py", "from replies import selectors", "letters-without-replies"),
        ("replies/coupled.py", "from pages import views", "layers"),
        ("prisoners/coupled.py", "from letters.selectors import month_start", "layers"),
        ("prisoners/coupled.py", "import letters.models", "prisoners-without-letters"),
        ("letters/coupled.py", "from pages import views", "layers"),
        ("core/coupled.py", "from config import urls", "config-only-configures"),
        ("payments/coupled.py", "import config.settings.base", "config-only-configures"),
        ("core/coupled.py", "import prisoners.models", "layers"),
    ],
)
def test_a_module_that_breaks_a_rule_fails_the_check(
    copy_of_the_apps, module, bad_import, contract
):
    # given a copy of the apps with one module that imports what its rule forbids
    (copy_of_the_apps / module).write_text(f"{bad_import}\n")

    # when the rule is checked
    result = _lint_imports(copy_of_the_apps, contract)

    # then it fails, naming that module
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
    assert module.removesuffix(".py").replace("/", ".") in result.stdout


def test_every_app_of_the_site_is_placed_in_the_layers():
    # given the site's own apps, and config
    ours = {
        app.split(".")[0] for app in settings.INSTALLED_APPS if (ROOT / app.split(".")[0]).is_dir()
    }
    ours.add("config")
    config = _config()
    (layers,) = [c for c in config["contracts"] if c["type"] == "layers"]
    layered = {
        module.strip()
        for layer in layers["layers"]
        for module in layer.replace(":", "|").split("|")
    }

    # then import-linter reads each of them, and each sits in a layer
    assert set(config["root_packages"]) == ours
    assert layered == ours


# --- templates: the same layers --------------------------------------------------------------
# A template under templates/<app>/ (or templates/admin/<app>/) is that app's. It may include,
# extend, load the tags of or link to its own app and the apps below it, never one above or
# beside it: a page that shows two apps together is composed in templates/pages/.
# (templates/emails/ and the site's base templates belong to no app.)

TEMPLATE_LAYERS = {"core": 0, "prisoners": 1, "letters": 2, "inbox": 3, "replies": 3}
TEMPLATE_LAYERS |= {"payments": 4, "rights": 4, "accounts": 4, "pages": 5}
REFERENCE = re.compile(r'\{%\s*(?:include|extends)\s+"(?:admin/)?([a-z_]+)/')
LOAD = re.compile(r"\{%\s*load\s+([^%]+?)\s*%\}")
URL = re.compile(r"""\{%\s*url\s+['"](?:admin:([a-z]+)_|([a-z_]+):)""")
URL_NAMESPACES = {"letters_coordination": "letters"}


def _owner(template: Path) -> str | None:
    parts = template.relative_to(ROOT / "templates").parts
    app = parts[1] if parts[0] == "admin" and len(parts) > 2 else parts[0]
    return app if app in TEMPLATE_LAYERS else None


def _tag_libraries() -> dict[str, str]:
    return {
        module.stem: module.parts[-3]
        for module in ROOT.glob("*/templatetags/*.py")
        if module.stem != "__init__"
    }


def _apps_referenced(text: str, libraries: dict[str, str]) -> set[str]:
    apps = {app for app in REFERENCE.findall(text) if app in TEMPLATE_LAYERS}
    for admin_app, namespace in URL.findall(text):
        app = admin_app or URL_NAMESPACES.get(namespace, namespace)
        if app in TEMPLATE_LAYERS:
            apps.add(app)
    for names in LOAD.findall(text):
        apps |= {libraries[name] for name in names.split() if name in libraries}
    return apps


def _reaches_up_or_aside(owner: str, app: str) -> bool:
    return app != owner and TEMPLATE_LAYERS[app] >= TEMPLATE_LAYERS[owner]


def test_no_apps_template_reaches_an_app_above_or_beside_it():
    libraries = _tag_libraries()
    wrong = {}
    for template in sorted((ROOT / "templates").rglob("*.*")):
        owner = _owner(template)
        if owner is None:
            continue
        reached = _apps_referenced(template.read_text(), libraries)
        bad = sorted(app for app in reached if _reaches_up_or_aside(owner, app))
        if bad:
            wrong[str(template.relative_to(ROOT))] = bad
    assert wrong == {}


@pytest.mark.parametrize(
    ("owner", "text", "reached"),
    [
        ("letters", '{% include "payments/tracking_block.html" %}', {"payments"}),
        ("prisoners", "{% load i18n letters_tags %}", {"letters"}),
        ("payments", '{% extends "admin/rights/x.html" %}', {"rights"}),
        ("letters", "{% url 'admin:payments_payment_settle_letter' 1 as url %}", {"payments"}),
        ("prisoners", '{% url "letters_coordination:prepare" %}', {"letters"}),
        ("letters", '{% include "admin/inbox/_dashboard_inbox.html" %}', {"inbox"}),
        ("inbox", "{% url 'admin:payments_payment_changelist' %}", {"payments"}),
    ],
)
def test_the_template_rule_sees_a_template_that_reaches_up(owner, text, reached):
    # given a template of ``owner`` that includes, loads or links to an app above or beside it
    apps = _apps_referenced(text, _tag_libraries())

    # then the rule finds the app and calls it a breach
    assert apps == reached
    assert all(_reaches_up_or_aside(owner, app) for app in apps)
