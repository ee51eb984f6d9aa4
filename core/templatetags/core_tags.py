"""Template tags every page may use."""

import threading
from urllib.parse import quote

from django import template
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from core.frame import AdminFrameNode
from core.urls import reverse_once

register = template.Library()


@register.simple_tag
def language_switch_url(request: HttpRequest, code: str) -> str:
    """This page's address with ``lang=<code>``: a plain link that LanguageSwitchMiddleware
    turns into the language cookie and a redirect back here (no form, no CSRF token)."""
    query = request.GET.copy()
    query["lang"] = code
    return f"{request.path}?{query.urlencode()}"


@register.simple_tag
def url_once(viewname: str) -> str:
    """``{% url viewname %}`` for a name with no arguments, reversed once per URLconf, prefix
    and language (core.urls): for the addresses a page writes on every request. Escaped as
    ``{% url %}`` escapes (a simple tag's output is, under autoescape)."""
    return reverse_once(viewname)


# --- the admin's sidebar ---------------------------------------------------------------------

_SIDEBARS: dict[tuple, str] = {}
_SIDEBARS_MAX = 512  # a few roles × languages × sections; emptied when full
_SIDEBARS_LOCK = threading.Lock()


def _sidebar_key(context) -> tuple | None:
    """What Django's sidebar depends on: the models this person may see (their permissions: every
    ``has_*_permission`` of ours asks only those), the language, and the section the page is in
    (it marks the app and the model whose URL the page's path contains). None when the path
    could contain an app's URL other than at its start."""
    request = context["request"]
    user = request.user
    path = quote(request.path)  # what the template's |urlencode compares with
    segments = path.split("/")
    section, rest = "/".join(segments[:4]), "/".join(segments[4:])
    if "admin" in rest or context.get("is_popup"):
        return None
    permissions = frozenset(user.get_all_permissions())
    return (get_language(), section, user.is_superuser, user.is_staff, permissions)


@register.simple_tag(takes_context=True)
def nav_sidebar(context) -> SafeString:
    """Django's ``admin/nav_sidebar.html`` (as ``admin/_nav_sidebar.html``), drawn once per
    permissions, language and section in each process and kept: drawing it took a coordinator's
    pages 1.8 ms. tests/core/test_nav_sidebar.py holds it to Django's, and to a change of
    permissions showing at once."""
    key = _sidebar_key(context)
    html = _SIDEBARS.get(key) if key is not None else None
    if html is None:
        html = context.template.engine.get_template("admin/_nav_sidebar.html").render(context)
        if key is not None:
            with _SIDEBARS_LOCK:
                if len(_SIDEBARS) >= _SIDEBARS_MAX:
                    _SIDEBARS.clear()
                _SIDEBARS[key] = html
    return mark_safe(html)  # noqa: S308  (a template's output, escaped as it was drawn)


# --- the admin's frame -----------------------------------------------------------------------


@register.tag
def admin_frame(parser, token) -> AdminFrameNode:
    """Django's ``admin/base.html``, extended as ``{% extends %}`` would, its frame kept
    (core.frame). The whole of our ``templates/admin/base.html``."""
    return AdminFrameNode()
