"""Posting and returning: batches of letters printed and posted together, and the return of
``return_to_me`` letters to their supporters. Status changes go through ``letters.services``;
this module chooses which letters, renders their PDFs and records the batch."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date
from functools import partial

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import crypto
from prisoners.models import PrisonAddress, Prisoner
from prisoners.selectors import prisoner_current_address

from . import pdf, services
from .models import CURRENCIES, Letter, PostingBatch, PostingBatchDocument

logger = logging.getLogger(__name__)

S = Letter.Status

# The «Кому» line needs the full name in the dative with the patronymic (…Мардоновичу,
# …Ивановне, …Ильиничне; in Turkic names a word such as оглы or кызы after it): facilities
# tell namesakes apart by it and by the year of birth. Written for PostgreSQL and Python
# alike, so no case-insensitive flag.
DATIVE_WITH_PATRONYMIC = (
    r"^\s*\S+\s+\S+\s+(\S+(ичу|вне|чне|ИЧУ|ВНЕ|ЧНЕ)"
    r"|\S+\s+(оглы|кызы|улы|уулу|угли|гызы|ОГЛЫ|КЫЗЫ|УЛЫ|УУЛУ|УГЛИ|ГЫЗЫ))\s*$"
)


def address_gaps(prisoner: Prisoner) -> list[str]:
    """What the envelope's «Кому» line lacks for this prisoner, to fix before printing."""
    gaps = []
    if not prisoner.birth_year:
        gaps.append(str(_("year of birth")))
    if not re.search(DATIVE_WITH_PATRONYMIC, prisoner.name_ru_dative):
        gaps.append(str(_("patronymic in the dative name")))
    return gaps


