"""From an approved letter to the post: holds while the prisoner accepts no letters at the
moment, has no address or an incomplete «Кому» line, the postage payments reports, batches of
letters printed and posted together, and the return of ``return_to_me`` letters to their
supporters."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import partial

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core import storage
from prisoners.models import RECIPIENT_GAP_REASONS, PrisonAddress, Prisoner
from prisoners.selectors import prisoner_current_address

from .. import pdf
from ..events import HOLD_NO_ADDRESS, HOLD_NOT_ACCEPTING, Recorded, hold_note, postage_action
from ..lifecycle import CLOSE_FOR_STATUS, PERM_COORDINATE, Action
from ..models import (
    CURRENCIES,
    Letter,
    LetterEvent,
    LetterReturnPack,
    Notification,
    PostingBatch,
    PostingBatchDocument,
)
from ..selectors import batch_letters, letter_return_pack_current, letters_ready_to_post
from .core import (
    InvalidTransition,
    LetterError,
    NoCurrentAddress,
    NotAcceptingLetters,
    PostageNotSettled,
    RecipientLineIncomplete,
    ensure_allowed,
    lock_letter,
    require_permission,
    save_letter,
    transition,
)
from .notifications import coordinators_mail

logger = logging.getLogger(__name__)

S = Letter.Status
BATCH_PDFS = "batches"  # folders of the private storage (core.storage)
RETURN_PACKS = "return-packs"


# --- holds -----------------------------------------------------------------------------------


def hold_reasons(prisoner: Prisoner) -> list[Promise]:
    """Why a letter to this prisoner cannot go now, what matters most to its writer first: they
    accept no letters at the moment (a coordinator unticked «accepts letters now»), no current
    address, and what the «Кому» line lacks (without the year of birth and the full name in the
    dative, prisons return a letter or do not hand it over). Empty when nothing holds it.
    (Released or deceased people accept none either; the callers close their letters instead.)"""
    reasons = [] if prisoner.accepts_letters else [HOLD_NOT_ACCEPTING]
    if prisoner_current_address(prisoner=prisoner) is None:
        reasons.append(HOLD_NO_ADDRESS)
    return reasons + [RECIPIENT_GAP_REASONS[gap] for gap in prisoner.recipient_gaps()]


def _ensure_sendable(prisoner: Prisoner) -> None:
    """Refuse to post, return or release a letter to a prisoner it cannot go to now."""
    if not prisoner.accepts_letters:  # released, deceased, or a transfer nobody can trace
        raise NotAcceptingLetters()
    if prisoner_current_address(prisoner=prisoner) is None:
        raise NoCurrentAddress()
    if not prisoner.recipient_line_complete:
        raise RecipientLineIncomplete()


def hold_if_not_sendable(letter: Letter, *, actor: User | None, approval: LetterEvent) -> None:
    """An approved letter whose prisoner accepts no letters at the moment, has no known address
    or an incomplete «Кому» line waits on hold, the note saying why; so neither a posting batch
    nor a return pack takes it.
    Part of the caller's transition (``approval``, the event of the approval or of the skipped
    translation), in its transaction.

    The supporter hears of the hold in the approval's own e-mail ("translated; it waits for the
    prisoner's details, and here is what to do"), not in a second one a second after it: the
    hold queues none (``selectors.letter_held_at_once`` tells the e-mail). An approval that
    sends no e-mail (a letter the supporter posts themselves: theirs comes with the return)
    leaves the hold its own."""
    if letter.prisoner.status in CLOSE_FOR_STATUS:
        return  # released or deceased: the letter is closed (services.closure), not held
    reasons = hold_reasons(letter.prisoner)
    if reasons:
        told = Notification.objects.filter(event=approval).exists()
        transition(
            letter, action=Action.HOLD, actor=actor, note=hold_note(reasons), notify=not told
        )


@transaction.atomic(durable=True)
def letter_hold(*, letter_id: int, actor: User | None, note: str = "") -> Letter:
    require_permission(actor, PERM_COORDINATE, system_allowed=True)
    letter = lock_letter(letter_id)
    transition(letter, action=Action.HOLD, actor=actor, note=note)
    save_letter(letter)
    return letter


@transaction.atomic(durable=True)
def letter_release_hold(*, letter_id: int, actor: User | None) -> Letter:
    """Back to approved once the prisoner's address is known and the «Кому» line complete."""
    require_permission(actor, PERM_COORDINATE, system_allowed=True)
    letter = lock_letter(letter_id)
    ensure_allowed(letter, Action.RELEASE_HOLD)
    _ensure_sendable(letter.prisoner)
    transition(letter, action=Action.RELEASE_HOLD, actor=actor)
    save_letter(letter)
    return letter


