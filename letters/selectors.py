from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from core import crypto

from . import tokens
from .lifecycle import CLOSED_UNSENT_STATES, TRANSITIONS, Action
from .models import Letter, LetterEvent, VolunteerProfile


def letter_by_token(*, token: str) -> Letter | None:
    if not token or len(token) > 128:
        return None
    return (
        Letter.objects.select_related("prisoner")
        .filter(tracking_token_hash=tokens.token_hash(token))
        .first()
    )


def letter_timeline(*, letter: Letter) -> QuerySet[LetterEvent]:
    """What the supporter may see: status changes only, without staff names or notes."""
    # letter_id stays loaded: the related manager reads it on every row, and deferring it
    # would cost one query per event.
    return letter.events.filter(kind=LetterEvent.Kind.TRANSITION).only(
        "letter_id", "to_status", "action", "created_at"
    )


def letter_translation_skipped(
    *, letter: Letter, events: Iterable[LetterEvent] | None = None
) -> bool:
    """Whether a coordinator sent the letter on as written ("No translation needed": it is in
    Russian, or in a language the prisoner reads) instead of a volunteer translating it. What
    the supporter is told follows this, never a guess. ``events``: the letter's timeline when
    the caller has it loaded already, to spare a query."""
    skip = "skip_translation"  # services.Action.SKIP_TRANSLATION; services imports us
    if events is None:
        return letter.events.filter(kind=LetterEvent.Kind.TRANSITION, action=skip).exists()
    return any(event.action == skip for event in events)


# The most links one "Find my letters" e-mail carries, newest first.
FIND_LETTERS_LIMIT = 50


def letter_ids_for_email(*, email: str) -> list[int]:
    """Ids of the letters written from this address, newest first, found through the keyed
    hash of the address (the address itself is stored encrypted)."""
    email = email.strip()
    if not email:
        return []
    return list(
        Letter.objects.filter(supporter_email_hash=crypto.lookup_hash(email))
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)[:FIND_LETTERS_LIMIT]
    )


# --- the translation desk (staff) ------------------------------------------------------------
# Volunteers see only what the work needs: never the supporter's identity, payments or the
# tracking link, nor letters held by others. These querysets are the one place that decides.

PERM_TRANSLATE = "letters.translate_letter"
PERM_REVIEW = "letters.review_letter"
PERM_COORDINATE = "letters.coordinate_letters"

# Never loaded for the desk pages, so a template cannot show them by mistake.
SUPPORTER_FIELDS = (
    "supporter_name",
    "supporter_email",
    "supporter_email_hash",
    "supporter_country",
    "locale",
    "tracking_salt",
    "tracking_token_hash",
)


def volunteer_languages(*, user) -> list[str]:
    languages = (
        VolunteerProfile.objects.filter(user_id=user.pk).values_list("languages", flat=True).first()
    )
    return [code for code in (languages or []) if isinstance(code, str)]


def volunteer_claim_limit(*, user) -> int:
    limit = VolunteerProfile.objects.filter(user_id=user.pk).values_list("claim_limit", flat=True)
    return limit.first() or settings.LETTERBRIDGE_DEFAULT_CLAIM_LIMIT


def user_is_coordinator(*, user) -> bool:
    return user.has_perm(PERM_COORDINATE)


def letters_visible_to(*, user) -> QuerySet[Letter]:
    """Every letter a staff member may open. Coordinators: all of them. Volunteers: letters
    waiting in their languages, those they hold, those they handed in and still under review,
    and (with the reviewer permission) translations waiting for review in their languages."""
    if user_is_coordinator(user=user):
        return Letter.objects.all()
    if not (user.has_perm(PERM_TRANSLATE) or user.has_perm(PERM_REVIEW)):
        return Letter.objects.none()
    languages = volunteer_languages(user=user)
    S = Letter.Status
    visible = (
        Q(status=S.RECEIVED, language__in=languages)
        | Q(status=S.IN_TRANSLATION, claimed_by_id=user.pk)
        | Q(status=S.TRANSLATED, translated_by_id=user.pk)
    )
    if user.has_perm(PERM_REVIEW):
        visible |= Q(status=S.TRANSLATED, language__in=languages)
    return Letter.objects.filter(visible)


def _desk(queryset: QuerySet[Letter]) -> QuerySet[Letter]:
    return queryset.select_related("prisoner").defer(*SUPPORTER_FIELDS)


