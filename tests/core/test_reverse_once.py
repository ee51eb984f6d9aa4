"""core.urls keeps the addresses a page reverses on every request: they are reverse()'s, and a
change of script prefix or URLconf gets its own."""

import pytest
from django.test import override_settings
from django.urls import clear_script_prefix, reverse, set_script_prefix
from django.utils import translation

from core import urls

NAMES = ["admin:index", "admin:letters_letter_changelist", "admin:letters_letter_desk_queue"]
WITH_ID = ["admin:letters_letter_change", "admin:letters_letter_desk_claim"]


@pytest.mark.parametrize("prefix", ["/", "/staff-site/"])
@pytest.mark.parametrize("language", ["en", "ru"])
def test_kept_addresses_are_reverses(prefix, language):
    urls.reset()
    set_script_prefix(prefix)
    try:
        with translation.override(language):
            for _ in range(2):  # kept, then read
                for name in NAMES:
                    assert urls.reverse_once(name) == reverse(name)
                for name in WITH_ID:
                    for object_id in (1, 42, 10**12):
                        assert urls.reverse_for_each(name)(object_id) == reverse(
                            name, args=[object_id]
                        )
    finally:
        clear_script_prefix()


def test_another_urlconf_gets_its_own():
    urls.reset()
    assert urls.reverse_once("admin:index") == "/admin/"
    with override_settings(ROOT_URLCONF="tests.core.urls_elsewhere"):
        assert urls.reverse_once("admin:index") == reverse("admin:index") == "/elsewhere/"
