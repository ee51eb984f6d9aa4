"""E-mails: the supporter's about each step of their letter (queued by the transition, sent
once by the worker), the links to their letters, and the coordinators' mail (held letters
released, the daily digest of stuck letters)."""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives, send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from core import storage
from core.mail import reply_headers, reply_subject

from .. import tokens
from ..events import email_action
from ..models import Letter, LetterEvent, Notification
from ..selectors import (
    FLAG_ANNOUNCED,
    flags_unannounced,
    letter_held_at_once,
    letter_return_pack_current,
    letter_translation_approved,
    letter_translation_skipped,
    letters_flagged,
    stuck_letters,
)

logger = logging.getLogger(__name__)

CLOSING_KINDS = frozenset(
    {Notification.Kind.PRISONER_RELEASED, Notification.Kind.PRISONER_DECEASED}
)


def tracking_url(letter: Letter) -> str:
    token = tokens.token_for(salt=letter.tracking_salt)
    return settings.LETTERBRIDGE_SITE_URL + reverse("letters:track", args=[token])


# --- the supporter ---------------------------------------------------------------------------


def notification_send(*, notification_id: int) -> bool:
    """Send one e-mail once, after every earlier e-mail of its letter; whether it went now.

    A letter can have two e-mails unsent at once (its "translated" e-mail still waiting or
    retrying when a coordinator puts it on hold), and the worker may run their tasks side by
    side: the supporter would read "waiting for a new address" first and "translated, we will
    post it as soon as the postage is paid" after it. So the letter's earlier e-mails still
    unsent go first, oldest first, each in its own transaction; the task of an earlier one then
    finds it sent. (A hold at approval itself sends no e-mail of its own: the "translated" one
    tells of it, ``held_at_once``.) One that fails is left to its own task's retries: it must
    not hold back every later e-mail of the letter."""
    letter_id = Notification.objects.values_list("letter_id", flat=True).get(pk=notification_id)
    earlier = Notification.objects.filter(
        letter_id=letter_id, pk__lt=notification_id, sent_at__isnull=True
    ).order_by("pk")
    for pk in earlier.values_list("pk", flat=True):
        try:
            _notification_send_one(notification_id=pk)
        except Exception:
            logger.warning("earlier notification not sent id=%s", pk, exc_info=True)
    return _notification_send_one(notification_id=notification_id)


def _notification_send_one(*, notification_id: int) -> bool:
    """Send one e-mail once. The row lock makes a second run wait, then see it sent."""
    with transaction.atomic(durable=True):
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("letter", "letter__prisoner", "event")
            .get(pk=notification_id)
        )
        if notification.sent_at is not None:
            return False
        letter = notification.letter
        if not letter.supporter_email:
            # The supporter had their data erased: there is nobody to write to any more.
            notification.sent_at = timezone.now()
            notification.save(update_fields=["sent_at"])
            return False
        context = {
            "letter": letter,
            "prisoner": letter.prisoner,
            "event": notification.event,
            "tracking_url": tracking_url(letter),
            "organisation": settings.LETTERBRIDGE_ORGANISATION_NAME,
            "translation_skipped": letter_translation_skipped(letter=letter),
            # A letter closed because its prisoner was released or died: its page shows the
            # checked translation too, and the e-mail says so.
            "translation_ready": notification.kind in CLOSING_KINDS
            and letter_translation_approved(letter=letter),
            # Approved (or sent on as written) and held at once for the prisoner's address or
            # «Кому» line: this one e-mail says so too, and what the supporter is to do.
            "held_at_once": notification.kind == Notification.Kind.TRANSLATED
            and letter_held_at_once(event=notification.event),
        }
        with translation.override(letter.locale):
            name = f"emails/letter_{notification.kind}"
            subject = render_to_string(f"{name}_subject.txt", context).strip()
            body = render_to_string(f"{name}.txt", context)
            html = render_to_string(f"{name}.html", context)
        if letter.source == Letter.Source.EMAIL:
            # The supporter wrote by e-mail: answer in their thread. The first answer reads as
            # a reply to what they sent; the later ones keep our own subjects.
            if notification.kind == Notification.Kind.RECEIVED and letter.email_subject:
                subject = reply_subject(letter.email_subject)
            headers = reply_headers(letter.email_message_id)
        else:
            headers = {}
        message = EmailMultiAlternatives(
            subject=subject, body=body, to=[letter.supporter_email], headers=headers
        )
        message.attach_alternative(html, "text/html")
        if notification.kind == Notification.Kind.RETURNED:
            # The pack stored at the return. If the prisoner has moved since (or is in transit),
            # the e-mail goes without it: the tracking page draws it for the new address.
            content = _return_pack_content(letter)
            if content is None:
                logger.warning("return PDF not attached notification=%s", notification.pk)
            else:
                message.attach(f"{letter.reference}.pdf", content, "application/pdf")
        message.send()
        notification.sent_at = timezone.now()
        notification.attempts += 1
        notification.save(update_fields=["sent_at", "attempts"])
        LetterEvent.objects.create(
            letter=letter,
            kind=LetterEvent.Kind.NOTIFIED,
            action=email_action(notification.kind),
            note=f"“{notification.get_kind_display()}” e-mail sent to the supporter"
            + (", saying it waits on hold." if context["held_at_once"] else "."),
        )
    logger.info("notification sent id=%s kind=%s", notification.pk, notification.kind)
    return True


