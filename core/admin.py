"""Admin pieces shared by the apps (this app registers no models)."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.db.models import Model
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from django.utils.translation import npgettext_lazy


class LetterbridgeAdminSite(admin.AdminSite):
    """Django's admin site, with the list of apps built only when a page shows it.

    ``each_context`` gives every admin page ``available_apps`` for the sidebar, and Django
    builds it at once: every registered model's permissions asked and its URLs reversed, about
    half a millisecond a page. The sidebar's HTML is kept per permissions and language
    (``{% nav_sidebar %}`` in core_tags), so most pages never read the list."""

    def get_app_list(self, request, app_label=None):
        return SimpleLazyObject(
            lambda: super(LetterbridgeAdminSite, self).get_app_list(request, app_label)
        )


class LetterbridgeAdminConfig(AdminConfig):
    """``django.contrib.admin`` with ``LetterbridgeAdminSite`` as ``admin.site``."""

    default_site = "core.admin.LetterbridgeAdminSite"


class ReadOnlyAdminMixin:
    """For a model admin or an inline that shows rows and changes none: histories, logs, and
    rows that only a service may write (a form would save the whole row over what the service
    wrote meanwhile). Put it before ``admin.ModelAdmin`` (or the inline class) in the bases."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


def _count(singular: str, plural: str):
    return npgettext_lazy("admin list count", singular, plural, "n")


# How a change list says how many rows it has ("5 писем", not Django's "5 письма": Django puts
# the plural name after any number but 1, and Russian needs one of three forms). Models not
# named here are counted Django's way.
RESULT_COUNTS = {
    "letters.letter": _count("%(n)s letter", "%(n)s letters"),
    "letters.letterevent": _count("%(n)s letter event", "%(n)s letter events"),
    "letters.notification": _count("%(n)s notification", "%(n)s notifications"),
    "letters.postingbatch": _count("%(n)s posting batch", "%(n)s posting batches"),
    "letters.volunteerprofile": _count("%(n)s volunteer profile", "%(n)s volunteer profiles"),
    "prisoners.prisoner": _count("%(n)s prisoner profile", "%(n)s prisoner profiles"),
    "prisoners.prisonaddress": _count("%(n)s prison address", "%(n)s prison addresses"),
    "payments.payment": _count("%(n)s payment", "%(n)s payments"),
    "payments.stripeevent": _count("%(n)s Stripe event", "%(n)s Stripe events"),
    "inbox.inboundemail": _count("%(n)s e-mail", "%(n)s e-mails"),
    "replies.reply": _count("%(n)s reply", "%(n)s replies"),
    "accounts.letteraccess": _count("%(n)s access record", "%(n)s access records"),
    "auth.user": _count("%(n)s user", "%(n)s users"),
    "auth.group": _count("%(n)s group", "%(n)s groups"),
    "axes.accessattempt": _count("%(n)s access attempt", "%(n)s access attempts"),
    "axes.accesslog": _count("%(n)s access record", "%(n)s access records"),
    "axes.accessfailurelog": _count("%(n)s access failure", "%(n)s access failures"),
}


def result_count(opts, count: int) -> str:
    """What a change list's foot says of its ``count`` rows of the model ``opts`` describes."""
    phrase = RESULT_COUNTS.get(opts.label_lower)
    if phrase is None:
        name = opts.verbose_name if count == 1 else opts.verbose_name_plural
        return f"{count} {name}"
    return phrase % {"n": count}
