import re
from collections.abc import Mapping
from datetime import date

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.compiled import CompiledQuery

from .models import (
    DATIVE_WITH_PATRONYMIC,
    DATIVE_WITHOUT_PATRONYMIC,
    RECIPIENT_GAP_REASONS,
    PrisonAddress,
    Prisoner,
    RecipientGap,
    russian_is_active,
)

# How the directory can be ordered: by name, or the people who get the least mail first.
SORT_NAME = "name"
SORT_FEWEST = "fewest"
SORTS = (SORT_NAME, SORT_FEWEST)

_SLUG = re.compile(r"[-a-zA-Z0-9_]+")


NO_PRISON_ADDRESS = frozenset(
    {Prisoner.Status.IN_TRANSIT, Prisoner.Status.RELEASED, Prisoner.Status.DECEASED}
)


def prisoner_current_address(*, prisoner: Prisoner, on: date | None = None) -> PrisonAddress | None:
    """The address valid on ``on`` (today by default), or None while the prisoner is in transit,
    or once they are released or deceased (no prison address is theirs any more)."""
    if prisoner.status in NO_PRISON_ADDRESS:
        return None
    on = on or timezone.localdate()
    return (
        PrisonAddress.objects.filter(prisoner=prisoner, valid_from__lte=on)
        .exclude(valid_until__lt=on)
        # An address corrected on the day it was recorded starts the same day as the mistyped
        # one: the one recorded last is the address.
        .order_by("-valid_from", "-pk")
        .first()
    )


def recipient_line_incomplete(*, prefix: str = "") -> Q:
    """Prisoners (or, with ``prefix`` "prisoner__", letters to prisoners) whose «Кому» line
    lacks the year of birth or the full name in the dative: ``Prisoner.recipient_gaps`` in
    SQL."""
    with_patronymic = Q(**{f"{prefix}has_no_patronymic": False}) & ~Q(
        **{f"{prefix}name_ru_dative__regex": DATIVE_WITH_PATRONYMIC}
    )
    without_one = Q(**{f"{prefix}has_no_patronymic": True}) & ~Q(
        **{f"{prefix}name_ru_dative__regex": DATIVE_WITHOUT_PATRONYMIC}
    )
    return Q(**{f"{prefix}birth_year__isnull": True}) | with_patronymic | without_one


def prisoner_recipient_gap_reasons(*, prisoner: Prisoner) -> list[str]:
    """What the prisoner's «Кому» line lacks, as sentences a coordinator reads in the active
    language ("The prisoner's year of birth is missing."); empty when it is complete."""
    return [str(RECIPIENT_GAP_REASONS[RecipientGap(gap)]) for gap in prisoner.recipient_gaps()]


def prisoner_directory(
    *, letters_this_month: Mapping[int, int], sort: str = SORT_NAME
) -> list[Prisoner]:
    """Everyone listed, in one query, each with ``letters_this_month`` taken from the counts
    given (prisoner id -> letters; letters counts them, the page above both asks it). People
    who can receive letters come first; within them, by name or by the fewest letters."""
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
        prisoner.letters_this_month = letters_this_month.get(prisoner.pk, 0)
    if sort == SORT_FEWEST:
        prisoners.sort(
            key=lambda p: (not p.accepts_letters, p.letters_this_month, _by_name(p), p.pk)
        )
    elif russian_is_active():
        # The Russian page shows the names in Cyrillic, surname first: in the English order
        # they read as no order at all (Арбузенко, Хамроев, Зинич, Жилин).
        prisoners.sort(key=lambda p: (not p.accepts_letters, _by_name(p), p.pk))
    return prisoners


def _by_name(prisoner: Prisoner) -> str:
    """The name as the page shows it, for ordering."""
    return prisoner.local_name().casefold()


def prisoner_profile(*, slug: str) -> Prisoner | None:
    """One prisoner for their public page."""
    if not isinstance(slug, str) or not _SLUG.fullmatch(slug) or len(slug) > 80:
        return None  # not a slug at all (a NUL byte would even make PostgreSQL refuse the query)
    return Prisoner.objects.filter(slug=slug).first()


def prisoners_accepting_letters() -> QuerySet[Prisoner]:
    """The letter form's choice of person, named and ordered as the page writes them. The
    Russian name is loaded with the rest: the Russian form read it with one query a person."""
    people = Prisoner.objects.filter(accepts_letters=True).only("slug", "name_en", "name_ru")
    if russian_is_active():
        return people.order_by("name_ru", "name_en")
    return people.order_by("name_en")


# What the letter form reads of the person chosen, and what a new letter checks (compiled once
# per connection: every letter POST asks both).
_FORM_FIELDS = ("id", "slug", "name_en", "name_ru")
_accepting_by_slug = CompiledQuery(
    lambda p: Prisoner.objects.filter(accepts_letters=True, slug=p.slug).values_list(*_FORM_FIELDS)
)
_accepts_letters = CompiledQuery(
    lambda p: Prisoner.objects.filter(pk=p.prisoner_id).values_list("accepts_letters")
)


def prisoner_accepting_letters(*, slug: str) -> Prisoner | None:
    """The person the letter form names by ``slug``, if they accept letters now: the fields of
    ``prisoners_accepting_letters``, the rest deferred. Anything but a slug names nobody."""
    if not _SLUG.fullmatch(slug):
        return None
    rows = _accepting_by_slug(slug=slug)
    if not rows:
        return None
    return Prisoner.from_db(Prisoner.objects.db, list(_FORM_FIELDS), rows[0])


def prisoner_accepts_letters(*, prisoner_id: int) -> bool | None:
    """Whether the person accepts letters now; None when there is no such person."""
    rows = _accepts_letters(prisoner_id=prisoner_id)
    return rows[0][0] if rows else None


def prisoners_for_transit(*, prisoner_ids: list[int]) -> QuerySet[Prisoner]:
    """The prisoners about to be marked in transit, by name."""
    return Prisoner.objects.filter(pk__in=prisoner_ids).order_by("name_en", "pk")


def word_start_pattern(word: str, *, vendor: str) -> str:
    """A regular expression for ``word`` at the start of a word: \\m in PostgreSQL's, \\b in
    Python's, which SQLite's REGEXP runs (``make run``), and where \\m is an error."""
    return (r"\m" if vendor == "postgresql" else r"\b") + re.escape(word)


def prisoner_ids_by_name_word(*, word: str, limit: int = 200) -> list[int]:
    """Prisoners with a word of their English or Russian name, or of the name in the dative
    as an envelope's «Кому» line has it, that starts with ``word``, in any case: "Zhilin",
    "жилин", "Murza" (of Kara-Murza) and «Хамроеву» each find theirs. A scan of the few
    hundred prisoners, done before a search of the letters so that one can use indexes."""
    word = word.strip()
    if not word:
        return []
    starts_a_word = word_start_pattern(word, vendor=connection.vendor)
    return list(
        Prisoner.objects.filter(
            Q(name_en__iregex=starts_a_word)
            | Q(name_ru__iregex=starts_a_word)
            | Q(name_ru_dative__iregex=starts_a_word)
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
