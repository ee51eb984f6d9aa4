"""The baselines every page is compared with: the framework alone, and one indexed SELECT."""

import random

from django.http import HttpResponse

from prisoners.models import Prisoner


def bare(request):
    return HttpResponse(b"ok", content_type="text/plain")


def one_select(request):
    slug = (
        Prisoner.objects.filter(pk=random.randint(1, 500))  # noqa: S311 - not security
        .values_list("slug", flat=True)
        .first()
    )
    return HttpResponse((slug or "none").encode(), content_type="text/plain")
