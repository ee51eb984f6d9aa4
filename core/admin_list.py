"""A cheaper admin change list for big lists: the same page, for a fraction of the CPU.

Django's admin renders each cell of a change list through ``items_for_result``, which per cell
looks the field up, rebuilds the dictionary of its choices, formats with the generic helpers,
renders the action checkbox through the form template engine, and for the link column reverses
the change URL and resolves it again to keep the filters. On a page of 100 rows of 10 columns
that is most of the request. Here what does not depend on the row is worked out once per page
(the column's kind, its choices with their labels, the change URL with a placeholder for the
key, the preserved filters, the boolean icons) and each row only fills in its values. The HTML is
the same as Django's, byte for byte (tests/core/test_admin_list.py compares them); a column of a
kind not handled here makes the whole list fall back to Django's own rendering.

``ShownColumnsChangeList`` loads, for the page of rows it shows, only the columns the list
displays: the others (long texts, encrypted ones decrypted on load) cost time for nothing. Actions
still get the whole queryset (``ChangeList.get_queryset``), not the reduced one. It reads them as
tuples (``read_rows``), building the instances itself where nothing runs when Django makes one,
and only when something asks for them: where every column can be drawn from the tuples (a
model's ``str_reader``, a column method's ``reads_only``), the table is, and no instance is made.
``results_table`` writes the whole table, headings kept per key, where the template would be
Django's own change_list_results.html.
``LETTERBRIDGE_ADMIN_LIST_FAST = False`` turns all of it off (tests/core/test_admin_list_page.py
compares the two pages).
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from operator import attrgetter, itemgetter
from typing import Any, NamedTuple
from urllib.parse import quote as url_quote

from django.conf import settings
from django.contrib.admin.filters import FieldListFilter
from django.contrib.admin.options import IncorrectLookupParameters, ModelAdmin
from django.contrib.admin.templatetags.admin_list import (
    ResultList,
    result_headers,
    result_hidden_fields,
    results,
)
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import display_for_value, quote
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import EmptyResultSet, FieldDoesNotExist
from django.core.paginator import InvalidPage
from django.db import connections, models
from django.db.models import signals
from django.db.models.base import ModelState
from django.db.models.query import ModelIterable
from django.template.defaultfilters import capfirst
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import conditional_escape, escape
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext

from core.dates import datetime_localizer
from core.paginator import CappedCountPaginator

# Stands for the primary key in a change URL reversed once per page (underscores are quoted by
# the admin's quote(), so no real key can contain it).
_PK = "__pk_placeholder__"

Cell = Callable[[Any], str]

# Django's escape() without wrapping each value in a SafeString (the cells are joined first).
_escape = html.escape


class ShownColumnsChangeList(ChangeList):
    """Loads, for the rows on the page, only the columns ``list_display`` shows (with the
    foreign keys it follows). The model admin's ``list_display_fields`` names what a column
    reads when it is not just the field of its name: a callable's fields ({"flagged":
    ["flagged_at"]}), or a foreign key's and the related fields its ``__str__`` reads
    ({"prisoner": ["prisoner", "prisoner__name_en"]}). A column it cannot place (a callable
    not described there) makes it load whole rows, as Django does."""

    def get_filters(self, request):
        """Django's, with the filters that have nothing to filter by left out of the queryset:
        a field's filter with no parameter in the URL still filtered by an empty ``Q()``, which
        adds nothing to the SQL but cost a copy of the queryset each (five a page)."""
        specs, *rest = super().get_filters(request)
        if fast_enabled():
            for spec in specs:
                if type(spec).queryset is FieldListFilter.queryset and not spec.used_parameters:
                    # On this request's filter object only.
                    spec.queryset = _unfiltered  # type: ignore[method-assign]
        return (specs, *rest)

    def get_queryset(self, request, exclude_parameters=None):
        """Django's; for a shaped list (``_shape``) the queryset that the filters, the
        ordering and ``select_related`` made of the root queryset is kept per shape, beside the
        shape's SQL, and a copy of it given again: building it (a copy of the query for each
        step) cost more than the rest of the list's setup, for a query whose SQL was kept
        anyway. The filters themselves are made anew for each request (the sidebar reads
        them), and the rows are read anew: the queryset is never evaluated, only copied."""
        shape = self._shape_of(request) if exclude_parameters is None else None
        if shape is None:
            return super().get_queryset(request, exclude_parameters)
        key = (*shape, "queryset")
        cache = _thread_cache(shape[0])
        kept = cache.get(key)
        if kept is None:
            queryset = super().get_queryset(request)
            cache[key] = (queryset._chain(), self.clear_all_filters_qs)  # type: ignore[attr-defined]
            return queryset
        (self.filter_specs, self.has_filters, _rest, _duplicates, self.has_active_filters) = (
            self.get_filters(request)
        )
        queryset, self.clear_all_filters_qs = kept
        return queryset._chain()

    def _shape_of(self, request) -> tuple | None:
        """``_shape`` of this list, worked out once per request (None: not shaped)."""
        if "_shape_key" not in self.__dict__:
            shape = None
            if fast_enabled() and not self.list_editable:
                columns = self._shown_columns(request)
                if columns is not None:
                    shape = self._shape(request, columns)
            self._shape_key = shape
        return self._shape_key

    def get_results(self, request):
        columns = self._shown_columns(request)
        if columns is None:
            return super().get_results(request)
        fast = fast_enabled() and not self.list_editable
        shape = self._shape_of(request) if fast else None
        queryset = self.queryset
        self.queryset = queryset.only(*columns)
        try:
            if shape is None:
                super().get_results(request)
            else:
                self._shaped_results(request, shape)
        finally:
            self.queryset = queryset
        if fast:
            related = self.list_select_related
            related = related if isinstance(related, (list, tuple)) else ()
            fetch = None
            if shape is not None and isinstance(self.result_list, models.QuerySet):
                query = self.result_list.query
                fetch = _compiled_fetch((*shape, "rows", query.low_mark, query.high_mark))
            rows = read_rows(self.result_list, columns, related, fetch)
            if rows is not None:
                self.result_list = rows

    def _shape(self, request, columns: list[str]) -> tuple | None:
        """What the page's queries are a function of, when the model admin can say so: its
        ``list_query_key(request)`` vouches that, for the same key and URL parameters, its
        querysets and filters give the same SQL (None: it cannot). A search is never shaped:
        its terms may be looked up in the database first (a prisoner's name)."""
        key_of = getattr(self.model_admin, "list_query_key", None)
        key = key_of(request) if key_of is not None else None
        if key is None or self.query or self.is_popup:
            return None
        return (
            self.root_queryset.db,  # the list's queryset's: the filters do not route it
            id(self.model_admin),
            key,
            params_key(self),
            tuple(columns),
            repr(self.list_select_related),
            self.list_per_page,
            self.list_max_show_all,
            timezone.get_current_timezone_name(),  # a date filter's naive bounds
        )

    def _shaped_results(self, request, shape: tuple) -> None:
        """Django's ``ChangeList.get_results``, with the capped count's SQL compiled once per
        shape (the page's rows are read by ``load_rows``, compiled likewise)."""
        paginator = self.model_admin.get_paginator(request, self.queryset, self.list_per_page)
        if isinstance(paginator, CappedCountPaginator):
            paginator.counter = _compiled_counter((*shape, "count", type(paginator), paginator.cap))
        result_count = paginator.count
        if self.model_admin.show_full_result_count:
            full_result_count = self.root_queryset.count()
        else:
            full_result_count = None
        can_show_all = result_count <= self.list_max_show_all
        multi_page = result_count > self.list_per_page
        if (self.show_all and can_show_all) or not multi_page:
            result_list = self.queryset._clone()
        else:
            try:
                result_list = paginator.page(self.page_num).object_list
            except InvalidPage:
                raise IncorrectLookupParameters from None
        self.result_count = result_count
        self.show_full_result_count = self.model_admin.show_full_result_count
        self.show_admin_actions = not self.show_full_result_count or bool(full_result_count)
        self.full_result_count = full_result_count
        self.result_list = result_list
        self.can_show_all = can_show_all
        self.multi_page = multi_page
        self.paginator = paginator

    def _shown_columns(self, request) -> list[str] | None:
        opts = self.model._meta
        described = getattr(self.model_admin, "list_display_fields", {})
        columns = {opts.pk.name}
        for name in self.list_display:
            if name == "action_checkbox":
                continue
            if not isinstance(name, str):
                return None
            if name in described:
                columns.update(described[name])
                continue
            try:
                field = opts.get_field(name)
            except FieldDoesNotExist:
                return None
            if not getattr(field, "concrete", False) or field.many_to_many:
                return None
            columns.add(name)
        related = self.list_select_related
        if related is True:
            return None
        for name in related or ():
            if name in described:
                columns.update(described[name])
            else:
                columns.add(name)
        return sorted(columns)


def _unfiltered(request: Any, queryset: models.QuerySet) -> models.QuerySet:
    return queryset


def fast_enabled() -> bool:
    """``LETTERBRIDGE_ADMIN_LIST_FAST`` False gives Django's own loading and drawing of the
    list (tests compare the two pages)."""
    return bool(getattr(settings, "LETTERBRIDGE_ADMIN_LIST_FAST", True))


# The SQL of a list's page and count, per shape (ShownColumnsChangeList._shape), kept per thread
# and connection as core.compiled keeps its queries: the ORM spent more CPU writing these
# SELECTs (the joins, the ordering, the capped count's subquery) than PostgreSQL running them.
# The ORM stays their only author; only its output is kept. Never the rows or the counts.
_SQL = threading.local()
_SQL_MAX = 512  # shapes per thread; emptied when full
Fetch = Callable[[Callable[[], models.QuerySet]], Iterable[tuple]]


def _thread_cache(alias: str) -> dict:
    """This thread's kept SQL (and shaped querysets) for the connection ``alias`` names."""
    connection = connections[alias]
    cache = getattr(_SQL, "by_key", None)
    fresh = getattr(_SQL, "connection", None) is not connection
    if cache is None or fresh or len(cache) >= _SQL_MAX:
        cache = _SQL.by_key = {}
        _SQL.connection = connection
    return cache


def _compiled(key: tuple, build: Callable[[], models.QuerySet], counted: bool) -> list[tuple]:
    """The rows of the query ``build`` makes, from SQL compiled once per key; ``counted``: its
    ``COUNT(*)``, as the ORM counts a sliced query (the query in a subquery)."""
    alias = key[0]
    connection = connections[alias]
    cache = _thread_cache(alias)
    compiled = cache.get(key, False)
    if compiled is False:
        compiler = build().query.get_compiler(using=alias, connection=connection)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:  # the ORM's answer without SQL: nothing (a count of 0)
            compiled = None
        else:
            if counted:
                sql = f"SELECT COUNT(*) FROM ({sql}) subquery"  # noqa: S608  (SQL the ORM wrote)
                converters = None
            else:
                fields = [select[0] for select in compiler.select[: compiler.col_count]]
                converters = compiler.get_converters(fields)
            compiled = (sql, tuple(params), compiler, converters)
        cache[key] = compiled
    if compiled is None:
        return [(0,)] if counted else []
    sql, params, compiler, converters = compiled
    with connection.cursor() as cursor:
        _parsed_in_c(connection, cursor)
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if converters:
        return list(compiler.apply_converters(rows, converters))
    return rows


def _parsed_in_c(connection: Any, cursor: Any) -> None:
    """Date-times read by psycopg's own (C) loader rather than Django's: Django registers a
    Python subclass of it that sets the connection's time zone on each value, which costs more
    than the rest of a row, and psycopg uses its C loaders only for its own classes. With the
    session in UTC, which is what Django sets when ``USE_TZ``, psycopg's loader gives the same
    value, in ``datetime.timezone.utc`` (tests/core/test_admin_list_page.py compares them)."""
    if connection.vendor != "postgresql" or connection.timezone is not UTC:
        return
    raw = cursor.cursor
    if raw.connection.pgconn.parameter_status(b"TimeZone") != b"UTC":
        return
    from psycopg.types.datetime import TimestamptzLoader

    raw.adapters.register_loader("timestamptz", TimestamptzLoader)


def _compiled_fetch(key: tuple) -> Fetch:
    return lambda build: _compiled(key, build, counted=False)


def _compiled_counter(key: tuple) -> Callable[[Callable[[], models.QuerySet]], int]:
    """Counts the query its argument builds (built only when the key's SQL is not kept)."""
    return lambda build: _compiled(key, build, counted=True)[0][0]


def _plain_model(model: type[models.Model]) -> bool:
    """A model whose instances ``load_rows`` may build itself: nothing runs when Django makes
    one (no ``__init__`` or ``from_db`` of its own, no init signals)."""
    return (
        model.__init__ is models.Model.__init__
        and model.from_db.__func__ is models.Model.from_db.__func__  # type: ignore[attr-defined]
        and not signals.pre_init.has_listeners(model)
        and not signals.post_init.has_listeners(model)
    )


def _instance(model: type[models.Model], db: str, values: Iterable[tuple[str, Any]]) -> Any:
    """What ``Model.from_db`` makes of a row that has only these columns (the others deferred,
    read from the database if touched), without walking every field of the model."""
    obj = model.__new__(model)
    state = ModelState()
    state.adding = False
    state.db = db
    obj._state = state
    obj.__dict__.update(values)
    return obj


class LoadedRows(Sequence):
    """The page's rows as read from the database (``rows``, tuples whose places ``places``
    gives by the names of ``columns``), and the model instances made of them, built only
    when something asks for one: the table is drawn from the tuples where every column can be
    (``tuple_columns``), and the page asks only for the number of rows."""

    def __init__(self, rows: list[tuple], places: dict[str, int], build: Callable[[tuple], Any]):
        self.rows = rows
        self.places = places
        self._build = build
        self._objects: list | None = None

    def objects(self) -> list:
        if self._objects is None:
            build = self._build
            self._objects = [build(row) for row in self.rows]
        return self._objects

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index):
        return self.objects()[index]

    def __iter__(self):
        return iter(self.objects())


