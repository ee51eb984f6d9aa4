"""A supporter's data, found through their letters: export it whole, or erase it.

The supporter proves they own the address by following a link we e-mail to it. The link
carries the ids of their letters, encrypted and authenticated (``core.crypto.seal``), so whoever
sees the address (a log, a proxy, a forwarded e-mail) learns nothing from it by reading it; it
expires after a day. Links of the earlier, signed-only format (their ids readable) are refused
like an expired link, whose page offers a new one: they lived a day at most, so at worst a
supporter who asked the day before the deploy asks again, and no code is kept that still
honours, and so keeps bringing back through logs and proxies, links anyone can read."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from core import crypto
from inbox.selectors import inbound_export
from letters.events import event_label
from letters.lifecycle import OPEN_STATES
from letters.models import LANGUAGES, Letter
from letters.services import privacy
from replies.selectors import replies_export

logger = logging.getLogger(__name__)

LINK_PURPOSE = "letterbridge.rights.link"
LINK_MAX_AGE = timedelta(hours=24)
# The payload is padded to a multiple of this many bytes, so a link's length does not tell how
# many letters it stands for (up to about seven in the shortest links).
LINK_PAD = 64


class LinkExpired(Exception):
    pass


def rights_link_token(*, letter_ids: list[int]) -> str:
    """An opaque token for these letters: their ids encrypted, dated, padded."""
    payload = json.dumps({"ids": sorted(letter_ids)}, separators=(",", ":")).encode()
    payload += b" " * (-len(payload) % LINK_PAD)  # JSON allows trailing whitespace
    return crypto.seal(payload, purpose=LINK_PURPOSE)


def rights_letter_ids(*, token: str) -> list[int]:
    """The letter ids a valid link stands for; LinkExpired for a forged, altered, old one, one
    made under a retired key, or one of the earlier signed-only format."""
    try:
        data = json.loads(crypto.unseal(token, purpose=LINK_PURPOSE, max_age=LINK_MAX_AGE))
    except (crypto.Unsealable, ValueError) as error:
        raise LinkExpired from error
    ids = data.get("ids") if isinstance(data, dict) else None
    if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
        raise LinkExpired
    return ids


def rights_link_send(*, letter_ids: list[int], locale: str = "en") -> bool:
    """E-mail the link to the address these letters were written from."""
    letters = list(Letter.objects.filter(pk__in=letter_ids).exclude(supporter_email=""))
    if not letters:
        return False
    address = letters[0].supporter_email
    ids = [letter.pk for letter in letters if letter.supporter_email.lower() == address.lower()]
    token = rights_link_token(letter_ids=ids)
    context = {
        "url": settings.LETTERBRIDGE_SITE_URL + reverse("rights:home", args=[token]),
        "count": len(ids),
        "organisation": settings.LETTERBRIDGE_ORGANISATION_NAME,
    }
    with translation.override(_language(locale)):
        subject = render_to_string("rights/email_link_subject.txt", context).strip()
        body = render_to_string("rights/email_link.txt", context)
    EmailMultiAlternatives(subject=subject, body=body, to=[address]).send()
    logger.info("data rights link sent letters=%s", len(ids))
    return True


def _language(locale: str) -> str:
    """The supporter's language where the site speaks it, English where it does not."""
    return locale if locale in dict(settings.LANGUAGES) else "en"


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def supporter_data_export(*, letter_ids: list[int]) -> dict:
    """Everything we hold about the supporter of these letters, as plain data.

    Each letter is written in the language the supporter chose for its e-mails (the language
    their data link came in; English where the site does not speak it): what happened to it
    (``history[].what``) and the fields that hold one of our codes (``status``, ``delivery``,
    ``postage``, ``came_by``, the two languages; a payment's ``provider`` and ``status``) are
    words, and each such field keeps its code beside it as ``<field>_code`` ("status":
    "posted", "status_code": "posted"; in Russian "status": "отправлено"), for a program
    reading the file."""
    letters = (
        Letter.objects.filter(pk__in=letter_ids)
        .select_related("prisoner")
        .prefetch_related("events", "payments")
        .order_by("created_at", "pk")
    )
    exported = []
    locale = "en"
    for letter in letters:
        locale = _language(letter.locale)  # the newest letter's, for the file's own words
        with translation.override(locale):
            exported.append(_letter_export(letter))
    with translation.override(locale):
        not_held = gettext(
            "We keep no account, password or IP address for supporters. Card details are held "
            "by Stripe, never by us."
        )
    return {
        "generated_at": timezone.now().isoformat(),
        "organisation": settings.LETTERBRIDGE_ORGANISATION_NAME,
        "letters": exported,
        "emails": inbound_export(letter_ids=letter_ids),
        "replies": replies_export(letter_ids=letter_ids),
        "not_held": not_held,
    }


def _language_name(code: str) -> str:
    """A language's name in the active language ("Russian", «русский»), or its code where it
    is none of the letters' languages."""
    return str(dict(LANGUAGES).get(code, code))


def _letter_export(letter: Letter) -> dict:
    """One letter of the export, its words in the active language."""
    return {
        "reference": letter.reference,
        "to": letter.prisoner.local_name(),
        "written_at": _iso(letter.created_at),
        "your_name": letter.supporter_name,
        "your_email": letter.supporter_email,
        "your_country": letter.get_supporter_country_display() if letter.supporter_country else "",
        "your_country_code": letter.supporter_country,
        "email_language": _language_name(letter.locale),
        "email_language_code": letter.locale,
        "letter_language": letter.get_language_display(),
        "letter_language_code": letter.language,
        "letter": letter.original_text,
        "russian_translation": letter.translation,
        "your_signature_in_russian": letter.signature_ru,
        "delivery": letter.get_delivery_display(),
        "delivery_code": letter.delivery,
        "came_by": letter.get_source_display(),
        "came_by_code": letter.source,
        "status": letter.get_status_display(),
        "status_code": letter.status,
        "postage": letter.get_postage_display(),
        "postage_code": letter.postage,
        "texts_erased_at": _iso(letter.texts_erased_at),
        "history": [
            {"at": _iso(event.created_at), "what": event_label(event)}
            for event in letter.events.all()
            if event.kind in ("transition", "notified", "postage")
        ],
        "payments": [
            {
                "provider": payment.get_provider_display(),
                "provider_code": payment.provider,
                "status": payment.get_status_display(),
                "status_code": payment.status,
                "amount": f"{payment.amount / 100:.2f}",
                "currency": payment.currency,
                "created_at": _iso(payment.created_at),
                "paid_at": _iso(payment.paid_at),
                "refunded_at": _iso(payment.refunded_at),
            }
            for payment in letter.payments.all()
        ],
    }


def supporter_erase(*, letter_ids: list[int]) -> dict[str, int]:
    """Cancel what has not been sent (paid postage is refunded) and erase identity and texts
    from every letter. Each letter is its own transaction; a second run changes nothing."""
    cancelled = erased = 0
    pending = Letter.objects.filter(pk__in=letter_ids).exclude(supporter_email="")
    for letter_id, status in pending.values_list("pk", "status"):
        privacy.letter_erase_supporter_data(letter_id=letter_id)
        cancelled += status in OPEN_STATES
        erased += 1
    logger.info("supporter data erased letters=%s cancelled=%s", erased, cancelled)
    return {"erased": erased, "cancelled": cancelled}