def letters_hold_for_prisoner(*, prisoner_id: int) -> list[int]:
    """Hold every approved letter to a prisoner who accepts no letters at the moment, has no
    current address (in transit) or whose «Кому» line is incomplete. Each hold is its own
    transaction; returns the ids held. Safe to run twice."""
    prisoner = Prisoner.objects.get(pk=prisoner_id)
    reasons = hold_reasons(prisoner)
    if not reasons or prisoner.status in CLOSE_FOR_STATUS:
        return []  # (released or deceased: their letters close instead, services.closure)
    ids = list(
        Letter.objects.filter(prisoner_id=prisoner_id, status=S.APPROVED).values_list(
            "pk", flat=True
        )
    )
    held = []
    for pk in ids:
        try:
            letter_hold(letter_id=pk, actor=None, note=hold_note(reasons))
        except InvalidTransition:
            continue  # posted, cancelled or already held meanwhile
        held.append(pk)
    return held


def letters_release_holds_for_prisoner(*, prisoner_id: int) -> list[int]:
    """Nothing holds the prisoner's letters any more (they accept letters, the new address is
    known, the «Кому» line complete): every letter on hold goes back to approved. Returns the
    ids released; a second run finds none and releases nothing."""
    ids = list(
        Letter.objects.filter(prisoner_id=prisoner_id, status=S.ON_HOLD).values_list(
            "pk", flat=True
        )
    )
    released = []
    for pk in ids:
        try:
            letter_release_hold(letter_id=pk, actor=None)
        except (InvalidTransition, NoCurrentAddress, RecipientLineIncomplete, NotAcceptingLetters):
            continue
        released.append(pk)
    return released


def letters_sync_holds_for_prisoner(*, prisoner_id: int) -> tuple[list[int], list[int]]:
    """After a change to the prisoner's address, «Кому» line or «accepts letters now»
    (prisoners announces it; see letters.receivers): while anything holds their letters (they
    accept none at the moment, no current address, an incomplete line), approved letters go on
    hold; once nothing does, held letters go back to approved and coordinators are told.
    Returns (held, released)."""
    prisoner = Prisoner.objects.get(pk=prisoner_id)
    if prisoner.status in CLOSE_FOR_STATUS:
        return [], []  # their letters close instead (services.closure)
    if hold_reasons(prisoner):
        return letters_hold_for_prisoner(prisoner_id=prisoner_id), []
    released = letters_release_holds_for_prisoner(prisoner_id=prisoner_id)
    if released:
        references = list(
            Letter.objects.filter(pk__in=released)
            .order_by("pk")
            .values_list("reference", flat=True)
        )
        coordinators_mail(
            "holds_released",
            {
                "prisoner": prisoner,
                "references": references,
                "site": settings.LETTERBRIDGE_SITE_URL,
            },
        )
    return [], released


# --- postage (called by payments) ------------------------------------------------------------


@transaction.atomic
def letter_set_postage(
    *, letter_id: int, postage: str, note: str = "", actor: User | None = None
) -> Letter:
    """Payments tells letters where the postage stands; the posting guard reads this field.
    ``actor`` is the coordinator who recorded it by hand (none for Stripe). Not durable:
    payments calls it inside its own transaction (letter locked first, then the payment), so
    the postage and the payment change together or not at all."""
    if postage not in (
        Letter.Postage.DUE,
        Letter.Postage.PAID,
        Letter.Postage.WAIVED,
        Letter.Postage.REFUNDED,
    ):
        raise ValueError(postage)
    letter = lock_letter(letter_id)
    if letter.delivery != Letter.Delivery.POST_FOR_ME:
        raise LetterError(_("This letter needs no postage."))
    if letter.postage == postage:
        return letter
    if letter.status == S.POSTED and postage not in (Letter.Postage.PAID, Letter.Postage.WAIVED):
        raise LetterError(_("This letter has been posted; its postage stays settled."))
    LetterEvent.objects.create(
        letter=letter,
        kind=LetterEvent.Kind.POSTAGE,
        action=postage_action(postage),
        actor=actor,
        note=note or f"Postage {letter.postage} → {postage}.",
    )
    letter.postage = postage
    letter.save(update_fields=["postage", "updated_at"])
    return letter