def load_rows(
    queryset: Any, columns: Iterable[str], related: Iterable[str], fetch: Fetch | None = None
) -> list | None:
    """The page's rows as model instances (``read_rows``, built at once)."""
    loaded = read_rows(queryset, columns, related, fetch)
    return None if loaded is None else loaded.objects()


def read_rows(
    queryset: Any, columns: Iterable[str], related: Iterable[str], fetch: Fetch | None = None
) -> LoadedRows | None:
    """The page's rows as model instances with only ``columns`` loaded, and the foreign keys of
    ``related`` followed, as ``queryset.only(*columns)`` with ``select_related`` gives them,
    but read as tuples: ``from_db`` walks all the model's fields for every row and was a sixth
    of the request. None when the query or a model is not one this can read so (annotations,
    prefetches, models with their own ``__init__``, paths deeper than one foreign key): Django
    then loads the rows itself. ``fetch`` runs the ``values_list`` query its argument builds
    (``_compiled_fetch``: from SQL compiled once per shape). The instances are made when first
    asked for (``LoadedRows``)."""
    if not isinstance(queryset, models.QuerySet) or queryset._iterable_class is not ModelIterable:
        return None
    query = queryset.query
    if query.annotations or query.extra or query.combinator or queryset._prefetch_related_lookups:  # type: ignore[attr-defined]
        return None
    model = queryset.model
    opts = model._meta
    own: list[tuple[int, str]] = []  # (place in the row, attname)
    followed: dict[str, tuple[Any, str, list[tuple[int, str]]]] = {}
    given = list(columns)  # the names the places are known by (the columns' own, not attnames)
    names = list(given)
    for place, name in enumerate(names):
        first, _sep, rest = name.partition("__")
        try:
            field = opts.get_field(first)
        except FieldDoesNotExist:
            return None
        if not getattr(field, "concrete", False) or field.many_to_many or "__" in rest:
            return None
        if not rest:
            # By the column's own name: a selected "prisoner" would become the alias that an
            # ordering by the prisoner (by its model's ordering) then sorts by, as its key.
            names[place] = field.attname
            own.append((place, field.attname))
            continue
        if first not in related or not field.many_to_one:
            return None
        remote = field.related_model
        target = remote._meta.get_field(rest)
        if not _plain_model(remote) or field.target_field != remote._meta.pk:
            return None
        if not getattr(target, "concrete", False) or target.is_relation:
            return None
        followed.setdefault(first, (remote, field.attname, []))[2].append((place, target.attname))
    if not _plain_model(model):
        return None
    for name in related:
        if name not in followed:
            try:
                field = opts.get_field(name)
            except FieldDoesNotExist:
                return None
            if not (field.many_to_one and field.attname in {a for _p, a in own}):
                return None
            followed[name] = (field.related_model, field.attname, [])
            if not _plain_model(field.related_model):
                return None
    db = queryset.db
    own_names, own_values = _picker(own)
    # (name, model, key's attname, its pk's attname, its fields' attnames, their values)
    joins = [
        (name, remote, key_attname, remote._meta.pk.attname, *_picker(fields))
        for name, (remote, key_attname, fields) in followed.items()
    ]
    build = lambda: queryset.values_list(*names)  # noqa: E731
    rows = list(build() if fetch is None else fetch(build))

    def instance(row: tuple) -> Any:
        obj = _instance(model, db, zip(own_names, own_values(row), strict=True))
        cache = obj._state.fields_cache
        for name, remote, key_attname, pk_attname, attnames, values_of in joins:
            key = obj.__dict__.get(key_attname)
            if key is None:
                cache[name] = None
                continue
            related = _instance(remote, db, zip(attnames, values_of(row), strict=True))
            related.__dict__[pk_attname] = key
            cache[name] = related
        return obj

    return LoadedRows(rows, {name: place for place, name in enumerate(given)}, instance)