def letters_queue(*, user, language: str = "") -> QuerySet[Letter]:
    """Letters waiting for a translator, oldest first: in the volunteer's languages (a
    coordinator sees every language). Flagged letters wait for a coordinator instead."""
    queryset = Letter.objects.filter(status=Letter.Status.RECEIVED, flagged_at__isnull=True)
    if not user_is_coordinator(user=user):
        queryset = queryset.filter(language__in=volunteer_languages(user=user))
    if language:
        queryset = queryset.filter(language=language)
    return (
        _desk(queryset)
        .defer("original_text", "translation")
        .annotate(length=F("original_length"))
        .order_by("created_at", "pk")
    )


def letters_held_by(*, user) -> QuerySet[Letter]:
    """The letters a volunteer is translating, the nearest deadline first."""
    return _desk(
        Letter.objects.filter(status=Letter.Status.IN_TRANSLATION, claimed_by_id=user.pk)
    ).order_by("claim_expires_at", "pk")


def letters_handed_in_by(*, user) -> QuerySet[Letter]:
    """Translations the volunteer handed in that still wait for review."""
    return _desk(
        Letter.objects.filter(status=Letter.Status.TRANSLATED, translated_by_id=user.pk)
    ).order_by("status_changed_at", "pk")


def letters_for_review(*, user) -> QuerySet[Letter]:
    """Handed-in translations this person may review, the longest waiting first: never their
    own; a volunteer reviewer only in the languages they read."""
    if not (user.has_perm(PERM_REVIEW) or user_is_coordinator(user=user)):
        return Letter.objects.none()
    queryset = Letter.objects.filter(status=Letter.Status.TRANSLATED).exclude(
        translated_by_id=user.pk
    )
    if not user_is_coordinator(user=user):
        queryset = queryset.filter(language__in=volunteer_languages(user=user))
    return (
        _desk(queryset)
        .select_related("translated_by")
        .annotate(length=F("original_length"))
        .order_by("status_changed_at", "pk")
    )


def letters_flagged() -> QuerySet[Letter]:
    """Open letters a volunteer flagged, waiting for a coordinator's decision, oldest first."""
    open_states = [
        Letter.Status.RECEIVED,
        Letter.Status.IN_TRANSLATION,
        Letter.Status.TRANSLATED,
        Letter.Status.APPROVED,
        Letter.Status.ON_HOLD,
    ]
    return (
        _desk(Letter.objects.filter(flagged_at__isnull=False, status__in=open_states))
        .select_related("flagged_by")
        .order_by("flagged_at", "pk")
    )


def letter_for_desk(*, user, letter_id: int) -> Letter | None:
    """One letter for a desk page, or None when this person may not open it."""
    return (
        _desk(letters_visible_to(user=user))
        .select_related("claimed_by", "translated_by", "flagged_by")
        .filter(pk=letter_id)
        .first()
    )


def letter_history(*, letter: Letter) -> QuerySet[LetterEvent]:
    """The whole history for staff: every event with its actor."""
    return letter.events.select_related("actor").order_by("created_at", "pk")


# --- counts per prisoner, for the pages that show prisoners (composed in pages.views) -----------

COUNTS_CACHE_SECONDS = 300


def month_start() -> datetime:
    """Midnight on the first day of the current month, in the site's time zone."""
    now = timezone.localtime()
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def letters_this_month_by_prisoner() -> dict[int, int]:
    """Letters written this month per prisoner id, leaving out those that will never reach the
    prisoner (cancelled, rejected).

    One grouped query over this month's letters (the created_at index), kept in the cache for
    a few minutes: the directory and every profile read it, and a count a few minutes old is
    fine for "how much mail has this person had"."""
    start = month_start()
    key = f"letters:this-month-by-prisoner:{start.date().isoformat()}"
    counts = cache.get(key)
    if counts is None:
        rows = (
            Letter.objects.filter(created_at__gte=start)
            .exclude(status__in=CLOSED_UNSENT_STATES)
            .values("prisoner_id")
            .annotate(n=Count("pk"))
            .values_list("prisoner_id", "n")
        )
        counts = {str(pk): n for pk, n in rows}
        cache.set(key, counts, timeout=COUNTS_CACHE_SECONDS)
    return {int(pk): n for pk, n in counts.items()}


def letters_to_hold_by_prisoner(*, prisoner_ids: list[int]) -> dict[int, int]:
    """Per prisoner id, the letters that marking them in transit would put on hold: the ones
    the hold action may start from (approved)."""
    hold_from, _to = TRANSITIONS[Action.HOLD]
    return dict(
        Letter.objects.filter(prisoner_id__in=prisoner_ids, status__in=hold_from)
        .values("prisoner_id")
        .annotate(n=Count("pk"))
        .values_list("prisoner_id", "n")
    )