# --- posting ---------------------------------------------------------------------------------


def _record_batch_change(letter_ids: list[int], *, action: str, note: str) -> None:
    LetterEvent.objects.bulk_create(
        LetterEvent(letter_id=pk, kind=LetterEvent.Kind.BATCH, action=action, note=note)
        for pk in letter_ids
    )


def _take_out_of_batch(letter_id: int, batch: PostingBatch, *, why: str) -> None:
    """The letter leaves the batch (if it is still in it) and its history says why. Part of
    the caller's transaction."""
    left = Letter.objects.filter(pk=letter_id, posting_batch=batch).update(
        posting_batch=None, updated_at=timezone.now()
    )
    if left:
        _record_batch_change(
            [letter_id],
            action=Recorded.BATCH_REMOVE,
            note=f"Taken out of posting batch {batch.pk}: {why}",
        )


@transaction.atomic(durable=True)
def letter_post(*, letter_id: int, coordinator: User, batch: PostingBatch | None = None) -> Letter:
    """The letter went into the post. Only with postage paid or waived, an address known and
    the «Кому» line complete."""
    require_permission(coordinator, PERM_COORDINATE)
    return _post(letter_id=letter_id, coordinator=coordinator, batch=batch)


def _post(*, letter_id: int, coordinator: User, batch: PostingBatch | None) -> Letter:
    letter = lock_letter(letter_id)
    ensure_allowed(letter, Action.POST)
    if letter.delivery != Letter.Delivery.POST_FOR_ME:
        raise LetterError(_("The supporter posts this letter themselves; return it instead."))
    if letter.postage not in (Letter.Postage.PAID, Letter.Postage.WAIVED):
        raise PostageNotSettled()
    _ensure_sendable(letter.prisoner)
    transition(letter, action=Action.POST, actor=coordinator)
    if letter.posting_batch_id != (batch.pk if batch else None):
        _record_batch_change(
            [letter.pk],
            action=Recorded.BATCH_ADD if batch else Recorded.BATCH_REMOVE,
            note=f"Posted with batch {batch.pk}." if batch else "Posted outside its batch.",
        )
    letter.posting_batch = batch
    save_letter(letter, "posting_batch")
    return letter


def _render_batch_task(batch_id: int) -> None:
    # Imported when the callback runs: tasks import services, never the reverse.
    from ..tasks import render_batch_pdf

    render_batch_pdf.delay(batch_id)


@transaction.atomic(durable=True)
def batch_prepare(*, coordinator: User, letter_ids: list[int] | None = None) -> PostingBatch:
    """Put the letters ready to post (or the chosen ones among them) into a new batch and
    have its PDF rendered by the worker."""
    require_permission(coordinator, PERM_COORDINATE)
    ready = letters_ready_to_post()
    if letter_ids is not None:
        ready = ready.filter(pk__in=letter_ids)
    ids = list(
        Letter.objects.select_for_update(of=("self",))
        .filter(pk__in=ready.values("pk"))
        .values_list("pk", flat=True)
    )
    if not ids:
        raise LetterError(_("No letter is ready to post."))
    batch = PostingBatch.objects.create(created_by=coordinator)
    Letter.objects.filter(pk__in=ids).update(posting_batch=batch, updated_at=timezone.now())
    _record_batch_change(ids, action=Recorded.BATCH_ADD, note=f"Put in posting batch {batch.pk}.")
    transaction.on_commit(partial(_render_batch_task, batch.pk), robust=True)
    logger.info("posting batch prepared id=%s letters=%s", batch.pk, len(ids))
    return batch