def _picker(places: list[tuple[int, str]]) -> tuple[tuple[str, ...], Callable[[tuple], tuple]]:
    """The attnames and a function that takes their values out of a row, in one C call (a
    dict comprehension per row and model cost more than making the instance)."""
    attnames = tuple(attname for _place, attname in places)
    if len(places) == 1:
        place = places[0][0]
        return attnames, lambda row: (row[place],)
    if not places:
        return attnames, lambda row: ()
    return attnames, itemgetter(*(place for place, _attname in places))


def _checkbox_label(cl: ChangeList) -> str | None:
    """The checkbox's label with a slot for the row's text, or None when the model admin draws
    its own checkbox."""
    if type(cl.model_admin).action_checkbox is not ModelAdmin.action_checkbox:
        return None  # a model admin drawing its own checkbox keeps it
    # format_html(label, str(obj)) as Django's, with the label translated once per page.
    return str(gettext("Select this object for an action - {}"))


def _checkbox_html(label: str, text: Any, pk: Any) -> str:
    """What forms.CheckboxInput renders for admin's action_checkbox."""
    aria = label.format(_escape(text) if type(text) is str else conditional_escape(text))
    value = str(pk) if type(pk) is int else escape(str(pk))
    return (
        '<td class="action-checkbox"><input type="checkbox" name="_selected_action" '
        f'value="{value}" class="action-select" aria-label="{aria}"></td>'
    )


