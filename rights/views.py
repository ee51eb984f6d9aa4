import json
from functools import partial

from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core.http import private
from letters.models import Letter
from letters.ratelimit import form_rate_limited
from letters.selectors import letter_ids_for_email

from . import services, tasks
from .forms import EraseForm, RightsRequestForm


@require_http_methods(["GET", "POST"])
def rights_request(request):
    """An address in, a link out by e-mail; the same answer whether or not we know it."""
    form = RightsRequestForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        if form_rate_limited(request, form, scope="find"):
            status = 429
        else:
            ids = letter_ids_for_email(email=form.cleaned_data["email"])
            if ids:
                send = partial(tasks.send_rights_link.delay, ids, get_language() or "en")
                transaction.on_commit(send, robust=True)
            return redirect("rights:requested")
    return private(render(request, "rights/request.html", {"form": form}, status=status))


def rights_requested(request):
    return render(request, "rights/requested.html")


def _letters_or_expired(request, token):
    try:
        ids = services.rights_letter_ids(token=token)
    except services.LinkExpired:
        return None, private(render(request, "rights/expired.html", status=404))
    return ids, None


@never_cache
def rights_home(request, token: str):
    ids, expired = _letters_or_expired(request, token)
    if expired:
        return expired
    letters = list(
        Letter.objects.filter(pk__in=ids).select_related("prisoner").order_by("-created_at")
    )
    # Once everything is erased, erasing again would only say "from 0 letters".
    erased = all(letter.texts_erased_at and not letter.supporter_email for letter in letters)
    context = {"letters": letters, "token": token, "form": EraseForm(), "erased": erased}
    return private(render(request, "rights/home.html", context))


@never_cache
def rights_export(request, token: str):
    ids, expired = _letters_or_expired(request, token)
    if expired:
        return expired
    data = services.supporter_data_export(letter_ids=ids)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = 'attachment; filename="letterbridge-my-data.json"'
    return private(response)


@never_cache
@require_http_methods(["GET", "POST"])
def rights_erase(request, token: str):
    if request.method == "GET":
        # The "erased" page is drawn at this address: reopened later (a restored tab, the
        # history, a copied address) it was a blank "405". The data page says what is left.
        return private(redirect("rights:home", token=token))
    ids, expired = _letters_or_expired(request, token)
    if expired:
        return expired
    form = EraseForm(request.POST)
    if not form.is_valid():
        letters = Letter.objects.filter(pk__in=ids).select_related("prisoner")
        context = {"letters": letters, "token": token, "form": form}
        return private(render(request, "rights/home.html", context, status=400))
    result = services.supporter_erase(letter_ids=ids)
    if not result["erased"]:
        # Sent again (the browser's reload of the "erased" page, a second tab): nothing was
        # left, and "we erased ... from 0 letters" would read as if nothing had been erased.
        return private(redirect("rights:home", token=token))
    return private(render(request, "rights/erased.html", {"result": result}))
