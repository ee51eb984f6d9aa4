from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.functional import SimpleLazyObject

from .selectors import (
    SORT_FEWEST,
    SORT_NAME,
    SORTS,
    prisoner_current_address,
    prisoner_directory,
    prisoner_profile,
)

PAGE_SIZE = 30


def prisoner_list(request):
    sort = request.GET.get("sort", SORT_NAME)
    if sort not in SORTS:
        sort = SORT_NAME
    number = request.GET.get("page", "1")
    if not (isinstance(number, str) and number.isdigit() and len(number) < 6):
        number = "1"
    # Lazy: when the template's cached fragment is fresh, the database is not asked at all.
    page = SimpleLazyObject(
        lambda: Paginator(prisoner_directory(sort=sort), PAGE_SIZE).get_page(number)
    )
    context = {
        "page": page,
        "page_number": number,
        "prisoners": SimpleLazyObject(lambda: page.object_list),
        "sort": sort,
        "sort_name": SORT_NAME,
        "sort_fewest": SORT_FEWEST,
    }
    return render(request, "prisoners/prisoner_list.html", context)


def prisoner_detail(request, slug: str):
    prisoner = prisoner_profile(slug=slug)
    if prisoner is None:
        raise Http404
    context = {
        "prisoner": prisoner,
        # Only whether we can deliver now: the address itself is never shown to the public.
        "address_known": prisoner_current_address(prisoner=prisoner) is not None,
    }
    return render(request, "prisoners/prisoner_detail.html", context)