def _return_pack_content(letter: Letter) -> bytes | None:
    pack = letter_return_pack_current(letter=letter)
    if pack is None:
        return None
    try:
        return storage.read(pack.file_name)
    except FileNotFoundError:  # lost from the storage: the tracking page draws it again
        logger.error("return pack missing from the storage letter_id=%s", letter.pk)
        return None


def letter_links_send(*, letter_ids: list[int], request_id: str, locale: str = "en") -> bool:
    """E-mail the tracking links of these letters (found by their writer's address) to that
    address. ``request_id`` makes a task that runs twice send one e-mail. Returns whether an
    e-mail went out."""
    done_key = f"letter-links-sent:{request_id}"
    if cache.get(done_key):
        return False
    letters = list(
        Letter.objects.filter(pk__in=letter_ids)
        .select_related("prisoner")
        .order_by("-created_at", "-pk")
    )
    if not letters:
        return False
    address = letters[0].supporter_email
    letters = [letter for letter in letters if letter.supporter_email.lower() == address.lower()]
    context = {
        "items": [{"letter": letter, "url": tracking_url(letter)} for letter in letters],
        "organisation": settings.LETTERBRIDGE_ORGANISATION_NAME,
    }
    with translation.override(locale if locale in dict(settings.LANGUAGES) else "en"):
        subject = render_to_string("emails/letter_links_subject.txt", context).strip()
        body = render_to_string("emails/letter_links.txt", context)
        html = render_to_string("emails/letter_links.html", context)
    message = EmailMultiAlternatives(subject=subject, body=body, to=[address])
    message.attach_alternative(html, "text/html")
    message.send()
    cache.set(done_key, 1, timeout=7 * 24 * 3600)
    logger.info("letter links sent count=%s", len(letters))
    return True


# --- coordinators ----------------------------------------------------------------------------


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


def staff_mail_render(template: str, context: dict) -> tuple[str, str]:
    """The subject and body of a staff e-mail (``<template>_subject.txt`` and
    ``<template>.txt``), written in the team's language (LETTERBRIDGE_STAFF_LANGUAGE), not in
    whichever language the request or task that set it off had."""
    context = {**context, "organisation": settings.LETTERBRIDGE_ORGANISATION_NAME}
    with translation.override(settings.LETTERBRIDGE_STAFF_LANGUAGE):
        subject = render_to_string(f"{template}_subject.txt", context).strip()
        body = render_to_string(f"{template}.txt", context)
    return subject, body


def coordinators_mail(template: str, context: dict) -> int:
    """E-mail every coordinator ``emails/coordinators/<template>``; returns how many went."""
    recipients = coordinator_emails()
    if not recipients:
        return 0
    subject, body = staff_mail_render(f"emails/coordinators/{template}", context)
    return send_mail(subject, body, None, recipients)


@transaction.atomic(durable=True)
def letter_flag_notify_coordinators(*, letter_id: int) -> bool:
    """E-mail coordinators that a volunteer flagged this letter, once per flag, and record it.
    The e-mail names the letter and links to the Flagged page; it carries neither the letter's
    text nor who wrote it (nor the volunteer's reason, which may quote the letter). False when
    there is nothing to tell: they were told already, or the flag is settled."""
    letter = (
        Letter.objects.select_for_update(of=("self",))
        .select_related("prisoner")
        .only(
            "reference",
            "language",
            "flagged_at",
            "status",
            "prisoner",
            "prisoner__name_en",
            "prisoner__name_ru",
        )
        .filter(pk=letter_id)
        .first()
    )
    if letter is None or not flags_unannounced().filter(pk=letter_id).exists():
        return False
    sent = coordinators_mail(
        "letter_flagged",
        {
            "letter": letter,
            "prisoner": letter.prisoner,
            "flagged_count": letters_flagged().count(),
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
    return coordinators_mail(
        "digest",
        {
            "rows": rows,
            "days": settings.LETTERBRIDGE_STUCK_DAYS,
            "site": settings.LETTERBRIDGE_SITE_URL,
        },
    )
