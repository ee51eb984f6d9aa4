from django import forms
from django.conf import settings
from django.contrib import admin, messages

from prisoners.models import Prisoner

from . import services
from .models import Letter, LetterEvent, Notification, PostingBatch, VolunteerProfile


class LetterAddForm(forms.ModelForm):
    """A letter typed in by staff (one that came by post or e-mail). It goes through the same
    submit service as the public form."""

    prisoner = forms.ModelChoiceField(queryset=Prisoner.objects.filter(accepts_letters=True))
    original_text = forms.CharField(
        widget=forms.Textarea, max_length=settings.LETTERBRIDGE_MAX_LETTER_CHARS
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

    def clean(self):
        data = super().clean()
        if data.get("delivery") == Letter.Delivery.POST_FOR_ME and not data.get("postage_currency"):
            self.add_error("postage_currency", "Choose the currency the postage is paid in.")
        return data


class LetterEventInline(admin.TabularInline):
    model = LetterEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "kind", "action", "from_status", "to_status", "actor", "note"]
    readonly_fields = fields
    ordering = ["created_at", "pk"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def _run_each(modeladmin, request, queryset, call, done: str) -> None:
    ok = 0
    for pk, reference in queryset.values_list("pk", "reference"):
        try:
            call(pk, request.user)
            ok += 1
        except services.LetterError as error:
            modeladmin.message_user(request, f"{reference}: {error.message}", messages.WARNING)
    if ok:
        modeladmin.message_user(request, f"{ok} letter(s) {done}.", messages.SUCCESS)


@admin.action(description="Skip translation (already in Russian or readable)")
def skip_translation(modeladmin, request, queryset):
    _run_each(
        modeladmin,
        request,
        queryset,
        lambda pk, user: services.letter_skip_translation(letter_id=pk, coordinator=user),
        "sent on without translation",
    )


@admin.action(description="Release from hold (address now known)")
def release_hold(modeladmin, request, queryset):
    _run_each(
        modeladmin,
        request,
        queryset,
        lambda pk, user: services.letter_release_hold(letter_id=pk, actor=user),
        "back to approved",
    )


@admin.action(description="Return to the supporter to post themselves")
def return_to_supporter(modeladmin, request, queryset):
    _run_each(
        modeladmin,
        request,
        queryset,
        lambda pk, user: services.letter_return(letter_id=pk, coordinator=user),
        "returned",
    )


@admin.register(Letter)
class LetterAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "prisoner",
        "language",
        "delivery",
        "status",
        "postage",
        "created_at",
        "claimed_by",
    ]
    list_filter = ["status", "delivery", "postage", "language", "prisoner"]
    search_fields = ["reference", "prisoner__name_en"]
    list_select_related = ["prisoner", "claimed_by"]
    date_hierarchy = "created_at"
    inlines = [LetterEventInline]
    actions = [skip_translation, release_hold, return_to_supporter]
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
        "translation_version",
        "claimed_by",
        "claimed_at",
        "claim_expires_at",
        "translated_by",
        "review_comment",
        "rejection_reason",
        "posting_batch",
        "created_at",
        "status_changed_at",
        "texts_erased_at",
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = LetterAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request, obj=None):
        if obj is None:
            return LetterAddForm.Meta.fields
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False  # letters are cancelled or rejected, never deleted

    def save_model(self, request, obj, form, change):
        if change:
            return
        data = form.cleaned_data
        submitted = services.letter_submit(
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
class LetterEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "letter", "kind", "action", "from_status", "to_status", "actor"]
    list_filter = ["kind", "action", "to_status"]
    search_fields = ["letter__reference"]
    list_select_related = ["letter", "actor"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(VolunteerProfile)
class VolunteerProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "languages", "claim_limit"]
    search_fields = ["user__username"]
    autocomplete_fields = ["user"]


@admin.register(PostingBatch)
class PostingBatchAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "created_at",
        "created_by",
        "posted_on",
        "postage_spent",
        "postage_currency",
    ]
    list_filter = ["posted_on", "postage_currency"]
    readonly_fields = ["created_by", "created_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "letter", "kind", "sent_at", "attempts"]
    list_filter = ["kind", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["letter__reference"]
    list_select_related = ["letter"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