def _checkbox_cell(cl: ChangeList) -> Cell | None:
    label = _checkbox_label(cl)
    if label is None:
        return None
    pk_attname = cl.lookup_opts.pk.attname
    return lambda obj: _checkbox_html(label, str(obj), getattr(obj, pk_attname))


class _NotDrawnHere(Exception):
    """A column this module does not draw: the list falls back to Django's rendering."""


# The change URL's parts around the key, per model, admin site, preserved filters, URLconf,
# prefix and language: reversing and preserving the filters (which resolves the URL again) cost
# more than the list's link cells themselves. None: no change URL; "": not drawn here.
_LINKS: dict[tuple, tuple[str, str] | str | None] = {}
_LINKS_MAX = 1024  # emptied when full


def _link_parts(cl: ChangeList) -> tuple[str, str] | str | None:
    opts = cl.opts
    site = cl.model_admin.admin_site.name
    key = (
        opts.label,
        site,
        cl.preserved_filters,
        get_urlconf(),
        get_script_prefix(),
        get_language(),
    )
    if key in _LINKS:
        return _LINKS[key]
    parts: tuple[str, str] | str | None
    try:
        template = reverse(
            f"admin:{opts.app_label}_{opts.model_name}_change", args=(_PK,), current_app=site
        )
    except NoReverseMatch:
        parts = None
    else:
        template = add_preserved_filters(
            {"preserved_filters": cl.preserved_filters, "opts": cl.opts}, template
        )
        if template.count(_PK) != 1:
            parts = ""
        else:
            before, after = template.split(_PK)
            parts = (escape(before), escape(after))
    if len(_LINKS) >= _LINKS_MAX:
        _LINKS.clear()
    _LINKS[key] = parts
    return parts


