"""What the public forms and the services agree a blank text is."""

import unicodedata


def is_blank(text: str) -> bool:
    """True when nothing in ``text`` shows: only spaces, line breaks, control characters and
    invisible formatting ones (zero-width spaces, direction marks, the byte-order mark), which
    str.strip() leaves in place."""
    return all(char.isspace() or unicodedata.category(char) in {"Cc", "Cf"} for char in text)
