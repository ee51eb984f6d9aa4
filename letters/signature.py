"""The signature printed under a letter: one name, in Cyrillic only, because the censor reads
words in foreign letters as a possible cipher. The app proposes it from the name the supporter
signs with; the volunteer who translates the letter confirms or corrects it."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from django.utils.translation import gettext as _

MAX_LENGTH = 120

# A practical Latin-to-Russian transcription: letter groups first (longest first), then single
# letters. It proposes, a person decides: a name these rules misspell and KNOWN_NAMES below
# lacks ("Renée" comes out "Рени") is corrected by the volunteer ("Рене").
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
# German spells some sounds its own way (Weiß → Вайс, Heinz → Хайнц, Jonas → Йонас); these
# letter groups take the place of the ones above in a letter written in German.
GROUPS_DE = {
    "tsch": "ч",
    "sch": "ш",
    "ch": "х",
    "ei": "ай",
    "ey": "ай",
    "eu": "ой",
    "ie": "и",
    "tz": "ц",
    "ck": "к",
    "z": "ц",
    "j": "й",
    "w": "в",
}
GROUPS_DE_ALL = {**GROUPS, **GROUPS_DE}
GROUP_DE_RE = re.compile("|".join(sorted(GROUPS_DE_ALL, key=len, reverse=True)) + "|[a-z]")

# First names that Russian writes by convention, not as the letters above would spell them
# ("Claire" is Клэр, not Клаире). By the language of the letter: a French Claire is Клер, a
# German Michael Михаэль. "" holds the English readings, for any language whose own list lacks
# the name. Keys are lower case, accents kept ("chloé"); a key without accents matches a name
# written without them too.
KNOWN_NAMES: dict[str, dict[str, str]] = {
    "": {
        "alice": "Элис",
        "amy": "Эми",
        "andrew": "Эндрю",
        "anne": "Энн",
        "ben": "Бен",
        "catherine": "Кэтрин",
        "charlotte": "Шарлотта",
        "chloe": "Хлоя",
        "christopher": "Кристофер",
        "claire": "Клэр",
        "clare": "Клэр",
        "david": "Дэвид",
        "eleanor": "Элинор",
        "elizabeth": "Элизабет",
        "emily": "Эмили",
        "emma": "Эмма",
        "george": "Джордж",
        "grace": "Грейс",
        "hannah": "Ханна",
        "harry": "Гарри",
        "helen": "Хелен",
        "hugh": "Хью",
        "isabel": "Изабель",
        "jack": "Джек",
        "james": "Джеймс",
        "jane": "Джейн",
        "jessica": "Джессика",
        "joanne": "Джоанна",
        "john": "Джон",
        "kate": "Кейт",
        "katie": "Кейти",
        "laura": "Лора",
        "lily": "Лили",
        "louise": "Луиза",
        "lucy": "Люси",
        "margaret": "Маргарет",
        "mary": "Мэри",
        "matthew": "Мэтью",
        "megan": "Меган",
        "michael": "Майкл",
        "nicholas": "Николас",
        "olivia": "Оливия",
        "owen": "Оуэн",
        "paul": "Пол",
        "peter": "Питер",
        "rachel": "Рэйчел",
        "richard": "Ричард",
        "rose": "Роуз",
        "ruth": "Рут",
        "sam": "Сэм",
        "sarah": "Сара",
        "sophie": "Софи",
        "stephen": "Стивен",
        "steven": "Стивен",
        "sue": "Сью",
        "susan": "Сьюзан",
        "thomas": "Томас",
        "william": "Уильям",
        "zoe": "Зои",
    },
    "de": {
        "andreas": "Андреас",
        "christian": "Кристиан",
        "claudia": "Клаудия",
        "dieter": "Дитер",
        "jörg": "Йорг",
        "johannes": "Йоханнес",
        "julia": "Юлия",
        "jürgen": "Юрген",
        "jutta": "Ютта",
        "katharina": "Катарина",
        "klaus": "Клаус",
        "leonie": "Леони",
        "marie": "Мари",
        "matthias": "Маттиас",
        "michael": "Михаэль",
        "sabine": "Сабина",
        "sebastian": "Себастьян",
        "sophie": "Софи",
        "stefan": "Штефан",
        "susanne": "Сузанна",
        "uwe": "Уве",
        "wolfgang": "Вольфганг",
    },
    "fr": {
        "antoine": "Антуан",
        "benoît": "Бенуа",
        "céline": "Селин",
        "chloé": "Хлоя",
        "claire": "Клер",
        "françois": "Франсуа",
        "guillaume": "Гийом",
        "hélène": "Элен",
        "isabelle": "Изабель",
        "jacques": "Жак",
        "jean": "Жан",
        "julien": "Жюльен",
        "juliette": "Жюльетта",
        "louis": "Луи",
        "marie": "Мари",
        "mathieu": "Матьё",
        "michel": "Мишель",
        "nathalie": "Натали",
        "nicolas": "Николя",
        "philippe": "Филипп",
        "pierre": "Пьер",
        "sébastien": "Себастьен",
        "sophie": "Софи",
        "stéphane": "Стефан",
        "thierry": "Тьерри",
        "vincent": "Венсан",
    },
    "es": {
        "javier": "Хавьер",
        "jorge": "Хорхе",
        "josé": "Хосе",
        "juan": "Хуан",
        "miguel": "Мигель",
    },
    "it": {
        "chiara": "Кьяра",
        "francesca": "Франческа",
        "giovanni": "Джованни",
        "giulia": "Джулия",
        "giuseppe": "Джузеппе",
        "luca": "Лука",
    },
    "pl": {
        "agnieszka": "Агнешка",
        "grzegorz": "Гжегож",
        "jerzy": "Ежи",
        "joanna": "Иоанна",
        "katarzyna": "Катажина",
        "krzysztof": "Кшиштоф",
        "łukasz": "Лукаш",
        "małgorzata": "Малгожата",
        "michał": "Михал",
        "paweł": "Павел",
        "wojciech": "Войцех",
    },
}
_NAME_RE = re.compile(r"[^\W\d_]+")  # a run of letters, accents included

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
    """Accents off Latin letters (é → e, ü → u), ligatures spelt out; other scripts are left as
    they are (й and ё stay whole)."""
    decomposed = unicodedata.normalize("NFKD", "".join(_spelt_out(c) for c in text))
    kept: list[str] = []
    for char in decomposed:
        if unicodedata.combining(char) and kept and _is_latin(kept[-1]):
            continue
        kept.append(char)
    return unicodedata.normalize("NFC", "".join(kept))


@cache
def _names_without_accents(language: str) -> dict[str, str]:
    """KNOWN_NAMES[language] keyed also without accents ("chloe" finds "chloé")."""
    table = KNOWN_NAMES.get(language, {})
    return {**{_plain_latin(name): ru for name, ru in table.items()}, **table}


def _known_name(word: str, language: str) -> str | None:
    """The conventional Russian form of a first name, in the case the name was written in."""
    key = word.lower()
    for table in (_names_without_accents(language), _names_without_accents("")):
        known = table.get(key) or table.get(_plain_latin(key))
        if known is not None:
            return known.upper() if word.isupper() and len(word) > 1 else known
    return None


def _word_ru(word: str, language: str = "") -> str:
    lower = word.lower()
    groups, pattern = (GROUPS_DE_ALL, GROUP_DE_RE) if language == "de" else (GROUPS, GROUP_RE)
    out, position = [], 0
    for match in pattern.finditer(lower):
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
            out.append(groups.get(chunk) or LETTERS[chunk])
    result = "".join(out)
    if word.isupper() and len(word) > 1:
        return result.upper()
    if word[0].isupper():
        return result[:1].upper() + result[1:]
    return result


def signature_proposal_ru(name: str, language: str = "") -> str:
    """The supporter's name in Cyrillic, as a first proposal, read as a name in ``language``
    (the letter's) is read: a name Russian writes by convention as it does (Claire → Клэр),
    others letter by letter. Cyrillic is kept as written; marks the censor could misread
    (digits, symbols, other scripts) are left out."""
    named = _NAME_RE.sub(lambda m: _known_name(m.group(), language) or m.group(), name)
    plain = WORD_RE.sub(lambda m: _word_ru(m.group(), language), _plain_latin(named))
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
