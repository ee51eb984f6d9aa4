"""The supporter's pages: write a letter, see it confirmed, follow it, cancel it, find it again.

Views parse the request, call one service or selector, and render. The tracking token in the
URL is the only key to a letter, so every page that carries it is private and never cached."""

import importlib
import logging
import secrets
from functools import partial

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from prisoners.models import Prisoner
from prisoners.selectors import prisoner_profile

from . import tasks
from .forms import FindLettersForm, LetterForm, postage_fee_label
from .lifecycle import CLOSED_UNSENT_STATES, Action, supporter_may_cancel
from .models import Letter
from .ratelimit import rate_limit_exceeded
from .selectors import (
    letter_by_token,
    letter_ids_for_email,
    letter_timeline,
    letter_translation_skipped,
)
from .services import submission
from .services.core import LetterError

S = Letter.Status
logger = logging.getLogger(__name__)

# What each step of a letter's life means to the supporter, by the action that caused it.
STEP_LABELS = {
    Action.SUBMIT: gettext_lazy("We received your letter"),
    Action.CLAIM: gettext_lazy("A volunteer started translating it"),
    Action.RELEASE: gettext_lazy("Back in the queue for a translator"),
    Action.EXPIRE_CLAIM: gettext_lazy("Back in the queue for a translator"),
    Action.HAND_IN: gettext_lazy("Translated; the translation is being checked"),
    Action.SEND_BACK: gettext_lazy("The translation is being improved"),
    Action.APPROVE: gettext_lazy("Translation checked and approved"),
    Action.SKIP_TRANSLATION: gettext_lazy("Approved; no translation was needed"),
    Action.HOLD: gettext_lazy("Waiting for the prisoner's new address"),
    Action.RELEASE_HOLD: gettext_lazy("The new address is known; ready to send"),
    Action.POST: gettext_lazy("Posted to the prison"),
    Action.RETURN: gettext_lazy("Sent back to you to post"),
    Action.CANCEL: gettext_lazy("Cancelled at your request"),
    Action.REJECT: gettext_lazy("Not sent"),
}

# What comes next, shown greyed under the timeline, for each state the letter can rest in.
NEXT_STEP = {
    S.RECEIVED: gettext_lazy("Next: a volunteer translates it into Russian."),
    S.IN_TRANSLATION: gettext_lazy("Next: another volunteer checks the translation."),
    S.TRANSLATED: gettext_lazy("Next: another volunteer checks the translation."),
    S.ON_HOLD: gettext_lazy("Next: we send it as soon as we know where the prisoner is."),
}


def _private(response: HttpResponse) -> HttpResponse:
    """Pages whose URL is the secret: never cached, and never sent in a Referer header to
    another site. "same-origin" rather than "no-referrer": under no-referrer browsers post
    this page's forms with "Origin: null", which Django's CSRF check rightly refuses."""
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response


def _letter_or_404(token: str) -> Letter:
    letter = letter_by_token(token=token)
    if letter is None:
        raise Http404
    return letter


def returned_pdf_provider():
    """The function that renders a returned letter's PDF (translation and address sheet), once
    letters.pdf provides it; None until then."""
    try:
        module = importlib.import_module("letters.pdf")
    except ImportError:
        return None
    return getattr(module, "render_return_pdf", None)


def _returned_pdf_ready(letter: Letter) -> bool:
    return (
        letter.status == S.RETURNED
        and bool(letter.translation)
        and letter.texts_erased_at is None
        and returned_pdf_provider() is not None
    )


# --- writing ---------------------------------------------------------------------------------


def _write_context(form: LetterForm, prisoner: Prisoner | None) -> dict:
    return {
        "form": form,
        "prisoner": prisoner,
        "max_chars": settings.LETTERBRIDGE_MAX_LETTER_CHARS,
    }


@require_http_methods(["GET", "POST"])
def letter_write(request):
    """The letter form on its own page; the profile page's form posts here too."""
    if request.method == "GET":
        slug = request.GET.get("to", "")
        prisoner = prisoner_profile(slug=slug) if isinstance(slug, str) else None
        if prisoner is not None and not prisoner.accepts_letters:
            prisoner = None
        initial = {"prisoner": prisoner.slug} if prisoner else {}
        form = LetterForm(initial=initial)
        return render(request, "letters/write.html", _write_context(form, prisoner))

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


# --- after sending ---------------------------------------------------------------------------


def letter_sent(request, token: str):
    """The confirmation: the reference, the private link, and the next step."""
    letter = _letter_or_404(token)
    context = {
        "letter": letter,
        "token": token,
        "tracking_url": request.build_absolute_uri(reverse("letters:track", args=[token])),
        "fee": _fee(letter),
        "replies_reach_us": _replies_reach_us(letter),
    }
    return _private(render(request, "letters/sent.html", context))


