"""What each person may see of replies. Volunteers see the prisoner's words and the letter's
reference and language, never the supporter (name, e-mail, country): desk pages only read
what ``reply_for_desk`` and ``replies_queue`` give them, and their templates name no supporter
field. The supporter's page and the prisoner's count are composed above (pages)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.utils import timezone, translation

from letters.models import Letter
from prisoners.models import Prisoner

from .models import CLAIMED_STATES, Reply, ReplyEvent, ReplyPage
from .services import PERM_COORDINATE, PERM_REVIEW, PERM_TRANSLATE, volunteer_languages

S = Reply.Status
COUNTS_CACHE_SECONDS = 300
# The letter's fields a volunteer's page may read: never the supporter's.
DESK_LETTER_FIELDS = ("letter", "letter__reference", "letter__language", "letter__prisoner")


def user_is_reply_coordinator(*, user: User) -> bool:
    return user.has_perm(PERM_COORDINATE)


def prisoners_replies_may_come_from() -> QuerySet[Prisoner]:
    """The people we have posted a letter to (a reply comes to our address only for a letter
    we posted; a supporter who posted it themselves gets the answer at their own), by name."""
    posted = Letter.objects.filter(status=Letter.Status.POSTED).values("prisoner_id")
    return Prisoner.objects.filter(pk__in=posted).order_by("name_en", "pk")


def letters_a_reply_may_answer(*, prisoner_id: int) -> QuerySet[Letter]:
    """The letters we posted to this person, the latest first: what a reply of theirs answers."""
    return Letter.objects.filter(prisoner_id=prisoner_id, status=Letter.Status.POSTED).order_by(
        "-created_at", "-pk"
    )


def replies_visible_to(*, user: User) -> QuerySet[Reply]:
    """Coordinators: every reply. Volunteers: replies waiting in their languages, those they
    hold or handed in, and (with the reviewer permission) those in review in their languages."""
    if user_is_reply_coordinator(user=user):
        return Reply.objects.all()
    if not (user.has_perm(PERM_TRANSLATE) or user.has_perm(PERM_REVIEW)):
        return Reply.objects.none()
    languages = volunteer_languages(user)
    visible = (
        Q(status=S.RECEIVED, letter__language__in=languages)
        | Q(status__in=CLAIMED_STATES, claimed_by_id=user.pk)
        | Q(status=S.IN_REVIEW, translated_by_id=user.pk)
    )
    if user.has_perm(PERM_REVIEW):
        visible |= Q(status=S.IN_REVIEW, letter__language__in=languages)
    return Reply.objects.filter(visible)


def _desk(replies: QuerySet[Reply]) -> QuerySet[Reply]:
    return replies.select_related("letter__prisoner").only(
        "id",
        "status",
        "transcription",
        "translation",
        "version",
        "saved_at",
        "redacted",
        "review_comment",
        "withheld_reason",
        "claimed_by",
        "claim_expires_at",
        "translated_by",
        "created_at",
        "status_changed_at",
        "erased_at",
        *DESK_LETTER_FIELDS,
        "letter__prisoner__name_en",
        "letter__prisoner__name_ru",
    )


def replies_queue(*, user: User) -> QuerySet[Reply]:
    """Waiting replies this person may take, oldest first."""
    return _desk(replies_visible_to(user=user).filter(status=S.RECEIVED)).order_by(
        "created_at", "pk"
    )


def replies_held(*, user: User) -> QuerySet[Reply]:
    return _desk(Reply.objects.filter(claimed_by=user, status__in=CLAIMED_STATES)).order_by(
        "claim_expires_at", "pk"
    )


def replies_to_review(*, user: User) -> QuerySet[Reply]:
    return (
        _desk(replies_visible_to(user=user).filter(status=S.IN_REVIEW))
        .exclude(translated_by=user)
        .order_by("status_changed_at", "pk")
    )


def reply_for_desk(*, user: User, reply_id: int) -> Reply | None:
    return _desk(replies_visible_to(user=user)).filter(pk=reply_id).first()


def reply_pages(*, reply: Reply) -> list[ReplyPage]:
    return list(reply.pages.order_by("position"))


def reply_page_for_staff(*, user: User, reply_id: int, position: int) -> ReplyPage | None:
    reply = replies_visible_to(user=user).filter(pk=reply_id).first()
    if reply is None:
        return None
    return ReplyPage.objects.filter(reply=reply, position=position).first()


def reply_history(*, reply: Reply) -> QuerySet[ReplyEvent]:
    return reply.events.select_related("actor").order_by("created_at", "pk")


# --- what the supporter sees (composed on the letter's page, in pages) -----------------------


def reply_page_for_supporter(*, letter_id: int, reply_id: int, position: int) -> ReplyPage | None:
    """A page of an approved, unredacted reply to this letter; None for anything else."""
    return ReplyPage.objects.filter(
        reply_id=reply_id,
        reply__letter_id=letter_id,
        reply__status=S.APPROVED,
        reply__redacted=False,
        reply__erased_at__isnull=True,
        position=position,
    ).first()


def replies_this_year_by_prisoner() -> dict[int, int]:
    """How many replies each prisoner sent this calendar year (counted when recorded): one
    grouped query, kept in the cache for a few minutes as letters' monthly counts are."""
    start = timezone.localtime().replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    key = f"replies:this-year-by-prisoner:{start.year}"
    counts = cache.get(key)
    if counts is None:
        rows = (
            Reply.objects.filter(created_at__gte=start)
            .values("letter__prisoner_id")
            .annotate(n=Count("id"))
            .values_list("letter__prisoner_id", "n")
        )
        counts = {str(pk): n for pk, n in rows}
        cache.set(key, counts, timeout=COUNTS_CACHE_SECONDS)
    return {int(pk): n for pk, n in counts.items()}


def _in_language(language: str, words: Callable[[], str]) -> str:
    with translation.override(language if language in dict(settings.LANGUAGES) else "en"):
        return str(words())


def replies_export(*, letter_ids: list[int]) -> list[dict]:
    """A supporter's replies, for their data export: texts as delivered, and which scans exist
    (the scans themselves are on the letter's page)."""
    replies = (
        Reply.objects.filter(letter_id__in=letter_ids)
        .select_related("letter")
        .prefetch_related("pages")
        .order_by("created_at", "pk")
    )
    return [
        {
            "letter": reply.letter.reference,
            "received_at": reply.created_at.isoformat(),
            # In words in the letter's language, like the letter's own fields, with the code.
            "status": _in_language(reply.letter.locale, reply.get_status_display),
            "status_code": reply.status,
            "transcription": reply.transcription if reply.status == S.APPROVED else "",
            "translation": reply.translation if reply.status == S.APPROVED else "",
            "scanned_pages": [
                {"page": page.position, "type": page.content_type, "bytes": page.size}
                for page in reply.pages.all()
            ],
            "erased_at": reply.erased_at.isoformat() if reply.erased_at else None,
        }
        for reply in replies
    ]


def replies_of_letter(*, user: User, letter_id: int) -> list[Reply]:
    """The replies to one letter this staff member may open (for the letter's admin page)."""
    return list(
        replies_visible_to(user=user)
        .filter(letter_id=letter_id)
        .only("id", "status", "letter_id")
        .order_by("created_at", "pk")
    )
