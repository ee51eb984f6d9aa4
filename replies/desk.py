"""The replies' desk: admin pages (mounted under the reply admin's URLs, so they share its
login, CSRF protection and look) for recording a scan, the queue, transcribing and
translating beside the scan, review and withholding, and the scans themselves, streamed to
the people who may see them. Views parse, call one service and render."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from core import storage
from core.http import AuthenticatedHttpRequest
from letters.models import LANGUAGES_IN_A_SENTENCE, Letter
from prisoners.models import Prisoner

from . import selectors, services
from .forms import SPLITS, RecordReplyForm
from .models import CLAIMED_STATES, Reply
from .scans import ScanError

S = Reply.Status


def _transcribed_message(reply: Reply) -> str:
    """Said when a transcription is done: what comes next, in the supporter's language."""
    language = reply.letter.language
    if language == "ru":
        return _("Transcription done.")
    name = LANGUAGES_IN_A_SENTENCE.get(language, language)
    return _("Transcription done. Now translate it into %(language)s.") % {"language": name}


# After a redaction that changed one text only: the supporter receives both.
TRANSLATION_UNCHANGED = gettext_lazy(
    "The transcription is redacted, but nothing in the translation matched. If it names the "
    "same person or detail in another spelling (in Latin letters, or in another case), redact "
    "that spelling too."
)
TRANSCRIPTION_UNCHANGED = gettext_lazy(
    "The translation is redacted, but nothing in the transcription matched. If it names the "
    "same person or detail in another spelling (in Cyrillic, or in another case), redact that "
    "spelling too."
)


def _url(name: str, *args) -> str:
    return reverse(f"admin:replies_reply_{name}", args=args)


