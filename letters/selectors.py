from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from core import crypto
from core.compiled import CompiledQuery
from prisoners.models import RECIPIENT_GAP_WORDS, PrisonAddress, Prisoner
from prisoners.selectors import prisoner_current_address, recipient_line_incomplete

from . import tokens
from .events import Recorded
from .lifecycle import (
    CLOSE_FOR_STATUS,
    CLOSED_UNSENT_STATES,
    OPEN_STATES,
    PERM_COORDINATE,
    PERM_REVIEW,
    PERM_TRANSLATE,
    TRANSITIONS,
    WAITING_STATES,
    Action,
)
from .models import (
    Letter,
    LetterEvent,
    LetterReturnPack,
    Notification,
    PostingBatch,
    VolunteerProfile,
)


def letter_by_token(*, token: str) -> Letter | None:
    if not token or len(token) > 128:
        return None
    return (
        Letter.objects.select_related("prisoner")
        .filter(tracking_token_hash=tokens.token_hash(token))
        .first()
    )


def letter_timeline(*, letter: Letter) -> QuerySet[LetterEvent]:
    """What the supporter may see: status changes only, without staff names. The note is
    loaded for the page to tell what a hold waits for (``letters.tracking``), never shown."""
    # letter_id stays loaded: the related manager reads it on every row, and deferring it
    # would cost one query per event.
    return letter.events.filter(kind=LetterEvent.Kind.TRANSITION).only(
        "letter_id", "to_status", "action", "created_at", "note"
    )


def letter_translation_skipped(
    *, letter: Letter, events: Iterable[LetterEvent] | None = None
) -> bool:
    """Whether a coordinator sent the letter on as written ("No translation needed": it is in
    Russian, or in a language the prisoner reads) instead of a volunteer translating it. What
    the supporter is told follows this, never a guess. ``events``: the letter's timeline when
    the caller has it loaded already, to spare a query."""
    skip = Action.SKIP_TRANSLATION
    if events is None:
        return letter.events.filter(kind=LetterEvent.Kind.TRANSITION, action=skip).exists()
    return any(event.action == skip for event in events)


def letter_translation_approved(
    *, letter: Letter, events: Iterable[LetterEvent] | None = None
) -> bool:
    """Whether a reviewer approved the letter's Russian translation (a draft, or a letter sent
    on as written, is not one to show its writer as a translation)."""
    if events is None:
        return letter.events.filter(
            kind=LetterEvent.Kind.TRANSITION, action=Action.APPROVE
        ).exists()
    return any(event.action == Action.APPROVE for event in events)


def letter_held_at_once(*, event: LetterEvent) -> bool:
    """Whether the step of ``event`` (an approval) put the letter on hold at once, without an
    e-mail of its own, and it waits there still: the only change of status since is that hold,
    which queued no notification (``services.dispatch.hold_if_not_sendable``). The step's own
    e-mail then tells the supporter of the hold. A hold released, or one that came later by
    itself (which has its own e-mail), is not."""
    since = list(
        LetterEvent.objects.filter(
            letter_id=event.letter_id, kind=LetterEvent.Kind.TRANSITION, pk__gt=event.pk
        )
        .order_by("pk")
        .values_list("action", "notification")[:2]
    )
    return len(since) == 1 and since[0][0] == Action.HOLD and since[0][1] is None


def letter_closed_for_prisoner(*, events: Iterable[LetterEvent]) -> str:
    """The action that closed the letter because its prisoner was released or died, or ""."""
    closing = {Action.CLOSE_RELEASED, Action.CLOSE_DECEASED}
    return next((event.action for event in events if event.action in closing), "")


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


