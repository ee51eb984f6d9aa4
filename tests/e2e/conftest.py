"""Shared browser fixtures: Debian's Chromium driven by Playwright against Django's live server.

Use ``page`` (a 1280px desktop window) or ``phone`` (390px), with ``live_server`` and
``pytest.mark.django_db(transaction=True, serialized_rollback=True)``; save pictures with
``screenshot(page, "name")``, which writes var/screenshots/<name>.png (CI keeps var/ as its
artifacts). Never run ``playwright install``: the browser is the system's."""

import os
import shutil
from pathlib import Path
from typing import NoReturn

import environ
import pytest
from django.conf import settings
from django.db import connections

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


@pytest.fixture
def chromium():
    """A headless Chromium for one test, closed before the test's database is restored.

    Function-scoped on purpose: while Playwright's sync API is open it keeps an event loop
    running in the test thread, and a database restore done under that loop left rows behind
    that broke the next restoring test. The tests' own database calls (factories, services)
    are synchronous and safe, so Django is told so while the browser lives."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield from _chromium()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _browser_missing(message: str) -> NoReturn:
    """`make test` installs Chromium before the suite runs (scripts/system-packages.sh), so only
    a bare `pytest` gets here: it skips, saying what to install. In CI a browser test that did
    not run is a failure, never a quiet skip."""
    if environ.Env().bool("CI", default=False):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def _chromium():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _browser_missing("Playwright is not installed: run `make install`")
    executable = shutil.which("chromium")
    if executable is None:
        _browser_missing(
            "Debian's chromium is not installed: run `make test` or scripts/system-packages.sh"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            # The test's database calls under Playwright's loop opened a connection in that
            # loop's context; close it there, or it outlives the test and the suite cannot drop
            # its test database at the end ("1 other session using the database").
            connections.close_all()
            browser.close()


def _new_page(chromium, **options):
    context = chromium.new_context(**options)
    context.set_default_timeout(10_000)
    return context, context.new_page()


@pytest.fixture
def page(chromium):
    context, new_page = _new_page(chromium, viewport={"width": 1280, "height": 900}, locale="en-GB")
    yield new_page
    context.close()


@pytest.fixture
def phone(chromium):
    context, new_page = _new_page(
        chromium,
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="en-GB",
    )
    yield new_page
    context.close()


@pytest.fixture
def screenshot():
    def take(page, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
