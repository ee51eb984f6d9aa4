from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils.functional import Promise, SimpleLazyObject
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from core import admin_kept, crypto
from core.admin import ReadOnlyAdminMixin
from core.admin_list import ShownColumnsChangeList, reads_only
from core.csrf import get_token
from core.paginator import CappedCountPaginator, EstimatedCountPaginator
from prisoners import selectors as prisoner_selectors
from prisoners.models import Prisoner

from . import desk, events, selectors
from .forms import LetterTextField
from .lifecycle import CLOSED_UNSENT_STATES
from .models import Letter, LetterEvent, Notification, PostingBatch, VolunteerProfile
from .services import dispatch, submission, translation
from .services.core import LetterError
from .templatetags.letters_tags import datetime_with_zone


class LetterAddForm(forms.ModelForm):
    """A letter typed in by staff (one that came by post or e-mail). It goes through the same
    submit service as the public form."""

    # Labelled as the letter's own page labels the same fields, in the reader's language.
    prisoner = forms.ModelChoiceField(
        label=capfirst(Letter._meta.get_field("prisoner").verbose_name),
        queryset=Prisoner.objects.filter(accepts_letters=True),
    )
    supporter_name = forms.CharField(label=capfirst(_("name to sign with")), max_length=120)
    supporter_email = forms.EmailField(label=capfirst(_("e-mail")))
    # As on the public form: a text of only blanks or control characters (which the submit
    # service refuses) is no text, and gets "This field is required." instead of an error page.
    original_text = LetterTextField(
        label=capfirst(Letter._meta.get_field("original_text").verbose_name),
        widget=forms.Textarea,
        max_length=settings.LETTERBRIDGE_MAX_LETTER_CHARS,
    )

    class Meta:
        model = Letter
        fields = [
            "prisoner",
            "supporter_name",
            "supporter_email",
            "supporter_country",
            "locale",
            "language",
            "original_text",
            "delivery",
            "postage_currency",
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("delivery") == Letter.Delivery.POST_FOR_ME and not data.get("postage_currency"):
            self.add_error("postage_currency", _("Choose the currency the postage is paid in."))
        return data


class EventLabelMixin:
    """ "What happened", in the reader's language, for a column or a read-only field; the raw
    code stays in its tooltip (and on the event's own page), for whoever searches the code or
    the logs by it."""

    @admin.display(description=pgettext_lazy("admin field", "what happened"), ordering="action")
    def what_happened(self, event: LetterEvent) -> str:
        label = events.event_label(event)
        if not event.action:
            return label
        return format_html('<span title="{}">{}</span>', event.action, label)

    @admin.display(description=pgettext_lazy("admin field", "note"))
    def note_shown(self, event: LetterEvent) -> str:
        """The note as written, except a hold's reasons, in the reader's language."""
        return events.note_text(event)


class LetterEventInline(EventLabelMixin, ReadOnlyAdminMixin, admin.TabularInline):
    """The letter's history on its admin page: every event with its actor."""

    model = LetterEvent
    extra = 0
    can_delete = False
    fields = ("when", "kind", "what_happened", "from_status", "to_status", "by", "note_shown")
    readonly_fields = fields
    ordering = ["created_at", "pk"]
    verbose_name_plural = _("history")

    @admin.display(description=pgettext_lazy("admin field", "created at"))
    def when(self, event: LetterEvent) -> str:
        # Naming the zone, as the desk and the letter's own page do ("7 December 2026, 01:03
        # GMT"): a history read beside the supporter's e-mails must say which 01:03 it means.
        return datetime_with_zone(event.created_at)

    @admin.display(description=_("by"))
    def by(self, event) -> str | Promise:
        # The name only: a link to the user admin would lead volunteers to a refusal.
        return event.actor.get_username() if event.actor_id else _("the system")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    def has_view_permission(self, request, obj=None):
        # Whoever may open the letter may read its history: LetterAdmin's queryset decides
        # which letters those are, and the inline only ever lists the open letter's events.
        if not request.user.has_perm("letters.view_letter"):
            return False
        if obj is None:
            return True
        return selectors.letters_visible_to(user=request.user).filter(pk=obj.pk).exists()


def _as_reference(term: str) -> str:
    """A reference as typed in a search: any case, with or without its "LB-" (or only "LB"; no
    reference's own characters include an L)."""
    return "LB-" + term.upper().replace(" ", "").removeprefix("LB").removeprefix("-")


def _run_each(modeladmin, request, queryset, call, done: Callable[[int], str]) -> None:
    """Run ``call`` on each chosen letter; one warning per letter it refused, then ``done(n)``,
    the count of those it changed, as one message in the staff member's language."""
    ok = 0
    for pk, reference in queryset.values_list("pk", "reference"):
        try:
            call(pk, request.user)
            ok += 1
        except LetterError as error:
            modeladmin.message_user(request, f"{reference}: {error.message}", messages.WARNING)
    if ok:
        modeladmin.message_user(request, done(ok) % {"n": ok}, messages.SUCCESS)


@admin.action(
    description=_("Skip translation (already in Russian or readable)"),
    permissions=["coordinate"],
)
def skip_translation(modeladmin, request, queryset):
    _run_each(
        modeladmin,
        request,
        queryset,
        lambda pk, user: translation.letter_skip_translation(letter_id=pk, coordinator=user),
        lambda n: ngettext(
            "%(n)d letter sent on without translation.",
            "%(n)d letters sent on without translation.",
            n,
        ),
    )


@admin.action(description=_("Release from hold (address now known)"), permissions=["coordinate"])
def release_hold(modeladmin, request, queryset):
    _run_each(
        modeladmin,
        request,
        queryset,
        lambda pk, user: dispatch.letter_release_hold(letter_id=pk, actor=user),
        lambda n: ngettext(
            "%(n)d letter released from hold.", "%(n)d letters released from hold.", n
        ),
    )


@admin.action(
    description=_("Return to the supporter to post themselves"), permissions=["coordinate"]
)
def return_to_supporter(modeladmin, request, queryset):
    _run_each(
        modeladmin,
        request,
        queryset,
        lambda pk, user: dispatch.letter_return(letter_id=pk, coordinator=user),
        lambda n: ngettext(
            "%(n)d letter returned to its supporter.",
            "%(n)d letters returned to their supporters.",
            n,
        ),
    )


@admin.action(
    description=_("Release the claim (back to the queue, draft kept)"), permissions=["coordinate"]
)
def release_claim(modeladmin, request, queryset):
    _run_each(
        modeladmin,
        request,
        queryset,
        lambda pk, user: translation.letter_release(letter_id=pk, actor=user),
        lambda n: ngettext(
            "%(n)d letter back in the queue.", "%(n)d letters back in the queue.", n
        ),
    )


# What a volunteer may see of a letter: the work, never the supporter, postage or tracking.
VOLUNTEER_FIELDS = [
    "reference",
    "prisoner",
    "language",
    "status",
    "original_text",
    "translation",
    "translation_saved_at",
    "review_comment",
    "claim_expires_at",
    "created_at",
]
# Lookups a volunteer's changelist accepts in its URL (filters, date hierarchy); anything else,
# such as ?supporter_email__startswith=, is refused so it cannot be used to probe.
VOLUNTEER_LOOKUPS = {"status", "language", "prisoner", "created_at"}


class FlaggedFilter(admin.SimpleListFilter):
    """Flagged as harmful or not, in those words (Django's filter for an empty date said
    "By flagged at: Empty / Not empty")."""

    title = _("flagged")
    parameter_name = "flagged"
    static_lookups = True  # the same two choices for everyone: core.admin_kept keeps the sidebar

    def lookups(self, request, model_admin):
        return [("yes", _("flagged as harmful")), ("no", _("not flagged"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(flagged_at__isnull=self.value() == "no")
        return queryset


class LetterAdmin(admin.ModelAdmin):
    """Coordinators see and act on every letter; volunteers see only the letters their work
    needs (letters_visible_to) and only the fields of VOLUNTEER_FIELDS. The translation desk's
    pages (letters.desk) hang under this admin's URLs. Registered by pages.admin, whose change
    form adds payments' "Record payment or waiver"."""

    change_list_template = "admin/letters/letter/change_list.html"
    change_form_template = "admin/letters/letter/change_form.html"
    list_display = [
        "reference",
        "prisoner",
        "language",
        "delivery",
        "status",
        "postage",
        "created_at",
        "claimed_by",
        "flagged",
    ]
    volunteer_list_display = ["reference", "prisoner", "language", "status", "created_at"]
    # What a column of list_display reads, where it is not just the field of that name: the list
    # loads only the columns it shows (ShownColumnsChangeList), not the letter's texts and the
    # supporter's encrypted fields, and of the prisoner and the volunteer only their names.
    list_display_fields = {
        "flagged": ["flagged_at"],
        "prisoner": ["prisoner", "prisoner__name_en", "prisoner__name_ru"],  # Prisoner.__str__
        "claimed_by": ["claimed_by", "claimed_by__username"],  # User.__str__
    }
    list_filter = [
        "status",
        "delivery",
        "postage",
        "language",
        FlaggedFilter,
        ("created_at", admin.DateFieldListFilter),
    ]
    volunteer_list_filter = ["status", "language"]
    # Searched by get_search_results below: a reference, a supporter's e-mail (through its
    # keyed hash: the address itself is encrypted; coordinators only) or a prisoner's name.
    search_fields = ["reference"]
    search_help_text = _("A reference (LB-…), a supporter's e-mail, or a prisoner's name.")
    volunteer_search_help_text = _("A reference (LB-…) or a prisoner's name.")
    show_full_result_count = False
    # No date_hierarchy: its year/month links cost a scan of every matching letter.
    # Filtered lists counted to 1,000 at most ("more than 1,000 letters"; core.paginator).
    paginator = CappedCountPaginator
    list_select_related = ["prisoner", "claimed_by"]
    inlines = [LetterEventInline]
    actions = [skip_translation, release_claim, release_hold, return_to_supporter]
    readonly_fields = [
        "reference",
        "prisoner",
        "status",
        "postage",
        "postage_currency",
        "delivery",
        "language",
        "supporter_name",
        "supporter_email",
        "supporter_country",
        "locale",
        "original_text",
        "translation",
        "signature_ru",
        "translation_version",
        "translation_saved_at",
        "claimed_by",
        "claimed_at",
        "claim_expires_at",
        "claim_reminded_at",
        "translated_by",
        "review_comment",
        "flagged_at",
        "flagged_by",
        "flag_reason",
        "rejection_reason",
        "posting_batch",
        "created_at",
        "status_changed_at",
        "texts_erased_at",
    ]

    # --- who sees what --------------------------------------------------------------------

    def _coordinator(self, request) -> bool:
        return selectors.user_is_coordinator(user=request.user)

    def has_coordinate_permission(self, request) -> bool:
        return self._coordinator(request)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if self._coordinator(request):
            return queryset
        return (queryset & selectors.letters_visible_to(user=request.user)).defer(
            *selectors.SUPPORTER_FIELDS
        )

    def list_query_key(self, request) -> str | None:
        """core.admin_list compiles the list's queries once per this key and the URL's
        parameters: a coordinator's list is every letter, through filters whose queries depend
        on their parameters alone. A volunteer's depends on who they are (letters_visible_to):
        None, compiled each time."""
        return "coordinator" if self._coordinator(request) else None

    def get_list_display(self, request):
        if self._coordinator(request):
            return self.list_display
        return self.volunteer_list_display

    def get_list_display_links(self, request, list_display):
        return ["reference"]

    def get_list_filter(self, request):
        if self._coordinator(request):
            return self.list_filter
        return self.volunteer_list_filter

    def get_search_results(self, request, queryset, search_term):
        """Indexed look-ups only, so search stays fast over a million letters: the reference,
        with or without its "LB-"; the letters to prisoners with a word of their name starting
        so; for coordinators, the e-mail's keyed hash."""
        term = search_term.strip()
        if not term:
            return queryset, False
        matches = Q(reference=_as_reference(term))
        if "@" in term:
            if self._coordinator(request):
                matches |= Q(supporter_email_hash=crypto.lookup_hash(term))
        else:
            # Resolved first: a literal list lets PostgreSQL combine the reference and
            # prisoner indexes, where a subquery made it scan.
            prisoners = prisoner_selectors.prisoner_ids_by_name_word(word=term)
            if prisoners:
                matches |= Q(prisoner_id__in=prisoners)
        return queryset.filter(matches), False

    def get_changelist(self, request, **kwargs):
        return ShownColumnsChangeList

    def get_actions(self, request):
        """Django's, worked out once per request: the change list asked three times (for the
        checkbox column, the actions' form and its choices), each filtering the actions by
        permission anew. Kept on the request only, never across requests."""
        kept = request.__dict__.setdefault("_letter_admin_actions", {})
        if id(self) not in kept:
            kept[id(self)] = super().get_actions(request)
        return kept[id(self)]

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        if not self._coordinator(request):
            changelist.search_help_text = str(self.volunteer_search_help_text)
        return changelist

    def lookup_allowed(self, lookup, value, request=None):
        if request is not None and not self._coordinator(request):
            if lookup.split("__", 1)[0] not in VOLUNTEER_LOOKUPS:
                return False
        return super().lookup_allowed(lookup, value, request)

    def get_list_select_related(self, request):
        return self.list_select_related if self._coordinator(request) else ["prisoner"]

    def get_urls(self):
        return desk.Desk(self).get_urls() + super().get_urls()

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Django's default redirects with "letter … doesn't exist"; a letter outside the
        # person's view answers 404 instead, telling nothing of whether it exists.
        raise Http404

    @admin.display(description=_("flagged"), boolean=True, ordering="flagged_at")
    @reads_only("flagged_at")  # the list may draw it from the rows read, without instances
    def flagged(self, obj) -> bool:
        return obj.flagged_at is not None

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = LetterAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return self.readonly_fields if self._coordinator(request) else VOLUNTEER_FIELDS

    def get_fields(self, request, obj=None):
        if obj is None:
            return LetterAddForm.Meta.fields
        return self.readonly_fields if self._coordinator(request) else VOLUNTEER_FIELDS

    def has_delete_permission(self, request, obj=None):
        return False  # letters are cancelled or rejected, never deleted

    def add_view(self, request, form_url="", extra_context=None):
        # The add form saves through letter_submit, which owns its transaction (it is durable);
        # the admin's own atomic around every POST would nest it. Nothing else here writes.
        # Django's private method: the stubs do not declare it.
        return self._changeform_view(request, None, form_url, extra_context)  # type: ignore[attr-defined]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        letter = self.get_object(request, object_id)
        if letter is not None:
            user = request.user
            extra_context["desk_links"] = desk.letter_links(user=user, letter=letter)
            extra_context["closed_unsent"] = letter.status in CLOSED_UNSENT_STATES
        # Every field of a letter is read-only here (it changes through the desk, the actions
        # and its tools): "Save" changed nothing yet said the letter "was changed successfully".
        extra_context |= {
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        extra_context = (extra_context or {}) | {
            "desk_tabs": desk.Desk(self).tabs(request),
            # The page's token (its actions' form, the frame's logout form) made by core.csrf
            # from one read of the random source, as the desk's pages: Django's draws 64 letters.
            "csrf_token": SimpleLazyObject(lambda: get_token(request)),
            # The page kept whole but for its rows, counts, search form, messages and tabs.
            "kept_page": admin_kept.CHANGE_LIST_PAGE,
        }
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None) or {}
        changelist = context.get("cl")
        if changelist is not None and changelist.paginator.capped:
            # Django's "All 1000 selected" would count only as far as the count went.
            note = _("All matching letters selected (more than %(n)s)")
            context["selection_note_all"] = note % {"n": changelist.result_count}
        return response

    def save_model(self, request, obj, form, change):
        if change:
            return
        data = form.cleaned_data
        submitted = submission.letter_submit(
            prisoner_id=data["prisoner"].pk,
            supporter_name=data["supporter_name"],
            supporter_email=data["supporter_email"],
            supporter_country=data.get("supporter_country", ""),
            locale=data.get("locale") or "en",
            language=data["language"],
            original_text=data["original_text"],
            delivery=data["delivery"],
            postage_currency=data.get("postage_currency", ""),
        )
        obj.pk = submitted.letter.pk
        obj.reference = submitted.letter.reference


@admin.register(LetterEvent)
class LetterEventAdmin(EventLabelMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "letter",
        "kind",
        "what_happened",
        "from_status",
        "to_status",
        "actor",
    ]
    # The event's own page shows the words and, under them, the code they stand for.
    fields = (
        "created_at",
        "letter",
        "kind",
        "what_happened",
        "action",
        "from_status",
        "to_status",
        "actor",
        "note_shown",
    )
    readonly_fields = fields
    # Filters whose choices are fixed (a filter on free-text "action" would list the
    # distinct values of millions of rows on every page view).
    list_filter = ["kind", "to_status", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["=letter__reference"]
    search_help_text = _("A letter's exact reference (LB-…).")
    list_select_related = ["letter", "actor"]
    paginator = EstimatedCountPaginator
    show_full_result_count = False

    def get_queryset(self, request):
        # Should a volunteer ever be given this permission, they still see only the history of
        # letters they may open.
        queryset = super().get_queryset(request)
        if selectors.user_is_coordinator(user=request.user):
            return queryset
        return queryset.filter(letter__in=selectors.letters_visible_to(user=request.user))


@admin.register(VolunteerProfile)
class VolunteerProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "languages", "claim_limit"]
    search_fields = ["user__username"]
    autocomplete_fields = ["user"]


@admin.register(PostingBatch)
class PostingBatchAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: a batch is made, discarded and marked posted on its coordination page, whose
    services move its letters with it (an edit here would change a batch behind its letters)."""

    list_display = [
        "pk",
        "created_at",
        "created_by",
        "posted_on",
        "postage_spent",
        "postage_currency",
        "batch_page",
    ]
    list_filter = ["posted_on", "postage_currency"]

    @admin.display(description=_("Post or discard"))
    def batch_page(self, obj):
        url = reverse("letters_coordination:batch", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Open the batch"))


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "letter", "kind", "sent_at", "attempts"]
    list_filter = ["kind", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["letter__reference"]
    list_select_related = ["letter"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if selectors.user_is_coordinator(user=request.user):
            return queryset
        return queryset.none()
