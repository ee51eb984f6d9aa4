"""Parts of an admin change list drawn once and kept: ``{% kept_part "filters" %}…{% endkept_part
%}`` renders what it wraps once per key and then gives the kept HTML.

Each part is a pure function of what its key holds: the request's parameters, the person's
permissions as the page received them, the admin's static configuration, the language and,
for the date filter, its dates. Never the rows: the table, the counts and everything read from
the data are drawn per request, and a part whose inputs cannot be told (a filter whose choices
come from the database or depend on the request, facet counts) is drawn every time.

- ``filters``: the sidebar of filters. Kept only when every filter's choices are fixed:
  Django's choices, boolean, empty and date filters, and ``SimpleListFilter``\\ s that say
  ``static_lookups = True``. The date filter's links ("Today", "Past 7 days") are in the key,
  so a new day (or another time zone) draws anew.
- ``actions``: the bar of actions, keyed by the actions offered and the counts it prints.
- ``object_tools``: the "Add letter" button, keyed by the add permission and the filters the
  link keeps.
- ``head``: the title, styles, scripts and breadcrumbs, static for an admin and its names.
- ``search`` and ``pagination``: the search form and the page links, keyed by the counts they
  print (read per request) and the page's parameters.

Nothing is kept for a search: its term would stay in the process as part of a key, so every part
of a searched list is drawn anew. Kept per process, up to ``_KEPT_MAX`` parts (emptied when
full); nothing personal is logged.
``LETTERBRIDGE_ADMIN_LIST_FAST`` False draws every part every time.

``CHANGE_LIST_PAGE``: the whole change list page kept by core.frame but for its holes (the
messages, the sidebar of apps, the tools with the desk's tabs, the search form, the table with
its actions, the page links), keyed by what the sidebar of filters and the head read
(``change_list_page_key``). Kept only when the page has no search term (nothing a person typed
is kept), no formset and no date hierarchy.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django import template
from django.conf import settings
from django.contrib.admin.filters import (
    BooleanFieldListFilter,
    ChoicesFieldListFilter,
    DateFieldListFilter,
    EmptyFieldListFilter,
    SimpleListFilter,
)
from django.template import Context, Node, NodeList
from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from core.admin_list import fast_enabled, params_key
from core.frame import KeptPage

_KEPT: dict[tuple, str] = {}
_KEPT_MAX = 2048  # parts × languages × query strings; emptied when full
_LOCK = threading.Lock()

# Filters whose choices depend only on the field and the request's parameters.
_FIXED_FILTERS = (BooleanFieldListFilter, ChoicesFieldListFilter, EmptyFieldListFilter)


def reset() -> None:
    """Forget the kept parts (tests)."""
    with _LOCK:
        _KEPT.clear()


def _common(cl: Any) -> tuple:
    """What every part of a list reads besides its own inputs. Worked out once per change
    list (one request; nothing in it changes while the page is drawn), not once per part."""
    common = cl.__dict__.get("_kept_common")
    if common is None:
        common = cl.__dict__["_kept_common"] = _common_of(cl)
    return common


def _common_of(cl: Any) -> tuple:
    return (
        get_language(),
        get_script_prefix(),
        get_urlconf(),
        id(cl.model_admin),
        cl.is_popup,
        cl.to_field,
        params_key(cl),
        getattr(cl.paginator, "capped", False),  # "more than 1,000": the count says no more
    )


def _filter_key(spec: Any) -> tuple | None:
    """What one filter's choices depend on beyond the list's parameters; None when they may
    depend on data or on the person."""
    kind = type(spec)
    if kind in _FIXED_FILTERS:
        fixed: tuple = ()
    elif kind is DateFieldListFilter:
        fixed = tuple((str(title), tuple(sorted(params.items()))) for title, params in spec.links)
    elif isinstance(spec, SimpleListFilter) and getattr(kind, "static_lookups", False):
        fixed = tuple((str(value), str(label)) for value, label in spec.lookup_choices)
    else:
        return None
    return (kind, str(spec.title), getattr(spec, "field_path", None), spec.template, fixed)


def filters_key(context: Context) -> tuple | None:
    cl = context.get("cl")
    if cl is None or cl.add_facets:  # facets are counts of the data
        return None
    specs = []
    for spec in cl.filter_specs:
        key = _filter_key(spec)
        if key is None:
            return None
        specs.append(key)
    return (_common(cl), tuple(specs), cl.has_filters, cl.is_facets_optional)


def actions_key(context: Context) -> tuple | None:
    cl, form = context.get("cl"), context.get("action_form")
    if cl is None or form is None or set(form.fields) != {"action", "select_across"}:
        return None
    choices = tuple((str(value), str(label)) for value, label in form.fields["action"].choices)
    return (
        _common(cl),
        type(form),
        choices,
        context.get("action_index", -1),
        bool(context.get("actions_selection_counter")),
        len(cl.result_list),
        cl.result_count,
        str(context.get("selection_note")),
        str(context.get("selection_note_all")),
        str(context.get("module_name")),
    )


def _replay_actions(context: Context) -> None:
    """What ``{% admin_actions %}`` does to the page's context: counts the bars drawn."""
    index = context.get("action_index")
    context["action_index"] = (-1 if index is None else index) + 1


