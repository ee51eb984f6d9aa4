from django.contrib import admin

from .models import PrisonAddress, Prisoner


class PrisonAddressInline(admin.StackedInline):
    model = PrisonAddress
    extra = 0
    fields = [
        ("postal_index", "region", "city"),
        "street",
        "facility",
        ("valid_from", "valid_until"),
        ("source", "is_demo"),
    ]


@admin.register(Prisoner)
class PrisonerAdmin(admin.ModelAdmin):
    list_display = ["name_en", "name_ru", "status", "accepts_letters", "birth_year", "is_demo"]
    list_filter = ["status", "accepts_letters", "is_demo"]
    search_fields = ["name_en", "name_ru", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}
    inlines = [PrisonAddressInline]
    fieldsets = [
        (None, {"fields": ["name_en", "slug", "status", "accepts_letters", "is_demo"]}),
        ("Russian", {"fields": ["name_ru", "name_ru_dative", "birth_year"]}),
        ("About", {"fields": ["case_summary", "source_url"]}),
        ("For translators", {"fields": ["reads_languages", "notes_for_translators"]}),
    ]


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
