"""core.compiled: a query compiled once answers as the ORM's own queryset does, for every
value, shape and database connection; a query it cannot compile faithfully is refused."""

import threading

import pytest
from django.db import connection
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.test.utils import CaptureQueriesContext

from core.compiled import CompiledQuery, CompiledQueryError
from letters.models import Letter, VolunteerProfile
from tests.factories import LetterFactory, VolunteerFactory

pytestmark = pytest.mark.django_db(transaction=True)

S = Letter.Status


def _held(p):
    held = (
        Letter.objects.filter(claimed_by_id=OuterRef("user_id"), status=S.IN_TRANSLATION)
        .order_by()
        .values("claimed_by_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        VolunteerProfile.objects.filter(user_id=p.user_id)
        .annotate(held=Coalesce(Subquery(held), 0))
        .values_list("languages", "claim_limit", "held")
    )


def test_the_same_rows_as_the_orm_for_every_value_compiled_once():
    # given two volunteers, one holding two letters, with their languages (a JSON list, which
    # needs the ORM's converter on every database)
    busy, idle = VolunteerFactory(), VolunteerFactory()
    LetterFactory.create_batch(2, status=S.IN_TRANSLATION, claimed_by=busy)
    query = CompiledQuery(_held)
    # when each is asked for, twice
    answers = [query(user_id=user.pk) for user in (busy, idle, busy, idle)]
    # then each answer is the ORM's, and the SQL was made once
    assert answers[0] == [(["en", "de"], 3, 2)] == list(_held(type("P", (), {"user_id": busy.pk})))
    assert answers[1] == [(["en", "de"], 3, 0)]
    assert answers[2:] == answers[:2]
    assert query.compiles == 1
    assert query(user_id=-5) == []  # nobody


def test_lists_and_shapes_get_their_own_sql_and_slices_their_bounds():
    letters = [LetterFactory(language=code) for code in ("en", "en", "de", "fr", "es")]
    query = CompiledQuery(
        lambda p, low, high: (
            Letter.objects.filter(language__in=p.languages)
            .order_by("pk")
            .values_list("pk", "language")[low:high]
        )
    )

    def orm(languages, low, high):
        return list(
            Letter.objects.filter(language__in=languages)
            .order_by("pk")
            .values_list("pk", "language")[low:high]
        )

    for languages, low, high in [(["en"], 0, 10), (["en", "de"], 0, 2), (["fr", "de"], 1, 5),
                                 (["es", "en", "de"], 0, 10), ([], 0, 10)]:  # fmt: skip
        assert query(low, high, languages=languages) == orm(languages, low, high)
    assert query.count(0, 10, languages=["en", "de", "fr"]) == 4
    assert query.count(0, 2, languages=["en", "de", "fr"]) == 2  # counted within the slice
    assert len(letters) == 5


def test_each_thread_compiles_for_its_own_connection():
    # given a query compiled in this thread
    query = CompiledQuery(lambda p: Letter.objects.filter(pk=p.pk).values_list("reference"))
    letter = LetterFactory()
    assert query(pk=letter.pk) == [(letter.reference,)]
    found = []

    def other():  # Django gives every thread its own connection
        found.append(query(pk=letter.pk))
        from django.db import connection as theirs

        theirs.close()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    # then the other thread ran it on its own connection, compiling it there
    assert found == [[(letter.reference,)]]
    assert query.compiles == 2


def test_one_query_per_call():
    letter = LetterFactory()
    query = CompiledQuery(lambda p: Letter.objects.filter(pk=p.pk).values_list("language"))
    query(pk=letter.pk)
    with CaptureQueriesContext(connection) as queries:
        assert query(pk=letter.pk) == [(letter.language,)]
    assert len(queries) == 1


@pytest.mark.parametrize(
    "build, values, message",
    [
        # a value changed on its way into the SQL (LIKE's wildcards around it)
        (lambda p: Letter.objects.filter(reference__contains=p.ref).values_list("pk"),
         {"ref": "LB"}, "changed"),
        # a value the query never uses
        (lambda p: Letter.objects.values_list("pk"), {"pk": 1}, "not used"),
        # a value used in the SQL's text, not as a parameter (a slice's bound)
        (lambda p: Letter.objects.values_list("pk")[: p.n], {"n": 3}, "reach"),
        # a stand-in outside a small field's range: the ORM would answer "nothing" unasked
        (lambda p: VolunteerProfile.objects.filter(claim_limit=p.n).values_list("pk"),
         {"n": 3}, "without SQL"),
        # model instances need the ORM's iterator
        (lambda p: Letter.objects.filter(pk=p.pk), {"pk": 1}, "values_list"),
    ],
)  # fmt: skip
def test_a_query_that_cannot_be_compiled_faithfully_is_refused(build, values, message):
    with pytest.raises(CompiledQueryError, match=message):
        CompiledQuery(build)(**values)


def test_an_empty_slice_or_list_finds_nothing_and_other_values_still_find_rows():
    letter = LetterFactory(language="en")
    query = CompiledQuery(
        lambda p, low, high: (
            Letter.objects.filter(language__in=p.languages)
            .order_by("pk")
            .values_list("pk")[low:high]
        )
    )
    # an empty page and an empty list of languages: nothing, as the ORM says without SQL
    assert query(0, 0, languages=["en"]) == []
    assert query(0, 10, languages=[]) == []
    assert query.count(0, 0, languages=["en"]) == 0
    # and the same shapes with other values still find the letter
    assert query(0, 10, languages=["en"]) == [(letter.pk,)]
    assert query(0, 1, languages=["en"]) == [(letter.pk,)]
