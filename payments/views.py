from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from letters.selectors import letter_by_token

from . import services


def _no_referrer(response: HttpResponse) -> HttpResponse:
    response["Referrer-Policy"] = "no-referrer"  # the URL carries the tracking token
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest, token: str) -> HttpResponse:
    """The tracking page's "pay" button: off to Stripe Checkout, or back with a message."""
    letter = letter_by_token(token=token)
    if letter is None:
        raise Http404
    if request.method == "GET":
        # Reopened from the history or typed: back to the letter's page and its pay button
        # (a blank "405" before); only the button's POST starts a payment.
        return _no_referrer(redirect(reverse("letters:track", args=[token])))
    start = services.payment_checkout_start(letter_id=letter.pk)
    if start.outcome == "redirect" and start.url:
        # A page that moves on by itself rather than a redirect: the Content-Security-Policy
        # allows forms to post to this site only, and browsers apply that to a form's redirect
        # too, so a 303 to Stripe would be blocked. A plain navigation is not.
        return _no_referrer(render(request, "payments/redirect.html", {"url": start.url}))
    level = messages.WARNING if start.outcome == "unavailable" else messages.INFO
    messages.add_message(request, level, start.message)
    return _no_referrer(redirect(reverse("letters:track", args=[token])))
