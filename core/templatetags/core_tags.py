"""Template tags every page may use."""

from django import template
from django.http import HttpRequest

register = template.Library()


@register.simple_tag
def language_switch_url(request: HttpRequest, code: str) -> str:
    """This page's address with ``lang=<code>``: a plain link that LanguageSwitchMiddleware
    turns into the language cookie and a redirect back here (no form, no CSRF token)."""
    query = request.GET.copy()
    query["lang"] = code
    return f"{request.path}?{query.urlencode()}"
