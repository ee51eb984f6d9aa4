import re
from datetime import date, datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from .models import PrisonAddress, Prisoner

# How the directory can be ordered: by name, or the people who get the least mail first.
SORT_NAME = "name"
SORT_FEWEST = "fewest"
SORTS = (SORT_NAME, SORT_FEWEST)

# Letters that never reach the prisoner do not count towards "letters this month".
_NOT_COUNTED = ("cancelled", "rejected")
_SLUG = re.compile(r"[-a-zA-Z0-9_]+")


def prisoner_current_address(*, prisoner: Prisoner, on: date | None = None) -> PrisonAddress | None:
    """The address valid on ``on`` (today by default), or None while the prisoner is in transit."""
    if prisoner.status == Prisoner.Status.IN_TRANSIT:
        return None
    on = on or timezone.localdate()
    return (
        PrisonAddress.objects.filter(prisoner=prisoner, valid_from__lte=on)
        .exclude(valid_until__lt=on)
        .order_by("-valid_from")
        .first()
    )


def month_start() -> datetime:
    """Midnight on the first day of the current month, in the site's time zone."""
    now = timezone.localtime()
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _with_letters_this_month(queryset: QuerySet[Prisoner]) -> QuerySet[Prisoner]:
    counted = Q(letters__created_at__gte=month_start()) & ~Q(letters__status__in=_NOT_COUNTED)
    return queryset.annotate(letters_this_month=Count("letters", filter=counted))


def prisoner_directory(*, sort: str = SORT_NAME) -> QuerySet[Prisoner]:
    """Everyone listed, each with ``letters_this_month``, in one query. People who can receive
    letters come first; within them, by name or by the fewest letters this month."""
    queryset = _with_letters_this_month(
        Prisoner.objects.only(
            "slug", "name_en", "name_ru", "status", "accepts_letters", "case_summary", "is_demo"
        )
    )
    if sort == SORT_FEWEST:
        return queryset.order_by("-accepts_letters", "letters_this_month", "name_en", "pk")
    return queryset.order_by("-accepts_letters", "name_en", "pk")


def prisoner_profile(*, slug: str) -> Prisoner | None:
    """One prisoner for their public page, with ``letters_this_month``."""
    if not isinstance(slug, str) or not _SLUG.fullmatch(slug) or len(slug) > 80:
        return None  # not a slug at all (a NUL byte would even make PostgreSQL refuse the query)
    return _with_letters_this_month(Prisoner.objects.filter(slug=slug)).first()


def prisoners_accepting_letters() -> QuerySet[Prisoner]:
    return Prisoner.objects.filter(accepts_letters=True).only("slug", "name_en").order_by("name_en")