def _link(cl: ChangeList) -> Callable[[Any], str] | None:
    """The change URL of a row's primary key, with the page's filters preserved, made from one
    reversed template; None when the admin has no change URL (the cell is then plain text, as
    Django's)."""
    if cl.to_field or cl.is_popup:
        raise _NotDrawnHere  # popups carry the key for the opener's script
    parts = _link_parts(cl)
    if parts is None:
        return None
    if isinstance(parts, str):
        raise _NotDrawnHere
    before, after = parts

    def url(pk) -> str:
        if type(pk) is int:  # digits, which neither quoting changes
            return before + str(pk) + after
        # As url_for_result: the admin's quote(), then reverse()'s own percent-encoding.
        key = url_quote(str(quote(pk)), safe=RFC3986_SUBDELIMS + "/~:@")
        return before + escape(key) + after

    url.parts = parts  # type: ignore[attr-defined]  # (the cells of an integer key use them)
    return url


# The boolean column's icons (their static URLs), per script prefix and empty value.
_ICONS: dict[tuple, dict] = {}


def _icons(empty: str) -> dict:
    key = (get_script_prefix(), str(empty))
    icons = _ICONS.get(key)
    if icons is None:
        icons = {value: display_for_value(value, empty, True) for value in (True, False, None)}
        if len(_ICONS) < 64:
            _ICONS[key] = icons
    return icons


# A field's choices as a dict, per field, for fields whose choices are a fixed list (their
# labels stay lazy: translated per page). Choices made by a callable are read every time.
_CHOICES: dict[int, dict] = {}


def _choices(field: Any) -> dict | None:
    kept = _CHOICES.get(id(field))
    if kept is not None:
        return kept
    try:
        choices = dict(field.flatchoices)
    except TypeError:
        return None
    if isinstance(field.choices, (list, tuple)):
        _CHOICES[id(field)] = choices  # one per field of the models: bounded
    return choices


class _Column(NamedTuple):
    """One column of the table: its cell's opening and closing tags, what it reads of a row
    (``kind``: "own", a field's attname; "related", a foreign key's name; "object", a callable
    of the model admin, given the row), ``show`` (that value as the cell's escaped text) and,
    for the linked column, ``url`` (the change URL of a primary key)."""

    opening: str
    closing: str
    kind: str
    source: Any  # the attname, the foreign key's field, or the callable
    show: Callable[[Any], str]
    url: Callable[[Any], str] | None


def _column(cl: ChangeList, name: Any, linked: bool, first: bool) -> _Column | None:
    """One column, or None when it is of a kind this module does not draw (the list then falls
    back to Django's rendering)."""
    model_admin = cl.model_admin
    opts = cl.lookup_opts
    empty = model_admin.get_empty_value_display()
    if not isinstance(name, str):
        return None
    classes = [f"field-{name}"]
    show: Callable[[Any], str]
    try:
        field = opts.get_field(name)
    except FieldDoesNotExist:
        field = None
    if field is not None and (field.name != name or not field.concrete):
        return None  # a foreign key's column (prisoner_id), a reverse relation
    if field is None:
        attr = getattr(model_admin, name, None)
        if attr is None or not callable(attr) or not getattr(attr, "boolean", False):
            return None
        icons = _icons(empty)
        kind, source = "object", attr

        def show(value, icons=icons) -> str:
            if value is None or type(value) is bool:
                return icons[value]
            return display_for_value(value, empty, True)  # alt="1" for 1, as Django's

    elif field.is_relation:
        if not (field.many_to_one and field.concrete):
            return None
        classes.append("nowrap")
        kind, source = "related", field

        def show(related) -> str:
            if related is None:
                return empty
            if hasattr(type(related), "__html__"):
                return conditional_escape(related)
            text = str(related)
            return _escape(text) if type(text) is str else conditional_escape(text)

    elif field.choices:
        choices = _choices(field)
        if not choices:
            return None  # unhashable or empty once flattened: Django's own rendering
        kind, source = "own", field.attname
        labels: dict[Any, str] = {}  # escaped once per page, for the values it shows

        def show(value) -> str:
            if isinstance(value, str) and value.strip() == "":
                value = ""
            try:
                return labels[value]
            except KeyError:
                label = conditional_escape(choices[value]) if value in choices else empty
                labels[value] = label
                return label
            except TypeError:
                return empty

        show.few_values = True  # type: ignore[attr-defined]  # (_tuple_column keeps the cells)

    elif isinstance(field, models.DateTimeField):
        classes.append("nowrap")
        kind, source = "own", field.attname
        empty_values = field.empty_values
        localize = datetime_localizer(escaped=True)

        def show(value) -> str:
            if not isinstance(value, datetime) and value in empty_values:
                return empty  # (comparing each date-time with the empty values cost more)
            return localize(value)

    elif type(field) in (models.CharField, models.TextField, models.SlugField):
        kind, source = "own", field.attname
        empty_values = field.empty_values

        def show(value) -> str:
            if type(value) is str:  # the usual case, written as the general one below would
                return _escape(value) if value.strip() else empty
            if isinstance(value, str) and value.strip() == "":
                value = ""
            if value in empty_values:
                return empty
            return conditional_escape(str(value))

    else:
        return None
    row_class = ' class="{}"'.format(" ".join(classes))
    if not linked:
        return _Column(f"<td{row_class}>", "</td>", kind, source, show, None)
    tag = "th" if first else "td"
    try:
        url = _link(cl)
    except _NotDrawnHere:
        return None
    return _Column(f"<{tag}{row_class}>", f"</{tag}>", kind, source, show, url)


