from django.http import Http404
from django.shortcuts import render

from .selectors import letter_by_token, letter_timeline


def letter_track(request, token: str):
    letter = letter_by_token(token=token)
    if letter is None:
        raise Http404
    response = render(
        request,
        "letters/track.html",
        {"letter": letter, "timeline": letter_timeline(letter=letter)},
    )
    response["Referrer-Policy"] = "no-referrer"  # the URL is the secret
    response["Cache-Control"] = "private, no-store"
    return response
