"""The admin's frame, drawn once and kept: Django's ``admin/base.html`` (the head, the header with
the user's tools, the containers, the SVGs) with the page's own blocks put in on every request.

Drawing the frame cost a staff page about a third of its template time on every request (a dozen
``{% static %}``, five ``{% url %}``, one of which, the admindocs link, raised NoReverseMatch each
time, the logout form's token, the theme toggle, blocks through three levels of extends), for
HTML that changes only with the things ``frame_key`` reads.

- **What is kept** is the frame with a hole for every block the page may fill (``HOLES``) and for
  every other block that a template other than Django's ``admin/base.html`` and
  ``admin/base_site.html`` overrides (a login page's user tools, a password page's links): those
  are drawn per request, in place, by Django's own ``BlockNode``, so ``{{ block.super }}`` and the
  messages work as ever. A block filled with text alone (``colM``, an empty footer) is the same
  every time and is kept.
- **Keyed by everything the rest reads**: the language, the user's name and flags (so a rename
  shows at once and no one sees another's "Welcome, X"), ``has_permission``, the site's header
  and URL, popup and sidebar switches, the UTC offset that ``{% now "Z" %}`` writes, the URL
  prefix, and which blocks are holes and which templates' blocks fill the rest.
- **The CSRF token is not kept**: the logout form's token is cut out and the page's own is put
  back in each response, as ``core.pagecache`` does for public pages; a frame whose token the
  cache cannot recognise is not kept.
- **A kept page**: a view may give its context a ``kept_page`` (``KeptPage``): the whole page
  around its own holes (blocks, at any depth: the rows, the messages, the search form) is kept
  like the frame, keyed by the frame's key and the page's ``key(context)``, which must hold
  everything the rest of the page reads (None: the page is drawn as usual, in the frame).
  core.admin_kept gives the change list's.
- Kept per process, up to ``_FRAMES_MAX`` frames (emptied when full). ``LETTERBRIDGE_ADMIN_FRAME``
  False draws Django's frame every time (tests/core/test_admin_frame.py compares the two).
"""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

from django.conf import settings
from django.template import Context, Node, NodeList
from django.template.base import Template, TextNode
from django.template.loader_tags import BLOCK_CONTEXT_KEY, BlockContext, BlockNode
from django.urls import get_script_prefix, get_urlconf
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, get_language_bidi

BASE = "admin/base.html"
# The templates whose blocks may be kept in the frame: Django's base and its site's header.
FRAME_TEMPLATES = frozenset({"admin/base.html", "admin/base_site.html"})
# The blocks a page fills: always drawn per request.
HOLES = frozenset(
    {
        "title",
        "extrastyle",
        "extrahead",
        "bodyclass",
        "breadcrumbs",
        "nav-sidebar",
        "messages",
        "coltype",
        "pretitle",
        "content_title",
        "content_subtitle",
        "content",
        "sidebar",
        "footer",
        "extrabody",
    }
)
_MARK = f"\x00frame-{secrets.token_hex(8)}:"
_HOLE = re.compile(re.escape(_MARK) + r"([^\x00]+)\x00")
_TOKEN = "\x00csrf-token\x00"  # noqa: S105  (where the token goes back in)
_TOKEN_INPUT = re.compile(r'(name="csrfmiddlewaretoken" value=")[A-Za-z0-9]+(")')

_FRAMES: dict[tuple, tuple[tuple[str, ...], tuple[str, ...], bool]] = {}
_FRAMES_MAX = 1024  # users × languages × kinds of page; emptied when full
_LOCK = threading.Lock()


class KeptPage(NamedTuple):
    """A page kept whole but for ``holes``, the blocks drawn on every request. ``key`` gives
    everything the rest of the page reads beyond what the frame's key holds, or None when the
    page cannot be kept (then it is drawn as usual)."""

    name: str
    holes: tuple[str, ...]
    key: Callable[[Context], tuple | None]


def reset() -> None:
    """Forget the kept frames (tests)."""
    with _LOCK:
        _FRAMES.clear()


def enabled() -> bool:
    return bool(getattr(settings, "LETTERBRIDGE_ADMIN_FRAME", True))


def _holes_and_fillers(base_blocks: dict[str, BlockNode], block_context: BlockContext):
    """The blocks drawn per request, and which nodes fill the others (their ids: the same
    templates, loaded once, give the same frame). A block whose filling is only text (the
    usual ``colM``, an empty footer) is the same on every request: kept in the frame."""
    holes = []
    fillers = []
    for name in base_blocks:
        nodes = block_context.blocks.get(name, ())
        if nodes and all(isinstance(node, TextNode) for node in nodes[-1].nodelist):
            fillers.append(id(nodes[-1]))
        elif name in HOLES or any(
            getattr(node.origin, "template_name", None) not in FRAME_TEMPLATES for node in nodes
        ):
            holes.append(name)
        elif nodes:
            fillers.append(id(nodes[-1]))
    return tuple(holes), tuple(fillers)


