"""The letters' admin list, drawn the fast way (rows read as tuples, the table written in Python,
the kept parts of the page), is Django's page byte for byte apart from CSRF tokens: compared
with the page ``LETTERBRIDGE_ADMIN_LIST_FAST = False`` gives (Django's own loading and drawing)
for both roles, both languages, filters, search, sorting, pages, an empty list and a list with
a column the fast way does not draw."""

import re
from unittest import mock

import pytest
from django.contrib import admin as django_admin
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core import admin_kept
from core.admin_list import load_rows
from letters.admin import LetterAdmin
from letters.models import Letter
from tests.factories import LetterFactory, PrisonerWithAddressFactory

pytestmark = pytest.mark.django_db

S = Letter.Status
_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[A-Za-z0-9]+"')
LIST = reverse("admin:letters_letter_changelist")

QUERIES = [
    "",
    "?status__exact=received",
    "?o=-3.2.7",  # sorted by three columns: the headers show their priorities
    "?o=2&p=2",
    "?language__exact=en&o=-5",
    "?q=O%27Brien",
    "?q=nobody-at-all",  # an empty list
    "?flagged=yes&delivery__exact=return_to_me",
    "?created_at__gte=2020-01-01+00%3A00%3A00%2B00%3A00&status__exact=in_translation",
]


