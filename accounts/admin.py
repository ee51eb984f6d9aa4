from axes.models import AccessAttempt
from django.contrib import admin, messages

from config.paginator import EstimatedCountPaginator

from . import services
from .models import LetterAccess


@admin.action(description="Unlock (lift the lockout for these usernames and addresses)")
def unlock(modeladmin, request, queryset):
    count = 0
    for username, ip_address in queryset.values_list("username", "ip_address"):
        count += services.staff_unlock(username=username or "", ip_address=ip_address or "")
    modeladmin.message_user(request, f"Lifted {count} lockout record(s).", messages.SUCCESS)


# axes registers its own admin for attempts; add the unlock action to it.
if admin.site.is_registered(AccessAttempt):
    admin.site._registry[AccessAttempt].actions = [
        *(admin.site._registry[AccessAttempt].actions or []),
        unlock,
    ]


@admin.register(LetterAccess)
class LetterAccessAdmin(admin.ModelAdmin):
    list_display = ["accessed_at", "user", "letter", "page"]
    list_filter = ["page", ("accessed_at", admin.DateFieldListFilter)]
    search_fields = ["=user__username", "=letter__reference"]
    list_select_related = ["user", "letter"]
    paginator = EstimatedCountPaginator
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
