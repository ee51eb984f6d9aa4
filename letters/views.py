"""The supporter's pages that are letters' alone: write a letter, cancel it, download its return
PDF, find one's letters again. (The letter's page and the confirmation show payments' part too,
so they are drawn above both apps, in pages.views.)

Views parse the request, call one service or selector, and render. The tracking token in the
URL is the only key to a letter, so every page that carries it is private and never cached."""

import logging
import secrets
from functools import partial

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core import storage
from core.http import private
from core.pagecache import not_stored, public_page
from prisoners.models import Prisoner
from prisoners.selectors import prisoner_profile

from . import tasks
from .forms import FindLettersForm, LetterForm
from .ratelimit import TOO_MANY_REQUESTS, form_rate_limited, rate_limit_exceeded
from .selectors import letter_ids_for_email
from .services import dispatch, submission
from .services.core import LetterError
from .tracking import letter_or_404, returned_pdf_ready

logger = logging.getLogger(__name__)


# --- writing ---------------------------------------------------------------------------------


def _write_context(form: LetterForm, prisoner: Prisoner | None) -> dict:
    return {
        "form": form,
        "prisoner": prisoner,
        "max_chars": settings.LETTERBRIDGE_MAX_LETTER_CHARS,
    }


@require_http_methods(["GET", "POST"])
@public_page("to")
def letter_write(request):
    """The letter form on its own page; the profile page's form posts here too."""
    if request.method == "GET":
        slug = request.GET.get("to", "")
        prisoner = prisoner_profile(slug=slug) if isinstance(slug, str) else None
        if prisoner is not None and not prisoner.accepts_letters:
            prisoner = None
        initial = {"prisoner": prisoner.slug} if prisoner else {}
        form = LetterForm(initial=initial)
        response = render(request, "letters/write.html", _write_context(form, prisoner))
        if slug and prisoner is None:
            not_stored(response)  # ?to= someone not listed: not worth a cache entry
        return response

    form = LetterForm(request.POST)
    status = 200
    if form.is_valid():
        if rate_limit_exceeded(request, scope="letter"):
            form.add_error(
                None,
                _(
                    "We have received several letters from your connection in the last hour. "
                    "Please wait a while and send again; your letter is still here below."
                ),
            )
            status = 429
        else:
            data = form.cleaned_data
            try:
                submitted = submission.letter_submit(
                    prisoner_id=data["prisoner"].pk,
                    supporter_name=data["supporter_name"],
                    supporter_email=data["supporter_email"],
                    supporter_country=data["supporter_country"],
                    language=data["language"],
                    original_text=data["original_text"],
                    delivery=data["delivery"],
                    postage_currency=data["postage_currency"],
                    locale=get_language() or "en",
                )
            except LetterError as error:
                form.add_error(None, error.message)
            except Prisoner.DoesNotExist:
                form.add_error("prisoner", _("This person is no longer listed."))
            else:
                return redirect("letters:sent", token=submitted.token)
    prisoner = form.cleaned_data.get("prisoner") if hasattr(form, "cleaned_data") else None
    response = render(request, "letters/write.html", _write_context(form, prisoner), status=status)
    response["Cache-Control"] = "private, no-store"  # the page holds what the supporter typed
    return response


# --- cancelling, and the return PDF (the letter's page itself is drawn in pages.views) -------


@require_http_methods(["GET", "POST"])
def letter_cancel(request, token: str):
    letter = letter_or_404(token)
    if request.method == "GET":
        # The address reopened from the history or typed: the letter's page, where the
        # cancel button is, rather than a blank "405". Only a POST cancels.
        return private(redirect("letters:track", token=token))
    if rate_limit_exceeded(request, scope="cancel"):
        messages.error(request, TOO_MANY_REQUESTS)
        return private(redirect("letters:track", token=token))
    try:
        submission.letter_cancel(letter_id=letter.pk)
    except LetterError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your letter is cancelled. It will not be sent."))
    return private(redirect("letters:track", token=token))


def letter_returned_pdf(request, token: str):
    """The translation and the Russian address, for a letter sent back to its writer: the pack
    stored at the return (the token is the permission)."""
    letter = letter_or_404(token)
    if not returned_pdf_ready(letter):
        raise Http404
    try:
        pack = dispatch.letter_return_pack(letter_id=letter.pk)
    except LetterError as error:  # a letter returned before packs were stored, now unprintable
        messages.error(request, error.message)
        return private(redirect("letters:track", token=token))
    return storage.response(
        pack.file_name, filename=f"{letter.reference}.pdf", content_type="application/pdf"
    )


# --- find my letters -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def letters_find(request):
    """An e-mail address in, links to its letters out by e-mail. The page answers the same
    whether or not we know the address, so it tells nobody who has written."""
    form = FindLettersForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            if form_rate_limited(request, form, scope="find"):
                status = 429
            else:
                letter_ids = letter_ids_for_email(email=form.cleaned_data["email"])
                if letter_ids:
                    send = partial(
                        tasks.send_letter_links.delay,
                        letter_ids,
                        secrets.token_hex(16),
                        get_language() or "en",
                    )
                    transaction.on_commit(send, robust=True)
                return redirect("letters:find_sent")
    response = render(request, "letters/find.html", {"form": form}, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


def letters_find_sent(request):
    return render(request, "letters/find_sent.html")
