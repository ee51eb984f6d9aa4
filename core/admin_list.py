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
still get the whole queryset (``ChangeList.get_queryset``), not the reduced one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote as url_quote

from django.contrib.admin.options import ModelAdmin
from django.contrib.admin.templatetags.admin_list import (
    ResultList,
    result_headers,
    result_hidden_fields,
    results,
)
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import display_for_value, quote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils.html import conditional_escape, escape, format_html
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from core.dates import localize_datetime

# Stands for the primary key in a change URL reversed once per page (underscores are quoted by
# the admin's quote(), so no real key can contain it).
_PK = "__pk_placeholder__"

Cell = Callable[[Any], str]


class ShownColumnsChangeList(ChangeList):
    """Loads, for the rows on the page, only the columns ``list_display`` shows (with the
    foreign keys it follows). The model admin's ``list_display_fields`` names what a column
    reads when it is not just the field of its name: a callable's fields ({"flagged":
    ["flagged_at"]}), or a foreign key's and the related fields its ``__str__`` reads
    ({"prisoner": ["prisoner", "prisoner__name_en"]}). A column it cannot place (a callable
    not described there) makes it load whole rows, as Django does."""

    def get_results(self, request):
        columns = self._shown_columns(request)
        if columns is None:
            return super().get_results(request)
        queryset = self.queryset
        self.queryset = queryset.only(*columns)
        try:
            return super().get_results(request)
        finally:
            self.queryset = queryset

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


def _checkbox_cell(cl: ChangeList) -> Cell | None:
    if type(cl.model_admin).action_checkbox is not ModelAdmin.action_checkbox:
        return None  # a model admin drawing its own checkbox keeps it
    label = gettext("Select this object for an action - {}")
    pk_attname = cl.lookup_opts.pk.attname

    def cell(obj) -> str:
        # What forms.CheckboxInput renders for admin's action_checkbox.
        aria = format_html(label, str(obj))
        value = escape(str(getattr(obj, pk_attname)))
        return (
            '<td class="action-checkbox"><input type="checkbox" name="_selected_action" '
            f'value="{value}" class="action-select" aria-label="{aria}"></td>'
        )

    return cell


class _NotDrawnHere(Exception):
    """A column this module does not draw: the list falls back to Django's rendering."""


def _link(cl: ChangeList) -> Callable[[Any], str] | None:
    """The change URL of a row, with the page's filters preserved, made from one reversed
    template; None when the admin has no change URL (the cell is then plain text, as Django's)."""
    if cl.to_field or cl.is_popup:
        raise _NotDrawnHere  # popups carry the key for the opener's script
    opts = cl.opts
    try:
        template = reverse(
            f"admin:{opts.app_label}_{opts.model_name}_change",
            args=(_PK,),
            current_app=cl.model_admin.admin_site.name,
        )
    except NoReverseMatch:
        return None
    template = add_preserved_filters(
        {"preserved_filters": cl.preserved_filters, "opts": cl.opts}, template
    )
    if template.count(_PK) != 1:
        raise _NotDrawnHere
    before, after = (escape(part) for part in template.split(_PK))
    pk_attname = cl.pk_attname

    def url(obj) -> str:
        # As url_for_result: the admin's quote(), then reverse()'s own percent-encoding.
        key = url_quote(str(quote(getattr(obj, pk_attname))), safe=RFC3986_SUBDELIMS + "/~:@")
        return before + escape(key) + after

    return url


def _value_cell(cl: ChangeList, name: Any, linked: bool, first: bool) -> Cell | None:
    """One column's cell as a function of the row, or None when this column is of a kind this
    module does not draw (the list then falls back to Django's rendering)."""
    model_admin = cl.model_admin
    opts = cl.lookup_opts
    empty = model_admin.get_empty_value_display()
    if not isinstance(name, str):
        return None
    classes = [f"field-{name}"]
    value_of: Callable[[Any], str]
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
        icons = {value: display_for_value(value, empty, True) for value in (True, False, None)}

        def value_of(obj, attr=attr, icons=icons) -> str:
            value = attr(obj)
            if value is None or type(value) is bool:
                return icons[value]
            return display_for_value(value, empty, True)  # alt="1" for 1, as Django's

    elif field.is_relation:
        if not (field.many_to_one and field.concrete):
            return None
        classes.append("nowrap")
        field_name = field.name

        def value_of(obj, field_name=field_name) -> str:
            related = getattr(obj, field_name)
            return empty if related is None else conditional_escape(related)

    elif field.flatchoices:
        try:
            labels = {key: conditional_escape(label) for key, label in field.flatchoices}
        except TypeError:
            return None
        attname = field.attname

        def value_of(obj, attname=attname, labels=labels) -> str:
            value = getattr(obj, attname)
            if isinstance(value, str) and value.strip() == "":
                value = ""
            try:
                return labels.get(value, empty)
            except TypeError:
                return empty

    elif isinstance(field, models.DateTimeField):
        classes.append("nowrap")
        attname = field.attname
        empty_values = field.empty_values

        def value_of(obj, attname=attname) -> str:
            value = getattr(obj, attname)
            if value in empty_values:
                return empty
            return conditional_escape(localize_datetime(value))

    elif type(field) in (models.CharField, models.TextField, models.SlugField):
        attname = field.attname
        empty_values = field.empty_values

        def value_of(obj, attname=attname) -> str:
            value = getattr(obj, attname)
            if isinstance(value, str) and value.strip() == "":
                value = ""
            if value in empty_values:
                return empty
            return conditional_escape(str(value))

    else:
        return None
    row_class = ' class="{}"'.format(" ".join(classes))
    if not linked:
        opening = f"<td{row_class}>"

        def cell(obj) -> str:
            return opening + value_of(obj) + "</td>"

        return cell
    tag = "th" if first else "td"
    try:
        url = _link(cl)
    except _NotDrawnHere:
        return None
    opening, closing = f"<{tag}{row_class}>", f"</{tag}>"
    if url is None:
        return lambda obj: opening + value_of(obj) + closing

    def linked_cell(obj) -> str:
        return f'{opening}<a href="{url(obj)}">{value_of(obj)}</a>{closing}'

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


def fast_results(cl: ChangeList) -> Iterable[ResultList]:
    """The rows as Django's ``results(cl)`` gives them, each as one piece of HTML."""
    cells = row_cells(cl)
    if cells is None:
        return list(results(cl))
    # Every value in a cell is escaped where the cell is made.
    rows = ["".join([cell(obj) for cell in cells]) for obj in cl.result_list]
    return [ResultList(None, [mark_safe(row)]) for row in rows]  # noqa: S308


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
