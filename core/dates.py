"""Date-times written as Django writes them (``django.utils.dateformat.format``), for pages that
print many: the parts of a format that depend only on the day (the month's name, the weekday)
or only on the hour and minute ("2:05 p.m.") are remembered per language, so a list of a
hundred rows does not translate the same month name a hundred times. The rest (time zone,
seconds) is written for each value. tests/core/test_dates.py holds it to Django's output."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from functools import lru_cache

from django.utils import formats, timezone
from django.utils.dateformat import DateFormat, TimeFormat, re_escaped, re_formatchars
from django.utils.translation import get_language

# Format characters whose output depends only on the date, or only on the hour and minute.
_BY_DATE = frozenset("bdDEFjlLmMnNoStwWyYz")
_BY_MINUTE = frozenset("aAfgGhHiP")


@lru_cache(maxsize=128)
def _parts(format_string: str) -> tuple[tuple[bool, str], ...]:
    """The format split as DateFormat.format splits it: (is a format character, text)."""
    parts = []
    for i, piece in enumerate(re_formatchars.split(format_string)):
        if i % 2:
            parts.append((True, piece))
        elif piece:
            parts.append((False, re_escaped.sub(r"\1", piece)))
    return tuple(parts)


@lru_cache(maxsize=8192)
def _date_part(language: str | None, char: str, year: int, month: int, day: int) -> str:
    return str(getattr(DateFormat(date(year, month, day)), char)())


@lru_cache(maxsize=4096)
def _minute_part(language: str | None, char: str, hour: int, minute: int) -> str:
    return str(getattr(TimeFormat(time(hour, minute)), char)())


@lru_cache(maxsize=8192)
def _date_parts(language: str | None, chars: tuple[str, ...], *day: int) -> tuple[str, ...]:
    return tuple(_date_part(language, char, *day) for char in chars)


@lru_cache(maxsize=4096)
def _minute_parts(language: str | None, chars: tuple[str, ...], *minute: int) -> tuple[str, ...]:
    return tuple(_minute_part(language, char, *minute) for char in chars)


# Format characters that depend on the moment only through its time zone's offset or name,
# which are the same for every second of a minute.
_BY_ZONE = frozenset("eIOTZ")


def minute_determined(format_string: str) -> bool:
    """Whether ``format_string`` writes the same for every second of a minute (no seconds,
    microseconds or timestamps)."""
    return all(
        not is_char or piece in _BY_DATE or piece in _BY_MINUTE or piece in _BY_ZONE
        for is_char, piece in _parts(str(format_string))
    )


def format_datetime(value: datetime, format_string: str) -> str:
    """``dateformat.format(value, format_string)`` for a datetime, in the active language."""
    return _format(value, _parts(str(format_string)), get_language())


def _format(value: datetime, parts: tuple[tuple[bool, str], ...], language: str | None) -> str:
    out = []
    whole = None
    for is_char, piece in parts:
        if not is_char:
            out.append(piece)
        elif piece in _BY_DATE:
            out.append(_date_part(language, piece, value.year, value.month, value.day))
        elif piece in _BY_MINUTE:
            out.append(_minute_part(language, piece, value.hour, value.minute))
        else:
            if whole is None:
                whole = DateFormat(value)
            out.append(str(getattr(whole, piece)()))
    return "".join(out)


def localize_datetime(value: datetime) -> str:
    """What the admin shows for a datetime, ``formats.localize(template_localtime(value))``:
    in the current time zone, in the active language's DATETIME_FORMAT."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return format_datetime(value, formats.get_format("DATETIME_FORMAT"))


def datetime_localizer() -> Callable[[datetime], str]:
    """``localize_datetime`` for the many values of one response (a column of a list): the time
    zone, the language and the format are looked up once, and each day's and each minute's
    words are worked out once for all the values that share them."""
    zone = timezone.get_current_timezone()
    language = get_language()
    slots: list[str] = []
    by_date: list[str] = []
    by_minute: list[str] = []
    others: list[str] = []
    for is_char, piece in _parts(str(formats.get_format("DATETIME_FORMAT"))):
        if not is_char:
            slots.append(piece.replace("{", "{{").replace("}", "}}"))
        elif piece in _BY_DATE:
            slots.append(f"{{d[{len(by_date)}]}}")
            by_date.append(piece)
        elif piece in _BY_MINUTE:
            slots.append(f"{{m[{len(by_minute)}]}}")
            by_minute.append(piece)
        else:
            slots.append(f"{{w[{len(others)}]}}")
            others.append(piece)
    pattern = "".join(slots)
    date_chars, minute_chars = tuple(by_date), tuple(by_minute)

    def localize(value: datetime) -> str:
        if value.utcoffset() is not None:  # timezone.is_aware
            value = value.astimezone(zone)
        d = _date_parts(language, date_chars, value.year, value.month, value.day)
        m = _minute_parts(language, minute_chars, value.hour, value.minute)
        w: list[str] = []
        if others:
            whole = DateFormat(value)
            w = [str(getattr(whole, char)()) for char in others]
        return pattern.format(d=d, m=m, w=w)

    return localize
