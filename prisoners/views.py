from django.shortcuts import get_object_or_404, render

from .models import Prisoner


def prisoner_list(request):
    prisoners = Prisoner.objects.order_by("-accepts_letters", "name_en")
    return render(request, "prisoners/prisoner_list.html", {"prisoners": prisoners})


def prisoner_detail(request, slug: str):
    prisoner = get_object_or_404(Prisoner, slug=slug)
    return render(request, "prisoners/prisoner_detail.html", {"prisoner": prisoner})
