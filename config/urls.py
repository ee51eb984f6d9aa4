from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from pages import urls as pages_urls

# Lazy, so that staff who read the admin in Russian get these in Russian too.
admin.site.site_header = format_lazy(
    "{} — {}", settings.LETTERBRIDGE_ORGANISATION_NAME, _("translation desk")
)
admin.site.site_title = settings.LETTERBRIDGE_ORGANISATION_NAME
admin.site.index_title = _("Letters, prisoners and postage")

urlpatterns = [
    # First: the public pages are the most requested, and resolving walks the list in order
    # (their paths, "" and prisoners/<slug>/, overlap no other pattern).
    path("", include(pages_urls.prisoners_pages)),
    # Browsers ask for /favicon.ico on every page, the admin's included.
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
    path("admin/coordination/", include(pages_urls.coordination_pages)),
    path("admin/", admin.site.urls),
    path("staff/", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("letters/", include(pages_urls.letters_pages)),
    path("my-data/", include("rights.urls")),
    path("payments/", include("payments.urls")),
]
