"""Scrubbing for the optional Sentry integration: drop anything that could identify a supporter."""

from core.logging import redact


def scrub_event(event: dict, hint: dict) -> dict:
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
    return event