def _desk_settings_query(p) -> QuerySet:
    held = (
        Letter.objects.filter(
            claimed_by_id=OuterRef("user_id"), status=Letter.Status.IN_TRANSLATION
        )
        .order_by()
        .values("claimed_by_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        VolunteerProfile.objects.filter(user_id=p.user_id)
        .annotate(held=Coalesce(Subquery(held), 0))
        .values_list("languages", "claim_limit", "held")[:1]
    )


# Compiled once per connection (core.compiled): the ORM took 1.1 ms to write this SQL on each
# queue page, and 0.1 ms to run it.
_desk_settings = CompiledQuery(_desk_settings_query)


def volunteer_desk_settings(*, user) -> tuple[list[str], int, int]:
    """A volunteer's languages and claim limit (as volunteer_languages and
    volunteer_claim_limit) and how many letters they hold, read in one query: the queue page
    shows all three."""
    rows = _desk_settings(user_id=user.pk)
    if not rows:  # no profile yet: no languages, the default limit
        return [], settings.LETTERBRIDGE_DEFAULT_CLAIM_LIMIT, letters_held_by(user=user).count()
    languages, limit, held_count = rows[0]
    codes = [code for code in (languages or []) if isinstance(code, str)]
    return codes, limit or settings.LETTERBRIDGE_DEFAULT_CLAIM_LIMIT, held_count


def user_is_coordinator(*, user) -> bool:
    """Asked a dozen times on one page (the admin list's columns, filters, look-ups and
    actions; the desk's tabs), so the answer is kept on the user object, which lives as long
    as its request, as Django keeps the user's permissions on it (``_perm_cache``)."""
    known = getattr(user, "_letters_is_coordinator", None)
    if known is None:
        known = user.has_perm(PERM_COORDINATE)
        user._letters_is_coordinator = known
    return known


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


# What the queue shows of a letter (its length is annotated as ``length``): nothing else is
# loaded, no supporter field and no text, so nothing is decrypted for the list.
QUEUE_FIELDS = (
    "reference",
    "language",
    "created_at",
    "prisoner",
    "prisoner__name_en",
    "prisoner__name_ru",  # the list names the prisoner in the reader's script (local_name)
    "prisoner__reads_languages",
)


def prisoners_accepting_none() -> QuerySet:
    """Prisoners who accept no letters now: a handful, read once per query (PostgreSQL hashes
    them), so the queue's count stays an index-only scan of letter_waiting_idx, which carries
    the prisoner; a join to every letter's prisoner would read the table's rows again."""
    return Prisoner.objects.filter(accepts_letters=False).values("pk")


def _waiting(p, coordinator: bool, one_language: bool) -> QuerySet[Letter]:
    """The queue's filter, for letters_queue (values) and WaitingLetters (stand-ins, p).
    A letter to someone who accepts no letters now (released, deceased, or a transfer nobody
    can trace) is not offered: translating it would be work for nothing, or for later."""
    queryset = Letter.objects.filter(
        status=Letter.Status.RECEIVED, flagged_at__isnull=True
    ).exclude(prisoner_id__in=prisoners_accepting_none())
    if not coordinator:
        queryset = queryset.filter(language__in=p.languages)
    if one_language:
        queryset = queryset.filter(language=p.language)
    return queryset.order_by("created_at", "pk")


def letters_queue(
    *, user, language: str = "", languages: list[str] | None = None
) -> QuerySet[Letter]:
    """Letters waiting for a translator, oldest first: in the volunteer's languages (a
    coordinator sees every language). Flagged letters wait for a coordinator instead.
    ``languages``: the volunteer's, when the caller has read them already."""
    coordinator = user_is_coordinator(user=user)
    if not coordinator and languages is None:
        languages = volunteer_languages(user=user)
    values = SimpleNamespace(languages=languages, language=language)
    return (
        _desk(_waiting(values, coordinator, bool(language)))
        .only(*QUEUE_FIELDS)
        .annotate(length=F("original_length"))
    )


@dataclass(frozen=True, slots=True)
class QueuedPrisoner:
    name_en: str
    name_ru: str
    reads_languages: list[str]
    local_name = Prisoner.local_name  # the same choice of script as a prisoner's


@dataclass(frozen=True, slots=True)
class QueuedLetter:
    """What the queue shows of a waiting letter (the fields of QUEUE_FIELDS), no model."""

    pk: int
    reference: str
    language: str
    created_at: datetime
    length: int
    prisoner: QueuedPrisoner


_QUEUE_COLUMNS = (
    "pk",
    "reference",
    "language",
    "created_at",
    "original_length",
    "prisoner__name_en",
    "prisoner__name_ru",
    "prisoner__reads_languages",
)
# The queue page's two queries, compiled once per connection and shape (core.compiled): the
# ORM spent more CPU writing them than PostgreSQL spent answering them.
_queue_rows = CompiledQuery(
    lambda p, coordinator, one_language, low, high: _waiting(
        p, coordinator, one_language
    ).values_list(*_QUEUE_COLUMNS)[low:high]
)
_queue_keys = CompiledQuery(
    lambda p, coordinator, one_language, high: (
        # Only the keys: letter_waiting_idx (status, language, created_at, id, INCLUDE ...)
        # answers the count alone.
        _waiting(p, coordinator, one_language).values_list("pk")[:high]
    )
)


class WaitingLetters:
    """letters_queue as the desk's queue page pages it (BoundedPaginator): the same letters,
    in the same order, as QueuedLetter rows."""

    def __init__(self, *, user, language: str = "", languages: list[str] | None = None):
        self.coordinator = user_is_coordinator(user=user)
        if not self.coordinator and languages is None:
            languages = volunteer_languages(user=user)
        self.values: dict = {}
        if not self.coordinator:
            self.values["languages"] = list(languages or [])
        if language:
            self.values["language"] = language
        self.shape = (self.coordinator, bool(language))

    def bounded_count(self, bound: int) -> int:
        return _queue_keys.count(*self.shape, bound + 1, **self.values)

    def __getitem__(self, page: slice) -> list[QueuedLetter]:
        rows = _queue_rows(*self.shape, page.start, page.stop, **self.values)
        return [
            QueuedLetter(pk, reference, language, created_at, length,
                         QueuedPrisoner(name_en, name_ru, reads or []))
            for pk, reference, language, created_at, length, name_en, name_ru, reads in rows
        ]  # fmt: skip


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
    return (
        _desk(Letter.objects.filter(flagged_at__isnull=False, status__in=OPEN_STATES))
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


def letter_stopped_for(*, user, letter_id: int) -> Letter | None:
    """A letter this person once claimed that has since been cancelled (by its writer, or
    closed when its prisoner was released or died) or rejected: the desk tells them so, rather
    than that the letter "is not available". ``closed_by``: the action that closed it."""
    closing = (
        LetterEvent.objects.filter(letter=OuterRef("pk"), kind=LetterEvent.Kind.TRANSITION)
        .order_by("-created_at", "-pk")
        .values("action")[:1]
    )
    return (
        Letter.objects.filter(
            pk=letter_id,
            status__in=CLOSED_UNSENT_STATES,
            events__action=Action.CLAIM,
            events__actor=user,
        )
        .only("reference", "status")
        .annotate(closed_by=Subquery(closing))
        .first()
    )


def letter_history(*, letter: Letter) -> QuerySet[LetterEvent]:
    """The whole history for staff: every event with its actor."""
    return letter.events.select_related("actor").order_by("created_at", "pk")


# --- posting ---------------------------------------------------------------------------------


def address_gaps(prisoner: Prisoner) -> list[str]:
    """What the envelope's «Кому» line lacks for this prisoner, in a word or two each."""
    return [str(RECIPIENT_GAP_WORDS[gap]) for gap in prisoner.recipient_gaps()]


def prisoners_with_incomplete_addresses(*, limit: int = 50) -> list[dict]:
    """Prisoners who accept letters but whose «Кому» line lacks the year of birth or the
    patronymic, each with what is missing."""
    prisoners = (
        Prisoner.objects.filter(accepts_letters=True)
        .filter(recipient_line_incomplete())
        .only("pk", "name_en", "name_ru", "name_ru_dative", "birth_year", "has_no_patronymic")
        .order_by("name_en", "pk")[:limit]
    )
    return [{"prisoner": p, "missing": address_gaps(p)} for p in prisoners]


def has_current_address() -> Exists:
    """Letters whose prisoner has an address valid today (as prisoner_current_address)."""
    today = timezone.localdate()
    return Exists(
        PrisonAddress.objects.filter(prisoner=OuterRef("prisoner"), valid_from__lte=today).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=today)
        )
    )


