from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.languages import LANGUAGES

from . import selectors, services
from .models import RECIPIENT_GAP_WORDS, PrisonAddress, Prisoner, RecipientGap


class PrisonAddressInline(admin.TabularInline):
    """The dated history, read-only: a new address goes through "Record a new address" so the
    previous one is closed and waiting letters are released."""

    model = PrisonAddress
    extra = 0
    can_delete = False
    fields = ("postal_index", "region", "city", "street", "facility", "valid_from", "valid_until")
    readonly_fields = fields
    ordering = ["-valid_from"]

    def has_add_permission(self, request, obj=None):
        return False


class NewAddressForm(forms.Form):
    postal_index = forms.RegexField(
        label=_("Postal index"),
        regex=r"^\s*[0-9]{6}\s*$",
        error_messages={"invalid": _("A Russian postal index is six digits.")},
    )
    region = forms.CharField(label=_("Region"), max_length=120, required=False)
    city = forms.CharField(label=_("City or settlement"), max_length=120)
    street = forms.CharField(
        label=_("Street and number"), max_length=200, widget=forms.TextInput(attrs={"size": 50})
    )
    facility = forms.CharField(
        label=_("Facility"),
        max_length=300,
        help_text=_("e.g. ФКУ Т-2 УФСИН России по Владимирской области"),
        widget=forms.TextInput(attrs={"size": 70}),
    )
    valid_from = forms.DateField(
        label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    source = forms.CharField(label=_("Source"), max_length=300, required=False)


# The section of the prisoner's page with the Russian spellings and the «Кому» line's parts.
RUSSIAN_SECTION = pgettext_lazy("prisoner admin section", "In Russian")


class PrisonerForm(forms.ModelForm):
    """The prisoner's record; the languages they read are ticked, not typed as JSON."""

    reads_languages = forms.MultipleChoiceField(
        label=capfirst(_("languages the prisoner reads besides Russian")),
        choices=[(code, name) for code, name in LANGUAGES if code != "ru"],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Letters in these languages can go without translation."),
    )

    class Meta:
        model = Prisoner
        # The admin gives the fields of its sections (PrisonerAdmin.fieldsets) instead.
        fields = ["reads_languages"]


class PrisonerAdmin(admin.ModelAdmin):
    """Prisoners' own admin. It is registered by pages.admin, which adds "Mark in transit":
    its confirmation counts the letters that will be held, and only letters can count them.

    The status is read-only once the prisoner exists: it changes through the services that
    keep the address history and the letters in step (Mark in transit; Record a new address)."""

    list_display = [
        "name_en",
        "name_ru",
        "status",
        "accepts_letters",
        "birth_year",
        "is_demo",
        "new_address_link",
    ]
    form = PrisonerForm
    list_filter = ["status", "accepts_letters", "is_demo"]
    search_fields = ["name_en", "name_ru", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}
    inlines = [PrisonAddressInline]
    fieldsets = [
        (None, {"fields": ["name_en", "slug", "status", "accepts_letters", "is_demo"]}),
        (
            RUSSIAN_SECTION,
            {"fields": ["name_ru", "name_ru_dative", "has_no_patronymic", "gender", "birth_year"]},
        ),
        (
            pgettext_lazy("prisoner admin section", "The case"),
            {"fields": ["case_summary", "case_summary_ru", "source_url"]},
        ),
        (
            pgettext_lazy("prisoner admin section", "For translators"),
            {"fields": ["reads_languages", "notes_for_translators"]},
        ),
    ]

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return [*readonly, "status", "recipient_line"] if obj is not None else readonly

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        # The «Кому» line as it is printed, and what it lacks, under the fields it is made of.
        return [
            (name, {**options, "fields": [*options["fields"], "recipient_line"]})
            if name == RUSSIAN_SECTION
            else (name, options)
            for name, options in fieldsets
        ]

    @admin.display(description=_("«Кому» line"))
    def recipient_line(self, obj):
        line = format_html('<span lang="ru">{}</span>', obj.recipient_line_ru or "—")
        gaps = obj.recipient_gaps()
        if not gaps:
            return line
        missing = ", ".join(str(RECIPIENT_GAP_WORDS[gap]) for gap in gaps)
        return format_html(
            '{} <strong class="errornote-inline">{}</strong>',
            line,
            _("incomplete, missing: %(missing)s") % {"missing": missing},
        )

    def save_model(self, request, obj, form, change):
        services.prisoner_save(prisoner=obj, actor=request.user, changed_fields=form.changed_data)
        if change and "accepts_letters" in form.changed_data:
            self._say_what_happens_to_letters(request, obj)
        # Saved, and the next page should still say the line is not finished; one that opens
        # the change page again ("Save and continue editing") says it there itself.
        if "_continue" not in request.POST and "_saveasnew" not in request.POST:
            self._warn_if_incomplete(request, obj)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and request.method == "GET":
            self._warn_if_incomplete(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _say_what_happens_to_letters(self, request, prisoner: Prisoner) -> None:
        """«Accepts letters now» changed for someone still in prison or in transit: what the
        worker is about to do to their letters (held and the writers told, or released)."""
        if prisoner.status in services.LEFT_PRISON:
            return  # released or deceased: closing their letters is «Mark released/deceased»
        if prisoner.accepts_letters:
            message = _(
                "Letters to this prisoner are back in the translation queue, and the ones on "
                "hold go back to approved once nothing else holds them; you will get an e-mail "
                "listing them."
            )
        else:
            message = _(
                "Letters to this prisoner now wait: they leave the translation queue, and "
                "approved ones go on hold, each writer told by e-mail. Tick «accepts letters "
                "now» again when they can receive letters."
            )
        self.message_user(request, message, messages.INFO)

    def _warn_if_incomplete(self, request, prisoner: Prisoner) -> None:
        reasons = selectors.prisoner_recipient_gap_reasons(prisoner=prisoner)
        if reasons:
            self.message_user(
                request,
                _(
                    "The «Кому» line is incomplete: %(reasons)s Letters to this prisoner wait "
                    "on hold until it is fixed."
                )
                % {"reasons": " ".join(reasons)},
                messages.WARNING,
            )
            if RecipientGap.PATRONYMIC in prisoner.recipient_gaps():
                self.message_user(
                    request,
                    _(
                        "If this person has no patronymic (a foreign citizen, say), tick «has "
                        "no patronymic»: the surname and first name are then enough."
                    ),
                    messages.INFO,
                )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        # Blank only on records from before the field existed; whoever edits one chooses.
        # (Absent from the form of someone who may only view the prisoner.)
        if "gender" in form.base_fields:
            form.base_fields["gender"].required = True
        return form

    def get_list_display(self, request):
        if request.user.has_perm("prisoners.add_prisonaddress"):
            return self.list_display
        return [name for name in self.list_display if name != "new_address_link"]

    @admin.display(description=_("Address"))
    def new_address_link(self, obj):
        url = reverse("admin:prisoners_prisoner_new_address", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Record a new address"))

    def get_urls(self):
        return [
            path(
                "<int:prisoner_id>/new-address/",
                self.admin_site.admin_view(self.new_address_view),
                name="prisoners_prisoner_new_address",
            ),
            *super().get_urls(),
        ]

    def new_address_view(self, request, prisoner_id: int):
        if not request.user.has_perm("prisoners.add_prisonaddress"):
            raise PermissionDenied
        prisoner = get_object_or_404(Prisoner, pk=prisoner_id)
        form = NewAddressForm(request.POST or None, initial={"valid_from": timezone.localdate()})
        if request.method == "POST" and form.is_valid():
            try:
                services.prisoner_address_add(
                    prisoner_id=prisoner.pk, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for field, errors in error.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, error)
            else:
                prisoner.refresh_from_db()
                if prisoner.recipient_line_complete:
                    done = _("New address recorded; letters waiting for it are being released.")
                else:
                    # The letters still wait for the «Кому» line, which this page warns about.
                    done = _(
                        "New address recorded. Letters to this prisoner still wait for a "
                        "complete «Кому» line."
                    )
                self.message_user(request, done, messages.SUCCESS)
                return redirect("admin:prisoners_prisoner_change", prisoner.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("New address for %(name)s") % {"name": prisoner.local_name()},
            "prisoner": prisoner,
            "form": form,
            "opts": self.model._meta,
            "history": prisoner.addresses.order_by("-valid_from"),
        }
        return render(request, "admin/prisoners/new_address.html", context)


@admin.register(PrisonAddress)
class PrisonAddressAdmin(admin.ModelAdmin):
    list_display = [
        "prisoner",
        "postal_index",
        "city",
        "facility",
        "valid_from",
        "valid_until",
        "is_demo",
    ]
    list_filter = ["is_demo", "region"]
    search_fields = ["prisoner__name_en", "prisoner__name_ru", "city", "facility", "postal_index"]
    list_select_related = ["prisoner"]
    autocomplete_fields = ["prisoner"]
    date_hierarchy = "valid_from"
    # Typos may be corrected here; the dates and new addresses go through the prisoner's
    # "Record a new address" page, which keeps one current address and releases held letters.
    readonly_fields = ["prisoner", "valid_from", "valid_until"]

    def has_add_permission(self, request):
        return False
