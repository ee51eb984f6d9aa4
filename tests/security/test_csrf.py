"""Every URL that accepts a POST refuses one without a CSRF token (403), signed in or not;
the only exception is Stripe's webhook, which proves itself with Stripe's signature."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from letters import tokens
from rights.services import rights_link_token
from tests.factories import CoordinatorFactory, LetterFactory

pytestmark = pytest.mark.django_db
CSRF_EXEMPT = {"payments:stripe_webhook"}


def _patterns(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from _patterns(entry, prefix + str(entry.pattern), full_ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or "")
            yield prefix + str(entry.pattern), name


def _concrete(route: str, values: dict) -> str | None:
    """Fill a route's converters with real values; None for regex routes we cannot fill."""
    if route.startswith("^") or "(?P" in route:
        return None
    filled = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values.get(m.group(1), "1")), route)
    return "/" + filled


def test_every_post_without_csrf_token_is_refused():
    letter = LetterFactory()
    values = {
        "token": tokens.token_for(salt=letter.tracking_salt),
        "letter_id": letter.pk,
        "object_id": letter.pk,
        "slug": letter.prisoner.slug,
        "prisoner_id": letter.prisoner.pk,
        "batch_id": 1,
    }
    rights = rights_link_token(letter_ids=[letter.pk])
    anonymous = Client(enforce_csrf_checks=True)
    staff = Client(enforce_csrf_checks=True)
    staff.force_login(CoordinatorFactory(is_superuser=True))
    checked, accepted = 0, []
    for route, name in _patterns():
        url = _concrete(route, values)
        if url is None or name in CSRF_EXEMPT:
            continue
        if name.startswith("rights:"):
            url = url.replace("/1/", f"/{rights}/")
        for client in (anonymous, staff):
            response = client.post(url, {"anything": "x"})
            checked += 1
            if response.status_code not in (403, 404, 405):
                accepted.append((name, url, response.status_code))
            if response.status_code == 404 and client is staff and "<" not in route:
                accepted.append((name, url, "404 for a fixed URL"))
    assert checked > 50
    assert accepted == [], accepted