def batch_render_pdf(*, batch_id: int) -> PostingBatchDocument | None:
    """Render the batch's PDF once into the private storage (encrypted like the letter texts); a
    second run returns the stored one. A letter whose prisoner has lost the address (or a part
    of the «Кому» line) since leaves the batch; None when no letter is left to print."""
    existing = PostingBatchDocument.objects.filter(batch_id=batch_id).first()
    if existing is not None:
        return existing
    batch = PostingBatch.objects.get(pk=batch_id)
    letters, addresses = [], {}
    for letter in batch_letters(batch).filter(status=S.APPROVED):
        address = prisoner_current_address(prisoner=letter.prisoner)
        if address is None:
            with transaction.atomic(durable=True):
                _take_out_of_batch(letter.pk, batch, why="no current address when it was printed.")
            continue
        if not letter.prisoner.recipient_line_complete:
            with transaction.atomic(durable=True):
                _take_out_of_batch(
                    letter.pk, batch, why="incomplete «Кому» line when it was printed."
                )
            continue
        addresses[letter.prisoner_id] = address
        letters.append(letter)
    if not letters:
        logger.warning("posting batch has nothing to print id=%s", batch_id)
        return None
    content = pdf.render_batch_pdf(letters, addresses=addresses)
    try:
        with storage.kept_if_successful() as save, transaction.atomic(durable=True):
            return PostingBatchDocument.objects.create(
                batch=batch, file_name=save(BATCH_PDFS, content), letter_count=len(letters)
            )
    except IntegrityError:  # another worker finished first (and our copy is deleted)
        return PostingBatchDocument.objects.get(batch_id=batch_id)


@dataclass
class BatchPosted:
    batch: PostingBatch
    posted: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (reference, why)


@transaction.atomic(durable=True)
def batch_mark_posted(
    *,
    batch_id: int,
    coordinator: User,
    posted_on: date,
    postage_spent: int,
    postage_currency: str,
) -> BatchPosted:
    """The batch went into the post: each approved letter in it is posted (its event, its
    e-mail to the supporter). Letters that changed meanwhile (cancelled, held) leave the batch
    and are reported, so the coordinator takes them out of the pile."""
    require_permission(coordinator, PERM_COORDINATE)
    batch = PostingBatch.objects.select_for_update().get(pk=batch_id)
    if batch.posted_on is not None:
        raise LetterError(_("This batch was already marked posted."))
    if postage_currency not in dict(CURRENCIES):
        raise LetterError(_("Choose the currency the postage was paid in."))
    if postage_spent < 0:
        raise LetterError(_("Postage spent cannot be negative."))
    if posted_on > timezone.localdate():
        raise LetterError(_("The posting date cannot be in the future."))
    # A mistyped year (2016 for 2026) would file the postage spent under the wrong period and
    # let the retention purge delete the batch's PDF at once.
    made_on = timezone.localdate(batch.created_at)
    if posted_on < made_on:
        raise LetterError(
            _("The posting date cannot be before the batch was made (%(day)s).")
            % {"day": date_format(made_on, "j E Y")}
        )
    result = BatchPosted(batch=batch)
    document = PostingBatchDocument.objects.filter(batch=batch).only("rendered_at").first()
    printed_at = document.rendered_at if document else batch.created_at
    rows = list(batch_letters(batch).values_list("pk", "reference", "prisoner_id", "status"))
    moved = set(
        PrisonAddress.objects.filter(
            prisoner_id__in={row[2] for row in rows}, created_at__gt=printed_at
        ).values_list("prisoner_id", flat=True)
    )
    changed = set(
        Letter.objects.filter(
            pk__in=[row[0] for row in rows], status_changed_at__gt=printed_at
        ).values_list("pk", flat=True)
    )
    for letter_id, reference, prisoner_id, status in rows:
        stale = prisoner_id in moved or letter_id in changed
        if stale and status == S.APPROVED:
            # What was printed is stale (a new address, or held and released meanwhile).
            _take_out_of_batch(letter_id, batch, why="it changed after printing.")
            result.skipped.append(
                (reference, str(_("It changed after printing; it goes in the next batch.")))
            )
            continue
        try:
            with transaction.atomic():  # a refused letter leaves the others posted
                _post(letter_id=letter_id, coordinator=coordinator, batch=batch)
        except LetterError as error:
            _take_out_of_batch(letter_id, batch, why=f"not posted ({error.message})")
            result.skipped.append((reference, error.message))
            continue
        result.posted.append(reference)
    if not result.posted:
        raise LetterError(_("No letter in this batch can be posted any more."))
    batch.posted_on = posted_on
    batch.postage_spent = postage_spent
    batch.postage_currency = postage_currency
    batch.save(update_fields=["posted_on", "postage_spent", "postage_currency"])
    logger.info("posting batch posted id=%s letters=%s", batch.pk, len(result.posted))
    return result


