"""The volunteers' translation desk: admin pages for the queue, "my letters", translating and
reviewing, flags. Views only parse input, call one service and render; every letter is fetched
through ``letters.selectors``, which decide what this person may see."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import cast, overload

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import override as translation_override
from django.views.decorators.http import require_http_methods

from core.csrf import get_token
from core.http import AuthenticatedHttpRequest
from core.paginator import BoundedPaginator
from core.urls import reverse_for_each, reverse_once

from . import selectors
from .lifecycle import OPEN_STATES, PERM_REVIEW, PERM_TRANSLATE, Action
from .models import LANGUAGES, LANGUAGES_IN_A_SENTENCE, Letter
from .services import translation
from .services.core import InvalidTransition, LetterError, NothingToClaim, StaleDraft
from .signature import MAX_LENGTH as MAX_SIGNATURE_CHARS
from .templatetags.letters_tags import datetime_with_zone

QUEUE_PAGE_SIZE = 25  # the oldest first; "Claim next" is the usual way in
REVIEW_PAGE_SIZE = 100

# A kind default for the coordinator to edit: the reason the supporter reads, after the
# rejection e-mail has said sorry, that the letter is not sent, and that they may write again.
KIND_REJECTION = gettext_lazy(
    "Parts of it touch on what the prison censor stops and may hold against the prisoner, "
    "such as their case, the war or politics."
)


def _url(name: str, *args) -> str:
    name = f"admin:letters_letter_desk_{name}"
    return reverse(name, args=args) if args else reverse_once(name)


def _url_for_each(name: str) -> Callable[[int], str]:
    """reverse(name, args=[id]) for many letters, from one reverse() per process."""
    return reverse_for_each(name)


def _can_translate(user) -> bool:
    return user.has_perm(PERM_TRANSLATE)


def _can_review(user) -> bool:
    return user.has_perm(PERM_REVIEW) or selectors.user_is_coordinator(user=user)


@overload
def _int(value: object, default: int) -> int: ...
@overload
def _int(value: object, default: None = None) -> int | None: ...
def _int(value, default: int | None = None) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


@overload
def _posted_text(request: HttpRequest, name: str, default: str = "") -> str: ...
@overload
def _posted_text(request: HttpRequest, name: str, default: None) -> str | None: ...
def _posted_text(request: HttpRequest, name: str, default: str | None = "") -> str | None:
    """A textarea's value with the line breaks browsers send (CRLF) made plain newlines, so a
    draft saved by the script and one posted by the form compare equal. NUL characters, which
    no keyboard types and PostgreSQL cannot store, are dropped (as Django's form fields refuse
    them)."""
    value = request.POST.get(name)
    if value is None:
        return default
    return value.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")


def _max_translation_chars() -> int:
    return settings.LETTERBRIDGE_MAX_LETTER_CHARS * 3


class Desk:
    """The desk's views, mounted under the letter admin's URLs (see ``LetterAdmin.get_urls``)
    so they share the admin's login, CSRF protection and look."""

    def __init__(self, model_admin):
        self.model_admin = model_admin
        self.site = model_admin.admin_site

    def get_urls(self):
        get, post, both = ["GET"], ["POST"], ["GET", "POST"]
        routes: list[tuple[str, Callable[..., HttpResponse], str, list[str]]] = [
            ("desk/", self.queue, "queue", get),
            ("desk/claim-next/", self.claim_next, "claim_next", post),
            ("desk/mine/", self.mine, "mine", get),
            ("desk/review/", self.review_list, "review_list", get),
            ("desk/flags/", self.flags, "flags", get),
            ("<int:letter_id>/desk/claim/", self.claim, "claim", post),
            ("<int:letter_id>/desk/translate/", self.translate, "translate", both),
            ("<int:letter_id>/desk/autosave/", self.autosave, "autosave", post),
            ("<int:letter_id>/desk/release/", self.release, "release", post),
            ("<int:letter_id>/desk/review/", self.review, "review", both),
            ("<int:letter_id>/desk/flag/", self.flag, "flag", both),
            ("<int:letter_id>/desk/decide/", self.decide, "decide", both),
            ("<int:letter_id>/desk/skip/", self.skip, "skip", post),
        ]
        return [
            path(
                route,
                self.site.admin_view(require_http_methods(methods)(view)),
                name=f"letters_letter_desk_{name}",
            )
            for route, view, name, methods in routes
        ]

    # --- helpers ------------------------------------------------------------------------------

    def _render(self, request, template: str, title: str, context: dict) -> TemplateResponse:
        user = request.user
        base = {
            **self.site.each_context(request),
            # One masked CSRF token for every form of the page (the queue has two a row):
            # Django's would mask a new one for each {% csrf_token %}, at some cost each; made
            # by core.csrf from one read of the random source (Django's draws 64 letters).
            "csrf_token": SimpleLazyObject(lambda: get_token(request)),
            "opts": Letter._meta,
            "title": title,
            "desk_tabs": self.tabs(request),
            "can_translate": _can_translate(user),
            "can_review": _can_review(user),
            "is_coordinator": selectors.user_is_coordinator(user=user),
        }
        return TemplateResponse(request, f"admin/letters/desk/{template}", base | context)

    def tabs(self, request) -> list[dict]:
        user = request.user
        tabs = []
        translates = _can_translate(user)  # asked once: each has_perm walks the backends
        coordinator = selectors.user_is_coordinator(user=user)
        if translates or coordinator:
            tabs.append({"name": "queue", "label": _("Queue"), "url": _url("queue")})
        if translates:
            tabs.append({"name": "mine", "label": _("My letters"), "url": _url("mine")})
        if coordinator or user.has_perm(PERM_REVIEW):  # _can_review, the cheaper question first
            tabs.append({"name": "review", "label": _("Review"), "url": _url("review_list")})
        if coordinator:
            tabs.append({"name": "flags", "label": _("Flagged"), "url": _url("flags")})
        return tabs

    def _letter_or_redirect(self, request, letter_id: int):
        letter = selectors.letter_for_desk(user=request.user, letter_id=letter_id)
        if letter is None and (stopped := _stopped_message(request.user, letter_id)):
            # Cancelled or rejected while this volunteer held it (an open tab, a bookmark).
            messages.info(request, stopped)
            return None, redirect(_url("mine") if _can_translate(request.user) else "admin:index")
        if letter is None and request.method == "GET":
            # Opening a letter that is not yours to see: 404, saying nothing of whether it exists.
            raise Http404
        if letter is None:
            messages.warning(request, _("That letter is not available to you."))
            return None, redirect(_url("queue") if _can_translate(request.user) else "admin:index")
        return letter, None

    def _denied(self, request) -> HttpResponse:
        if request.method == "GET":
            raise PermissionDenied  # a page this role may not open: 403
        messages.warning(request, _("You are not allowed to do that."))
        return redirect("admin:index")

    # --- the queue ----------------------------------------------------------------------------

    def queue(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        user = request.user
        coordinator = selectors.user_is_coordinator(user=user)
        if not (_can_translate(user) or coordinator):
            return self._denied(request)
        languages = dict(LANGUAGES)
        language = request.GET.get("language", "")
        if language not in languages:
            language = ""
        my_languages, limit, held = selectors.volunteer_desk_settings(user=user)
        page = BoundedPaginator(
            # Pages by slices and bounded_count, as BoundedPaginator asks (not a Sequence).
            selectors.WaitingLetters(user=user, language=language, languages=my_languages),  # type: ignore[arg-type]
            QUEUE_PAGE_SIZE,
        ).get_page(request.GET.get("page"))
        now = timezone.now()
        change_url = _url_for_each("admin:letters_letter_change")
        claim_url = _url_for_each("admin:letters_letter_desk_claim")
        skip_url = _url_for_each("admin:letters_letter_desk_skip")
        rows = [
            {
                "letter": letter,
                "language_name": languages.get(letter.language, letter.language),
                "age": now - letter.created_at,
                "skippable": coordinator
                and (letter.language == "ru" or letter.language in letter.prisoner.reads_languages),
                "change_url": change_url(letter.pk),
                "claim_url": claim_url(letter.pk),
                "skip_url": skip_url(letter.pk),
            }
            for letter in page.object_list
        ]
        return self._render(
            request,
            "queue.html",
            _("Letters waiting for a translator"),
            {
                "tab": "queue",
                "page": page,
                "rows": rows,
                "held": held,
                "limit": limit,
                "at_limit": held >= limit,
                "my_languages": [LANGUAGES_IN_A_SENTENCE.get(code, code) for code in my_languages],
                "language": language,
                "language_choices": LANGUAGES if coordinator else [],
            },
        )

    @staticmethod
    def _claimed(request: AuthenticatedHttpRequest, letter: Letter) -> HttpResponse:
        messages.success(
            request,
            _("Letter %(ref)s is yours until %(deadline)s.")
            % {"ref": letter.reference, "deadline": _deadline(letter)},
        )
        return redirect(_url("translate", letter.pk))

    def claim_next(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        try:
            letter = translation.letter_claim_next(volunteer=request.user)
        except NothingToClaim as error:
            messages.info(request, error.message)
            return redirect(_url("queue"))
        except LetterError as error:
            messages.warning(request, error.message)
            return redirect(_url("queue"))
        return self._claimed(request, letter)

    def claim(self, request: AuthenticatedHttpRequest, letter_id: int) -> HttpResponse:
        user = request.user
        letter = selectors.letter_for_desk(user=user, letter_id=letter_id)
        if letter is not None and letter.claimed_by_id == user.pk:
            messages.info(request, _("You already hold this letter."))
            return redirect(_url("translate", letter.pk))
        if letter is None or letter.status != Letter.Status.RECEIVED:
            # Taken by someone else meanwhile (or never one of ours): say so without naming it.
            messages.info(request, _("Someone was faster and took that letter. Try the next one."))
            return redirect(_url("queue"))
        try:
            letter = translation.letter_claim(letter_id=letter.pk, volunteer=user)
        except InvalidTransition:
            messages.info(request, _("Someone was faster and took that letter. Try the next one."))
            return redirect(_url("queue"))
        except LetterError as error:
            messages.warning(request, error.message)
            return redirect(_url("queue"))
        return self._claimed(request, letter)

    def mine(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        user = request.user
        if not _can_translate(user):
            return self._denied(request)
        now = timezone.now()
        soon = now + timedelta(hours=settings.LETTERBRIDGE_CLAIM_REMINDER_HOURS)
        letters = list(selectors.letters_held_by(user=user))
        held = [
            {"letter": letter, "left": _claim_end(letter) - now, "soon": _claim_end(letter) <= soon}
            for letter in letters
        ]
        return self._render(
            request,
            "mine.html",
            _("My letters"),
            {
                "tab": "mine",
                "held": held,
                "handed_in": selectors.letters_handed_in_by(user=user),
                "keep_drafts": ",".join(str(letter.pk) for letter in letters),
            },
        )

    # --- translating --------------------------------------------------------------------------

    def translate(self, request: AuthenticatedHttpRequest, letter_id: int) -> HttpResponse:
        user = request.user
        letter, response = self._letter_or_redirect(request, letter_id)
        if response:
            return response
        if letter.status != Letter.Status.IN_TRANSLATION or letter.claimed_by_id != user.pk:
            if letter.status == Letter.Status.TRANSLATED and _can_review(user):
                return redirect(_url("review", letter.pk))
            messages.info(
                request,
                _("Letter %(ref)s is not yours to translate now.") % {"ref": letter.reference},
            )
            return redirect(_url("mine") if _can_translate(user) else _url("queue"))
        text, base_version, conflict = letter.translation, letter.translation_version, None
        signature = letter.signature_ru
        if request.method == "POST":
            text = _posted_text(request, "translation")
            signature = _posted_text(request, "signature_ru", default=letter.signature_ru)
            action = request.POST.get("action", "save")
            saved, conflict, base_version = self._save_draft(request, letter, text)
            # Not saved: the page comes back with what was typed and why.
            if saved and action == "hand_in":
                try:
                    translation.letter_hand_in(
                        letter_id=letter.pk, volunteer=user, signature_ru=signature
                    )
                except LetterError as error:
                    messages.error(request, error.message)
                    letter.refresh_from_db()
                    base_version = letter.translation_version
                else:
                    messages.success(
                        request,
                        _("Thank you. Letter %(ref)s is handed in; a reviewer will check it.")
                        % {"ref": letter.reference},
                    )
                    return redirect(_url("mine"))
            elif saved and self._save_signature(request, letter, signature):
                messages.success(request, _("Draft saved."))
                return redirect(_url("translate", letter.pk))
        return self._render(
            request,
            "translate.html",
            _("Translate letter %(ref)s") % {"ref": letter.reference},
            {
                "tab": "mine",
                "letter": letter,
                "prisoner": letter.prisoner,
                "text": text,
                "signature": signature,
                "signature_max": MAX_SIGNATURE_CHARS,
                "base_version": base_version,
                "conflict": conflict,
                "saved_text": letter.translation if conflict else None,
                "autosave_url": _url("autosave", letter.pk),
                "storage_key": f"letterbridge-draft-{letter.pk}",
                "max_chars": _max_translation_chars(),
                "deadline": letter.claim_expires_at,
            },
        )

    @staticmethod
    def _save_signature(request, letter: Letter, signature: str) -> bool:
        """Store a corrected signature with the draft. False (and why, on the page) when it
        cannot be printed as typed; the page keeps it for the volunteer to fix."""
        if signature == letter.signature_ru:
            return True
        try:
            translation.letter_save_signature(
                letter_id=letter.pk, actor=request.user, signature_ru=signature
            )
        except LetterError as error:
            messages.error(request, error.message)
            return False
        return True

    def _save_draft(self, request, letter: Letter, text: str) -> tuple[bool, str | None, int]:
        """Save the posted text for the translate and review pages alike. Returns whether it
        was saved, the stale-tab conflict message if any, and the version the editor goes on
        from."""
        outcome = self._save_posted(request, letter, text)
        if isinstance(outcome, StaleDraft):
            letter.refresh_from_db()
            return False, outcome.message, letter.translation_version
        if isinstance(outcome, LetterError):
            messages.error(request, outcome.message)
            return False, None, _int(request.POST.get("base_version"), letter.translation_version)
        return True, None, letter.translation_version

    def _save_posted(self, request, letter: Letter, text: str):
        """Save the posted text if it differs from what is stored. Returns the error (as a
        value, so the page can keep what was typed) or None."""
        base_version = _int(request.POST.get("base_version"))
        if base_version is None:
            return LetterError(_("The page was incomplete. Reload it and try again."))
        if len(text) > _max_translation_chars():
            return LetterError(
                _("The translation is longer than %(max)d characters.")
                % {"max": _max_translation_chars()}
            )
        if text == letter.translation:
            return None  # nothing new (an autosave may have stored it a moment ago)
        try:
            saved = translation.letter_save_translation(
                letter_id=letter.pk, actor=request.user, translation=text, base_version=base_version
            )
        except LetterError as error:
            return error
        letter.translation = saved.translation
        letter.translation_version = saved.translation_version
        return None

    def autosave(self, request: AuthenticatedHttpRequest, letter_id: int) -> JsonResponse:
        letter = selectors.letter_for_desk(user=request.user, letter_id=letter_id)
        if letter is None:
            error = _stopped_message(request.user, letter_id)
            return JsonResponse(
                {"error": error or _("That letter is not available to you.")}, status=404
            )
        text = _posted_text(request, "translation", default=None)
        base_version = _int(request.POST.get("base_version"))
        if text is None or base_version is None:
            return JsonResponse(
                {"error": _("The page was incomplete. Reload it and try again.")}, status=400
            )
        if len(text) > _max_translation_chars():
            return JsonResponse(
                {
                    "error": _("The translation is longer than %(max)d characters.")
                    % {"max": _max_translation_chars()}
                },
                status=400,
            )
        try:
            saved = translation.letter_save_translation(
                letter_id=letter.pk, actor=request.user, translation=text, base_version=base_version
            )
        except StaleDraft as error:
            letter.refresh_from_db(fields=["translation_version"])
            return JsonResponse(
                {"error": error.message, "version": letter.translation_version}, status=409
            )
        except LetterError as error:
            return JsonResponse({"error": error.message}, status=403)
        return JsonResponse(
            {
                "version": saved.translation_version,
                "saved_at": cast(datetime, saved.translation_saved_at).isoformat(),
                "message": _("Draft saved at %(time)s.")
                % {"time": datetime_with_zone(saved.translation_saved_at, "H:i:s")},
            }
        )

    def release(self, request: AuthenticatedHttpRequest, letter_id: int) -> HttpResponse:
        letter, response = self._letter_or_redirect(request, letter_id)
        if response:
            return response
        try:
            translation.letter_release(letter_id=letter.pk, actor=request.user)
        except LetterError as error:
            messages.warning(request, error.message)
            return redirect(_url("mine"))
        if letter.translation.strip():
            done = _("Letter %(ref)s is back in the queue; its draft stays with it.")
        else:
            done = _("Letter %(ref)s is back in the queue.")  # nothing was typed: no draft
        messages.success(request, done % {"ref": letter.reference})
        return redirect(_url("mine") if _can_translate(request.user) else _url("queue"))

    # --- review -------------------------------------------------------------------------------

    def review_list(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        if not _can_review(request.user):
            return self._denied(request)
        page = BoundedPaginator(
            selectors.letters_for_review(user=request.user), REVIEW_PAGE_SIZE
        ).get_page(request.GET.get("page"))
        return self._render(
            request,
            "review_list.html",
            _("Translations waiting for review"),
            {"tab": "review", "page": page, "now": timezone.now()},
        )

    def review(self, request: AuthenticatedHttpRequest, letter_id: int) -> HttpResponse:
        user = request.user
        if not _can_review(user):
            return self._denied(request)
        letter, response = self._letter_or_redirect(request, letter_id)
        if response:
            return response
        if letter.status != Letter.Status.TRANSLATED:
            messages.info(
                request,
                _("Letter %(ref)s is not waiting for review.") % {"ref": letter.reference},
            )
            return redirect(_url("review_list"))
        own = letter.translated_by_id == user.pk
        text, base_version, conflict = letter.translation, letter.translation_version, None
        comment = ""
        if request.method == "POST" and not own:
            text = _posted_text(request, "translation")
            comment = _posted_text(request, "comment")
            action = request.POST.get("action", "save")
            saved, conflict, base_version = self._save_draft(request, letter, text)
            if saved:
                done = self._review_action(request, letter, action, comment)
                if done is not None:
                    return done
        return self._render(
            request,
            "review.html",
            _("Review letter %(ref)s") % {"ref": letter.reference},
            {
                "tab": "review",
                "letter": letter,
                "prisoner": letter.prisoner,
                "own": own,
                "text": text,
                "comment": comment,
                "base_version": base_version,
                "conflict": conflict,
                "saved_text": letter.translation if conflict else None,
                "autosave_url": _url("autosave", letter.pk),
                "storage_key": f"letterbridge-review-{letter.pk}",
                "max_chars": _max_translation_chars(),
                "kind_rejection": KIND_REJECTION,
            },
        )

    def _review_action(self, request, letter: Letter, action: str, comment: str):
        user = request.user
        try:
            if action == "approve":
                translation.letter_approve(letter_id=letter.pk, reviewer=user)
                messages.success(
                    request, _("Letter %(ref)s is approved.") % {"ref": letter.reference}
                )
                return redirect(_url("review_list"))
            if action == "send_back":
                translation.letter_send_back(letter_id=letter.pk, reviewer=user, comment=comment)
                messages.success(
                    request,
                    _("Letter %(ref)s went back to its translator with your comment.")
                    % {"ref": letter.reference},
                )
                return redirect(_url("review_list"))
        except LetterError as error:
            messages.error(request, error.message)
            return None
        messages.success(request, _("Your changes are saved."))
        return redirect(_url("review", letter.pk))

    # --- flags --------------------------------------------------------------------------------

    def flag(self, request: AuthenticatedHttpRequest, letter_id: int) -> HttpResponse:
        letter, response = self._letter_or_redirect(request, letter_id)
        if response:
            return response
        reason = ""
        if request.method == "POST":
            reason = _posted_text(request, "reason")
            try:
                translation.letter_flag(letter_id=letter.pk, volunteer=request.user, reason=reason)
            except LetterError as error:
                messages.error(request, error.message)
            else:
                messages.success(
                    request,
                    _("Thank you. A coordinator will read letter %(ref)s and decide.")
                    % {"ref": letter.reference},
                )
                if letter.claimed_by_id == request.user.pk:
                    return redirect(_url("translate", letter.pk))
                return redirect(_url("queue"))
        return self._render(
            request,
            "flag.html",
            _("Flag letter %(ref)s") % {"ref": letter.reference},
            {"tab": "", "letter": letter, "prisoner": letter.prisoner, "reason": reason},
        )

    def flags(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        if not selectors.user_is_coordinator(user=request.user):
            return self._denied(request)
        return self._render(
            request,
            "flags.html",
            _("Flagged letters"),
            {"tab": "flags", "letters": selectors.letters_flagged()[:200]},
        )

    def decide(self, request: AuthenticatedHttpRequest, letter_id: int) -> HttpResponse:
        if not selectors.user_is_coordinator(user=request.user):
            return self._denied(request)
        letter, response = self._letter_or_redirect(request, letter_id)
        if response:
            return response
        if letter.flagged_at is None:
            messages.info(request, _("Letter %(ref)s is not flagged.") % {"ref": letter.reference})
            return redirect(_url("flags"))
        decision = request.POST.get("decision", "")
        # The supporter reads the reason as written: offer it in their language, not ours.
        with translation_override(letter.locale):
            kind_reason = str(KIND_REJECTION)
        reason = _posted_text(request, "reason", default=kind_reason)
        note = _posted_text(request, "note")
        if request.method == "POST":
            try:
                translation.letter_flag_decide(
                    letter_id=letter.pk,
                    coordinator=request.user,
                    decision=decision,
                    reason=reason if decision == translation.FlagDecision.REJECT else note,
                )
            except LetterError as error:
                messages.error(request, error.message)
            else:
                if decision == translation.FlagDecision.REJECT:
                    done = _("Letter %(ref)s is rejected; the supporter is told why.")
                else:
                    done = _("Letter %(ref)s goes on.")
                messages.success(request, done % {"ref": letter.reference})
                return redirect(_url("flags"))
        return self._render(
            request,
            "decide.html",
            _("Decide on flagged letter %(ref)s") % {"ref": letter.reference},
            {
                "tab": "flags",
                "letter": letter,
                "prisoner": letter.prisoner,
                "reason": reason,
                # «на своём языке: английский», in the reader's words, not the language's own
                "reason_language": LANGUAGES_IN_A_SENTENCE.get(letter.locale, letter.locale),
                "note": note,
            },
        )

    def skip(self, request: AuthenticatedHttpRequest, letter_id: int) -> HttpResponse:
        letter, response = self._letter_or_redirect(request, letter_id)
        if response:
            return response
        try:
            translation.letter_skip_translation(letter_id=letter.pk, coordinator=request.user)
        except LetterError as error:
            messages.warning(request, error.message)
        else:
            messages.success(
                request,
                _("Letter %(ref)s goes on as written, without translation.")
                % {"ref": letter.reference},
            )
        return redirect(_url("queue"))


def _stopped_message(user, letter_id: int) -> str | None:
    letter = selectors.letter_stopped_for(user=user, letter_id=letter_id)
    if letter is None:
        return None
    closed_by = getattr(letter, "closed_by", "")
    if closed_by == Action.CLOSE_RELEASED:
        message = _(
            "Letter %(ref)s was closed because its prisoner has been released: there is "
            "nothing more to do with it."
        )
    elif closed_by == Action.CLOSE_DECEASED:
        message = _(
            "Letter %(ref)s was closed because its prisoner has died: there is nothing more to "
            "do with it."
        )
    elif letter.status == Letter.Status.CANCELLED:
        message = _("Its writer cancelled letter %(ref)s: there is nothing more to do with it.")
    else:
        message = _("A coordinator stopped letter %(ref)s: there is nothing more to do with it.")
    return message % {"ref": letter.reference}


def _claim_end(letter: Letter) -> datetime:
    """When a held letter's claim runs out: every letter in translation has a deadline (the
    model's constraint ``letter_claimed_iff_in_translation``)."""
    return cast(datetime, letter.claim_expires_at)


def _deadline(letter: Letter) -> str:
    return datetime_with_zone(letter.claim_expires_at)


def letter_links(*, user, letter: Letter) -> list[dict]:
    """Desk pages for one letter, for its admin page: what this person can do with it now."""
    S = Letter.Status
    links = []
    if letter.status == S.IN_TRANSLATION and letter.claimed_by_id == user.pk:
        links.append({"label": _("Translate"), "url": _url("translate", letter.pk)})
    if letter.status == S.TRANSLATED and _can_review(user) and letter.translated_by_id != user.pk:
        links.append({"label": _("Review"), "url": _url("review", letter.pk)})
    if letter.status in OPEN_STATES:
        if letter.flagged_at is None and (_can_translate(user) or _can_review(user)):
            links.append({"label": _("Flag as harmful"), "url": _url("flag", letter.pk)})
        if letter.flagged_at is not None and selectors.user_is_coordinator(user=user):
            links.append({"label": _("Decide on the flag"), "url": _url("decide", letter.pk)})
    return links
