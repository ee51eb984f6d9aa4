"""The reply admin: a list narrowed to what each person may see (never the supporter), with
the desk's pages under its URLs (replies.desk)."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from . import selectors
from .desk import ReplyDesk
from .models import Reply


@admin.register(Reply)
class ReplyAdmin(admin.ModelAdmin):
    list_display = ["__str__", "reference", "status", "created_at", "open_link"]
    list_filter = ["status"]
    SHOWN = ["reference", "status", "created_at", "status_changed_at", "redacted"]
    readonly_fields = [*SHOWN, "withheld_reason"]

    def get_fields(self, request, obj=None):
        # Only coordinators ever open a withheld reply (replies.selectors); say why it is.
        if obj is not None and obj.status == Reply.Status.WITHHELD:
            return [*self.SHOWN, "withheld_reason"]
        return self.SHOWN

    change_list_template = "admin/replies/reply/change_list.html"

    def get_queryset(self, request):
        return selectors.replies_visible_to(user=request.user).select_related("letter")

    def get_urls(self):
        return ReplyDesk(self).get_urls() + super().get_urls()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("letter"))
    def reference(self, obj: Reply) -> str:
        return obj.letter.reference

    @admin.display(description=_("open"))
    def open_link(self, obj: Reply) -> str:
        name = "review" if obj.status == Reply.Status.IN_REVIEW else "work"
        return format_html(
            '<a href="{}">{}</a>', reverse(f"admin:replies_reply_{name}", args=[obj.pk]), _("open")
        )
