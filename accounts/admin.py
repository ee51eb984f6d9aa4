from axes.admin import AccessAttemptAdmin as AxesAccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.utils.translation import ngettext

from core.admin import ReadOnlyAdminMixin
from core.paginator import EstimatedCountPaginator

from . import services
from .models import LetterAccess


@admin.action(
    description="Unlock (lift the lockout for these usernames and addresses)",
    permissions=["delete"],
)
def unlock(modeladmin, request, queryset):
    count = 0
    for username, ip_address in queryset.values_list("username", "ip_address"):
        try:
            count += services.staff_unlock(
                actor=request.user, username=username or "", ip_address=ip_address or ""
            )
        except PermissionDenied as error:
            modeladmin.message_user(request, str(error), messages.ERROR)
            return
    modeladmin.message_user(
        request,
        ngettext("Lifted %(n)d lockout record.", "Lifted %(n)d lockout records.", count)
        % {"n": count},
        messages.SUCCESS,
    )


class AccessAttemptAdmin(AxesAccessAttemptAdmin):
    # Unlock only: axes' own "clean up expired attempts" asks for no permission at all, and
    # axes removes expired attempts at every sign-in anyway.
    actions = [unlock]


if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)
    admin.site.register(AccessAttempt, AccessAttemptAdmin)


@admin.register(LetterAccess)
class LetterAccessAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["accessed_at", "user", "letter", "page"]
    list_filter = ["page", ("accessed_at", admin.DateFieldListFilter)]
    search_fields = ["=user__username", "=letter__reference"]
    list_select_related = ["user", "letter"]
    paginator = EstimatedCountPaginator
    show_full_result_count = False