@pytest.fixture
def letters(volunteer, coordinator):
    prisoner = PrisonerWithAddressFactory(name_en="Ann <O'Brien> & Co")
    other = PrisonerWithAddressFactory(name_en="Boris", name_ru="")  # shown as Boris in Russian too
    made = [
        LetterFactory(prisoner=prisoner if i % 2 else other, status=status, language="en")
        for i, status in enumerate(
            (S.RECEIVED, S.IN_TRANSLATION, S.TRANSLATED, S.APPROVED, S.POSTED, S.RECEIVED)
        )
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


@pytest.fixture
def small_pages(monkeypatch):
    """Three rows a page, so that a handful of letters has several pages."""
    monkeypatch.setattr(LetterAdmin, "list_per_page", 3)


def _page(client: Client, path: str, language: str) -> tuple[int, str]:
    client.cookies["django_language"] = language
    response = client.get(path)
    return response.status_code, _TOKEN.sub(
        'name="csrfmiddlewaretoken" value="T"', response.content.decode()
    )


def _both(client: Client, path: str, language: str, settings) -> tuple[tuple, tuple]:
    settings.LETTERBRIDGE_ADMIN_LIST_FAST = False
    djangos = _page(client, path, language)
    settings.LETTERBRIDGE_ADMIN_LIST_FAST = True
    return djangos, _page(client, path, language)


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("role", ["coordinator", "volunteer"])
def test_the_page_is_djangos(request, settings, letters, small_pages, role, language):
    client = Client()
    client.force_login(request.getfixturevalue(role))
    shown = 0
    for query in QUERIES:
        for _twice in range(2):  # the second draws from whatever the first kept
            djangos, fast = _both(client, LIST + query, language, settings)
            if role == "volunteer" and "flagged" in query:
                assert djangos[0] == 400  # not a volunteer's filter
            assert fast == djangos, (role, language, query)
            shown += '<th class="field-reference">' in fast[1]
    assert shown >= 8


def test_the_fast_page_differs_from_a_wrong_one(client, settings, coordinator, letters):
    """The comparison sees the table: a page drawn with one row's status changed is not equal."""
    client.force_login(coordinator)
    _status, before = _page(client, LIST, "en")
    Letter.objects.filter(pk=letters[0].pk).update(status=S.CANCELLED)
    djangos, fast = _both(client, LIST, "en", settings)
    assert fast == djangos
    assert fast[1] != before


def test_a_column_it_does_not_draw_gives_djangos_page(
    client, settings, coordinator, letters, monkeypatch
):
    """A callable column that is not a boolean: the rows are Django's, the page the same."""

    @django_admin.display(description="note")
    def note(self, obj):
        return f"<{obj.reference}>"

    monkeypatch.setattr(LetterAdmin, "note", note, raising=False)
    monkeypatch.setattr(LetterAdmin, "list_display", [*LetterAdmin.list_display, "note"])
    client.force_login(coordinator)
    djangos, fast = _both(client, LIST + "?o=-2", "en", settings)
    assert fast == djangos
    assert f"&lt;{letters[0].reference}&gt;" in fast[1]


def test_rows_read_as_tuples_are_djangos_instances(letters):
    """load_rows gives what only() with select_related gives, for every shown column."""
    columns = [
        "id",
        "reference",
        "prisoner",
        "prisoner__name_en",
        "status",
        "created_at",
        "claimed_by",
        "claimed_by__username",
        "flagged_at",
    ]
    queryset = Letter.objects.select_related("prisoner", "claimed_by").order_by("-pk")
    djangos = list(queryset.only(*columns))
    rows = load_rows(queryset.all(), columns, ["prisoner", "claimed_by"])
    assert rows is not None
    assert [row.pk for row in rows] == [letter.pk for letter in djangos]
    for row, letter in zip(rows, djangos, strict=True):
        for name in ("reference", "status", "created_at", "flagged_at", "prisoner_id"):
            assert getattr(row, name) == getattr(letter, name)
        assert str(row) == str(letter)
        assert str(row.prisoner) == str(letter.prisoner)
        assert str(row.claimed_by or "") == str(letter.claimed_by or "")
        assert row.get_deferred_fields() == letter.get_deferred_fields()
    # A deferred field is read from the database on access, as Django's.
    assert rows[0].original_text == Letter.objects.get(pk=rows[0].pk).original_text


def test_rows_it_cannot_read_so_are_left_to_django(letters):
    from django.db.models import Value

    queryset = Letter.objects.all()
    assert load_rows(queryset.annotate(x=Value(1)), ["id"], []) is None
    assert load_rows(queryset.prefetch_related("events"), ["id"], []) is None
    assert load_rows(queryset, ["id", "prisoner__letters__reference"], ["prisoner"]) is None
    assert load_rows(queryset.values("id"), ["id"], []) is None


def test_the_kept_sidebar_is_never_another_pages(client, settings, coordinator, volunteer, letters):
    """The filters are kept per language, role and parameters: each page's sidebar is the one
    Django draws for it, whichever page kept its sidebar first."""
    admin_kept.reset()
    pages = []
    for user in (coordinator, volunteer):
        client.force_login(user)
        for language in ("en", "ru"):
            for query in ("?status__exact=received", "?language__exact=en", ""):
                djangos, fast = _both(client, LIST + query, language, settings)
                assert fast == djangos, (user.username, language, query)
                pages.append(_sidebar(fast[1]))
    assert len(set(pages)) == len(pages), "two pages showed the same sidebar"
    assert admin_kept._KEPT, "nothing was kept"


def _sidebar(html: str) -> str:
    return html[
        html.index('<nav id="changelist-filter"') : html.index(
            "</nav>", html.index('<nav id="changelist-filter"')
        )
    ]


def test_the_kept_sidebar_changes_with_the_date(client, settings, coordinator, letters):
    """The date filter's links hold today's date: a new day draws the sidebar anew."""
    import datetime as dt

    from django.utils import timezone as tz

    admin_kept.reset()
    client.force_login(coordinator)
    real_now = tz.now()
    days = []
    for shift in (0, 1):
        with mock.patch(
            "django.utils.timezone.now", return_value=real_now + dt.timedelta(days=shift)
        ):
            djangos, fast = _both(client, LIST, "en", settings)
            assert fast == djangos
            days.append(_sidebar(fast[1]))
    assert days[0] != days[1]
    tomorrow = (tz.localtime(real_now) + dt.timedelta(days=2)).date().isoformat()
    assert tomorrow in days[1] and tomorrow not in days[0]


def test_a_filter_whose_choices_may_change_is_not_kept(
    client, settings, coordinator, letters, monkeypatch
):
    """A filter that lists the prisoners (from the database) makes the sidebar drawn every
    time: a new prisoner shows at once."""
    admin_kept.reset()
    monkeypatch.setattr(LetterAdmin, "list_filter", [*LetterAdmin.list_filter, "prisoner"])
    client.force_login(coordinator)
    _page(client, LIST, "en")
    assert not any(key[0] == "filters" for key in admin_kept._KEPT)
    PrisonerWithAddressFactory(name_en="Newly Listed")
    djangos, fast = _both(client, LIST, "en", settings)
    assert fast == djangos
    assert "Newly Listed" in _sidebar(fast[1])


def test_the_kept_actions_follow_the_counts(client, settings, coordinator, letters, small_pages):
    """The bar of actions prints how many rows there are: another count draws it anew."""
    admin_kept.reset()
    client.force_login(coordinator)
    for query in ("", "?status__exact=received", ""):
        djangos, fast = _both(client, LIST + query, "en", settings)
        assert fast == djangos, query
    LetterFactory(status=S.RECEIVED)
    djangos, fast = _both(client, LIST + "?status__exact=received", "en", settings)
    assert fast == djangos


def test_the_fast_way_is_the_one_taken(client, coordinator, letters):
    """The comparisons above are of the fast page: its rows were read as tuples (not Django's
    queryset) and drawn from them without a model instance, its headings kept and its sidebar
    kept."""
    from core import admin_list

    admin_kept.reset()
    admin_list._HEADS.clear()
    client.force_login(coordinator)
    cl = client.get(LIST + "?status__exact=received").context["cl"]
    assert type(cl.result_list) is admin_list.LoadedRows and len(cl.result_list) == 3
    assert cl.result_list._objects is None, "the rows were drawn from instances"
    pk = cl.result_list.places["id"]
    assert [letter.pk for letter in cl.result_list] == [row[pk] for row in cl.result_list.rows]
    assert admin_list._HEADS
    assert {key[0] for key in admin_kept._KEPT} >= {"filters", "actions", "head", "search"}


def _letters_sql_compiled(client: Client, path: str, monkeypatch) -> list[str]:
    """The SQL over letters the ORM wrote while drawing the page."""
    from django.db.models.sql.compiler import SQLCompiler

    written: list[str] = []
    as_sql = SQLCompiler.as_sql

    def recording(self, *args, **kwargs):
        sql, params = as_sql(self, *args, **kwargs)
        written.append(sql)
        return sql, params

    with monkeypatch.context() as patched:
        patched.setattr(SQLCompiler, "as_sql", recording)
        assert client.get(path).status_code == 200
    return [sql for sql in written if 'FROM "letters_letter"' in sql]


def test_a_coordinators_list_is_compiled_once_per_shape(
    client, settings, coordinator, volunteer, letters, small_pages, monkeypatch
):
    """The page's rows and its capped count are SQL the ORM wrote once for the shape (the same
    parameters and role), run again with each request: the rows are read anew, never kept. A
    volunteer's list (which letters depends on who they are) and a search are written each
    time."""
    client.force_login(coordinator)
    path = LIST + "?language__exact=en&o=2"  # three pages of three
    assert _letters_sql_compiled(client, path, monkeypatch)
    assert _letters_sql_compiled(client, path, monkeypatch) == []
    assert _letters_sql_compiled(client, path + "&p=2", monkeypatch)  # another page's slice
    LetterFactory(status=S.RECEIVED)
    djangos, fast = _both(client, path, "en", settings)
    assert fast == djangos  # a new letter shows at once: only the SQL was kept
    for searched in (LIST + "?q=Boris", LIST + "?q=Boris"):
        assert _letters_sql_compiled(client, searched, monkeypatch)
    client.force_login(volunteer)
    for _twice in range(2):
        assert _letters_sql_compiled(client, LIST + "?status__exact=received", monkeypatch)


def test_a_coordinators_queryset_is_built_once_per_shape(
    client, settings, coordinator, volunteer, letters, small_pages, monkeypatch
):
    """The filters, ordering and joins Django applies to the list's queryset are applied once
    per shape and the result copied for the next requests: never evaluated (no rows kept), the
    sidebar's filters made anew each time, a changed letter shown at once. A volunteer's list
    (which depends on who they are) is built every time."""
    from django.contrib.admin.views.main import ChangeList

    from core import admin_list

    admin_list._SQL.__dict__.clear()
    built: list[str] = []
    djangos_get_queryset = ChangeList.get_queryset

    def counting(self, request, exclude_parameters=None):
        built.append(request.user.username)
        return djangos_get_queryset(self, request, exclude_parameters)

    monkeypatch.setattr(ChangeList, "get_queryset", counting)
    client.force_login(coordinator)
    path = LIST + "?language__exact=en&o=2"
    first = _page(client, path, "en")
    for _again in range(2):
        assert _page(client, path, "en") == first
    assert built == [coordinator.username]
    Letter.objects.filter(pk=letters[0].pk).update(language="ru")
    djangos, fast = _both(client, path, "en", settings)
    assert fast == djangos and fast != first
    assert _page(client, LIST + "?language__exact=ru", "en")[1].count(letters[0].reference) >= 1
    kept = [value for key, value in admin_list._SQL.by_key.items() if key[-1] == "queryset"]
    assert kept and all(queryset._result_cache is None for queryset, _clear in kept)
    client.force_login(volunteer)
    built.clear()
    for _twice in range(2):
        assert client.get(LIST + "?status__exact=received").status_code == 200
    assert len(built) == 2


def test_compiled_rows_are_the_orms_values(letters):
    """The page's rows read from its compiled SQL, date-times parsed by psycopg's own loader,
    are the values (and time zones) the ORM's values_list gives."""
    from core import admin_list

    queryset = Letter.objects.select_related("prisoner").order_by("-pk")[1:6]
    names = ["id", "reference", "created_at", "flagged_at", "prisoner__name_en", "status"]
    key = ("default", "test_compiled_rows_are_the_orms_values")
    for _twice in range(2):
        rows = list(admin_list._compiled_fetch(key)(lambda: queryset.values_list(*names)))
        djangos = list(queryset.values_list(*names))
        assert rows == djangos and len(rows) == 5
        for row, django_row in zip(rows, djangos, strict=True):
            assert [getattr(value, "tzinfo", None) for value in row] == [
                getattr(value, "tzinfo", None) for value in django_row
            ]
    assert any(row[3] is not None for row in rows)  # a flagged letter's date-time too
    # One query a key: the key stands for everything its SQL depends on.
    count = admin_list._compiled_counter((*key, "count"))
    assert count(lambda: Letter.objects.filter(status=S.RECEIVED)[:1]) == 1
    none = admin_list._compiled_counter((*key, "count", "none"))
    assert none(lambda: Letter.objects.filter(pk__in=[])) == 0  # the ORM's answer without SQL


def test_the_pages_token_is_accepted(coordinator, letters):
    """The list's token (core.csrf's, not Django's get_token) passes Django's CSRF check on
    the actions' POST, as the page's form sends it."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(coordinator)
    page = client.get(LIST).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"', page)
    assert token is not None
    data = {"action": "release_claim", "_selected_action": [letters[-1].pk]}
    refused = client.post(LIST, data)
    assert refused.status_code == 403
    accepted = client.post(LIST, {**data, "csrfmiddlewaretoken": token.group(1)})
    assert accepted.status_code == 302


@pytest.mark.parametrize("language", ["en", "ru"])
def test_str_readers_say_what_str_says(letters, coordinator, language):
    """The tuple path's str() of a prisoner, a letter and a user is the instances' own."""
    from django.utils import translation

    from core.admin_list import str_reader
    from prisoners.models import Prisoner

    with translation.override(language):
        for model, objs in (
            (Prisoner, Prisoner.objects.all()),
            (Letter, Letter.objects.all()),
            (type(coordinator), [coordinator]),
        ):
            reader = str_reader(model)
            assert reader is not None
            fields, text_of = reader
            for obj in objs:
                assert text_of(*(getattr(obj, field) for field in fields)) == str(obj)


# ----- the whole page kept but for its holes (core.frame's KeptPage, admin_kept.CHANGE_LIST_PAGE)


def _kept_pages() -> list[tuple]:
    from core import frame

    return [kept for key, kept in frame._FRAMES.items() if key[1:2] == ("change_list",)]


def _reset_kept() -> None:
    from core import frame

    frame.reset()
    admin_kept.reset()


def test_the_change_list_page_is_kept_whole_but_its_holes(
    client, settings, coordinator, letters, monkeypatch
):
    """The second request draws only the page's holes: the filters, the head and the page's
    other blocks come from the kept page."""
    from django.template.loader_tags import BlockNode

    _reset_kept()
    client.force_login(coordinator)
    first = _page(client, LIST + "?status__exact=received", "en")
    (kept,) = _kept_pages()
    assert kept[1] == admin_kept.CHANGE_LIST_PAGE.holes
    drawn: list[str] = []
    render = BlockNode.render

    def recording(self, context):
        drawn.append(self.name)
        return render(self, context)

    monkeypatch.setattr(BlockNode, "render", recording)
    assert _page(client, LIST + "?status__exact=received", "en") == first
    assert set(drawn) <= {*admin_kept.CHANGE_LIST_PAGE.holes, "actions", "actions-form"} | {
        "actions-submit",
        "actions-counter",
    }
    assert "filters" not in drawn and "content" not in drawn


def test_the_kept_page_is_each_persons_roles_and_languages(
    client, settings, coordinator, volunteer, letters, small_pages
):
    """Kept pages drawn in one order are Django's pages when asked in another: each role,
    language, person and query has its own, with its own name in the header."""
    from tests.factories import CoordinatorFactory

    _reset_kept()
    other = CoordinatorFactory(username="second-coordinator")
    people = [coordinator, other, volunteer]
    queries = ["", "?status__exact=received", "?o=2&p=2", "?language__exact=en"]
    for order in (people, people[::-1]):
        for person in order:
            client.force_login(person)
            for language in ("ru", "en"):
                for query in queries:
                    djangos, fast = _both(client, LIST + query, language, settings)
                    assert fast == djangos, (person.username, language, query)
                    assert f"<strong>{person.username}</strong>" in fast[1]
    assert len(_kept_pages()) == len(people) * 2 * len(queries)


def test_the_kept_page_shows_each_requests_messages(client, settings, coordinator, letters):
    """A message (an action's result) shows on the next page drawn from the kept page, once."""
    _reset_kept()
    client.force_login(coordinator)
    _page(client, LIST, "en")
    assert _kept_pages()
    held = letters[-1]
    data = {"action": "release_claim", "_selected_action": [held.pk], "index": "0"}
    assert client.post(LIST, data).status_code == 302
    _status, with_message = _page(client, LIST, "en")
    assert '<ul class="messagelist">' in with_message
    assert "1 letter back in the queue." in with_message
    djangos, fast = _both(client, LIST, "en", settings)
    assert fast == djangos
    assert '<ul class="messagelist">' not in fast[1]


def test_a_search_is_never_kept_and_nothing_personal_is(client, settings, coordinator, letters):
    """A search's page is drawn as usual (what a person typed is not kept); the kept pages hold
    no row, name, reference, count, search term or token: those are drawn per request."""
    _reset_kept()
    client.force_login(coordinator)
    for query in ("", "?status__exact=received", "?q=Boris", "?q=Boris", "?flagged=yes"):
        djangos, fast = _both(client, LIST + query, "en", settings)
        assert fast == djangos, query
    kept_text = "".join(text for kept in _kept_pages() for text in kept[0])
    assert len(_kept_pages()) == 3
    assert "Boris" not in kept_text and "O&#x27;Brien" not in kept_text
    assert not any(letter.reference in kept_text for letter in letters)
    assert "csrfmiddlewaretoken" in kept_text
    assert not re.search(r'name="csrfmiddlewaretoken" value="[A-Za-z0-9]+"', kept_text)
    assert "result_list" not in kept_text and "letters</p>" not in kept_text


def test_no_part_of_a_searched_list_is_kept(client, settings, coordinator, letters):
    """What a coordinator searched for (a supporter's name, say) is not kept in the process,
    not even as the key of a part: a searched list is drawn whole, as Django draws it."""
    _reset_kept()
    client.force_login(coordinator)
    for query in ("?q=Boris", "?q=Boris&status__exact=received"):
        djangos, fast = _both(client, LIST + query, "en", settings)
        assert fast == djangos, query
    assert not [key for key in admin_kept._KEPT if "Boris" in repr(key)]
    assert "Boris" not in "".join(admin_kept._KEPT.values())


def test_the_actions_are_worked_out_once_a_request(client, coordinator, volunteer, letters):
    """The list asks for its actions three times a request; they are filtered by permission
    once, and anew for every request (a volunteer is offered none of the coordinator's)."""
    from django.contrib.admin import ModelAdmin

    asked: list[str] = []
    djangos = ModelAdmin._filter_actions_by_permissions

    def counting(self, request, actions):
        asked.append(request.user.username)
        return djangos(self, request, actions)

    with mock.patch.object(ModelAdmin, "_filter_actions_by_permissions", counting):
        client.force_login(coordinator)
        for _twice in range(2):
            page = client.get(LIST).content.decode()
            assert 'value="release_claim"' in page
        client.force_login(volunteer)
        assert 'value="release_claim"' not in client.get(LIST).content.decode()
    assert asked == [coordinator.username] * 2 + [volunteer.username]


def test_a_kept_page_follows_a_change_of_role(client, settings, coordinator, letters):
    """A coordinator whose page was kept, then taken out of the coordinators, gets a
    volunteer's page (its filters, columns and actions), Django's, from the next request."""
    from django.contrib.auth.models import Group

    _reset_kept()
    client.force_login(coordinator)
    before = _page(client, LIST, "en")
    assert 'value="release_claim"' in before[1]
    coordinator.groups.remove(Group.objects.get(name="Coordinators"))
    coordinator.groups.add(Group.objects.get(name="Volunteers"))
    djangos, fast = _both(client, LIST, "en", settings)
    assert fast == djangos and fast[0] == 200
    assert 'value="release_claim"' not in fast[1] and fast[1] != before[1]
    assert 'id="changelist-filter"' in fast[1]