def letters_ready_to_post() -> QuerySet[Letter]:
    """Approved letters we post, postage paid or waived, not in a batch yet, to a prisoner
    who accepts letters now at a known address with a complete «Кому» line, in printing order.
    (A letter to a prisoner whose line is incomplete waits on hold; this keeps one approved
    before the line lost a part out of a batch until the sweep holds it.)"""
    return (
        Letter.objects.filter(
            status=Letter.Status.APPROVED,
            delivery=Letter.Delivery.POST_FOR_ME,
            postage__in=[Letter.Postage.PAID, Letter.Postage.WAIVED],
            posting_batch__isnull=True,
            flagged_at__isnull=True,
        )
        .exclude(prisoner__status=Prisoner.Status.IN_TRANSIT)
        .filter(prisoner__accepts_letters=True)
        .filter(has_current_address())
        .exclude(recipient_line_incomplete(prefix="prisoner__"))
        .select_related("prisoner")
        .order_by("prisoner__name_ru", "created_at", "pk")
    )


def batch_letters(batch: PostingBatch) -> QuerySet[Letter]:
    """A batch's letters in the order they are printed (and listed to the coordinator)."""
    return (
        Letter.objects.filter(posting_batch=batch)
        .select_related("prisoner")
        .order_by("prisoner__name_ru", "created_at", "pk")
    )


