"""letters.selectors: what the tracking page, the desk and the pages that show prisoners read.
The desk's querysets are the one place that decides what a volunteer may see."""

from datetime import timedelta

import pytest
from django.utils import timezone

from letters import tokens
from letters.models import Letter
from letters.selectors import (
    SUPPORTER_FIELDS,
    WaitingLetters,
    letter_by_token,
    letter_ids_for_email,
    letters_for_review,
    letters_queue,
    letters_this_month_by_prisoner,
    letters_to_hold_by_prisoner,
    letters_visible_to,
    month_start,
    volunteer_desk_settings,
)
from tests.factories import (
    LetterFactory,
    PrisonerWithAddressFactory,
    UserFactory,
    VolunteerFactory,
)

pytestmark = pytest.mark.django_db
S = Letter.Status


def test_letters_this_month_count_only_letters_still_on_their_way():
    # given letters of every fate to one prisoner, one of them from last month
    prisoner = PrisonerWithAddressFactory()
    LetterFactory(prisoner=prisoner)
    LetterFactory(prisoner=prisoner, status=S.POSTED)
    LetterFactory(prisoner=prisoner, status=S.CANCELLED)
    LetterFactory(prisoner=prisoner, status=S.REJECTED)
    old = LetterFactory(prisoner=prisoner)
    Letter.objects.filter(pk=old.pk).update(created_at=month_start() - timedelta(seconds=1))
    other = PrisonerWithAddressFactory()

    # when the month's counts are read
    counts = letters_this_month_by_prisoner()

    # then only this month's letters that may still reach the prisoner count; nobody else has any
    assert counts == {prisoner.pk: 2}
    assert other.pk not in counts


def test_the_counts_are_cached_for_a_few_minutes(django_assert_num_queries):
    # given the counts read once
    LetterFactory()
    first = letters_this_month_by_prisoner()

    # when they are read again, then the database is not asked
    with django_assert_num_queries(0):
        assert letters_this_month_by_prisoner() == first


def test_letters_to_hold_are_the_approved_ones():
    # given approved letters, and letters in other states, to two prisoners
    moving = PrisonerWithAddressFactory()
    other = PrisonerWithAddressFactory()
    for status in (S.APPROVED, S.APPROVED, S.RECEIVED, S.ON_HOLD, S.POSTED):
        LetterFactory(prisoner=moving, status=status)
    LetterFactory(prisoner=other, status=S.APPROVED)

    # when the letters a move would hold are counted for one of them
    counts = letters_to_hold_by_prisoner(prisoner_ids=[moving.pk])

    # then only that prisoner's approved letters count
    assert counts == {moving.pk: 2}


def test_month_start_is_the_first_midnight_of_the_month():
    start = month_start()

    assert (start.day, start.hour, start.minute) == (1, 0, 0)
    assert start <= timezone.localtime()


def test_letter_by_token_finds_only_the_letter_the_token_was_made_for():
    # given a letter and the token its supporter was given
    letter = LetterFactory()
    token = tokens.token_for(salt=letter.tracking_salt)
    other = token[:-1] + ("1" if token[-1] != "1" else "2")
    # when the tracking page looks tokens up
    # then the right token finds the letter, one changed character, an empty or an
    # overlong token finds nothing
    assert letter_by_token(token=token) == letter
    assert letter_by_token(token=other) is None
    assert letter_by_token(token="") is None
    assert letter_by_token(token=token + "0" * 128) is None


def test_letter_ids_for_email_are_the_addresses_letters_newest_first():
    # given two letters from one address (stored encrypted) and one from another
    older = LetterFactory(supporter_email="Writer@example.org")
    newer = LetterFactory(supporter_email="Writer@example.org")
    Letter.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=3))
    LetterFactory(supporter_email="someone@example.org")
    # when "Find my letters" looks the address up, typed with spaces around it
    # then it finds that address's letters, the newest first, and nothing for a blank address
    assert letter_ids_for_email(email="  Writer@example.org ") == [newer.pk, older.pk]
    assert letter_ids_for_email(email="   ") == []


def test_a_volunteer_sees_waiting_letters_in_their_languages_and_their_own_work_only():
    # given a volunteer reading English and German, and letters in several states
    volunteer = VolunteerFactory()
    waiting_en = LetterFactory(language="en")
    waiting_fr = LetterFactory(language="fr")
    held_by_other = LetterFactory(status=S.IN_TRANSLATION, language="en")
    held = LetterFactory(status=S.IN_TRANSLATION, language="en", claimed_by=volunteer)
    handed_in = LetterFactory(status=S.TRANSLATED, language="en", translated_by=volunteer)
    posted = LetterFactory(status=S.POSTED, language="en")
    # when the desk asks which letters the volunteer may open
    visible = set(letters_visible_to(user=volunteer))
    # then only the waiting letter in their language and their own work
    assert visible == {waiting_en, held, handed_in}
    assert not visible & {waiting_fr, held_by_other, posted}


