import re
from datetime import date, datetime

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from .models import PrisonAddress, Prisoner

# How the directory can be ordered: by name, or the people who get the least mail first.
SORT_NAME = "name"
SORT_FEWEST = "fewest"
SORTS = (SORT_NAME, SORT_FEWEST)

# Letters that never reach the prisoner do not count towards "letters this month".
_NOT_COUNTED = ("cancelled", "rejected")
# Letters ready to go out: the ones put on hold when their prisoner goes into transit.
_HELD_IN_TRANSIT = "approved"
_SLUG = re.compile(r"[-a-zA-Z0-9_]+")
COUNTS_CACHE_SECONDS = 300


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


def letters_this_month() -> dict[int, int]:
    """Letters written this month per prisoner id (cancelled and rejected ones left out).

    One grouped query over this month's letters (the created_at index), kept in the cache for
    a few minutes: the directory and every profile read it, and a count a few minutes old is
    fine for "how much mail has this person had"."""
    start = month_start()
    key = f"prisoners:letters-this-month:{start.date().isoformat()}"
    counts = cache.get(key)
    if counts is None:
        letters = Prisoner._meta.get_field("letters").related_model  # no import of letters
        rows = (
            letters.objects.filter(created_at__gte=start)
            .exclude(status__in=_NOT_COUNTED)
            .values("prisoner_id")
            .annotate(n=Count("pk"))
            .values_list("prisoner_id", "n")
        )
        counts = {str(pk): n for pk, n in rows}
        cache.set(key, counts, timeout=COUNTS_CACHE_SECONDS)
    return {int(pk): n for pk, n in counts.items()}


def prisoner_directory(*, sort: str = SORT_NAME) -> list[Prisoner]:
    """Everyone listed, each with ``letters_this_month``, in one query plus the cached counts.
    People who can receive letters come first; within them, by name or by the fewest letters
    this month."""
    counts = letters_this_month()
    prisoners = list(
        Prisoner.objects.only(
            "slug",
            "name_en",
            "name_ru",
            "gender",
            "status",
            "accepts_letters",
            "case_summary",
            "case_summary_ru",
            "is_demo",
        ).order_by("-accepts_letters", "name_en", "pk")
    )
    for prisoner in prisoners:
        prisoner.letters_this_month = counts.get(prisoner.pk, 0)
    if sort == SORT_FEWEST:
        prisoners.sort(key=lambda p: (not p.accepts_letters, p.letters_this_month, p.name_en, p.pk))
    return prisoners


def prisoner_profile(*, slug: str) -> Prisoner | None:
    """One prisoner for their public page, with ``letters_this_month``."""
    if not isinstance(slug, str) or not _SLUG.fullmatch(slug) or len(slug) > 80:
        return None  # not a slug at all (a NUL byte would even make PostgreSQL refuse the query)
    prisoner = Prisoner.objects.filter(slug=slug).first()
    if prisoner is not None:
        prisoner.letters_this_month = letters_this_month().get(prisoner.pk, 0)
    return prisoner


def prisoners_accepting_letters() -> QuerySet[Prisoner]:
    return Prisoner.objects.filter(accepts_letters=True).only("slug", "name_en").order_by("name_en")


def prisoners_for_transit(*, prisoner_ids: list[int]) -> QuerySet[Prisoner]:
    """The prisoners about to be marked in transit, each with ``letters_to_hold``: the approved
    letters that will wait for a new address."""
    return (
        Prisoner.objects.filter(pk__in=prisoner_ids)
        .annotate(letters_to_hold=Count("letters", filter=Q(letters__status=_HELD_IN_TRANSIT)))
        .order_by("name_en", "pk")
    )


def prisoner_ids_by_name_word(*, word: str, limit: int = 200) -> list[int]:
    """Prisoners with a word of their English or Russian name that starts with ``word``, in
    any case: "Zhilin", "жилин" and "Murza" (of Kara-Murza) each find theirs. A scan of the
    few hundred prisoners, done before a search of the letters so that one can use indexes."""
    word = word.strip()
    if not word:
        return []
    # \m: the start of a word, in PostgreSQL's regular expressions.
    starts_a_word = r"\m" + re.escape(word)
    return list(
        Prisoner.objects.filter(Q(name_en__iregex=starts_a_word) | Q(name_ru__iregex=starts_a_word))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
