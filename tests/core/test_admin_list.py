"""core.admin_list draws a change list's rows as Django's admin does, byte for byte: compared
here with Django's own ``results(cl)`` on the letters' list, for a coordinator and a volunteer,
in English and Russian, with and without filters, with every kind of cell it draws (choices,
foreign keys set and empty, dates, the boolean icon, the link with the page's filters)."""

import pytest
from django.contrib.admin.templatetags.admin_list import results
from django.urls import reverse
from django.utils import timezone

from core.admin_list import fast_results, row_cells
from letters.models import Letter
from tests.factories import LetterFactory, PrisonerWithAddressFactory

pytestmark = pytest.mark.django_db

S = Letter.Status


@pytest.fixture
def letters(volunteer, coordinator):
    prisoner = PrisonerWithAddressFactory(name_en="Ann <O'Brien> & Co")
    made = [
        LetterFactory(prisoner=prisoner, status=status, language="en")
        for status in (S.RECEIVED, S.IN_TRANSLATION, S.TRANSLATED, S.APPROVED, S.POSTED)
    ]
    made.append(
        LetterFactory(
            prisoner=prisoner,
            language="en",
            delivery=Letter.Delivery.RETURN_TO_ME,
            flagged_at=timezone.now(),
            flagged_by=coordinator,
        )
    )
    made.append(LetterFactory(prisoner=prisoner, language="en", status=S.IN_TRANSLATION))
    Letter.objects.filter(pk=made[-1].pk).update(claimed_by=volunteer)
    return made


def _rows_both_ways(client, user, query: str, language: str = "en") -> tuple[list, list]:
    client.force_login(user)
    response = client.get(
        reverse("admin:letters_letter_changelist") + query,
        headers={"accept-language": language},
    )
    assert response.status_code == 200
    cl = response.context["cl"]
    assert row_cells(cl) is not None, "the letters' list falls back to Django's rendering"
    django_rows = ["".join(str(item) for item in row) for row in results(cl)]
    fast_rows = ["".join(str(item) for item in row) for row in fast_results(cl)]
    return django_rows, fast_rows


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize(
    "query", ["", "?status__exact=received", "?o=-3.2&delivery__exact=post_for_me"]
)
def test_coordinators_rows_are_djangos(client, coordinator, letters, language, query):
    django_rows, fast_rows = _rows_both_ways(client, coordinator, query, language)
    assert len(fast_rows) == len(django_rows) >= 1
    assert fast_rows == django_rows


@pytest.mark.parametrize("language", ["en", "ru"])
def test_volunteers_rows_are_djangos(client, volunteer, letters, language):
    django_rows, fast_rows = _rows_both_ways(client, volunteer, "?language__exact=en", language)
    assert len(fast_rows) == len(django_rows) >= 2
    assert fast_rows == django_rows


def test_the_page_shows_the_rows(client, coordinator, letters):
    """What the template prints: the fast rows, with the link keeping the filter."""
    client.force_login(coordinator)
    page = client.get(reverse("admin:letters_letter_changelist") + "?status__exact=received")
    html = page.content.decode()
    letter = letters[0]
    change = reverse("admin:letters_letter_change", args=[letter.pk])
    assert f'<th class="field-reference"><a href="{change}?_changelist_filters=' in html
    assert f'value="{letter.pk}" class="action-select"' in html
    assert "Ann &lt;O&#x27;Brien&gt; &amp; Co" in html


def test_a_list_with_a_column_it_does_not_draw_is_djangos(client, coordinator):
    """The posting batches' list has a column made by a callable that is not a boolean (its
    link to the batch page): the whole list is then Django's own rendering."""
    from letters.models import PostingBatch

    PostingBatch.objects.create(created_by=coordinator)
    client.force_login(coordinator)
    cl = client.get(reverse("admin:letters_postingbatch_changelist")).context["cl"]
    assert row_cells(cl) is None
    django_rows = ["".join(str(item) for item in row) for row in results(cl)]
    assert ["".join(str(item) for item in row) for row in fast_results(cl)] == django_rows


def test_a_boolean_column_that_answers_a_number_reads_as_djangos(
    client, coordinator, letters, monkeypatch
):
    """alt="1" for 1, as Django writes it, not the icon of True."""
    from django.contrib import admin as django_admin

    from letters.admin import LetterAdmin

    @django_admin.display(description="flagged", boolean=True)
    def flagged(self, obj):
        return 1 if obj.flagged_at else 0

    monkeypatch.setattr(LetterAdmin, "flagged", flagged)
    django_rows, fast_rows = _rows_both_ways(client, coordinator, "")
    assert 'alt="1"' in "".join(fast_rows)
    assert fast_rows == django_rows
