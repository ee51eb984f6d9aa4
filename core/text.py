"""What the public forms and the services agree a blank text is, and what a supporter's text
may not carry."""

import re
import unicodedata

# Explicit direction formatting: embeddings and overrides (U+202A-U+202E) and isolates
# (U+2066-U+2069). None of the languages letters are written in needs them, and in a name or a
# letter they can make a line show in another order than it reads ("Trojan Source"): the
# reference after a name shown backwards on the desk, a sentence hidden from the translator.
# The marks LRM/RLM (U+200E, U+200F) only nudge neutral characters and are left.
_DIRECTION_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def is_blank(text: str) -> bool:
    """True when nothing in ``text`` shows: only spaces, line breaks, control characters and
    invisible formatting ones (zero-width spaces, direction marks, the byte-order mark), which
    str.strip() leaves in place."""
    return all(char.isspace() or unicodedata.category(char) in {"Cc", "Cf"} for char in text)


def without_direction_controls(text: str) -> str:
    """``text`` without explicit direction embeddings, overrides and isolates."""
    return _DIRECTION_CONTROLS.sub("", text)
