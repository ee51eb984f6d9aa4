"""Date-times written as Django writes them (``django.utils.dateformat.format``), for pages that
print many: the parts of a format that depend only on the day (the month's name, the weekday)
or only on the hour and minute ("2:05 p.m.") are remembered per language, so a list of a
hundred rows does not translate the same month name a hundred times. The rest (time zone,
seconds) is written for each value. tests/core/test_dates.py holds it to Django's output."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import UTC, date, datetime, time
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


def datetime_localizer(*, escaped: bool = False) -> Callable[[datetime], str]:
    """``localize_datetime`` for the many values of one response (a column of a list): the time
    zone, the language and the format are looked up once, and each day's and each minute's
    words are worked out once for all the values that share them. ``escaped``: the text comes
    HTML-escaped, as ``html.escape`` would escape it.

    Where the format writes its day's part before its minute's part ("j F Y, H:i"; "j E Y г.
    G:i"; "N j, Y, P"), each value's text is the text of its (local) day followed by that of
    its hour and minute, both kept for the response in a dict: a value then costs its move to
    the time zone and two look-ups (writing and escaping every value's text was 3-4 us a
    value, a third of a list's cells). Other formats are written value by value."""
    zone = timezone.get_current_timezone()
    language = get_language()
    slots: list[str] = []
    by_date: list[str] = []
    by_minute: list[str] = []
    others: list[str] = []
    first_minute_slot = None  # where the minute's part starts, if the day's all come before
    day_after_minute = False
    for is_char, piece in _parts(str(formats.get_format("DATETIME_FORMAT"))):
        if not is_char:
            slots.append(piece.replace("{", "{{").replace("}", "}}"))
        elif piece in _BY_DATE:
            day_after_minute = day_after_minute or first_minute_slot is not None
            slots.append(f"{{d[{len(by_date)}]}}")
            by_date.append(piece)
        elif piece in _BY_MINUTE:
            if first_minute_slot is None:
                first_minute_slot = len(slots)
            slots.append(f"{{m[{len(by_minute)}]}}")
            by_minute.append(piece)
        else:
            slots.append(f"{{w[{len(others)}]}}")
            others.append(piece)
    pattern = "".join(slots)
    date_chars, minute_chars = tuple(by_date), tuple(by_minute)
    finish: Callable[[str], str] = html.escape if escaped else _as_is

    if others or day_after_minute:

        def localize(value: datetime) -> str:
            if value.utcoffset() is not None:  # timezone.is_aware
                value = value.astimezone(zone)
            d = _date_parts(language, date_chars, value.year, value.month, value.day)
            m = _minute_parts(language, minute_chars, value.hour, value.minute)
            w: list[str] = []
            if others:
                whole = DateFormat(value)
                w = [str(getattr(whole, char)()) for char in others]
            return finish(pattern.format(d=d, m=m, w=w))

        return localize

    cut = len(slots) if first_minute_slot is None else first_minute_slot
    day_pattern, minute_pattern = "".join(slots[:cut]), "".join(slots[cut:])
    days: dict[date, str] = {}
    minutes: dict[int, str] = {}

    def localize_by_parts(value: datetime) -> str:
        tzinfo = value.tzinfo
        if tzinfo is UTC or (tzinfo is not None and value.utcoffset() is not None):
            value = value.astimezone(zone)  # (the database's values are in UTC)
        day = value.date()
        try:
            day_text = days[day]
        except KeyError:
            parts = _date_parts(language, date_chars, value.year, value.month, value.day)
            day_text = days[day] = finish(day_pattern.format(d=parts))
        minute = value.hour * 60 + value.minute
        try:
            minute_text = minutes[minute]
        except KeyError:
            parts = _minute_parts(language, minute_chars, value.hour, value.minute)
            minute_text = minutes[minute] = finish(minute_pattern.format(m=parts))
        return day_text + minute_text  # (escaping a text escapes each of its parts)

    return localize_by_parts


def _as_is(text: str) -> str:
    return text
