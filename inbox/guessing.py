"""Guesses a coordinator confirms or corrects: to whom the letter is, in which language it is
written, and whether the supporter asked us to post it or to send it back. Pure functions of
the text and the directory; nothing here touches the database."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

# --- names, in Latin or Cyrillic --------------------------------------------------------------

_CYRILLIC = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ё": "e",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "й": "y",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "yu",
    "я": "ya",
    "і": "i",
    "ї": "yi",
    "є": "ye",
    "ґ": "g",
}
# Spellings of one Russian sound in the many transliterations supporters use (Khamroev,
# Hamroyev, Chamroew), folded to one, longest first.
_FOLDS = [
    ("shch", "sh"),
    ("sch", "sh"),
    ("tch", "ch"),
    ("dzh", "j"),
    ("zh", "j"),
    ("kh", "h"),
    ("ch", "c"),
    ("ts", "c"),
    ("tz", "c"),
    ("x", "ks"),
    ("w", "v"),
    ("ph", "f"),
    ("ck", "k"),
    ("yo", "e"),
    ("ye", "e"),
    ("ya", "a"),
    ("ia", "a"),
    ("yu", "u"),
    ("iu", "u"),
    ("y", "i"),
]
_WORD = re.compile(r"[^\W\d_]+")


def skeleton(word: str) -> str:
    """A name as a comparable key, whichever alphabet or transliteration it is written in."""
    word = "".join(_CYRILLIC.get(ch, ch) for ch in word.lower())
    word = "".join(
        ch for ch in unicodedata.normalize("NFKD", word) if not unicodedata.combining(ch)
    )
    for spelling, folded in _FOLDS:
        word = word.replace(spelling, folded)
    return re.sub(r"(.)\1+", r"\1", word)


def _skeletons(text: str) -> set[str]:
    return {skeleton(word) for word in _WORD.findall(text) if len(word) >= 3}


@dataclass(frozen=True)
class NamedPrisoner:
    pk: int
    names: tuple[str, ...]  # the name in English and in Russian (and any other spelling)


# A Russian name takes case endings (Хамроеву, Бахрому): a word of the text matches a part of
# a name when it starts with it and adds at most this many letters.
_ENDING = 3


def guess_prisoner(*, subject: str, text: str, prisoners: Iterable[NamedPrisoner]) -> int | None:
    """The prisoner the message names, or None when it names none or several equally.

    Each part of a name found in the message counts (twice in the subject); a name part
    shared by several prisoners (Aleksei, Mikhail) counts only beside one that is not."""
    candidates = [
        (p.pk, {skeleton(w) for n in p.names for w in _WORD.findall(n) if len(w) >= 3})
        for p in prisoners
    ]
    owners: dict[str, int] = {}
    for _pk, parts in candidates:
        for part in parts:
            owners[part] = owners.get(part, 0) + 1
    in_subject, in_text = _skeletons(subject), _skeletons(text)
    scores: dict[int, int] = {}
    for pk, parts in candidates:
        score, distinctive = 0, False
        for part in parts:
            weight = 2 * _found(part, in_subject) + _found(part, in_text)
            if weight:
                score += weight
                distinctive |= owners[part] == 1
        if distinctive:
            scores[pk] = score
    if not scores:
        return None
    best = max(scores.values())
    winners = [pk for pk, score in scores.items() if score == best]
    return winners[0] if len(winners) == 1 else None


def _found(part: str, words: set[str]) -> bool:
    if part in words:
        return True
    return any(
        word.startswith(part) and len(word) - len(part) <= _ENDING
        for word in words
        if len(part) >= 4
    )


# --- language ---------------------------------------------------------------------------------

_STOPWORDS = {
    "en": "the and to you of your we is that in for are my with hope dear am have this it be i "
    "a if from how what me our all not thank thanks will so they",
    "de": "der die und ich sie das nicht mit ist zu dich dir liebe lieber wir es ein eine auch",
    "fr": "le la et les je vous de des est pour que nous cher chère pas une un avec votre",
    "es": "el la y que de los las es por para te estimado querido con una muy su estamos",
    "it": "il la e che di per non sono ti caro cara con una siamo gli tuo della anche",
    "nl": "de het en een ik je van niet dat wij we beste lieve met zijn voor ook jij",
    "pl": "i nie się że jest na do drogi droga z to jak pozdrawiam dla mam ci jestem",
}
_STOPWORD_SETS = {code: set(words.split()) for code, words in _STOPWORDS.items()}
_UKRAINIAN = set("іїєґ")


def guess_language(text: str, *, allowed: Iterable[str]) -> str:
    """The language code (among ``allowed``) the text is most likely written in, or ""."""
    allowed = set(allowed)
    letters = [ch for ch in text.lower() if ch.isalpha()]
    if not letters:
        return ""
    cyrillic = sum("а" <= ch <= "я" or ch in "ёіїєґ" for ch in letters)
    if cyrillic > len(letters) / 2:
        ukrainian = sum(ch in _UKRAINIAN for ch in letters) > len(letters) / 200
        code = "uk" if ukrainian else "ru"
        return code if code in allowed else ""
    words = re.findall(r"[^\W\d_]+", text.lower())
    scores = {
        code: sum(word in stopwords for word in words)
        for code, stopwords in _STOPWORD_SETS.items()
        if code in allowed
    }
    if "pl" in scores:
        scores["pl"] += 3 * sum(ch in "ąęłśżźćń" for ch in letters)
    if not scores or max(scores.values()) == 0:
        return ""
    best = max(scores.values())
    winners = [code for code, score in scores.items() if score == best]
    return winners[0] if len(winners) == 1 else ""


# --- delivery ---------------------------------------------------------------------------------

_POST_IT = re.compile(
    r"(please (do )?(post|mail|send) (it|this|the letter|my letter)( on| for|\b)|"
    r"(post|mail|send) (it|this|the letter|my letter) (for me|on my behalf)|on my behalf|"
    r"post it to (him|her)|(happy|glad) to (pay|cover) (the )?postage|"
    r"i('ll| will) pay (the )?postage|"
    r"für mich (ab)?schicken|für mich ab\b|in meinem namen|pour moi|en mi nombre|"
    r"отправьте (его|письмо)( за меня| от моего имени)?|от моего имени)",
    re.I,
)
_RETURN_IT = re.compile(
    r"(send (it|the letter|the translation|this) back( to me)?|return (it|the letter|the "
    r"translation) to me|(i('ll| will)|i'd like to|i want to|i can) (post|mail|send) it myself|"
    r"send me the translation|post it myself|"
    r"selbst (ab)?schicken|zurückschicken|moi-même|yo mismo|"
    r"верните (его|письмо|перевод) мне|(сам|сама) отправлю)",
    re.I,
)


def guess_delivery(text: str) -> str:
    """ "post_for_me" or "return_to_me" where the supporter says so, else "" (they said
    neither, or both)."""
    post, back = bool(_POST_IT.search(text)), bool(_RETURN_IT.search(text))
    if post == back:
        return ""
    return "post_for_me" if post else "return_to_me"
