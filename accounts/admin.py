from axes.models import AccessAttempt
from django.contrib import admin, messages

from . import services


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
