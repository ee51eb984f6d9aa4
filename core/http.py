"""Response helpers shared by the apps' views."""

from typing import TypeVar

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.http.response import HttpResponseBase

Response = TypeVar("Response", bound=HttpResponseBase)


class AuthenticatedHttpRequest(HttpRequest):
    """What a view behind a login gets (the admin's ``admin_view``, ``login_required``): its
    user is an account, never anonymous. An annotation only; Django builds the request."""

    user: User


def private(response: Response) -> Response:
    """A page whose URL is the secret (a letter's tracking link): never cached, and never sent
    in a Referer header to another site. "same-origin" rather than "no-referrer": under
    no-referrer browsers post this page's forms with "Origin: null", which Django's CSRF check
    rightly refuses."""
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response
