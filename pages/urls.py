"""The URLs of the composed pages, under the names they always had (supporters hold links to
``/letters/track/…``, and letters itself links to ``letters:track`` in its e-mails): each app's
own URLs with the composed pages added to the same namespace. config.urls includes these."""

from django.urls import path
from django.views.generic import RedirectView

from letters import coordination
from letters import urls as letters_urls
from replies import views as replies_views

from . import views

letters_pages = (
    [
        path("track/<str:token>/", views.letter_track, name="track"),
        path("track/<str:token>/sent/", views.letter_sent, name="sent"),
        path(
            "track/<str:token>/replies/<int:reply_id>/<int:position>/",
            replies_views.reply_scan,
            name="reply_scan",
        ),
        path(
            "track/<str:token>/replies/<int:reply_id>/email/",
            replies_views.reply_scan_email,
            name="reply_scan_email",
        ),
        path("privacy/", views.privacy, name="privacy"),
        *letters_urls.urlpatterns,
    ],
    letters_urls.app_name,
)

prisoners_pages = (
    [
        path("", views.prisoner_list, name="list"),
        # A prisoner's address with the name taken off: the directory, not a "not found".
        path(
            "prisoners/",
            RedirectView.as_view(pattern_name="prisoners:list", permanent=True, query_string=True),
        ),
        path("prisoners/<slug:slug>/", views.prisoner_detail, name="detail"),
    ],
    "prisoners",
)

coordination_pages = (
    [
        path("dashboard/", views.coordinators_dashboard, name="dashboard"),
        path("posting/", views.prepare_post, name="prepare"),
        *coordination.urlpatterns,
    ],
    coordination.app_name,
)