def prisoners_with_incomplete_addresses(*, limit: int = 50) -> list[dict]:
    """Prisoners who accept letters but whose «Кому» line lacks the year of birth or the
    patronymic, each with what is missing."""
    prisoners = (
        Prisoner.objects.filter(accepts_letters=True)
        .filter(Q(birth_year__isnull=True) | ~Q(name_ru_dative__regex=DATIVE_WITH_PATRONYMIC))
        .only("pk", "name_en", "name_ru_dative", "birth_year")
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
    with a known address, in printing order."""
    return (
        Letter.objects.filter(
            status=S.APPROVED,
            delivery=Letter.Delivery.POST_FOR_ME,
            postage__in=[Letter.Postage.PAID, Letter.Postage.WAIVED],
            posting_batch__isnull=True,
            flagged_at__isnull=True,
        )
        .exclude(prisoner__status=Prisoner.Status.IN_TRANSIT)
        .filter(has_current_address())
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


@transaction.atomic
def batch_prepare(
    *, coordinator: AbstractBaseUser, letter_ids: list[int] | None = None
) -> PostingBatch:
    """Put the letters ready to post (or the chosen ones among them) into a new batch and
    have its PDF rendered by the worker."""
    services._require(coordinator, services.PERM_COORDINATE)
    ready = letters_ready_to_post()
    if letter_ids is not None:
        ready = ready.filter(pk__in=letter_ids)
    ids = list(
        Letter.objects.select_for_update(of=("self",))
        .filter(pk__in=ready.values("pk"))
        .values_list("pk", flat=True)
    )
    if not ids:
        raise services.LetterError(_("No letter is ready to post."))
    batch = PostingBatch.objects.create(created_by=coordinator)
    Letter.objects.filter(pk__in=ids).update(posting_batch=batch, updated_at=timezone.now())
    transaction.on_commit(partial(_queue_render, batch.pk), robust=True)
    logger.info("posting batch prepared id=%s letters=%s", batch.pk, len(ids))
    return batch


def _queue_render(batch_id: int) -> None:
    from .tasks import render_batch_pdf

    render_batch_pdf.delay(batch_id)


def batch_pdf_bytes(document: PostingBatchDocument) -> bytes:
    """The stored PDF, decrypted: it holds letter texts, so it is encrypted at rest."""
    return crypto.fernet().decrypt(bytes(document.content))


def batch_render_pdf(*, batch_id: int) -> PostingBatchDocument | None:
    """Render the batch's PDF once (encrypted like the letter texts); a second run returns the
    stored one. A letter whose prisoner has lost the address since leaves the batch; None when
    no letter is left to print."""
    existing = PostingBatchDocument.objects.filter(batch_id=batch_id).first()
    if existing is not None:
        return existing
    batch = PostingBatch.objects.get(pk=batch_id)
    letters, addresses = [], {}
    for letter in batch_letters(batch).filter(status=S.APPROVED):
        address = prisoner_current_address(prisoner=letter.prisoner)
        if address is None:
            Letter.objects.filter(pk=letter.pk).update(posting_batch=None)
            continue
        addresses[letter.prisoner_id] = address
        letters.append(letter)
    if not letters:
        logger.warning("posting batch has nothing to print id=%s", batch_id)
        return None
    content = pdf.render_batch_pdf(letters, addresses=addresses)
    try:
        with transaction.atomic():
            return PostingBatchDocument.objects.create(
                batch=batch, content=crypto.fernet().encrypt(content), letter_count=len(letters)
            )
    except IntegrityError:  # another worker finished first
        return PostingBatchDocument.objects.get(batch_id=batch_id)


@dataclass
class BatchPosted:
    batch: PostingBatch
    posted: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (reference, why)


@transaction.atomic
def batch_mark_posted(
    *,
    batch_id: int,
    coordinator: AbstractBaseUser,
    posted_on: date,
    postage_spent: int,
    postage_currency: str,
) -> BatchPosted:
    """The batch went into the post: each approved letter in it is posted (its event, its
    e-mail to the supporter). Letters that changed meanwhile (cancelled, held) leave the batch
    and are reported, so the coordinator takes them out of the pile."""
    services._require(coordinator, services.PERM_COORDINATE)
    batch = PostingBatch.objects.select_for_update().get(pk=batch_id)
    if batch.posted_on is not None:
        raise services.LetterError(_("This batch was already marked posted."))
    if postage_currency not in dict(CURRENCIES):
        raise services.LetterError(_("Choose the currency the postage was paid in."))
    if postage_spent < 0:
        raise services.LetterError(_("Postage spent cannot be negative."))
    if posted_on > timezone.localdate():
        raise services.LetterError(_("The posting date cannot be in the future."))
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
            Letter.objects.filter(pk=letter_id).update(posting_batch=None)
            result.skipped.append(
                (reference, str(_("It changed after printing; it goes in the next batch.")))
            )
            continue
        try:
            services.letter_post(letter_id=letter_id, coordinator=coordinator, batch=batch)
        except services.LetterError as error:
            Letter.objects.filter(pk=letter_id).update(posting_batch=None)
            result.skipped.append((reference, error.message))
            continue
        result.posted.append(reference)
    if not result.posted:
        raise services.LetterError(_("No letter in this batch can be posted any more."))
    batch.posted_on = posted_on
    batch.postage_spent = postage_spent
    batch.postage_currency = postage_currency
    batch.save(update_fields=["posted_on", "postage_spent", "postage_currency"])
    logger.info("posting batch posted id=%s letters=%s", batch.pk, len(result.posted))
    return result


def letter_return_process(*, letter_id: int) -> Letter | None:
    """Return an approved ``return_to_me`` letter: check its PDF renders, then move it to
    returned (whose e-mail carries the PDF). None when there is nothing to do; safe to repeat."""
    letter = Letter.objects.select_related("prisoner").get(pk=letter_id)
    if letter.status != S.APPROVED or letter.delivery != Letter.Delivery.RETURN_TO_ME:
        return None
    try:
        pdf.render_return_pdf(letter)
    except pdf.PdfError:
        services.letters_hold_for_prisoner(prisoner_id=letter.prisoner_id)
        return None
    try:
        return services.letter_return(letter_id=letter_id, coordinator=None)
    except (services.InvalidTransition, services.NoCurrentAddress):
        return None


@transaction.atomic
def batch_discard(*, batch_id: int, coordinator: AbstractBaseUser) -> int:
    """Give up a batch that will not be posted (misprinted, lost): its letters are free for
    the next one. Returns how many letters were freed."""
    services._require(coordinator, services.PERM_COORDINATE)
    batch = PostingBatch.objects.select_for_update().get(pk=batch_id)
    if batch.posted_on is not None:
        raise services.LetterError(_("A posted batch cannot be discarded."))
    freed = Letter.objects.filter(posting_batch=batch).update(
        posting_batch=None, updated_at=timezone.now()
    )
    batch.delete()
    logger.info("posting batch discarded id=%s letters=%s", batch_id, freed)
    return freed
