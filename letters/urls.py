from django.urls import path

from . import views

app_name = "letters"
urlpatterns = [
    path("track/<str:token>/", views.letter_track, name="track"),
]
