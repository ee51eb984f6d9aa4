"""The signature printed under a letter: one name, in Cyrillic only, because the censor reads
words in foreign letters as a possible cipher. The app proposes it from the name the supporter
signs with; the volunteer who translates the letter confirms or corrects it."""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext as _

MAX_LENGTH = 120

# A practical Latin-to-Russian transcription: letter groups first (longest first), then single
# letters. It proposes, a person decides: "Claire" comes out "Клаире" and the volunteer writes
# "Клэр".
GROUPS = {
    "shch": "щ",
    "tsch": "ч",
    "sch": "ш",
    "sh": "ш",
    "ch": "ч",
    "zh": "ж",
    "kh": "х",
    "ts": "ц",
    "tz": "ц",
    "th": "т",
    "ph": "ф",
    "ck": "к",
    "qu": "кв",
    "ya": "я",
    "yu": "ю",
    "yo": "йо",
    "ee": "и",
    "oo": "у",
}
LETTERS = {
    "a": "а",
    "b": "б",
    "c": "к",
    "d": "д",
    "e": "е",
    "f": "ф",
    "g": "г",
    "h": "х",
    "i": "и",
    "j": "дж",
    "k": "к",
    "l": "л",
    "m": "м",
    "n": "н",
    "o": "о",
    "p": "п",
    "q": "к",
    "r": "р",
    "s": "с",
    "t": "т",
    "u": "у",
    "v": "в",
    "w": "в",
    "x": "кс",
    "y": "и",
    "z": "з",
}
# Latin letters NFKD does not take apart into a base letter and an accent.
LIGATURES = {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th"}
VOWELS = set("aeiouy")
KEPT_MARKS = " -.'’"
GROUP_RE = re.compile("|".join(sorted(GROUPS, key=len, reverse=True)) + "|[a-z]")
WORD_RE = re.compile(r"[A-Za-z]+")


def _is_cyrillic(char: str) -> bool:
    return char.isalpha() and "CYRILLIC" in unicodedata.name(char, "")


def _is_latin(char: str) -> bool:
    return char.isalpha() and "LATIN" in unicodedata.name(char, "")


def _spelt_out(char: str) -> str:
    if char in LIGATURES:
        return LIGATURES[char]
    if char.lower() in LIGATURES:
        return LIGATURES[char.lower()].capitalize()
    return char


def _plain_latin(text: str) -> str:
    """Accents off (é → e, ü → u), ligatures spelt out; other scripts are left as they are."""
    decomposed = unicodedata.normalize("NFKD", "".join(_spelt_out(c) for c in text))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare)


def _word_ru(word: str) -> str:
    lower = word.lower()
    out, position = [], 0
    for match in GROUP_RE.finditer(lower):
        chunk, position = match.group(), match.end()
        following = lower[position : position + 1]
        previous = lower[match.start() - 1] if match.start() else ""
        if chunk == "c" and following in ("e", "i", "y"):
            out.append("с")
        elif chunk == "e" and (not previous or previous in "aou"):
            out.append("э")  # Emma → Эмма, Noel → Ноэл
        elif chunk == "y" and previous in VOWELS and following not in VOWELS:
            out.append("й")  # Roy → Рой
        else:
            out.append(GROUPS.get(chunk) or LETTERS[chunk])
    result = "".join(out)
    if word.isupper() and len(word) > 1:
        return result.upper()
    if word[0].isupper():
        return result[:1].upper() + result[1:]
    return result


def signature_proposal_ru(name: str) -> str:
    """The supporter's name in Cyrillic, as a first proposal. Cyrillic is kept as written; marks
    the censor could misread (digits, symbols, other scripts) are left out."""
    plain = WORD_RE.sub(lambda m: _word_ru(m.group()), _plain_latin(name))
    kept = "".join(c for c in plain if _is_cyrillic(c) or c in KEPT_MARKS)
    kept = re.sub(r"\s+", " ", kept).strip(" -'’")
    return kept[:MAX_LENGTH]


def signature_normalise(value: str) -> str:
    """One line, single spaces: what a person typed, as it will be printed."""
    return re.sub(r"\s+", " ", value).strip()


def signature_problem(value: str) -> str | None:
    """Why this cannot be printed under the letter, or None when it can."""
    if not value:
        return _(
            "Write the signature in Cyrillic: it is printed under the letter, once, as the "
            "prisoner will read it."
        )
    if any(_is_latin(c) for c in value):
        return _(
            "Write the signature in Cyrillic letters only (e.g. Claire → Клэр): the censor may "
            "read words in Latin letters as a code and hold the letter back."
        )
    if not any(_is_cyrillic(c) for c in value):
        return _("The signature needs a name in Cyrillic letters.")
    if len(value) > MAX_LENGTH:
        return _("The signature is longer than %(max)d characters.") % {"max": MAX_LENGTH}
    return None


def signature_repeated(translation: str, signature: str) -> bool:
    """Whether the translation already ends with the signature, so the letter would be signed
    twice (the name is printed under the text from the signature field)."""
    lines = [line for line in translation.splitlines() if line.strip()]
    if not lines or not signature:
        return False
    last = re.sub(r"[\W_]+$", "", lines[-1]).casefold()
    return re.search(r"(^|\W)" + re.escape(signature.casefold()) + "$", last) is not None