def frame_key(context: Context, holes: tuple, fillers: tuple) -> tuple | None:
    """Everything the kept part of Django's frame reads, or None when it cannot be kept."""
    user = context.get("user")
    if user is None:
        return None
    if user.is_anonymous:
        who: tuple = ("anonymous",)
    else:
        who = (
            user.pk,
            user.get_username(),
            user.get_short_name(),
            user.is_active,
            user.is_staff,
            user.has_usable_password(),
        )
    offset = (
        datetime.now(tz=timezone.get_current_timezone()).utcoffset() if settings.USE_TZ else None
    )
    return (
        get_language(),
        who,
        bool(context.get("has_permission")),
        bool(context.get("is_popup")),
        bool(context.get("is_nav_sidebar_enabled")),
        str(context.get("site_url")),
        str(context.get("site_header")),
        offset,
        get_script_prefix(),
        get_urlconf(),
        holes,
        fillers,
    )


def _token(context: Context) -> str | None:
    token = context.get("csrf_token")
    token = None if token is None else str(token)
    return None if token in (None, "", "NOTPROVIDED") else token


def _draw_frame(context: Context, base: Template, holes: tuple, block_context: BlockContext):
    """Django's frame with a mark where each hole is; split at the marks."""
    for name in holes:
        block_context.push(name, BlockNode(name, NodeList([TextNode(f"{_MARK}{name}\x00")])))
    try:
        html = base.nodelist.render(context)
    finally:
        for name in holes:
            block_context.pop(name)
    parts = _HOLE.split(html)
    return tuple(parts[0::2]), tuple(parts[1::2])


class AdminFrameNode(Node):
    """``{% admin_frame %}``, the whole of our ``admin/base.html``: extends Django's, as
    ``{% extends %}`` would, drawing the frame from the kept copy when it can."""

    def __init__(self) -> None:
        self._found: tuple[Template, dict[str, BlockNode]] | None = None

    def _base(self, context: Context) -> tuple[Template, dict[str, BlockNode]]:
        """Django's admin/base.html (the next one after ours) and its blocks, found once: a
        change of templates in development reloads ours too, and with it this node."""
        if self._found is None:
            engine = context.template.engine  # type: ignore[union-attr]
            base, _origin = engine.find_template(BASE, skip=[self.origin])
            nodes = base.nodelist.get_nodes_by_type(BlockNode)
            self._found = (base, {n.name: n for n in nodes if isinstance(n, BlockNode)})
        return self._found

    def render(self, context: Context) -> SafeString:
        base, base_blocks = self._base(context)
        block_context = context.render_context.get(BLOCK_CONTEXT_KEY)
        if block_context is None:
            block_context = context.render_context[BLOCK_CONTEXT_KEY] = BlockContext()
        block_context.add_blocks(base_blocks)  # as {% extends %} does for the root template
        with context.render_context.push_state(base, isolated_context=False):
            if not enabled():
                return base.nodelist.render(context)
            page = context.get("kept_page")
            page_key = page.key(context) if isinstance(page, KeptPage) else None
            if page_key is not None and isinstance(page, KeptPage):
                # Every block but the page's holes is kept: its key names which templates'
                # blocks those are (as the frame's fillers do).
                holes = page.holes
                fillers = tuple(
                    (name, id(nodes[-1])) for name, nodes in block_context.blocks.items() if nodes
                )
                frame = frame_key(context, holes, fillers)
                key = None if frame is None else (frame, page.name, page_key)
            else:
                holes, fillers = _holes_and_fillers(base_blocks, block_context)
                key = frame_key(context, holes, fillers)
            token = _token(context)
            if key is None or token is None:
                return base.nodelist.render(context)
            kept = _FRAMES.get(key)
            if kept is None:
                texts, names = _draw_frame(context, base, holes, block_context)
                kept = self._keep(key, texts, names)
                if kept is None:
                    return base.nodelist.render(context)
            else:
                # What the frame's own tags would have set for the blocks drawn after them.
                context["LANGUAGE_CODE"] = get_language()
                context["LANGUAGE_BIDI"] = get_language_bidi()
            texts, names, has_token = kept
            out: list[Any] = []
            for text, name in zip(texts, names, strict=False):
                out.append(text.replace(_TOKEN, token) if has_token else text)
                # A page's hole may be a block inside another: drawn by its name, as the block
                # tag would (the most derived template's block, with block.super).
                node = base_blocks.get(name) or BlockNode(name, NodeList())
                out.append(node.render(context))
            last = texts[-1]
            out.append(last.replace(_TOKEN, token) if has_token else last)
            return mark_safe("".join(out))  # noqa: S308  (templates' output, escaped as drawn)

    @staticmethod
    def _keep(key: tuple, texts: tuple[str, ...], names: tuple[str, ...]):
        cut = []
        for text in texts:
            text, replaced = _TOKEN_INPUT.subn(rf"\g<1>{_TOKEN}\g<2>", text)
            if replaced != text.count("csrfmiddlewaretoken"):
                return None  # a token written some other way would be this person's, kept
            cut.append(text)
        kept = (tuple(cut), names, any(_TOKEN in text for text in cut))
        with _LOCK:
            if len(_FRAMES) >= _FRAMES_MAX:
                _FRAMES.clear()
            _FRAMES[key] = kept
        return kept
