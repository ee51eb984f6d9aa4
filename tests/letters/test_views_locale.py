"""The Russian catalogue the pages use: complete, compiled, and the compiled file current."""

import gettext
import re
from pathlib import Path

from django.conf import settings

PO = Path(settings.BASE_DIR) / "locale" / "ru" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def _entries(text: str) -> list[str]:
    return [block for block in text.split("\n\n") if "msgid" in block]


def test_every_string_has_a_russian_translation_and_none_is_a_guess():
    entries = _entries(PO.read_text(encoding="utf-8"))[1:]  # the first is the header

    assert entries
    untranslated = [e for e in entries if re.search(r'^msgstr(\[\d\])? ""$(?!\n")', e, re.M)]
    fuzzy = [e for e in entries if "#, fuzzy" in e or re.search(r"^#,.*fuzzy", e, re.M)]
    assert untranslated == []
    assert fuzzy == []


def test_the_compiled_catalogue_holds_every_translation_in_the_po():
    entries = _entries(PO.read_text(encoding="utf-8"))[1:]
    with MO.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog

    # Plural entries are stored once per form; count distinct message ids.
    compiled = {key[0] if isinstance(key, tuple) else key for key in catalog} - {""}
    assert len(compiled) == len(entries)