def object_tools_key(context: Context) -> tuple | None:
    cl = context.get("cl")
    if cl is None:
        return None
    qsl = context.get("preserved_qsl")
    return (
        _common(cl),
        bool(context.get("has_add_permission")),
        str(context.get("preserved_filters") or ""),
        tuple(qsl) if qsl else None,
        context.get("is_popup"),
        context.get("to_field"),
    )


def head_key(context: Context) -> tuple | None:
    """The page's title, styles, scripts and breadcrumbs: the admin's media (static for an
    admin class, with or without the actions' form and a formset) and its names."""
    cl = context.get("cl")
    if cl is None or cl.formset is not None:
        return None
    return (
        _common(cl),
        bool(context.get("action_form")),
        bool(context.get("actions_on_top")),
        bool(context.get("actions_on_bottom")),
        settings.DEBUG,  # Media writes the minified scripts unless debugging
        str(context.get("title")),
        str(context.get("subtitle")),
        str(context.get("site_title")),
    )


def search_key(context: Context) -> tuple | None:
    """The search form: the term, the role's help text and, after a search, the counts."""
    cl = context.get("cl")
    if cl is None:
        return None
    return (
        _common(cl),
        bool(cl.search_fields),
        str(cl.query),
        str(cl.search_help_text),
        cl.result_count,
        cl.full_result_count,
        cl.show_full_result_count,
        cl.add_facets,
    )


def pagination_key(context: Context) -> tuple | None:
    """The page links and the count under the list."""
    cl = context.get("cl")
    if cl is None or cl.formset is not None:
        return None
    return (
        _common(cl),
        cl.result_count,
        cl.page_num,
        cl.list_per_page,
        cl.paginator.num_pages,
        cl.show_all,
        cl.can_show_all,
        cl.multi_page,
    )


def change_list_page_key(context: Context) -> tuple | None:
    """What the change list page reads outside its holes: the head (title, media, names), the
    sidebar of filters (and whether there is one), the list's parameters and the language
    (both keys' ``_common``); the frame's key adds the person's name and flags. None: the page
    is drawn as usual (a search, a formset, a date hierarchy, filters that read data)."""
    cl = context.get("cl")
    if cl is None or not fast_enabled() or cl.query or cl.formset is not None:
        return None
    if cl.date_hierarchy or context.get("to_field") or context.get("is_popup"):
        return None
    filters, head = filters_key(context), head_key(context)
    if filters is None or head is None:
        return None
    return (filters, head, str(context.get("opts")), bool(context.get("has_add_permission")))


CHANGE_LIST_PAGE = KeptPage(
    "change_list",
    ("nav-sidebar", "messages", "object-tools-items", "search", "result_list", "pagination"),
    change_list_page_key,
)


PARTS: dict[str, tuple[Callable[[Context], tuple | None], Callable[[Context], None] | None]] = {
    "filters": (filters_key, None),
    "actions": (actions_key, _replay_actions),
    "object_tools": (object_tools_key, None),
    "head": (head_key, None),
    "search": (search_key, None),
    "pagination": (pagination_key, None),
}


class KeptPartNode(Node):
    def __init__(self, part: str, nodelist: NodeList) -> None:
        self.part = part
        self.nodelist = nodelist

    def render(self, context: Context) -> SafeString:
        key_of, replay = PARTS[self.part]
        cl = context.get("cl")
        if cl is not None and cl.query:  # what a person searched for is theirs: never kept
            return self.nodelist.render(context)
        key = key_of(context) if fast_enabled() else None
        if key is None:
            return self.nodelist.render(context)
        key = (self.part, id(self), key)  # this place in this template
        html = _KEPT.get(key)
        if html is not None:
            if replay is not None:
                replay(context)
            return mark_safe(html)  # noqa: S308  (the template's output, escaped as drawn)
        html = self.nodelist.render(context)
        if "csrfmiddlewaretoken" not in html:  # a token is the person's own: never kept
            with _LOCK:
                if len(_KEPT) >= _KEPT_MAX:
                    _KEPT.clear()
                _KEPT[key] = html
        return html


def kept_part(parser: Any, token: Any) -> KeptPartNode:
    """``{% kept_part "name" %}…{% endkept_part %}``, for the parts named in ``PARTS``."""
    bits = token.split_contents()
    if len(bits) != 2 or bits[1].strip("\"'") not in PARTS:
        raise template.TemplateSyntaxError(f"{bits[0]} takes one of {sorted(PARTS)}")
    nodelist = parser.parse(("endkept_part",))
    parser.delete_first_token()
    return KeptPartNode(bits[1].strip("\"'"), nodelist)
