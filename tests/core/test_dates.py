"""core.dates writes date-times as Django does: every format character, in English, Russian
and German, every 37 minutes over a year (midnights, noons, both clock changes) with odd
seconds."""

import html
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import dateformat, formats, timezone, translation

from core.dates import datetime_localizer, format_datetime, localize_datetime
from letters.templatetags.letters_tags import datetime_with_zone

START = datetime(2025, 1, 1, tzinfo=UTC)
VALUES = [START + timedelta(minutes=37 * i, seconds=i % 7, microseconds=i) for i in range(15000)]
VALUES += [datetime(2025, 3, 30, 1, 0, tzinfo=UTC), datetime(2025, 10, 26, 1, 0, tzinfo=UTC)]
VALUES += [datetime(2025, 6, 1, 11, 0, tzinfo=UTC), datetime(2025, 6, 1, 23, 0, tzinfo=UTC)]
EVERY_CHARACTER = "a A b c d D e E f F g G h H i I j l L m M n N o O P r s S t T U u w W y Y z Z"


@pytest.mark.parametrize("language", ["en", "ru", "de"])
def test_the_admins_datetimes_read_as_djangos(language):
    with translation.override(language):
        expected = [formats.localize(timezone.template_localtime(v)) for v in VALUES]
        assert [localize_datetime(v) for v in VALUES] == expected
        localize = datetime_localizer()
        assert [localize(v) for v in VALUES] == expected


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("pattern", [EVERY_CHARACTER, "j E Y, H:i", r"\T\o\d\a\y: jS F, P"])
def test_every_format_reads_as_djangos(language, pattern):
    values = [timezone.localtime(v) for v in VALUES[::7]]
    with translation.override(language):
        assert [format_datetime(v, pattern) for v in values] == [
            dateformat.format(v, pattern) for v in values
        ]


def test_the_moment_with_its_zone():
    with translation.override("ru"):
        assert datetime_with_zone(datetime(2026, 12, 5, 14, 5, tzinfo=UTC)) == (
            "5 декабря 2026, 14:05 GMT"
        )
    with translation.override("en"):
        assert datetime_with_zone(datetime(2026, 7, 5, 14, 5, tzinfo=UTC)) == (
            "5 July 2026, 15:05 BST"
        )


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("pattern", [EVERY_CHARACTER, r"\T\o\d\a\y: jS F, P {x}"])
def test_the_localizer_writes_any_format_as_django(language, pattern, monkeypatch):
    """datetime_localizer with every format character (and braces) in the format."""
    monkeypatch.setattr("core.dates.formats.get_format", lambda name: pattern)
    values = VALUES[::7]
    with translation.override(language):
        localize = datetime_localizer()
        expected = [dateformat.format(timezone.localtime(v), pattern) for v in values]
        assert [localize(v) for v in values] == expected


@pytest.mark.parametrize("language", ["en", "ru", "de"])
@pytest.mark.parametrize(
    "pattern",
    [
        None,  # the language's own DATETIME_FORMAT
        "j F Y, H:i",
        "H:i, j F Y",  # the minute's part first: written value by value
        r"j F Y \<\&\> {x} H:i",  # text to escape, braces, between the day's and minute's parts
        r"\<\b\> P \"N\" j",
        "j F Y, H:i:s",  # seconds: value by value
    ],
)
def test_the_escaped_localizer_is_the_localizers_text_escaped(language, pattern, monkeypatch):
    """datetime_localizer(escaped=True), which keeps each day's and each minute's text per
    response, writes what html.escape makes of Django's text, across both clock changes, in
    other time zones and for naive values."""
    if pattern is not None:
        monkeypatch.setattr("core.dates.formats.get_format", lambda name: pattern)
    values = VALUES[::3] + [v.replace(tzinfo=None) for v in VALUES[:200]]
    for zone in ("Europe/London", "America/St_Johns", "Asia/Kathmandu", "UTC"):
        with translation.override(language), timezone.override(zone):
            escaped = datetime_localizer(escaped=True)
            format_string = pattern or formats.get_format("DATETIME_FORMAT")
            expected = [
                html.escape(
                    dateformat.format(
                        timezone.localtime(v) if timezone.is_aware(v) else v, format_string
                    )
                )
                for v in values
            ]
            assert [escaped(v) for v in values] == expected
            plain = datetime_localizer()
            assert [html.escape(plain(v)) for v in values] == expected
