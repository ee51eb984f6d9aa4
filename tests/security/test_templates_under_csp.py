"""A guard for new pages: the Content-Security-Policy allows our own files only (no inline
style or script), so a template that carries either renders unstyled or dead in a browser while
Django's test client, which runs no CSS or script, sees nothing wrong. (The Inbox's triage screen
shipped like that once.) E-mails are not pages: mail readers need their styles inline."""

import re
from pathlib import Path

from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"
NOT_PAGES = {"emails"}
INLINE = {
    "a <style> block": re.compile(r"<style[\s>]", re.IGNORECASE),
    "a style attribute": re.compile(r"""\sstyle\s*=\s*["']""", re.IGNORECASE),
    "an inline <script>": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "an event-handler attribute": re.compile(r"""\son[a-z]+\s*=\s*["']""", re.IGNORECASE),
}


def _pages() -> list[Path]:
    return [
        path
        for path in TEMPLATES.rglob("*.html")
        if path.relative_to(TEMPLATES).parts[0] not in NOT_PAGES
    ]


def test_no_page_template_carries_inline_style_or_script():
    # given every page template
    pages = _pages()
    assert len(pages) > 20
    # when each is searched for what the policy refuses
    offenders = [
        f"{path.relative_to(TEMPLATES)}: {what}"
        for path in pages
        for what, pattern in INLINE.items()
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    # then none carries any
    assert offenders == []


def test_the_guard_finds_what_it_looks_for():
    # given snippets the browser would refuse
    refused = [
        "<style>.x { color: red }</style>",
        '<p style="color: red">',
        "<script>alert(1)</script>",
        '<button onclick="go()">',
    ]
    # then each one is caught, and a script from our own files is not
    assert all(any(p.search(html) for p in INLINE.values()) for html in refused)
    assert not any(
        p.search('<script src="/static/js/site.js" defer></script>') for p in INLINE.values()
    )