def test_staff_without_a_desk_permission_see_no_letter_and_coordinators_see_all(coordinator):
    # given letters, a staff account without any desk permission and a coordinator
    letters = {LetterFactory(language="fr"), LetterFactory(status=S.POSTED)}
    nobody = UserFactory(is_staff=True)
    # then the first sees none and the coordinator every one
    assert not letters_visible_to(user=nobody).exists()
    assert set(letters_visible_to(user=coordinator)) == letters


def test_the_queue_is_oldest_first_in_the_volunteers_languages_without_flagged_letters():
    # given waiting letters: two in English of different ages, one flagged, one in French
    volunteer = VolunteerFactory()
    newer = LetterFactory(language="en")
    older = LetterFactory(language="en")
    Letter.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(hours=2))
    LetterFactory(language="en", flagged_at=timezone.now())
    LetterFactory(language="fr")
    # when the volunteer opens the queue
    queue = list(letters_queue(user=volunteer))
    # then the older English letter comes first, and no supporter field is loaded
    assert queue == [older, newer]
    assert set(SUPPORTER_FIELDS) <= queue[0].get_deferred_fields()
    assert list(letters_queue(user=volunteer, language="de")) == []


def test_nobody_reviews_their_own_translation(coordinator):
    # given a translation handed in by the coordinator and one by a volunteer
    own = LetterFactory(status=S.TRANSLATED, translated_by=coordinator)
    other = LetterFactory(status=S.TRANSLATED, translated_by=VolunteerFactory())
    # when the coordinator opens the review list
    # then only the volunteer's translation is there; a volunteer without the review
    # permission has no review list at all
    assert list(letters_for_review(user=coordinator)) == [other]
    assert own not in letters_for_review(user=coordinator)
    assert not letters_for_review(user=VolunteerFactory()).exists()


def test_the_desk_settings_read_languages_limit_and_letters_held_in_one_query(
    django_assert_num_queries,
):
    volunteer = VolunteerFactory()
    profile = volunteer.volunteer_profile
    profile.languages, profile.claim_limit = ["de", "en"], 4
    profile.save()
    LetterFactory.create_batch(2, status=Letter.Status.IN_TRANSLATION, claimed_by=volunteer)
    LetterFactory(status=Letter.Status.IN_TRANSLATION, claimed_by=VolunteerFactory())
    LetterFactory(status=Letter.Status.RECEIVED, language="de")
    with django_assert_num_queries(1):
        assert volunteer_desk_settings(user=volunteer) == (["de", "en"], 4, 2)


def test_without_a_profile_the_desk_settings_are_the_defaults_and_the_letters_held(settings):
    user = UserFactory()
    LetterFactory(status=Letter.Status.IN_TRANSLATION, claimed_by=user)
    assert volunteer_desk_settings(user=user) == (
        [],
        settings.LETTERBRIDGE_DEFAULT_CLAIM_LIMIT,
        1,
    )


def test_the_queue_page_rows_are_the_querysets_letters_in_its_order(coordinator):
    # given waiting letters in several languages and ages, one flagged, one held
    volunteer = VolunteerFactory()  # English and German
    for i, code in enumerate(["en", "de", "fr", "en", "de", "ru", "en"]):
        letter = LetterFactory(language=code)
        Letter.objects.filter(pk=letter.pk).update(created_at=timezone.now() - timedelta(hours=i))
    LetterFactory(language="en", flagged_at=timezone.now())
    LetterFactory(language="en", status=S.IN_TRANSLATION, claimed_by=volunteer)
    # when the desk pages the queue (WaitingLetters) for each reader and filter
    for user, language in [(volunteer, ""), (volunteer, "de"), (coordinator, ""),
                           (coordinator, "fr"), (volunteer, "fr")]:  # fmt: skip
        expected = list(letters_queue(user=user, language=language))
        waiting = WaitingLetters(user=user, language=language)
        rows = waiting[0:25]
        # then it shows the queryset's letters, in its order, with what the rows show
        assert [row.pk for row in rows] == [letter.pk for letter in expected]
        for row, letter in zip(rows, expected, strict=True):
            assert (row.reference, row.language, row.created_at, row.length) == (
                letter.reference, letter.language, letter.created_at, letter.length
            )  # fmt: skip
            assert row.prisoner.local_name() == letter.prisoner.local_name()
            assert row.prisoner.reads_languages == letter.prisoner.reads_languages
        assert waiting.bounded_count(1000) == len(expected)
        assert [row.pk for row in waiting[1:3]] == [letter.pk for letter in expected[1:3]]
    assert WaitingLetters(user=volunteer).bounded_count(2) == 3  # stops one past the bound
