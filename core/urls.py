"""``reverse`` for the names a page reverses on every request with the same result: a staff page
reversed about a dozen (its tabs, breadcrumbs, forms' actions, one pattern per list column), at
0.03–0.05 ms each, for addresses that change only with the URLconf, the script prefix and (for
translated patterns) the language. Those are the key, so a test's ``override_settings`` of the
URLconf or a deployment under a prefix gets its own addresses."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

# Stands for an object's id in a URL reversed once for a whole list (no real id is this big).
_ID_SLOT = 2**62 + 12345
_KEPT: dict[tuple, tuple[str, str]] = {}
_KEPT_MAX = 1024  # names × languages × prefixes; emptied when full
_LOCK = threading.Lock()


def _kept(viewname: str, with_id: bool) -> tuple[str, str]:
    key = (
        viewname,
        with_id,
        get_urlconf() or settings.ROOT_URLCONF,
        get_script_prefix(),
        get_language(),
    )
    found = _KEPT.get(key)
    if found is None:
        if with_id:
            before, _slot, after = reverse(viewname, args=[_ID_SLOT]).partition(str(_ID_SLOT))
            found = (before, after)
        else:
            found = (reverse(viewname), "")
        with _LOCK:
            if len(_KEPT) >= _KEPT_MAX:
                _KEPT.clear()
            _KEPT[key] = found
    return found


def reverse_once(viewname: str) -> str:
    """``reverse(viewname)`` for a name that takes no arguments, reversed once per key."""
    return _kept(viewname, with_id=False)[0]


def reverse_for_each(viewname: str) -> Callable[[int], str]:
    """``reverse(viewname, args=[id])`` for many ids, from one ``reverse`` per key."""
    before, after = _kept(viewname, with_id=True)
    return lambda object_id: f"{before}{int(object_id)}{after}"


def reset() -> None:
    """Forget the kept addresses (tests)."""
    with _LOCK:
        _KEPT.clear()
