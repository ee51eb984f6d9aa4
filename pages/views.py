"""Pages that show several apps together. Each view asks each app for its part (letters'
selectors and tracking context, payments' selectors, prisoners' selectors) and renders one
template that includes every part explicitly; no app below knows the others are on the page."""

from django.conf import settings
from django.contrib import admin
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from core.http import private
from core.pagecache import not_stored, public_page
from inbox.selectors import inbound_waiting_summary
from letters import coordination
from letters.coordination import coordinator_view, letters_dashboard
from letters.selectors import letters_this_month_by_prisoner
from letters.tracking import letter_confirmation, letter_or_404, letter_tracking
from payments.selectors import postage_balance
from prisoners.selectors import (
    SORT_FEWEST,
    SORT_NAME,
    SORTS,
    prisoner_current_address,
    prisoner_directory,
    prisoner_profile,
)
from replies.selectors import replies_this_year_by_prisoner
from replies.tracking import reply_tracking

PRISONERS_PAGE_SIZE = 30


# --- a letter's own page and the confirmation after writing: letters and payments -------------


def letter_track(request, token: str):
    letter = letter_or_404(token)
    context = letter_tracking(letter=letter, token=token)
    replies = reply_tracking(letter_id=letter.pk)
    # The replies' steps join the letter's own, in the order they happened.
    context["steps"] = sorted(
        [*context["steps"], *replies["reply_steps"]], key=lambda step: step["date"]
    )
    context["replies"] = replies["replies"]
    return private(render(request, "pages/letter_track.html", context))


def letter_sent(request, token: str):
    """The confirmation: the reference, the private link, and the next step (paying the
    postage, when it is due)."""
    letter = letter_or_404(token)
    context = {
        **letter_confirmation(letter=letter, token=token),
        "tracking_url": request.build_absolute_uri(reverse("letters:track", args=[token])),
    }
    return private(render(request, "pages/letter_sent.html", context))


# --- the prisoners' directory and profiles: prisoners and their letters ------------------------


@public_page("sort", "page")
def prisoner_list(request):
    requested_sort = request.GET.get("sort", SORT_NAME)
    sort = requested_sort if requested_sort in SORTS else SORT_NAME
    requested_number = request.GET.get("page", "1")
    number = requested_number
    if not (isinstance(number, str) and number.isdigit() and len(number) < 6):
        number = "1"
    page = SimpleLazyObject(
        lambda: Paginator(
            prisoner_directory(letters_this_month=letters_this_month_by_prisoner(), sort=sort),
            PRISONERS_PAGE_SIZE,
        ).get_page(number)
    )
    context = {
        "page": page,
        "page_number": number,
        "prisoners": SimpleLazyObject(lambda: page.object_list),
        "sort": sort,
        "sort_name": SORT_NAME,
        "sort_fewest": SORT_FEWEST,
    }
    response = render(request, "pages/prisoner_list.html", context)
    if sort != requested_sort or str(page.number) != requested_number:
        not_stored(response)  # a made-up sort or page number: not worth a cache entry
    return response


@public_page()
def prisoner_detail(request, slug: str):
    prisoner = prisoner_profile(slug=slug)
    if prisoner is None:
        raise Http404
    context = {
        "prisoner": prisoner,
        "letters_this_month": letters_this_month_by_prisoner().get(prisoner.pk, 0),
        "replies_this_year": replies_this_year_by_prisoner().get(prisoner.pk, 0),
        # Only whether we can deliver now: the address itself is never shown to the public.
        "address_known": prisoner_current_address(prisoner=prisoner) is not None,
    }
    return render(request, "pages/prisoner_detail.html", context)


# --- the coordinators' pages: letters with payments' postage ---------------------------------


@coordinator_view
def coordinators_dashboard(request):
    context = {
        **admin.site.each_context(request),
        "title": _("Coordinator's dashboard"),
        **letters_dashboard(),
        "postage_balance": postage_balance(),
        "inbox_waiting": inbound_waiting_summary(),
    }
    return render(request, "admin/pages/coordinators_dashboard.html", context)


def prepare_post(request):
    """Today's post (letters' page, which lets coordinators only in), with payments' "Record
    payment or waiver" on each letter that waits for its postage."""
    return coordination.prepare(request, template_name="admin/pages/prepare_post.html")


def privacy(request):
    """The privacy notice: what letters keeps and for how long, and where a supporter sees or
    erases their data (rights, an app beside letters)."""
    return render(
        request,
        "pages/privacy.html",
        {
            "organisation": settings.LETTERBRIDGE_ORGANISATION_NAME,
            "controller": settings.LETTERBRIDGE_CONTROLLER_NAME,
            "contact_email": settings.LETTERBRIDGE_CONTACT_EMAIL,
            "retention_days": settings.LETTERBRIDGE_RETENTION_DAYS,
        },
    )