@transaction.atomic(durable=True)
def batch_discard(*, batch_id: int, coordinator: User) -> int:
    """Give up a batch that will not be posted (misprinted, lost): its letters are free for
    the next one. Returns how many letters were freed."""
    require_permission(coordinator, PERM_COORDINATE)
    batch = PostingBatch.objects.select_for_update().get(pk=batch_id)
    if batch.posted_on is not None:
        raise LetterError(_("A posted batch cannot be discarded."))
    freed_ids = list(
        Letter.objects.select_for_update(of=("self",))
        .filter(posting_batch=batch)
        .values_list("pk", flat=True)
    )
    freed = Letter.objects.filter(pk__in=freed_ids).update(
        posting_batch=None, updated_at=timezone.now()
    )
    _record_batch_change(
        freed_ids, action=Recorded.BATCH_REMOVE, note=f"Posting batch {batch_id} was discarded."
    )
    batch.delete()
    logger.info("posting batch discarded id=%s letters=%s", batch_id, freed)
    return freed


# --- returning -------------------------------------------------------------------------------


def letter_return(*, letter_id: int, coordinator: User | None) -> Letter:
    """Send the translation and the Russian address back for the supporter to post. Its pack is
    rendered and stored here, once, with the return: the e-mail attaches that copy and the
    tracking page serves it."""
    with storage.kept_if_successful() as save, transaction.atomic(durable=True):
        require_permission(coordinator, PERM_COORDINATE, system_allowed=True)
        letter = lock_letter(letter_id)
        ensure_allowed(letter, Action.RETURN)
        if letter.delivery != Letter.Delivery.RETURN_TO_ME:
            raise LetterError(_("We post this letter; it cannot be returned."))
        _ensure_sendable(letter.prisoner)
        _store_return_pack(letter, save)
        transition(letter, action=Action.RETURN, actor=coordinator)
        save_letter(letter)
        return letter


def letter_return_process(*, letter_id: int) -> Letter | None:
    """Return an approved ``return_to_me`` letter (the worker's task): its pack is stored and
    the letter moves to returned, whose e-mail carries the pack. A prisoner who accepts no
    letters at the moment, has lost the address, or whose «Кому» line is incomplete, has their
    letters held (released or deceased: left to services.closure). None when there is
    nothing to do; safe to repeat."""
    letter = Letter.objects.only("status", "delivery", "prisoner_id").get(pk=letter_id)
    if letter.status != S.APPROVED or letter.delivery != Letter.Delivery.RETURN_TO_ME:
        return None
    try:
        return letter_return(letter_id=letter_id, coordinator=None)
    except (NotAcceptingLetters, NoCurrentAddress, RecipientLineIncomplete):
        # Held (a released or deceased prisoner's letters are not: they are closed).
        letters_hold_for_prisoner(prisoner_id=letter.prisoner_id)
    except LetterError as error:  # changed meanwhile (cancelled, held) or cannot be printed
        logger.warning("letter not returned id=%s: %s", letter_id, error.__class__.__name__)
    return None


def letter_return_pack(*, letter_id: int) -> LetterReturnPack:
    """A returned letter's stored pack, for the prisoner's address of today: drawn again only if
    the prisoner has moved since, its file was lost, or the letter was returned before packs
    were stored. Raises
    LetterError when it cannot be drawn (no address now)."""
    letter = Letter.objects.select_related("prisoner").get(pk=letter_id)
    pack = letter_return_pack_current(letter=letter)
    if pack is not None and storage.exists(pack.file_name):
        return pack
    with storage.kept_if_successful() as save, transaction.atomic(durable=True):
        letter = lock_letter(letter_id)
        pack = letter_return_pack_current(letter=letter)  # drawn meanwhile by another request?
        if pack is not None and storage.exists(pack.file_name):
            return pack
        LetterReturnPack.objects.filter(letter=letter).delete()  # its object goes after commit
        return _store_return_pack(letter, save)


def _store_return_pack(letter: Letter, save: Callable[[str, bytes], str]) -> LetterReturnPack:
    address = prisoner_current_address(prisoner=letter.prisoner)
    try:
        content = pdf.render_return_pdf(letter)
    except pdf.PdfError as error:  # no address or no text: the supporter is told to try later
        logger.warning("return pack cannot be drawn letter_id=%s", letter.pk)
        raise LetterError(
            _("We could not prepare the PDF just now. Please try again later, or write to us.")
        ) from error
    return LetterReturnPack.objects.create(
        letter=letter, address=address, file_name=save(RETURN_PACKS, content)
    )