def _value_cell(cl: ChangeList, name: Any, linked: bool, first: bool) -> Cell | None:
    """One column's cell as a function of a model instance, or None when this column is of a
    kind this module does not draw."""
    column = _column(cl, name, linked, first)
    if column is None:
        return None
    opening, closing, kind, source, show, url = column
    value_of: Callable[[Any], Any]
    if kind == "own":
        value_of = attrgetter(source)
    elif kind == "related":
        field_name = source.name

        def value_of(obj, field_name=field_name) -> Any:
            # The related row select_related (or load_rows) put in the cache, as the
            # descriptor would return it; anything else goes through the descriptor.
            related = obj._state.fields_cache.get(field_name)
            return getattr(obj, field_name) if related is None else related

    else:
        value_of = source
    if url is None:
        return lambda obj: opening + show(value_of(obj)) + closing
    pk_attname = cl.pk_attname

    def linked_cell(obj) -> str:
        href = url(getattr(obj, pk_attname))
        return f'{opening}<a href="{href}">{show(value_of(obj))}</a>{closing}'

    return linked_cell


def row_cells(cl: ChangeList) -> list[Cell] | None:
    """The list's columns as functions of a row, or None when one of them is not drawn here."""
    links = cl.list_display_links
    if cl.formset is not None or not links:
        return None  # list_editable forms; no links, or Django's choice of the first column
    cells: list[Cell] = []
    first = True
    for name in cl.list_display:
        if name == "action_checkbox":
            cell = _checkbox_cell(cl)
            linked = False
        else:
            linked = name in links
            cell = _value_cell(cl, name, linked, first)
            if linked:
                first = False
        if cell is None:
            return None
        cells.append(cell)
    return cells


# ----- the rows drawn straight from the tuples read, without model instances ---------------------

Drawn = Callable[[list[tuple]], list[str]]


def str_reader(model: type[models.Model]) -> tuple[tuple[str, ...], Callable[..., str]] | None:
    """What ``str()`` of an instance of ``model`` gives, as a function of the fields it reads,
    where the model says so: its classmethod ``str_reader()`` returns the fields' names and the
    function (made once per page: it may look the active language up once, where ``__str__``
    looked it up per row). Django's users are read by their username field, as
    ``AbstractBaseUser.__str__`` reads it. None: only an instance can say."""
    own = getattr(model, "str_reader", None)
    if own is not None:
        return own()
    if (
        issubclass(model, AbstractBaseUser)
        and model.__str__ is AbstractBaseUser.__str__
        and model.get_username is AbstractBaseUser.get_username
    ):
        return (model.USERNAME_FIELD,), _itself  # type: ignore[attr-defined]
    return None


def _itself(value: Any) -> Any:
    return value


def reads_only(*fields: str) -> Callable[[Callable], Callable]:
    """Marks a model admin's column method as reading only these fields of the row (and
    nothing else of it: not its key, not its methods), so the list may call it with a stand-in
    holding just those fields instead of a model instance. ``list_display_fields`` must name
    them too (they are the ones loaded)."""

    def mark(method: Callable) -> Callable:
        method.reads_only = fields  # type: ignore[attr-defined]
        return method

    return mark


class _StandIn:
    """The fields a ``reads_only`` column method reads, as attributes."""


