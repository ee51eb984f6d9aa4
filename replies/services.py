"""Every change of a reply: recording the scan, claims, drafts, hand-in, review (redaction,
send back, approval), withholding, the supporter's e-mail, expiry of claims and forgetting.
Each opens its own durable transaction, locks the reply, checks the move against TRANSITIONS,
writes an append-only ReplyEvent, and schedules side effects with ``transaction.on_commit``."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils import translation as i18n
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core import storage
from core.text import is_blank
from letters import tokens
from letters.models import Letter, VolunteerProfile

from .models import CLAIMED_STATES, OPEN_STATES, Reply, ReplyEvent, ReplyPage
from .scans import Scan, scans_check

logger = logging.getLogger(__name__)
S = Reply.Status
FOLDER = "replies"

PERM_TRANSLATE = "replies.translate_reply"
PERM_REVIEW = "replies.review_reply"
PERM_COORDINATE = "replies.coordinate_replies"

# action: (the states it may start from, the state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "claim": (frozenset({S.RECEIVED}), S.TRANSCRIBING),
    "release": (CLAIMED_STATES, S.RECEIVED),
    "expire_claim": (CLAIMED_STATES, S.RECEIVED),
    "transcribed": (frozenset({S.TRANSCRIBING}), S.TRANSLATING),
    "hand_in": (frozenset({S.TRANSLATING}), S.IN_REVIEW),
    "send_back": (frozenset({S.IN_REVIEW}), S.TRANSLATING),
    "approve": (frozenset({S.IN_REVIEW}), S.APPROVED),
    "withhold": (OPEN_STATES, S.WITHHELD),
}
REDACTION = "[…]"


class ReplyError(Exception):
    """A refused request, with a message fit to show the person who made it."""

    default_message: str | Promise = _("This cannot be done to this reply now.")

    def __init__(self, message: str | Promise | None = None):
        self.message = str(message or self.default_message)
        super().__init__(self.message)


class NotPermitted(ReplyError):
    default_message = _("You are not allowed to do that.")


class NothingToClaim(ReplyError):
    default_message = _("There is no reply waiting in your languages right now.")


class ClaimLimitReached(ReplyError):
    default_message = _("You already hold as many replies as you may. Hand one in first.")


class StaleDraft(ReplyError):
    default_message = _(
        "Someone saved this reply since you opened it. Your text is below; copy what you need, "
        "then reload the page."
    )


def require_permission(user: User | None, perm: str) -> None:
    if user is None or not user.has_perm(perm):
        raise NotPermitted()


def lock_reply(reply_id: int) -> Reply:
    return Reply.objects.select_for_update(of=("self",)).select_related("letter").get(pk=reply_id)


def _transition(reply: Reply, action: str, actor: User | None, note: str = "") -> None:
    allowed_from, to_status = TRANSITIONS[action]
    if reply.status not in allowed_from:
        raise ReplyError(
            _("This reply is %(status)s now; that cannot be done.")
            % {"status": reply.get_status_display()}
        )
    ReplyEvent.objects.create(
        reply=reply,
        action=action,
        from_status=reply.status,
        to_status=to_status,
        actor=actor,
        note=note,
    )
    reply.status = to_status
    reply.status_changed_at = timezone.now()
    if to_status not in CLAIMED_STATES:
        reply.claimed_by = None
        reply.claimed_at = reply.claim_expires_at = None


def _save(reply: Reply, *fields: str) -> None:
    reply.save(
        update_fields=[
            "status",
            "status_changed_at",
            "claimed_by",
            "claimed_at",
            "claim_expires_at",
            "updated_at",
            *fields,
        ]
    )


def volunteer_languages(user: User) -> list[str]:
    profile = VolunteerProfile.objects.filter(user=user).first()
    return list(profile.languages) if profile else []


def may_take(user: User, reply: Reply) -> bool:
    """A volunteer works on replies to letters in a language they know besides Russian (the
    languages of their profile); a coordinator on any."""
    if user.has_perm(PERM_COORDINATE):
        return True
    return reply.letter.language in volunteer_languages(user)


# --- recording a reply -----------------------------------------------------------------------


@dataclass(frozen=True)
class ReplyPart:
    """One supporter's share of a scanned reply: the letter it answers and the files (by their
    position in the upload, from 0) that belong to it; None is all of them."""

    letter_id: int
    files: tuple[int, ...] | None = None


def _letters_for(parts: list[ReplyPart]) -> dict[int, Letter]:
    letters = {
        letter.pk: letter
        for letter in Letter.objects.select_for_update(of=("self",)).filter(
            pk__in=[part.letter_id for part in parts]
        )
    }
    if len(letters) != len({part.letter_id for part in parts}):
        raise ReplyError(_("One of the chosen letters does not exist."))
    if len({letter.prisoner_id for letter in letters.values()}) != 1:
        raise ReplyError(_("A reply answers letters to one prisoner only."))
    for letter in letters.values():
        if letter.texts_erased_at is not None:
            raise ReplyError(
                _(
                    "Letter %(ref)s has been erased (its writer asked us to forget them, or it "
                    "is past the retention period): there is nobody to pass a reply on to."
                )
                % {"ref": letter.reference}
            )
        if letter.status != Letter.Status.POSTED:
            raise ReplyError(
                _("Letter %(ref)s was not posted by us, so no reply to it can have come.")
                % {"ref": letter.reference}
            )
    return letters


@transaction.atomic(durable=True)
def replies_record(*, actor: User, files: list[tuple[str, bytes]], parts: list[ReplyPart]):
    """A coordinator records a scanned reply: one Reply per letter it answers (a reply to
    several supporters is split by file), each file checked by its content and stored
    encrypted. Raises ScanError (a bad file) or ReplyError (a wrong choice of letters)."""
    require_permission(actor, PERM_COORDINATE)
    if not parts:
        raise ReplyError(_("Choose the letter the reply answers."))
    scans: list[Scan] = scans_check(files)
    used: set[int] = set()
    for part in parts:
        chosen = part.files if part.files is not None else tuple(range(len(scans)))
        if not chosen or any(not 0 <= index < len(scans) for index in chosen):
            raise ReplyError(
                _("Each letter needs pages from the files uploaded (numbered 1 to %(n)d).")
                % {"n": len(scans)}
            )
        used.update(chosen)
    if len(parts) > 1 and used != set(range(len(scans))):
        raise ReplyError(_("Every uploaded file must belong to one of the letters."))
    letters = _letters_for(parts)
    now = timezone.now()
    created = []
    with storage.kept_if_successful() as save:
        for part in parts:
            reply = Reply.objects.create(
                letter=letters[part.letter_id], recorded_by=actor, status_changed_at=now
            )
            chosen = part.files if part.files is not None else tuple(range(len(scans)))
            for position, index in enumerate(chosen, start=1):
                scan = scans[index]
                ReplyPage.objects.create(
                    reply=reply,
                    position=position,
                    file_name=save(FOLDER, scan.content),
                    content_type=scan.content_type,
                    size=len(scan.content),
                    page_count=scan.page_count,
                )
            ReplyEvent.objects.create(
                reply=reply,
                action="record",
                to_status=S.RECEIVED,
                actor=actor,
                note=f"{len(chosen)} file(s) recorded.",
            )
            created.append(reply)
    logger.info("replies recorded replies=%s files=%s", len(created), len(scans))
    return created


# --- claims ----------------------------------------------------------------------------------


def _claim_expiry() -> datetime:
    return timezone.now() + timedelta(days=settings.LETTERBRIDGE_CLAIM_DAYS)


def _check_claim_limit(volunteer: User) -> None:
    profile, _created = VolunteerProfile.objects.get_or_create(
        user=volunteer, defaults={"claim_limit": settings.LETTERBRIDGE_DEFAULT_CLAIM_LIMIT}
    )
    profile = VolunteerProfile.objects.select_for_update().get(pk=profile.pk)
    held = Reply.objects.filter(claimed_by=volunteer, status__in=CLAIMED_STATES).count()
    if held >= profile.claim_limit:
        raise ClaimLimitReached()


def _claim(reply: Reply, volunteer: User) -> Reply:
    if not may_take(volunteer, reply):
        raise NotPermitted(_("This reply answers a letter in a language you do not work in."))
    _transition(reply, "claim", volunteer)
    reply.claimed_by = volunteer
    reply.claimed_at = timezone.now()
    reply.claim_expires_at = _claim_expiry()
    _save(reply)
    return reply


@transaction.atomic(durable=True)
def reply_claim(*, reply_id: int, volunteer: User) -> Reply:
    """Take one named reply. Whoever locks the row first wins; the others get ReplyError."""
    require_permission(volunteer, PERM_TRANSLATE)
    _check_claim_limit(volunteer)
    return _claim(lock_reply(reply_id), volunteer)


@transaction.atomic(durable=True)
def reply_claim_next(*, volunteer: User) -> Reply:
    """Take the oldest waiting reply in the volunteer's languages, skipping rows another
    volunteer is locking at this moment."""
    require_permission(volunteer, PERM_TRANSLATE)
    _check_claim_limit(volunteer)
    waiting = Reply.objects.select_for_update(skip_locked=True, of=("self",)).filter(
        status=S.RECEIVED
    )
    if not volunteer.has_perm(PERM_COORDINATE):
        waiting = waiting.filter(letter__language__in=volunteer_languages(volunteer))
    reply = waiting.select_related("letter").order_by("created_at", "pk").first()
    if reply is None:
        raise NothingToClaim()
    return _claim(reply, volunteer)


@transaction.atomic(durable=True)
def reply_release(*, reply_id: int, actor: User) -> Reply:
    """Give a claimed reply back to the queue (its claimant, or a coordinator); drafts stay."""
    reply = lock_reply(reply_id)
    if reply.claimed_by_id != actor.pk and not actor.has_perm(PERM_COORDINATE):
        raise NotPermitted(_("Only the volunteer holding this reply can release it."))
    _transition(reply, "release", actor)
    _save(reply)
    return reply


@transaction.atomic(durable=True)
def reply_expire_claim(*, reply_id: int) -> Reply | None:
    reply = lock_reply(reply_id)
    expires = reply.claim_expires_at
    if reply.status not in CLAIMED_STATES or expires is None or expires > timezone.now():
        return None
    _transition(reply, "expire_claim", None, note="The claim expired.")
    _save(reply)
    return reply


def replies_release_expired() -> int:
    ids = list(
        Reply.objects.filter(status__in=CLAIMED_STATES, claim_expires_at__lte=timezone.now())
        .order_by("claim_expires_at")
        .values_list("pk", flat=True)[:1000]
    )
    return sum(1 for pk in ids if reply_expire_claim(reply_id=pk) is not None)


# --- transcribing and translating ------------------------------------------------------------


def _max_chars() -> int:
    return settings.LETTERBRIDGE_MAX_LETTER_CHARS * 3


@transaction.atomic(durable=True)
def reply_save_draft(
    *, reply_id: int, actor: User, transcription: str, translation: str, base_version: int
) -> Reply:
    """Save both texts. ``base_version`` is the version the editor started from: a stale tab
    is refused instead of overwriting newer text. The claimant edits while holding it; a
    reviewer edits while it is in review."""
    reply = lock_reply(reply_id)
    may_edit = (reply.status in CLAIMED_STATES and reply.claimed_by_id == actor.pk) or (
        reply.status == S.IN_REVIEW and _may_review(actor, reply)
    )
    if not may_edit:
        raise NotPermitted(_("You cannot edit this reply now."))
    if len(transcription) > _max_chars() or len(translation) > _max_chars():
        raise ReplyError(_("A text is longer than %(max)d characters.") % {"max": _max_chars()})
    if base_version != reply.version:
        raise StaleDraft()
    reply.transcription, reply.translation = transcription, translation
    reply.version += 1
    reply.saved_at = timezone.now()
    reply.save(update_fields=["transcription", "translation", "version", "saved_at", "updated_at"])
    return reply


def _needs_translation(reply: Reply) -> bool:
    return reply.letter.language != "ru"


@transaction.atomic(durable=True)
def reply_finish_transcription(*, reply_id: int, volunteer: User) -> Reply:
    reply = lock_reply(reply_id)
    if reply.claimed_by_id != volunteer.pk:
        raise NotPermitted(_("Only the volunteer holding this reply can do that."))
    if is_blank(reply.transcription):
        raise ReplyError(_("The transcription is empty."))
    _transition(reply, "transcribed", volunteer)
    _save(reply)
    return reply


@transaction.atomic(durable=True)
def reply_hand_in(*, reply_id: int, volunteer: User) -> Reply:
    reply = lock_reply(reply_id)
    if reply.claimed_by_id != volunteer.pk:
        raise NotPermitted(_("Only the volunteer holding this reply can hand it in."))
    if is_blank(reply.transcription):
        raise ReplyError(_("The transcription is empty."))
    if _needs_translation(reply) and is_blank(reply.translation):
        raise ReplyError(_("The translation is empty."))
    _transition(reply, "hand_in", volunteer)
    reply.translated_by = volunteer
    reply.review_comment = ""
    _save(reply, "translated_by", "review_comment")
    return reply


# --- review ----------------------------------------------------------------------------------


def _may_review(user: User, reply: Reply) -> bool:
    if user.has_perm(PERM_COORDINATE):
        return reply.translated_by_id != user.pk
    return (
        user.has_perm(PERM_REVIEW)
        and reply.translated_by_id != user.pk
        and reply.letter.language in volunteer_languages(user)
    )


def _require_reviewer(reply: Reply, reviewer: User) -> None:
    if reply.translated_by_id == reviewer.pk:
        raise NotPermitted(_("Another volunteer must review your translation."))
    if not _may_review(reviewer, reply):
        raise NotPermitted()


@transaction.atomic(durable=True)
@dataclass(frozen=True)
class Redaction:
    """How many spans were replaced, and which text, if any, none of the phrases was found in
    while the other had some: a name in Cyrillic in the transcription is spelled in Latin
    letters in the translation, and the supporter receives both texts."""

    count: int
    unchanged: str = ""  # "transcription" or "translation"


def reply_redact(*, reply_id: int, reviewer: User, phrases: list[str]) -> Redaction:
    """Replace every occurrence of each phrase (a name, a detail that could harm someone) in
    the transcription and the translation with "[…]". The reply is marked redacted, so the
    supporter is not shown the scan, which still has them."""
    reply = lock_reply(reply_id)
    if reply.status != S.IN_REVIEW:
        raise ReplyError(_("Only a reply in review can be redacted."))
    _require_reviewer(reply, reviewer)
    in_transcription = in_translation = 0
    for phrase in {p.strip() for p in phrases if p.strip()}:
        in_transcription += reply.transcription.count(phrase)
        in_translation += reply.translation.count(phrase)
        reply.transcription = reply.transcription.replace(phrase, REDACTION)
        reply.translation = reply.translation.replace(phrase, REDACTION)
    replaced = in_transcription + in_translation
    # A text redacted earlier (another spelling, another pass) is taken as seen to.
    unchanged = ""
    if in_transcription and reply.translation.strip() and REDACTION not in reply.translation:
        unchanged = "translation"
    elif in_translation and REDACTION not in reply.transcription:
        unchanged = "transcription"
    if not replaced:
        raise ReplyError(_("None of these words are in the reply's texts."))
    reply.redacted = True
    reply.version += 1
    reply.save(update_fields=["transcription", "translation", "redacted", "version", "updated_at"])
    # What was removed is not written down anywhere: only how many spans.
    ReplyEvent.objects.create(
        reply=reply, action="redact", actor=reviewer, note=f"{replaced} span(s) redacted."
    )
    return Redaction(count=replaced, unchanged=unchanged)


@transaction.atomic(durable=True)
def reply_send_back(*, reply_id: int, reviewer: User, comment: str) -> Reply:
    """Back to the volunteer who translated it, with a comment they see."""
    reply = lock_reply(reply_id)
    _require_reviewer(reply, reviewer)
    if not comment.strip():
        raise ReplyError(_("Say what should change."))
    _transition(reply, "send_back", reviewer)
    reply.claimed_by = reply.translated_by
    reply.claimed_at = timezone.now()
    reply.claim_expires_at = _claim_expiry()
    reply.review_comment = comment.strip()
    _save(reply, "review_comment")
    return reply


@transaction.atomic(durable=True)
def reply_approve(*, reply_id: int, reviewer: User) -> Reply:
    """Released to the supporter: the e-mail goes from the worker after commit."""
    from . import tasks  # a service reaches a task only from an on-commit callback

    reply = lock_reply(reply_id)
    _require_reviewer(reply, reviewer)
    if is_blank(reply.transcription) or (_needs_translation(reply) and is_blank(reply.translation)):
        raise ReplyError(_("The reply has no text to send yet."))
    _transition(reply, "approve", reviewer)
    reply.approved_at = timezone.now()
    _save(reply, "approved_at")
    transaction.on_commit(partial(tasks.send_reply_email.delay, reply.pk), robust=True)
    return reply


@transaction.atomic(durable=True)
def reply_withhold(*, reply_id: int, coordinator: User, reason: str) -> Reply:
    """A coordinator keeps a reply from the supporter (it could harm someone), saying why."""
    require_permission(coordinator, PERM_COORDINATE)
    if not reason.strip():
        raise ReplyError(_("Say why the reply is withheld."))
    reply = lock_reply(reply_id)
    _transition(reply, "withhold", coordinator)
    reply.withheld_reason = reason.strip()
    _save(reply, "withheld_reason")
    return reply


# --- delivering ------------------------------------------------------------------------------


def tracking_url(letter: Letter) -> str:
    token = tokens.token_for(salt=letter.tracking_salt)
    return settings.LETTERBRIDGE_SITE_URL + reverse("letters:track", args=[token])


def reply_email_send(*, reply_id: int) -> bool:
    """E-mail the supporter an approved reply, once (the row lock makes a second run wait and
    then see it sent). The scan is not attached: it stays behind the tracking link."""
    with transaction.atomic(durable=True):
        reply = (
            Reply.objects.select_for_update(of=("self",))
            .select_related("letter", "letter__prisoner")
            .get(pk=reply_id)
        )
        if reply.notified_at is not None or reply.status != S.APPROVED:
            return False
        letter = reply.letter
        reply.notified_at = timezone.now()
        reply.save(update_fields=["notified_at"])
        if not letter.supporter_email:
            return False  # erased: nobody to write to
        context = {
            "reply": reply,
            "letter": letter,
            "prisoner": letter.prisoner,
            "tracking_url": tracking_url(letter),
            "organisation": settings.LETTERBRIDGE_ORGANISATION_NAME,
        }
        with i18n.override(letter.locale):
            subject = render_to_string("emails/reply_approved_subject.txt", context).strip()
            body = render_to_string("emails/reply_approved.txt", context)
            html = render_to_string("emails/reply_approved.html", context)
        message = EmailMultiAlternatives(subject=subject, body=body, to=[letter.supporter_email])
        message.attach_alternative(html, "text/html")
        message.send()
        ReplyEvent.objects.create(reply=reply, action="notified", note="E-mail sent.")
    logger.info("reply e-mail sent reply=%s", reply_id)
    return True


def replies_resend_lost(*, older_than: timedelta = timedelta(minutes=10)) -> int:
    """Approved replies whose e-mail never went (the broker was down): send them now."""
    ids = Reply.objects.filter(
        status=S.APPROVED, notified_at__isnull=True, approved_at__lt=timezone.now() - older_than
    ).values_list("pk", flat=True)[:500]
    return sum(1 for pk in list(ids) if reply_email_send(reply_id=pk))


# --- the scan by e-mail, when the supporter asks for it (issue 14) ----------------------------

SCAN_REQUESTED = "scan_requested"
SCAN_EMAILED = "scan_emailed"


class ScanNotSent(ReplyError):
    """The scan of this reply is not for this supporter (no such reply to their letter, not
    approved, withheld): one message for all, so it says nothing of what they may not see."""

    default_message = _("The scan of this reply cannot be sent.")


class ScanEmailTooSoon(ReplyError):
    pass


def _scan_refusal(reply: Reply | None, letter_id: int) -> ReplyError | None:
    """Why this reply's scan may not go to the supporter of ``letter_id`` now, or None. The same
    rules as the letter's page, which shows the scan only of an approved, unredacted reply."""
    if reply is None or reply.letter_id != letter_id or reply.status != S.APPROVED:
        return ScanNotSent()
    letter = reply.letter
    if letter.texts_erased_at is not None or not letter.supporter_email or reply.erased_at:
        return ReplyError(
            _("Your details for this letter have been erased, so we have no address to send to.")
        )
    if reply.redacted:
        return ReplyError(
            _(
                "This reply's scan is not sent, for the same reason it is not shown: it shows "
                "names or details we took out of the texts."
            )
        )
    return None


