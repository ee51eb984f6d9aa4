"""The periodic side of the pipeline: the sweep that re-runs side effects that never ran, the
coordinators' digest of stuck letters, address changes, and the retention purge. Beat calls
these through ``letters.tasks``; each is safe to run twice."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from prisoners.models import Prisoner
from prisoners.selectors import prisoner_current_address

from . import selectors, services
from .models import Letter, LetterEvent, PostingBatch, PostingBatchDocument
from .posting import has_current_address

logger = logging.getLogger(__name__)

S = Letter.Status
STUCK_STATES = [S.RECEIVED, S.IN_TRANSLATION, S.TRANSLATED, S.APPROVED, S.ON_HOLD]
PURGED_STATES = [S.POSTED, S.RETURNED, S.CANCELLED, S.REJECTED]


def coordinator_emails() -> list[str]:
    """Active staff who may coordinate (by group, own permission, or superuser)."""
    users = (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .exclude(email="")
        .filter(
            Q(is_superuser=True)
            | Q(
                groups__permissions__codename="coordinate_letters",
                groups__permissions__content_type__app_label="letters",
            )
            | Q(
                user_permissions__codename="coordinate_letters",
                user_permissions__content_type__app_label="letters",
            )
        )
        .distinct()
    )
    return sorted(set(users.values_list("email", flat=True)))


def _mail_coordinators(template: str, context: dict) -> int:
    recipients = coordinator_emails()
    if not recipients:
        return 0
    context = {**context, "organisation": settings.LETTERBRIDGE_ORGANISATION_NAME}
    subject = render_to_string(f"emails/coordinators/{template}_subject.txt", context).strip()
    body = render_to_string(f"emails/coordinators/{template}.txt", context)
    return send_mail(subject, body, None, recipients)


# --- address changes -------------------------------------------------------------------------


def letters_sync_holds_for_prisoner(*, prisoner_id: int) -> tuple[list[int], list[int]]:
    """After an address change: with no current address, approved letters go on hold; with
    one, held letters go back to approved and coordinators are told. Returns (held, released)."""
    prisoner = Prisoner.objects.get(pk=prisoner_id)
    if prisoner_current_address(prisoner=prisoner) is None:
        return services.letters_hold_for_prisoner(prisoner_id=prisoner_id), []
    released = services.letters_release_holds_for_prisoner(prisoner_id=prisoner_id)
    if released:
        references = list(
            Letter.objects.filter(pk__in=released)
            .order_by("pk")
            .values_list("reference", flat=True)
        )
        _mail_coordinators(
            "holds_released",
            {
                "prisoner": prisoner,
                "references": references,
                "site": settings.LETTERBRIDGE_SITE_URL,
            },
        )
    return [], released


# --- flags -----------------------------------------------------------------------------------

FLAG_ANNOUNCED = "flag_announced"


def flags_unannounced() -> QuerySet[Letter]:
    """Flagged open letters whose coordinators have not been e-mailed about the flag yet."""
    announced = LetterEvent.objects.filter(
        letter=OuterRef("pk"), action=FLAG_ANNOUNCED, created_at__gte=OuterRef("flagged_at")
    )
    return Letter.objects.filter(flagged_at__isnull=False, status__in=services.OPEN_STATES).exclude(
        Exists(announced)
    )


def letter_flag_notify_coordinators(*, letter_id: int) -> bool:
    """E-mail coordinators that a volunteer flagged this letter, once per flag, and record it.
    The e-mail names the letter and links to the Flagged page; it carries neither the letter's
    text nor who wrote it (nor the volunteer's reason, which may quote the letter). False when
    there is nothing to tell: they were told already, or the flag is settled."""
    with transaction.atomic():
        letter = (
            Letter.objects.select_for_update(of=("self",))
            .select_related("prisoner")
            .only("reference", "language", "flagged_at", "status", "prisoner", "prisoner__name_en")
            .filter(pk=letter_id)
            .first()
        )
        if letter is None or not flags_unannounced().filter(pk=letter_id).exists():
            return False
        sent = _mail_coordinators(
            "letter_flagged",
            {
                "letter": letter,
                "prisoner": letter.prisoner,
                "flagged_count": selectors.letters_flagged().count(),
                "site": settings.LETTERBRIDGE_SITE_URL,
            },
        )
        LetterEvent.objects.create(
            letter=letter,
            kind=LetterEvent.Kind.NOTE,
            action=FLAG_ANNOUNCED,
            note="Coordinators e-mailed about the flag."
            if sent
            else "No coordinator has an e-mail address to tell about the flag.",
        )
    logger.info("flag announced letter=%s", letter_id)
    return True


# --- the sweep -------------------------------------------------------------------------------


def side_effects_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Queue again what should have happened and did not (the broker lost the task, the worker
    was killed): returns of approved ``return_to_me`` letters, batch PDFs, holds and releases
    after an address change, unsent e-mails, and flags coordinators were not told of. Each
    queued task checks the database first."""
    from .tasks import (
        notify_coordinators_of_flag,
        render_batch_pdf,
        return_letter,
        sync_prisoner_holds,
    )

    now = now or timezone.now()
    cutoff = now - settings.LETTERBRIDGE_SWEEP_GRACE
    returns = list(
        Letter.objects.filter(
            status=S.APPROVED,
            delivery=Letter.Delivery.RETURN_TO_ME,
            status_changed_at__lt=cutoff,
        ).values_list("pk", flat=True)[:500]
    )
    for pk in returns:
        return_letter.delay(pk)
    batches = list(
        PostingBatch.objects.filter(
            posted_on__isnull=True,
            document__isnull=True,
            created_at__lt=cutoff,
            letters__status=S.APPROVED,
        )
        .distinct()
        .values_list("pk", flat=True)[:50]
    )
    for pk in batches:
        render_batch_pdf.delay(pk)
    waiting = Letter.objects.filter(status_changed_at__lt=cutoff)
    in_transit = Q(prisoner__status=Prisoner.Status.IN_TRANSIT)
    held_with_address = waiting.filter(status=S.ON_HOLD).exclude(in_transit)
    held_with_address = held_with_address.filter(has_current_address())
    approved_without = waiting.filter(status=S.APPROVED).filter(in_transit | ~has_current_address())
    prisoners = set(held_with_address.values_list("prisoner_id", flat=True)[:200])
    prisoners |= set(approved_without.values_list("prisoner_id", flat=True)[:200])
    for prisoner_id in sorted(prisoners):
        sync_prisoner_holds.delay(prisoner_id)
    notifications = services.notifications_resend_lost()
    flags = list(
        flags_unannounced().filter(flagged_at__lt=cutoff).values_list("pk", flat=True)[:200]
    )
    for pk in flags:
        notify_coordinators_of_flag.delay(pk)
    counts = {
        "returns": len(returns),
        "batches": len(batches),
        "prisoners": len(prisoners),
        "notifications": notifications,
        "flags": len(flags),
    }
    logger.info("side effects sweep %s", counts)
    return counts


# --- the coordinators' digest ----------------------------------------------------------------


def stuck_letters(*, now: datetime | None = None) -> list[dict]:
    """Per open state: how many letters have waited longer than the threshold, the oldest
    change, and the first references."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.LETTERBRIDGE_STUCK_DAYS)
    stuck = Letter.objects.filter(status__in=STUCK_STATES, status_changed_at__lt=cutoff)
    rows = []
    by_state = {
        row["status"]: row
        for row in stuck.values("status").annotate(n=Count("pk"), oldest=Min("status_changed_at"))
    }
    for state in STUCK_STATES:
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


def coordinators_digest(*, now: datetime | None = None) -> int:
    """E-mail coordinators the letters stuck beyond the threshold, at most once a day.
    Returns the number of e-mails sent (0 when nothing is stuck or it was sent today)."""
    now = now or timezone.now()
    rows = stuck_letters(now=now)
    if not rows:
        return 0
    key = f"letters:digest:{timezone.localdate(now).isoformat()}"
    if not cache.add(key, 1, timeout=60 * 60 * 36):
        return 0
    return _mail_coordinators(
        "digest",
        {
            "rows": rows,
            "days": settings.LETTERBRIDGE_STUCK_DAYS,
            "site": settings.LETTERBRIDGE_SITE_URL,
        },
    )


# --- retention -------------------------------------------------------------------------------


def letters_purge_texts(*, now: datetime | None = None) -> int:
    """Erase the texts of letters that ended (posted, returned, cancelled, rejected) more than
    LETTERBRIDGE_RETENTION_DAYS ago, keeping the metadata and history; delete batch PDFs of the
    same age. Returns how many letters were erased; a second run erases none."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.LETTERBRIDGE_RETENTION_DAYS)
    erased = 0
    while True:
        with transaction.atomic():
            ids = list(
                Letter.objects.select_for_update(skip_locked=True)
                .filter(
                    status__in=PURGED_STATES,
                    status_changed_at__lt=cutoff,
                    texts_erased_at__isnull=True,
                )
                .values_list("pk", flat=True)[:500]
            )
            if not ids:
                break
            Letter.objects.filter(pk__in=ids).update(
                original_text="",
                translation="",
                signature_ru="",
                review_comment="",
                flag_reason="",
                texts_erased_at=now,
                updated_at=now,
            )
            LetterEvent.objects.bulk_create(
                LetterEvent(
                    letter_id=pk,
                    kind=LetterEvent.Kind.NOTE,
                    action="texts_erased",
                    note="Letter texts erased after the retention period.",
                )
                for pk in ids
            )
            erased += len(ids)
    documents, _by_model = PostingBatchDocument.objects.filter(
        batch__posted_on__lt=timezone.localdate(cutoff)
    ).delete()
    logger.info("retention purge letters=%s batch_pdfs=%s", erased, documents)
    return erased