def _tuple_column(cl: ChangeList, loaded: LoadedRows, column: _Column) -> Drawn | None:
    """One column's cells drawn from the rows' tuples, or None when it needs an instance."""
    places = loaded.places
    opening, closing, kind, source, show, url = column
    value_of: Callable[[tuple], Any]
    if kind == "own":
        place = places.get(source)
        if place is None:
            return None
        value_of = itemgetter(place)
    elif kind == "related":
        reader = str_reader(source.related_model)
        key_place = places.get(source.name)
        if reader is None or key_place is None or hasattr(source.related_model, "__html__"):
            return None
        fields, text_of = reader
        found = [places.get(f"{source.name}__{field}") for field in fields]
        value_places = [place for place in found if place is not None]
        if len(value_places) != len(found):
            return None
        values = itemgetter(*value_places) if len(value_places) > 1 else None
        only = value_places[0]
        empty = cl.model_admin.get_empty_value_display()

        def drawn_related(rows: list[tuple]) -> list[str]:
            # One cell per related row of the page (a page's letters share few prisoners):
            # within one result the same key was read with the same fields. Kept for this
            # call only.
            out = []
            cells: dict[Any, str] = {}
            for row in rows:
                key = row[key_place]
                if key is None:
                    out.append(opening + empty + closing)
                    continue
                cell = cells.get(key)
                if cell is None:
                    text = text_of(*values(row)) if values is not None else text_of(row[only])
                    text = _escape(text) if type(text) is str else conditional_escape(text)
                    cell = opening + text + closing
                    try:
                        cells[key] = cell
                    except TypeError:  # an unhashable key: drawn for each row
                        pass
                out.append(cell)
            return out

        return None if url is not None else drawn_related
    else:
        read = getattr(source, "reads_only", None)
        if read is None or any(field not in places for field in read):
            return None
        named = [(field, places[field]) for field in read]

        def value_of(row: tuple) -> Any:
            stand_in = _StandIn()
            fields = stand_in.__dict__
            for field, place in named:
                fields[field] = row[place]
            return source(stand_in)

        if url is None:
            return _object_column(opening, closing, show, value_of)

    if url is None and kind == "own" and getattr(show, "few_values", False):
        return _few_values_column(opening, closing, show, places[source])
    if url is None:
        return lambda rows: [opening + show(value_of(row)) + closing for row in rows]
    pk_place = places.get(cl.lookup_opts.pk.name)
    if pk_place is None:
        return None
    parts = getattr(url, "parts", None)
    if parts is None:
        return lambda rows: [
            f'{opening}<a href="{url(row[pk_place])}">{show(value_of(row))}</a>{closing}'
            for row in rows
        ]
    head, middle, tail = f'{opening}<a href="{parts[0]}', f'{parts[1]}">', f"</a>{closing}"

    def drawn_linked(rows: list[tuple]) -> list[str]:
        # The change URL's parts around the key written into the cell's own f-string: an
        # integer key is its digits, which neither quoting changes (as url() writes it).
        out: list[str] = []
        append = out.append
        for row in rows:
            pk = row[pk_place]
            if type(pk) is int:
                append(f"{head}{pk}{middle}{show(value_of(row))}{tail}")
            else:
                append(f'{opening}<a href="{url(pk)}">{show(value_of(row))}</a>{closing}')
        return out

    return drawn_linked


def _object_column(
    opening: str, closing: str, show: Callable[[Any], str], value_of: Callable[[tuple], Any]
) -> Drawn:
    """A column method's cells (a boolean column's icons): each of its results True, False
    and None drawn once per page, any other result for each row."""
    cells: dict[Any, str] = {}

    def drawn(rows: list[tuple]) -> list[str]:
        out: list[str] = []
        append = out.append
        for row in rows:
            value = value_of(row)
            if value is None or type(value) is bool:
                cell = cells.get(value)
                if cell is None:
                    cell = cells[value] = opening + show(value) + closing
                append(cell)
            else:
                append(opening + show(value) + closing)
        return out

    return drawn


def _few_values_column(opening: str, closing: str, show: Callable[[Any], str], place: int) -> Drawn:
    """A column of a few values (a field's choices): each value's whole cell made once per
    page, where calling ``show`` for every row cost more than the rest of the cell."""
    cells: dict[Any, str] = {}

    def drawn(rows: list[tuple]) -> list[str]:
        out: list[str] = []
        append = out.append
        for row in rows:
            value = row[place]
            try:
                append(cells[value])
            except KeyError:
                cell = cells[value] = opening + show(value) + closing
                append(cell)
            except TypeError:  # an unhashable value, drawn as ever
                append(opening + show(value) + closing)
        return out

    return drawn


def _tuple_checkbox(cl: ChangeList, loaded: LoadedRows) -> Drawn | None:
    label = _checkbox_label(cl)
    reader = str_reader(cl.model)
    pk_place = loaded.places.get(cl.lookup_opts.pk.name)
    if label is None or reader is None or pk_place is None:
        return None
    fields, text_of = reader
    places = [loaded.places.get(field) for field in fields]
    if None in places:
        return None
    values = itemgetter(*places)
    if len(places) == 1 and label.count("{") == label.count("}") == 1 and "{}" in label:
        # The label's text around its one slot, and the input's HTML around the key and the
        # label, as _checkbox_html writes them, joined in one f-string a row.
        before, after = label.split("{}")
        head = '<td class="action-checkbox"><input type="checkbox" name="_selected_action" value="'
        middle = f'" class="action-select" aria-label="{before}'
        tail = f'{after}"></td>'

        def drawn_checkboxes(rows: list[tuple]) -> list[str]:
            out: list[str] = []
            append = out.append
            for row in rows:
                text = text_of(values(row))
                pk = row[pk_place]
                if type(text) is str and type(pk) is int:
                    append(f"{head}{pk}{middle}{_escape(text)}{tail}")
                else:
                    append(_checkbox_html(label, text, pk))
            return out

        return drawn_checkboxes
    if len(places) == 1:
        return lambda rows: [
            _checkbox_html(label, text_of(values(row)), row[pk_place]) for row in rows
        ]
    return lambda rows: [
        _checkbox_html(label, text_of(*values(row)), row[pk_place]) for row in rows
    ]


def tuple_columns(cl: ChangeList) -> list[Drawn] | None:
    """The list's columns as functions of all the rows' tuples (``read_rows``), where every
    column can be drawn without a model instance: the instances cost more than some columns.
    None: the rows are drawn from instances (``row_cells``)."""
    loaded = cl.result_list
    links = cl.list_display_links
    if not isinstance(loaded, LoadedRows) or cl.formset is not None or not links:
        return None
    drawn: list[Drawn] = []
    first = True
    for name in cl.list_display:
        one: Drawn | None
        if name == "action_checkbox":
            one = _tuple_checkbox(cl, loaded)
        else:
            linked = name in links
            column = _column(cl, name, linked, first)
            if linked:
                first = False
            one = None if column is None else _tuple_column(cl, loaded, column)
        if one is None:
            return None
        drawn.append(one)
    return drawn


