"""Response helpers shared by the apps' views."""

from django.http import HttpResponse


def private(response: HttpResponse) -> HttpResponse:
    """A page whose URL is the secret (a letter's tracking link): never cached, and never sent
    in a Referer header to another site. "same-origin" rather than "no-referrer": under
    no-referrer browsers post this page's forms with "Origin: null", which Django's CSRF check
    rightly refuses."""
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response