def _minutes_left(since: datetime) -> int:
    left = since + settings.LETTERBRIDGE_REPLY_SCAN_EMAIL_INTERVAL - timezone.now()
    return max(1, -(-int(left.total_seconds()) // 60))


@transaction.atomic(durable=True)
def reply_scan_email_request(*, reply_id: int, letter_id: int) -> ReplyEvent:
    """The supporter of ``letter_id`` (whose tracking token the view checked) asks for the scan
    of one of its replies by e-mail. Refused (ReplyError, with a message for them) unless the
    scan is theirs to see, and again within LETTERBRIDGE_REPLY_SCAN_EMAIL_INTERVAL of the last
    request; the e-mail goes from the worker after commit. Returns the request's event."""
    from . import tasks  # a service reaches a task only from an on-commit callback

    reply = (
        Reply.objects.select_for_update(of=("self",))
        .select_related("letter")
        .filter(pk=reply_id)
        .first()
    )
    refusal = _scan_refusal(reply, letter_id)
    if refusal is not None:
        raise refusal
    if reply is None or not reply.pages.exists():
        raise ScanNotSent()
    since = timezone.now() - settings.LETTERBRIDGE_REPLY_SCAN_EMAIL_INTERVAL
    last = (
        ReplyEvent.objects.filter(reply=reply, action=SCAN_REQUESTED, created_at__gt=since)
        .order_by("-created_at")
        .first()
    )
    if last is not None:
        minutes = _minutes_left(last.created_at)
        raise ScanEmailTooSoon(
            ngettext(
                "You asked for this scan a moment ago: it is on its way. Check your inbox and "
                "the spam folder; you can ask again in %(minutes)d minute.",
                "You asked for this scan a moment ago: it is on its way. Check your inbox and "
                "the spam folder; you can ask again in %(minutes)d minutes.",
                minutes,
            )
            % {"minutes": minutes}
        )
    request = ReplyEvent.objects.create(
        reply=reply, action=SCAN_REQUESTED, note="The supporter asked for the scan by e-mail."
    )
    transaction.on_commit(
        partial(tasks.send_reply_scan_email.delay, reply.pk, request.pk), robust=True
    )
    logger.info("reply scan requested by e-mail reply=%s", reply.pk)
    return request


def _scan_sent_note(request_id: int) -> str:
    return f"request={request_id} "


def reply_scan_email_send(*, reply_id: int, request_id: int) -> bool:
    """Send the scan asked for in the ``request_id`` event, once (the row lock makes a second
    run wait, then find the e-mail sent), if the reply's scan may still go to the supporter.
    The pages are attached, decrypted, as LB-…-reply-page-N.jpg/png/pdf, unless together they
    are larger than LETTERBRIDGE_REPLY_SCAN_EMAIL_MAX_BYTES: then the e-mail says so and links
    to the letter's page. A failed send rolls back, so the worker's retry sends again."""
    with transaction.atomic(durable=True):
        reply = (
            Reply.objects.select_for_update(of=("self",))
            .select_related("letter", "letter__prisoner")
            .filter(pk=reply_id)
            .first()
        )
        if reply is None or not reply.events.filter(pk=request_id, action=SCAN_REQUESTED).exists():
            return False
        if reply.events.filter(
            action=SCAN_EMAILED, note__startswith=_scan_sent_note(request_id)
        ).exists():
            return False  # sent by an earlier run
        if _scan_refusal(reply, reply.letter_id) is not None:
            return False  # approved then erased in between: nothing to send, nobody to send to
        letter = reply.letter
        pages = list(reply.pages.order_by("position"))
        total = sum(page.size for page in pages)
        limit = settings.LETTERBRIDGE_REPLY_SCAN_EMAIL_MAX_BYTES
        attachments: list[tuple[str, bytes, str]] = []
        if pages and total <= limit:
            try:
                attachments = [
                    (
                        f"{letter.reference}-reply-page-{page.position}.{page.extension}",
                        storage.read(page.file_name),
                        page.content_type,
                    )
                    for page in pages
                ]
            except FileNotFoundError:
                logger.error("reply scan missing from the storage reply=%s", reply_id)
                return False
        context = {
            "reply": reply,
            "letter": letter,
            "prisoner": letter.prisoner,
            "tracking_url": tracking_url(letter),
            "organisation": settings.LETTERBRIDGE_ORGANISATION_NAME,
            "attached": len(attachments),
            "total_size": total,
            "size_limit": limit,
        }
        with i18n.override(letter.locale):
            subject = render_to_string("emails/reply_scan_subject.txt", context).strip()
            body = render_to_string("emails/reply_scan.txt", context)
            html = render_to_string("emails/reply_scan.html", context)
        message = EmailMultiAlternatives(subject=subject, body=body, to=[letter.supporter_email])
        message.attach_alternative(html, "text/html")
        for name, content, content_type in attachments:
            message.attach(name, content, content_type)
        message.send()
        ReplyEvent.objects.create(
            reply=reply,
            action=SCAN_EMAILED,
            note=f"{_scan_sent_note(request_id)}files={len(attachments)} bytes={total}",
        )
    logger.info("reply scan e-mail sent reply=%s files=%s", reply_id, len(attachments))
    return True


def reply_scan_emails_resend_lost(
    *, older_than: timedelta = timedelta(minutes=10), within: timedelta = timedelta(days=1)
) -> int:
    """Requests of the last day whose task was lost (the broker was down at the commit): run
    them now. Those already sent or no longer allowed send nothing (see above)."""
    now = timezone.now()
    requests = ReplyEvent.objects.filter(
        action=SCAN_REQUESTED, created_at__lt=now - older_than, created_at__gte=now - within
    ).values_list("reply_id", "pk")[:500]
    return sum(
        1
        for reply_id, request_id in list(requests)
        if reply_scan_email_send(reply_id=reply_id, request_id=request_id)
    )


# --- forgetting ------------------------------------------------------------------------------

ERASED_NOTE = "Erased with the supporter's letter."


def replies_forget_letters(*, letter_ids: list[int], reason: str) -> int:
    """Erase the replies to these letters (inside the caller's transaction): their texts and
    scans (the objects go after commit). An open reply is withheld first: there is nobody to
    deliver it to any more. Returns how many replies were erased."""
    now = timezone.now()
    replies = list(
        Reply.objects.select_for_update()
        .filter(letter_id__in=letter_ids, erased_at__isnull=True)
        .order_by("pk")
    )
    for reply in replies:
        if reply.status in OPEN_STATES:
            _transition(reply, "withhold", None, note=ERASED_NOTE)
        reply.transcription = reply.translation = reply.review_comment = ""
        reply.withheld_reason = ERASED_NOTE if reply.status == S.WITHHELD else ""
        reply.erased_at = now
        _save(
            reply, "transcription", "translation", "review_comment", "withheld_reason", "erased_at"
        )
        ReplyEvent.objects.create(reply=reply, action="erased", note=reason)
    ReplyPage.objects.filter(reply__in=replies).delete()
    return len(replies)


def replies_purge(*, now: datetime | None = None) -> int:
    """Erase replies approved or withheld more than LETTERBRIDGE_RETENTION_DAYS ago (texts and
    scans), keeping the row and its history. A second run erases none."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.LETTERBRIDGE_RETENTION_DAYS)
    erased = 0
    while True:
        with transaction.atomic(durable=True):
            letter_ids = list(
                Reply.objects.filter(
                    status__in=[S.APPROVED, S.WITHHELD],
                    status_changed_at__lt=cutoff,
                    erased_at__isnull=True,
                )
                .values_list("letter_id", flat=True)
                .distinct()[:200]
            )
            if not letter_ids:
                break
            erased += _purge(letter_ids, cutoff, now)
    logger.info("retention purge replies=%s", erased)
    return erased


def _purge(letter_ids: list[int], cutoff: datetime, now: datetime) -> int:
    replies = list(
        Reply.objects.select_for_update()
        .filter(
            letter_id__in=letter_ids,
            status__in=[S.APPROVED, S.WITHHELD],
            status_changed_at__lt=cutoff,
            erased_at__isnull=True,
        )
        .order_by("pk")
    )
    for reply in replies:
        reply.transcription = reply.translation = reply.review_comment = ""
        if reply.status == S.WITHHELD:
            reply.withheld_reason = "Erased after the retention period."
        reply.erased_at = now
        reply.save(
            update_fields=[
                "transcription",
                "translation",
                "review_comment",
                "withheld_reason",
                "erased_at",
                "updated_at",
            ]
        )
        ReplyEvent.objects.create(reply=reply, action="erased", note="retention")
    ReplyPage.objects.filter(reply__in=replies).delete()
    return len(replies)
