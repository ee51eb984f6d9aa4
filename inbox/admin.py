"""The coordinators' Inbox: e-mails not yet letters, with what was guessed of each, and one
screen per e-mail to make it a letter, answer it or archive it. Coordinators only: volunteers
never see an e-mail, only the letter's text once it is a letter."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from letters.models import Letter
from letters.selectors import user_is_coordinator
from letters.services.core import LetterError
from letters.templatetags.letters_tags import datetime_with_zone

from . import selectors, services
from .forms import AnswerForm, ConfirmLetterForm
from .models import InboundAttachment, InboundEmail

Status = InboundEmail.Status
WAITING = "waiting"
# Images a browser shows inline without running anything; other files are downloaded only.
INLINE_IMAGES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


class ShowFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "show"

    def lookups(self, request, model_admin):
        return [
            (WAITING, _("waiting for a coordinator")),
            (Status.LETTER, _("made letters")),
            (Status.IGNORED, _("ignored")),
            (Status.ARCHIVED, _("archived")),
            ("all", _("all")),
        ]

    def choices(self, changelist):
        for value, label in self.lookup_choices:
            yield {
                "selected": (self.value() or WAITING) == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        value = self.value() or WAITING
        if value == WAITING:
            return queryset.filter(status__in=services.OPEN)
        if value == "all":
            return queryset
        return queryset.filter(status=value)


@admin.register(InboundEmail)
class InboundEmailAdmin(admin.ModelAdmin):
    list_display = ["received", "sender", "subject", "guesses", "state"]
    list_display_links = ["received", "subject"]
    list_filter = [ShowFilter]
    list_select_related = ["guessed_prisoner"]
    ordering = ["received_at", "pk"]
    actions = None

    def _coordinator(self, request) -> bool:
        return user_is_coordinator(user=request.user)

    def has_module_permission(self, request):
        return self._coordinator(request)

    def has_view_permission(self, request, obj=None):
        return self._coordinator(request)

    def has_change_permission(self, request, obj=None):
        return self._coordinator(request)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("received"), ordering="received_at")
    def received(self, obj: InboundEmail) -> str:
        return datetime_with_zone(obj.received_at, "j E, H:i")

    @admin.display(description=_("guessed"))
    def guesses(self, obj: InboundEmail) -> str:
        """To whom, in which language, and how to deliver, as far as the e-mail says."""
        parts = [
            str(obj.guessed_prisoner) if obj.guessed_prisoner else "",
            obj.get_guessed_language_display() if obj.guessed_language else "",
            obj.get_guessed_delivery_display() if obj.guessed_delivery else "",
        ]
        return "; ".join(part for part in parts if part) or "—"

    @admin.display(description=_("from"))
    def sender(self, obj: InboundEmail) -> str:
        if obj.sender_name:
            return f"{obj.sender_name} <{obj.sender_email}>"
        return obj.sender_email or "—"

    @admin.display(description=_("state"))
    def state(self, obj: InboundEmail) -> str:
        hints = [obj.get_reason_display() if obj.reason else obj.get_status_display()]
        if obj.is_reply:
            hints.append(str(_("a reply to an e-mail")))
        if obj.forwarded:
            hints.append(str(_("forwarded")))
        return "; ".join(hints)

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"title": _("Inbox"), **(extra_context or {})})

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:email_id>/attachment/<int:attachment_id>/",
                view(self.attachment_view),
                name="inbox_inboundemail_attachment",
            ),
            path(
                "<int:email_id>/message.eml",
                view(self.raw_view),
                name="inbox_inboundemail_raw",
            ),
            path(
                "<int:email_id>/archive/",
                view(require_POST(self.archive_view)),
                name="inbox_inboundemail_archive",
            ),
            path(
                "<int:email_id>/answer/",
                view(require_POST(self.answer_view)),
                name="inbox_inboundemail_answer",
            ),
            *super().get_urls(),
        ]

    # --- one screen per e-mail ----------------------------------------------------------------

    def _email(self, request, email_id) -> InboundEmail:
        if not self._coordinator(request):
            raise Http404
        return get_object_or_404(
            InboundEmail.objects.select_related("guessed_prisoner", "letter"), pk=email_id
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        email = self._email(request, object_id)
        if request.method == "POST" and email.status in services.OPEN:
            form = ConfirmLetterForm(request.POST)
            if form.is_valid():
                letter = self._confirm(request, email, form)
                if letter is not None:
                    messages.success(
                        request,
                        _("Letter %(reference)s is in the queue; the supporter is told.")
                        % {"reference": letter.reference},
                    )
                    return HttpResponseRedirect(reverse("admin:inbox_inboundemail_changelist"))
        else:
            form = ConfirmLetterForm(initial=self._initial(email))
        return self._render(request, email, form, AnswerForm())

    def _initial(self, email: InboundEmail) -> dict:
        return {
            "prisoner": email.guessed_prisoner_id,
            "language": email.guessed_language,
            "delivery": email.guessed_delivery,
            "postage_currency": "GBP",
            "supporter_name": email.sender_name,
            "supporter_email": email.sender_email,
            "text": email.text,
        }

    def _confirm(self, request, email: InboundEmail, form: ConfirmLetterForm) -> Letter | None:
        data = form.cleaned_data
        try:
            return services.inbound_confirm(
                email_id=email.pk,
                actor=request.user,
                prisoner_id=data["prisoner"].pk,
                language=data["language"],
                delivery=data["delivery"],
                postage_currency=data["postage_currency"],
                supporter_name=data["supporter_name"],
                supporter_email=data["supporter_email"],
                text=data["text"],
            )
        except LetterError as error:
            form.add_error(None, error.message)
            return None

    def _render(self, request, email, form, answer_form) -> TemplateResponse:
        attachments = list(email.attachments.all())
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": email.subject or _("(no subject)"),
            "email": email,
            "form": form,
            "answer_form": answer_form,
            "open": email.status in services.OPEN,
            "attachments": attachments,
            "inline_images": INLINE_IMAGES,
            "waiting": selectors.inbound_waiting_count(),
        }
        return TemplateResponse(request, "admin/inbox/inboundemail/triage.html", context)

    def archive_view(self, request, email_id):
        email = self._email(request, email_id)
        try:
            services.inbound_archive(email_id=email.pk, actor=request.user)
        except LetterError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Archived."))
        return HttpResponseRedirect(reverse("admin:inbox_inboundemail_changelist"))

    def answer_view(self, request, email_id):
        email = self._email(request, email_id)
        answer_form = AnswerForm(request.POST)
        if answer_form.is_valid():
            try:
                services.inbound_answer(
                    email_id=email.pk, actor=request.user, text=answer_form.cleaned_data["answer"]
                )
            except LetterError as error:
                answer_form.add_error(None, error.message)
            else:
                messages.success(request, _("Answer sent; the e-mail is archived."))
                return HttpResponseRedirect(reverse("admin:inbox_inboundemail_changelist"))
        form = ConfirmLetterForm(initial=self._initial(email))
        return self._render(request, email, form, answer_form)

    def raw_view(self, request, email_id):
        """The message exactly as it arrived, downloaded (never shown in the admin's origin),
        for a person to open in a mail program: how a message our reader could not read, or
        read only in part, is still read."""
        email = self._email(request, email_id)
        if not email.raw:  # erased
            raise Http404
        response = HttpResponse(bytes(email.raw), content_type="application/octet-stream")
        response["Content-Disposition"] = content_disposition_header(True, f"e-mail-{email.pk}.eml")
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, no-store"
        return response

    def attachment_view(self, request, email_id, attachment_id):
        """A file that came with the e-mail, for the coordinator to read (never executed in
        the admin's origin: only plain images are shown inline)."""
        email = self._email(request, email_id)
        attachment = get_object_or_404(InboundAttachment, pk=attachment_id, email=email)
        inline = attachment.content_type in INLINE_IMAGES
        response = HttpResponse(
            attachment.content,
            content_type=attachment.content_type if inline else "application/octet-stream",
        )
        disposition = content_disposition_header(not inline, attachment.filename)
        if disposition:  # none for an unnamed file shown inline
            response["Content-Disposition"] = disposition
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, no-store"
        return response
