"""The pages people use work under the Content-Security-Policy: the browser reports no
violation (no inline script or style, no third-party origin) on public and staff pages."""

import pytest
from django.urls import reverse

from letters import tokens
from letters.models import Letter
from tests.factories import CoordinatorFactory, LetterFactory, PrisonerWithAddressFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _watch(page) -> list[str]:
    problems: list[str] = []
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if "Content Security Policy" in message.text or message.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "response",
        lambda response: (
            problems.append(f"{response.status} {response.url}") if response.status >= 400 else None
        ),
    )
    return problems


def test_public_and_staff_pages_run_clean_under_the_policy(live_server, page):
    prisoner = PrisonerWithAddressFactory()
    letter = LetterFactory(prisoner=prisoner, status=Letter.Status.POSTED)
    coordinator = CoordinatorFactory(username="csp-coordinator")
    translating = LetterFactory(
        prisoner=prisoner, status=Letter.Status.IN_TRANSLATION, claimed_by=coordinator
    )
    problems = _watch(page)
    public = [
        reverse("prisoners:list"),
        reverse("prisoners:detail", args=[prisoner.slug]),
        reverse("letters:write") + f"?to={prisoner.slug}",
        reverse("letters:track", args=[tokens.token_for(salt=letter.tracking_salt)]),
        reverse("letters:find"),
        reverse("rights:request"),
    ]
    for path in public:
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        assert "unsafe-inline" not in response.headers["content-security-policy"]

    page.goto(live_server.url + reverse("admin:login"))
    page.fill("#id_username", "csp-coordinator")
    page.fill("#id_password", "correct horse battery")
    page.click("input[type=submit]")
    staff = [
        reverse("admin:index"),
        reverse("admin:letters_letter_changelist"),
        reverse("admin:letters_letter_change", args=[letter.pk]),
        reverse("admin:letters_letter_desk_queue"),
        reverse("admin:letters_letter_desk_translate", args=[translating.pk]),
        reverse("letters_coordination:dashboard"),
        reverse("accounts:2fa_setup"),
    ]
    for path in staff:
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
    page.wait_for_timeout(300)
    assert problems == []