def _text(request: HttpRequest, name: str) -> str | None:
    value = request.POST.get(name)
    if value is None:
        return None
    return value.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class ReplyDesk:
    def __init__(self, model_admin):
        self.model_admin = model_admin
        self.site = model_admin.admin_site

    def get_urls(self):
        get, post, both = ["GET"], ["POST"], ["GET", "POST"]
        routes: list[tuple[str, Callable[..., HttpResponse], str, list[str]]] = [
            ("desk/", self.queue, "desk", get),
            ("desk/claim-next/", self.claim_next, "claim_next", post),
            ("record/", self.record, "record", both),
            ("<int:reply_id>/claim/", self.claim, "claim", post),
            ("<int:reply_id>/work/", self.work, "work", both),
            ("<int:reply_id>/autosave/", self.autosave, "autosave", post),
            ("<int:reply_id>/release/", self.release, "release", post),
            ("<int:reply_id>/review/", self.review, "review", both),
            ("<int:reply_id>/withhold/", self.withhold, "withhold", both),
            ("<int:reply_id>/scan/<int:position>/", self.scan, "scan", get),
        ]
        return [
            path(
                route,
                self.site.admin_view(require_http_methods(methods)(view)),
                name=f"replies_reply_{name}",
            )
            for route, view, name, methods in routes
        ]

    def _render(self, request, template: str, title: str, context: dict) -> TemplateResponse:
        user = request.user
        base = {
            **self.site.each_context(request),
            "opts": Reply._meta,
            "title": title,
            "can_translate": user.has_perm(services.PERM_TRANSLATE),
            "can_review": user.has_perm(services.PERM_REVIEW),
            "is_coordinator": selectors.user_is_reply_coordinator(user=user),
        }
        return TemplateResponse(request, f"admin/replies/{template}", base | context)

    def _reply(self, request, reply_id: int) -> Reply:
        reply = selectors.reply_for_desk(user=request.user, reply_id=reply_id)
        if reply is None:
            raise Http404  # saying nothing of whether it exists
        return reply

    # --- the queue ----------------------------------------------------------------------------

    def queue(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        user = request.user
        if not (user.has_perm(services.PERM_TRANSLATE) or user.has_perm(services.PERM_REVIEW)):
            raise PermissionDenied
        return self._render(
            request,
            "desk.html",
            _("Replies from prisoners"),
            {
                "waiting": list(selectors.replies_queue(user=user)[:50]),
                "held": list(selectors.replies_held(user=user)),
                "to_review": list(selectors.replies_to_review(user=user)[:50]),
            },
        )

    def claim_next(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        try:
            reply = services.reply_claim_next(volunteer=request.user)
        except services.ReplyError as error:
            messages.info(request, error.message)
            return redirect(_url("desk"))
        return redirect(_url("work", reply.pk))

    def claim(self, request: AuthenticatedHttpRequest, reply_id: int) -> HttpResponse:
        try:
            services.reply_claim(reply_id=reply_id, volunteer=request.user)
        except Reply.DoesNotExist:
            messages.warning(request, _("That reply is not available to you."))
            return redirect(_url("desk"))
        except services.ReplyError as error:
            messages.warning(request, error.message)
            return redirect(_url("desk"))
        return redirect(_url("work", reply_id))

    # --- transcribing and translating ---------------------------------------------------------

    def _editor_context(self, reply: Reply, transcription: str, translation: str, **more):
        return {
            "reply": reply,
            "letter": reply.letter,
            "prisoner": reply.letter.prisoner,
            "pages": selectors.reply_pages(reply=reply),
            "transcription": transcription,
            "translation": translation,
            "base_version": reply.version,
            "autosave_url": _url("autosave", reply.pk),
            "storage_key": f"letterbridge-reply-{reply.pk}",
            "needs_translation": reply.letter.language != "ru",
            **more,
        }

    def work(self, request: AuthenticatedHttpRequest, reply_id: int) -> HttpResponse:
        user = request.user
        reply = self._reply(request, reply_id)
        if reply.status not in CLAIMED_STATES or reply.claimed_by_id != user.pk:
            if reply.status == S.IN_REVIEW and reply.translated_by_id != user.pk:
                return redirect(_url("review", reply.pk))
            messages.info(request, _("This reply is not yours to work on now."))
            return redirect(_url("desk"))
        transcription, translation = reply.transcription, reply.translation
        conflict = None
        if request.method == "POST":
            transcription = _text(request, "transcription") or ""
            translation = _text(request, "translation") or ""
            action = request.POST.get("action", "save")
            saved, conflict = self._save(request, reply, transcription, translation)
            if saved and action in ("transcribed", "hand_in"):
                try:
                    if action == "transcribed":
                        services.reply_finish_transcription(reply_id=reply.pk, volunteer=user)
                        messages.success(request, _transcribed_message(reply))
                    else:
                        if reply.status == S.TRANSCRIBING:
                            services.reply_finish_transcription(reply_id=reply.pk, volunteer=user)
                        services.reply_hand_in(reply_id=reply.pk, volunteer=user)
                        messages.success(request, _("Thank you. A reviewer will check it."))
                        return redirect(_url("desk"))
                except services.ReplyError as error:
                    messages.error(request, error.message)
                else:
                    return redirect(_url("work", reply.pk))
            elif saved:
                messages.success(request, _("Draft saved."))
                return redirect(_url("work", reply.pk))
            reply.refresh_from_db()
        return self._render(
            request,
            "work.html",
            _("Reply %(id)s to letter %(ref)s") % {"id": reply.pk, "ref": reply.letter.reference},
            self._editor_context(reply, transcription, translation, conflict=conflict),
        )

    def _save(
        self, request, reply: Reply, transcription: str, translation: str
    ) -> tuple[bool, str | None]:
        """Save what was posted if it changed. Returns whether it is saved and the stale-tab
        message, if any; other refusals go to the page's messages. The texts stay on the page
        either way."""
        base_version = _int(request.POST.get("base_version"))
        if base_version is None:
            messages.error(request, _("The page was incomplete. Reload it and try again."))
            return False, None
        if (transcription, translation) == (reply.transcription, reply.translation):
            return True, None
        try:
            services.reply_save_draft(
                reply_id=reply.pk,
                actor=request.user,
                transcription=transcription,
                translation=translation,
                base_version=base_version,
            )
        except services.StaleDraft as error:
            return False, error.message
        except services.ReplyError as error:
            messages.error(request, error.message)
            return False, None
        return True, None

    def autosave(self, request: AuthenticatedHttpRequest, reply_id: int) -> JsonResponse:
        reply = selectors.reply_for_desk(user=request.user, reply_id=reply_id)
        if reply is None:
            return JsonResponse({"error": _("That reply is not available to you.")}, status=404)
        transcription = _text(request, "transcription")
        translation = _text(request, "translation")
        base_version = _int(request.POST.get("base_version"))
        if transcription is None or translation is None or base_version is None:
            return JsonResponse(
                {"error": _("The page was incomplete. Reload it and try again.")}, status=400
            )
        try:
            saved = services.reply_save_draft(
                reply_id=reply.pk,
                actor=request.user,
                transcription=transcription,
                translation=translation,
                base_version=base_version,
            )
        except services.StaleDraft as error:
            reply.refresh_from_db(fields=["version"])
            return JsonResponse({"error": error.message, "version": reply.version}, status=409)
        except services.ReplyError as error:
            return JsonResponse({"error": error.message}, status=403)
        return JsonResponse({"version": saved.version, "message": _("Draft saved.")})

    def release(self, request: AuthenticatedHttpRequest, reply_id: int) -> HttpResponse:
        try:
            services.reply_release(reply_id=reply_id, actor=request.user)
        except (Reply.DoesNotExist, services.ReplyError):
            messages.warning(request, _("You cannot release this reply now."))
        else:
            messages.success(request, _("The reply is back in the queue; its drafts stay."))
        return redirect(_url("desk"))

    # --- review and withholding ---------------------------------------------------------------

    def review(self, request: AuthenticatedHttpRequest, reply_id: int) -> HttpResponse:
        user = request.user
        reply = self._reply(request, reply_id)
        if reply.status != S.IN_REVIEW or reply.translated_by_id == user.pk:
            messages.info(request, _("This reply is not waiting for your review."))
            return redirect(_url("desk"))
        transcription, translation = reply.transcription, reply.translation
        conflict, comment, phrases = None, "", ""
        if request.method == "POST":
            action = request.POST.get("action", "save")
            transcription = _text(request, "transcription") or ""
            translation = _text(request, "translation") or ""
            comment = _text(request, "comment") or ""
            phrases = _text(request, "phrases") or ""
            saved, conflict = self._save(request, reply, transcription, translation)
            if saved:
                done = self._review_action(request, reply, action, comment, phrases)
                if done is not None:
                    return done
            reply.refresh_from_db()
        return self._render(
            request,
            "review.html",
            _("Review reply %(id)s") % {"id": reply.pk},
            self._editor_context(
                reply,
                transcription,
                translation,
                conflict=conflict,
                comment=comment,
                phrases=phrases,
            ),
        )

    def _review_action(self, request, reply: Reply, action: str, comment: str, phrases: str):
        user = request.user
        try:
            if action == "redact":
                redaction = services.reply_redact(
                    reply_id=reply.pk, reviewer=user, phrases=phrases.splitlines()
                )
                messages.success(
                    request,
                    ngettext("%(n)d place redacted.", "%(n)d places redacted.", redaction.count)
                    % {"n": redaction.count},
                )
                if redaction.unchanged == "translation":
                    messages.warning(request, TRANSLATION_UNCHANGED)
                elif redaction.unchanged == "transcription":
                    messages.warning(request, TRANSCRIPTION_UNCHANGED)
                return redirect(_url("review", reply.pk))
            if action == "send_back":
                services.reply_send_back(reply_id=reply.pk, reviewer=user, comment=comment)
                messages.success(request, _("Sent back to the translator with your comment."))
                return redirect(_url("desk"))
            if action == "approve":
                services.reply_approve(reply_id=reply.pk, reviewer=user)
                messages.success(request, _("Approved. The supporter is being e-mailed."))
                return redirect(_url("desk"))
        except services.ReplyError as error:
            messages.error(request, error.message)
            return None
        messages.success(request, _("Saved."))
        return redirect(_url("review", reply.pk))

    def withhold(self, request: AuthenticatedHttpRequest, reply_id: int) -> HttpResponse:
        if not selectors.user_is_reply_coordinator(user=request.user):
            raise PermissionDenied
        reply = self._reply(request, reply_id)
        reason = ""
        if request.method == "POST":
            reason = _text(request, "reason") or ""
            try:
                services.reply_withhold(reply_id=reply.pk, coordinator=request.user, reason=reason)
            except services.ReplyError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("The reply is withheld."))
                return redirect(_url("desk"))
        return self._render(
            request,
            "withhold.html",
            _("Withhold reply %(id)s") % {"id": reply.pk},
            {"reply": reply, "reason": reason},
        )

    # --- recording a scanned reply ------------------------------------------------------------

    def record(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        if not selectors.user_is_reply_coordinator(user=request.user):
            raise PermissionDenied
        source = request.POST if request.method == "POST" else request.GET
        letter = None
        letter_id = _int(source.get("letter"))
        if letter_id is not None:
            letter = Letter.objects.select_related("prisoner").filter(pk=letter_id).first()
        prisoner_id = letter.prisoner_id if letter else _int(source.get("prisoner"))
        prisoner = Prisoner.objects.filter(pk=prisoner_id).first() if prisoner_id else None
        if prisoner is None:
            return self._render(
                request,
                "record.html",
                _("Record a reply"),
                {"prisoners": selectors.prisoners_replies_may_come_from(), "form": None},
            )
        letters = selectors.letters_a_reply_may_answer(prisoner_id=prisoner.pk)
        initial = {"letter_1": letter.pk} if letter else {}
        if request.method == "POST":
            form = RecordReplyForm(request.POST, request.FILES, letters=letters)
            if form.is_valid():
                files = [(f.name, f.read()) for f in form.cleaned_data["scans"]]
                try:
                    created = services.replies_record(
                        actor=request.user, files=files, parts=form.cleaned_data["parts"]
                    )
                except ScanError as error:
                    for line in error.message.splitlines():
                        form.add_error("scans", line)
                except services.ReplyError as error:
                    form.add_error(None, error.message)
                else:
                    messages.success(
                        request,
                        ngettext(
                            "Recorded %(n)d reply; it waits for a volunteer.",
                            "Recorded %(n)d replies; they wait for a volunteer.",
                            len(created),
                        )
                        % {"n": len(created)},
                    )
                    return redirect(_url("desk"))
        else:
            form = RecordReplyForm(initial=initial, letters=letters)
        return self._render(
            request,
            "record.html",
            _("Record a reply from %(name)s") % {"name": prisoner.local_name()},
            {
                "prisoner": prisoner,
                "form": form,
                "splits": range(2, SPLITS + 1),
                "no_letters": not letters.exists(),
            },
        )

    # --- the scans ----------------------------------------------------------------------------

    def scan(self, request: AuthenticatedHttpRequest, reply_id: int, position: int):
        page = selectors.reply_page_for_staff(
            user=request.user, reply_id=reply_id, position=position
        )
        if page is None:
            raise Http404
        return storage.response(
            page.file_name,
            filename=f"reply-{reply_id}-{position}.{page.extension}",
            content_type=page.content_type,
            inline=True,
        )
