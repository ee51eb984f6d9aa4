"""Letters' own pages. The letter's page and the confirmation (``track``, ``sent``) share this
namespace but are drawn above letters: pages.urls adds them."""

from django.urls import path

from . import views

app_name = "letters"
urlpatterns = [
    path("write/", views.letter_write, name="write"),
    path("find/", views.letters_find, name="find"),
    path("find/sent/", views.letters_find_sent, name="find_sent"),
    path("track/<str:token>/cancel/", views.letter_cancel, name="cancel"),
    path("track/<str:token>/translation.pdf", views.letter_returned_pdf, name="returned_pdf"),
]