def rows_html(cl: ChangeList) -> list[str] | None:
    """Each row's cells as one string, or None when a column is not drawn here. Made column by
    column (each column's function over all the rows), which was a sixth cheaper than row by
    row; from the tuples read where every column can be (no instances made at all). Every value
    in a cell is escaped where the cell is made."""
    drawn = tuple_columns(cl)
    if drawn is not None:
        rows = cl.result_list.rows
        columns = [column(rows) for column in drawn]
        return ["".join(row) for row in zip(*columns, strict=True)]
    cells = row_cells(cl)
    if cells is None:
        return None
    objs = list(cl.result_list)
    columns = [[cell(obj) for obj in objs] for cell in cells]
    return ["".join(row) for row in zip(*columns, strict=True)]


def fast_results(cl: ChangeList) -> Iterable[ResultList]:
    """The rows as Django's ``results(cl)`` gives them, each as one piece of HTML."""
    rows = rows_html(cl)
    if rows is None:
        return list(results(cl))
    return [ResultList(None, [mark_safe(row)]) for row in rows]  # noqa: S308


def _header(header: dict[str, Any], num_sorted_fields: int) -> str:
    """One column's heading as change_list_results.html writes it."""
    out = [f'\n<th scope="col"{conditional_escape(header["class_attrib"])}>\n   ']
    sortable = header["sortable"]
    if sortable and header["sort_priority"] > 0:
        out.append(
            '\n       <div class="sortoptions">\n         <a class="sortremove" href="'
            f'{conditional_escape(header["url_remove"])}" title="{gettext("Remove from sorting")}">'
            "</a>\n         "
        )
        if num_sorted_fields > 1:
            priority = conditional_escape(localize(header["sort_priority"]))
            title = gettext("Sorting priority: %(priority_number)s") % {"priority_number": priority}
            out.append(f'<span class="sortpriority" title="{title}">{priority}</span>')
        direction = "ascending" if header["ascending"] else "descending"
        out.append(
            f'\n         <a href="{conditional_escape(header["url_toggle"])}" class="toggle '
            f'{direction}" title="{gettext("Toggle sorting")}"></a>\n       </div>\n   '
        )
    text: str = conditional_escape(capfirst(header["text"]))
    if sortable:
        text = f'<a href="{conditional_escape(header["url_primary"])}">{text}</a>'
    else:
        text = f"<span>{text}</span>"
    out.append(f'\n   <div class="text">{text}</div>\n   <div class="clear"></div>\n</th>')
    return "".join(out)


def _items(mapping: dict) -> tuple:
    return tuple(
        sorted(
            (str(name), tuple(value) if isinstance(value, list) else value)
            for name, value in mapping.items()
        )
    )


def params_key(cl: ChangeList) -> tuple:
    """The request's parameters as the change list read them, as part of a key."""
    return (_items(cl.params), _items(cl.filter_params))


# The list's headings, per language, admin, columns, sorting and parameters: result_headers
# builds three query strings for each sortable column on every request.
_HEADS: dict[tuple, str] = {}
_HEADS_MAX = 1024  # emptied when full


def table_head(cl: ChangeList) -> str:
    """The ``<th>``\\ s of change_list_results.html for this list, kept per key."""
    sortable_by = cl.sortable_by
    key = (
        get_language(),
        get_script_prefix(),
        id(cl.model_admin),
        tuple(str(name) for name in cl.list_display),
        tuple(cl.list_display_links or ()),
        None if sortable_by is None else tuple(sortable_by),
        tuple(cl.get_ordering_field_columns().items()),
        cl.is_popup,
        params_key(cl),
    )
    head = _HEADS.get(key)
    if head is None:
        headers = list(result_headers(cl))
        num_sorted = sum(1 for h in headers if h["sortable"] and h["sorted"])
        head = "".join([_header(header, num_sorted) for header in headers])
        if len(_HEADS) >= _HEADS_MAX:
            _HEADS.clear()
        _HEADS[key] = head
    return head


def results_table(cl: ChangeList) -> str:
    """What Django's change_list_results.html makes of ``result_list``'s context, without a
    template loop over the rows: the loop cost as much as drawing the cells. Only for a list
    without hidden fields or forms (``fast_results`` leaves those to Django)."""
    drawn = rows_html(cl)
    if drawn is None:
        drawn = ["".join(map(conditional_escape, row)) for row in results(cl)]
    if not drawn:
        return "\n\n\n"
    rows = "".join(["\n\n<tr>" + row + "</tr>\n" for row in drawn])
    return (
        '\n\n\n<div class="results">\n<table id="result_list">\n<thead>\n<tr>\n'
        f"{table_head(cl)}\n</tr>\n</thead>\n<tbody>\n{rows}\n</tbody>\n</table>\n</div>\n\n"
    )


def result_list(cl: ChangeList) -> dict[str, Any]:
    """The context Django's ``result_list`` tag gives change_list_results.html."""
    headers = list(result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": fast_results(cl),
    }