def letter_return_pack_current(*, letter: Letter) -> LetterReturnPack | None:
    """The letter's stored return pack if it shows the prisoner's address of today; None when
    there is none, or the prisoner has moved (or is in transit) since it was drawn."""
    pack = LetterReturnPack.objects.filter(letter=letter).first()
    if pack is None:
        return None
    address = prisoner_current_address(prisoner=letter.prisoner)
    return pack if address is not None and pack.address_id == address.pk else None


# --- the periodic work: what is stuck, what never happened -----------------------------------


def stuck_letters(*, now: datetime | None = None) -> list[dict]:
    """Per open state: how many letters have waited longer than the threshold, the oldest
    change, and the first references."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.LETTERBRIDGE_STUCK_DAYS)
    stuck = Letter.objects.filter(status__in=WAITING_STATES, status_changed_at__lt=cutoff)
    rows = []
    by_state = {
        row["status"]: row
        for row in stuck.values("status").annotate(n=Count("pk"), oldest=Min("status_changed_at"))
    }
    for state in WAITING_STATES:
        row = by_state.get(state)
        if row is None:
            continue
        references = list(
            stuck.filter(status=state)
            .order_by("status_changed_at")
            .values_list("reference", flat=True)[:20]
        )
        rows.append(
            {
                "state": Letter.Status(state).label,
                "count": row["n"],
                "oldest_days": (now - row["oldest"]).days,
                "references": references,
            }
        )
    return rows


def notifications_lost() -> list[int]:
    """Notifications still unsent after the grace period, oldest first: their task was lost
    (broker restarted, worker killed)."""
    cutoff = timezone.now() - settings.LETTERBRIDGE_NOTIFICATION_RESEND_AFTER
    return list(
        Notification.objects.filter(sent_at__isnull=True, created_at__lt=cutoff, attempts__lt=20)
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )


@dataclass(frozen=True)
class SideEffectsOverdue:
    returns: list[int]  # approved return_to_me letters never returned
    batches: list[int]  # batches never printed
    prisoners: list[int]  # whose letters' holds disagree with address, «Кому», accepting letters
    flags: list[int]  # flagged letters coordinators were never e-mailed about
    closures: list[int]  # prisoners released or deceased whose letters are still open


def side_effects_overdue(*, now: datetime | None = None) -> SideEffectsOverdue:
    """What should have happened by now and did not (the broker lost the task, the worker was
    killed): returns of approved ``return_to_me`` letters, batch PDFs, and holds or releases
    after an address change, each older than LETTERBRIDGE_SWEEP_GRACE."""
    now = now or timezone.now()
    cutoff = now - settings.LETTERBRIDGE_SWEEP_GRACE
    returns = list(
        Letter.objects.filter(
            status=Letter.Status.APPROVED,
            delivery=Letter.Delivery.RETURN_TO_ME,
            status_changed_at__lt=cutoff,
        ).values_list("pk", flat=True)[:500]
    )
    batches = list(
        PostingBatch.objects.filter(
            posted_on__isnull=True,
            document__isnull=True,
            created_at__lt=cutoff,
            letters__status=Letter.Status.APPROVED,
        )
        .distinct()
        .values_list("pk", flat=True)[:50]
    )
    waiting = Letter.objects.filter(status_changed_at__lt=cutoff)
    in_transit = Q(prisoner__status=Prisoner.Status.IN_TRANSIT)
    incomplete = recipient_line_incomplete(prefix="prisoner__")
    held_with_address = waiting.filter(status=Letter.Status.ON_HOLD).exclude(in_transit)
    held_with_address = held_with_address.filter(has_current_address()).exclude(incomplete)
    held_with_address = held_with_address.filter(prisoner__accepts_letters=True)
    # Accepting no letters while still in prison (released or deceased: closures, below).
    paused = Q(prisoner__accepts_letters=False) & ~Q(prisoner__status__in=CLOSE_FOR_STATUS)
    approved_without = waiting.filter(status=Letter.Status.APPROVED).filter(
        in_transit | ~has_current_address() | incomplete | paused
    )
    prisoners = set(held_with_address.values_list("prisoner_id", flat=True)[:200])
    prisoners |= set(approved_without.values_list("prisoner_id", flat=True)[:200])
    flags = list(
        flags_unannounced().filter(flagged_at__lt=cutoff).values_list("pk", flat=True)[:200]
    )
    # Marked released or deceased a while ago, a letter to them still open: the closing task
    # was lost. (Their holds are not synced: closing is what happens to those letters.)
    closures = list(
        Letter.objects.filter(
            status__in=OPEN_STATES,
            prisoner__status__in=CLOSE_FOR_STATUS,
            prisoner__updated_at__lt=cutoff,
        )
        .order_by()
        .values_list("prisoner_id", flat=True)
        .distinct()[:200]
    )
    return SideEffectsOverdue(
        returns=returns,
        batches=batches,
        prisoners=sorted(prisoners - set(closures)),
        flags=flags,
        closures=sorted(closures),
    )


# The note event that records coordinators were e-mailed about a flag.
FLAG_ANNOUNCED = Recorded.FLAG_ANNOUNCED


def flags_unannounced() -> QuerySet[Letter]:
    """Flagged open letters whose coordinators have not been e-mailed about the flag yet."""
    announced = LetterEvent.objects.filter(
        letter=OuterRef("pk"), action=FLAG_ANNOUNCED, created_at__gte=OuterRef("flagged_at")
    )
    return Letter.objects.filter(flagged_at__isnull=False, status__in=OPEN_STATES).exclude(
        Exists(announced)
    )


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


def letters_in_flight_by_prisoner(*, prisoner_ids: list[int]) -> dict[int, int]:
    """Per prisoner id, the letters still on their way (open): those that marking the prisoner
    released or deceased closes."""
    return dict(
        Letter.objects.filter(prisoner_id__in=prisoner_ids, status__in=OPEN_STATES)
        .values("prisoner_id")
        .annotate(n=Count("pk"))
        .values_list("prisoner_id", "n")
    )


@dataclass(frozen=True)
class PrisonerClosures:
    closed: int  # letters closed because the prisoner was released or died
    refunds: int  # of them, the ones whose postage was paid (refunded, or being refunded)
    open: int  # letters still open: the closing task has yet to run


def prisoner_closures(*, prisoner_id: int) -> PrisonerClosures:
    """What closing the letters to this prisoner has done so far, for their admin page."""
    closed = Letter.objects.filter(
        prisoner_id=prisoner_id,
        status=Letter.Status.CANCELLED,
        events__action__in=[Action.CLOSE_RELEASED, Action.CLOSE_DECEASED],
    )
    return PrisonerClosures(
        closed=closed.count(),
        refunds=closed.filter(postage__in=[Letter.Postage.PAID, Letter.Postage.REFUNDED]).count(),
        open=Letter.objects.filter(prisoner_id=prisoner_id, status__in=OPEN_STATES).count(),
    )
