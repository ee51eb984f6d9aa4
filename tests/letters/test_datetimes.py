"""Every date-time shown to a person names its time zone, through one filter
(letters_tags.datetime_with_zone): the tracking page, the e-mails and the desk."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from letters.models import Letter
from letters.services import submission
from letters.services import translation as desk
from letters.templatetags.letters_tags import datetime_with_zone
from tests.factories import LetterFactory, PrisonerWithAddressFactory, VolunteerFactory

S = Letter.Status
WINTER = datetime(2026, 12, 5, 14, 5, tzinfo=UTC)
SUMMER = datetime(2026, 7, 5, 14, 5, tzinfo=UTC)


def test_a_moment_reads_with_its_zone_in_the_sites_time_zone():
    # given the site's time zone, London
    assert settings.TIME_ZONE == "Europe/London"

    # then winter and summer times name the zone in force, in English and in Russian
    assert datetime_with_zone(WINTER) == "5 December 2026, 14:05 GMT"
    assert datetime_with_zone(SUMMER) == "5 July 2026, 15:05 BST"
    with translation.override("ru"):
        assert datetime_with_zone(WINTER) == "5 декабря 2026, 14:05 GMT"
    # and a shorter format keeps the zone
    assert datetime_with_zone(WINTER, "H:i:s") == "14:05:00 GMT"


def test_a_zone_without_an_abbreviation_is_named_by_its_offset():
    # given a time zone whose database gives no letters, only "+04"
    with timezone.override(ZoneInfo("Asia/Dubai")):
        # then the offset is read as an offset from UTC
        assert datetime_with_zone(WINTER) == "5 December 2026, 18:05 UTC+04"
    assert datetime_with_zone(None) == ""


@pytest.mark.django_db
def test_the_tracking_timeline_names_the_zone(client):
    # given a letter received at a known moment
    with time_machine.travel(WINTER, tick=False):
        letter = submission.letter_submit(
            prisoner_id=PrisonerWithAddressFactory().pk,
            supporter_name="Anna",
            supporter_email="anna@example.org",
            language="en",
            original_text="Dear friend.",
            delivery=Letter.Delivery.RETURN_TO_ME,
        )

    # when the supporter opens the tracking page
    page = client.get(reverse("letters:track", args=[letter.token])).content.decode()

    # then the step says when, with the zone
    assert "5 December 2026, 14:05 GMT</time>" in page


@pytest.mark.django_db
def test_the_claim_reminder_names_the_zone(outbox):
    # given a claim ending at a known moment, within the reminder window
    with time_machine.travel(WINTER - timedelta(hours=2), tick=False):
        letter = LetterFactory(status=S.IN_TRANSLATION)
        Letter.objects.filter(pk=letter.pk).update(claim_expires_at=WINTER)

        # when the reminder goes
        desk.claims_remind_expiring()

    # then it says when the claim ends, with the zone
    (message,) = outbox
    assert "Your claim ends on 5 December 2026, 14:05 GMT." in message.body


@pytest.mark.django_db
def test_desk_deadlines_and_saves_name_the_zone(client):
    # given a volunteer who claims a letter at a known moment
    volunteer = VolunteerFactory()
    volunteer.volunteer_profile.languages = ["en"]
    volunteer.volunteer_profile.save()
    letter = LetterFactory(language="en")
    desk = "admin:letters_letter_desk_"
    with time_machine.travel(WINTER, tick=False):
        client.force_login(volunteer)
        claimed = client.post(reverse(desk + "claim", args=[letter.pk]), follow=True)
        saved = client.post(
            reverse(desk + "autosave", args=[letter.pk]),
            {"translation": "Дорогой друг.", "base_version": 0},
        )
    deadline = datetime_with_zone(WINTER + timedelta(days=7))
    assert deadline == "12 December 2026, 14:05 GMT"

    # then the claim's message, the translation page and My letters name the zone
    assert f"is yours until {deadline}." in claimed.content.decode()
    assert f"<dd>{deadline}</dd>" in claimed.content.decode()
    with time_machine.travel(WINTER + timedelta(minutes=1), tick=False):
        mine = client.get(reverse(desk + "mine")).content.decode()
    assert deadline in mine
    # and so does the autosave's answer
    assert saved.json()["message"] == "Draft saved at 14:05:00 GMT."


def test_no_date_time_is_formatted_without_the_filter():
    """A guard for new templates: a date-time format (hours and minutes) outside the filter
    would show a time without its zone."""
    templates = Path(settings.BASE_DIR) / "templates"
    with_time = re.compile(r"""\|date:\s*["'][^"']*[GHgh]:i""")
    offenders = [
        str(path.relative_to(templates))
        for path in templates.rglob("*.*")
        if with_time.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def _written_afresh(value: datetime, pattern: str = "j E Y, H:i") -> str:
    """datetime_with_zone as it was before it remembered minutes: Django's dateformat."""
    from django.utils.dateformat import format as django_format
    from django.utils.formats import get_format

    local = timezone.localtime(value)
    zone = local.tzname() or ""
    if zone.startswith(("+", "-")):
        zone = f"UTC{zone}"
    return f"{django_format(local, get_format(pattern))} {zone}".strip()


def test_remembered_minutes_read_as_written_afresh():
    from letters.templatetags import letters_tags

    letters_tags._WITH_ZONE.clear()
    # Around London's change of clocks (29 March 2026, 01:00 UTC), seconds apart and minutes apart.
    start = datetime(2026, 3, 29, 0, 58, 1, tzinfo=UTC)
    moments = [start + timedelta(seconds=17 * i) for i in range(20)]
    moments += [WINTER + timedelta(minutes=i, seconds=i) for i in range(5)]
    zones = ["Europe/London", "Asia/Dubai", "Asia/Kolkata", "America/St_Johns"]
    patterns = ["j E Y, H:i", "H:i:s", "DATETIME_FORMAT", "N j, Y, P T"]
    for _ in range(2):  # remembered, then read
        for language in ["en", "ru"]:
            with translation.override(language):
                for zone in zones:
                    with timezone.override(ZoneInfo(zone)):
                        for pattern in patterns:
                            for moment in moments:
                                expected = _written_afresh(moment, pattern)
                                got = datetime_with_zone(moment, pattern)
                                assert got == expected, (language, zone, pattern, moment)
    assert letters_tags._WITH_ZONE
