"""Scrubbing for the optional Sentry integration: drop anything that could identify a supporter."""

from typing import Any, cast

from sentry_sdk.types import Event, Hint

from core.logging import redact


def scrub_event(event: Event, hint: Hint) -> Event:
    """Sentry's ``before_send``: the event is scrubbed in place, as the plain JSON it is sent as
    (Sentry's typed view of it declares its parts as ``object``)."""
    _scrub(cast(dict[str, Any], event))
    return event


def _scrub(event: dict[str, Any]) -> None:
    request = event.get("request") or {}
    for key in ("data", "cookies", "query_string", "env"):
        request.pop(key, None)
    if "url" in request:
        request["url"] = redact(request["url"])
    headers = request.get("headers") or {}
    for name in list(headers):
        if name.lower() in {"cookie", "authorization", "x-forwarded-for", "referer"}:
            headers.pop(name)
    event.pop("user", None)
    for entry in (event.get("breadcrumbs") or {}).get("values", []):
        if entry.get("message"):
            entry["message"] = redact(entry["message"])
    if event.get("logentry", {}).get("message"):
        event["logentry"]["message"] = redact(event["logentry"]["message"])