def _replies_reach_us(letter: Letter) -> bool:
    """A letter we post carries our address, so the prisoner's reply comes to us, unless the
    letter never went."""
    return (
        letter.delivery == Letter.Delivery.POST_FOR_ME and letter.status not in CLOSED_UNSENT_STATES
    )


def _fee(letter: Letter) -> str:
    if letter.delivery != Letter.Delivery.POST_FOR_ME or not letter.postage_currency:
        return ""
    if letter.postage_currency not in settings.LETTERBRIDGE_POSTAGE_FEES:
        return letter.postage_currency
    return postage_fee_label(letter.postage_currency)


def _sent_back(events: list) -> bool:
    """The letter is in translation because a reviewer sent the translation back."""
    return bool(events) and events[-1].action == Action.SEND_BACK


def tracking_context(request, *, letter: Letter, token: str) -> dict:
    """Everything the tracking page shows. Other apps add theirs through
    ``{% optional_include "payments/tracking_block.html" %}`` in the template, which sees
    this context (``letter``, ``token``)."""
    events = list(letter_timeline(letter=letter))
    steps = [
        {
            "date": event.created_at,
            "label": STEP_LABELS.get(event.action, event.get_to_status_display()),
            "status": event.to_status,
            "reason": letter.rejection_reason if event.action == Action.REJECT else "",
        }
        for event in events
    ]
    translation_skipped = letter_translation_skipped(letter=letter, events=events)
    next_step = NEXT_STEP.get(letter.status)
    if letter.status == S.RECEIVED and letter.language == "ru":
        next_step = gettext_lazy("Next: we read it before it goes on.")
    elif letter.status == S.IN_TRANSLATION and _sent_back(events):
        next_step = gettext_lazy(
            "Next: the translator makes the changes, then it is checked again."
        )
    elif letter.status == S.APPROVED:
        if letter.delivery == Letter.Delivery.RETURN_TO_ME and translation_skipped:
            next_step = gettext_lazy("Next: we send you your letter and the address.")
        elif letter.delivery == Letter.Delivery.RETURN_TO_ME:
            next_step = gettext_lazy("Next: we send you the translation and the address.")
        elif letter.postage == Letter.Postage.DUE:
            next_step = gettext_lazy("Next: we post it once the postage is paid.")
        else:
            next_step = gettext_lazy("Next: we post it with the next batch of letters.")
    pdf_available = _returned_pdf_ready(letter)
    return {
        "letter": letter,
        "token": token,
        "steps": steps,
        "next_step": next_step,
        "can_cancel": supporter_may_cancel(letter.status),
        # Postage never paid for a letter that will not go: nothing is owed, so say nothing.
        "postage_moot": letter.status in CLOSED_UNSENT_STATES
        and letter.postage == Letter.Postage.DUE,
        "replies_reach_us": _replies_reach_us(letter),
        "fee": _fee(letter),
        "pdf_url": reverse("letters:returned_pdf", args=[token]) if pdf_available else None,
        "translation_skipped": translation_skipped,
    }


def letter_track(request, token: str):
    letter = _letter_or_404(token)
    context = tracking_context(request, letter=letter, token=token)
    return _private(render(request, "letters/track.html", context))


@require_POST
def letter_cancel(request, token: str):
    letter = _letter_or_404(token)
    if rate_limit_exceeded(request, scope="cancel"):
        messages.error(request, _("Too many requests from your connection. Try again later."))
        return _private(redirect("letters:track", token=token))
    try:
        submission.letter_cancel(letter_id=letter.pk)
    except LetterError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your letter is cancelled. It will not be sent."))
    return _private(redirect("letters:track", token=token))


def letter_returned_pdf(request, token: str):
    """The translation and the Russian address, for a letter sent back to its writer."""
    letter = _letter_or_404(token)
    if not _returned_pdf_ready(letter):
        raise Http404
    try:
        content = returned_pdf_provider()(letter)
    except Exception:  # the PDF cannot be drawn (no address on file): say so, do not fail
        logger.exception("returned-letter PDF failed letter_id=%s", letter.pk)
        messages.error(
            request,
            _("We could not prepare the PDF just now. Please try again later, or write to us."),
        )
        return _private(redirect("letters:track", token=token))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{letter.reference}.pdf"'
    return _private(response)


# --- find my letters -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def letters_find(request):
    """An e-mail address in, links to its letters out by e-mail. The page answers the same
    whether or not we know the address, so it tells nobody who has written."""
    form = FindLettersForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            if rate_limit_exceeded(request, scope="find"):
                form.add_error(None, _("Too many requests from your connection. Try again later."))
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


def privacy(request):
    return render(
        request,
        "letters/privacy.html",
        {
            "organisation": settings.LETTERBRIDGE_ORGANISATION_NAME,
            "controller": settings.LETTERBRIDGE_CONTROLLER_NAME,
            "contact_email": settings.LETTERBRIDGE_CONTACT_EMAIL,
            "retention_days": settings.LETTERBRIDGE_RETENTION_DAYS,
        },
    )
