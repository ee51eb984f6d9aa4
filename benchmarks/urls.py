from django.urls import include, path

from . import views

urlpatterns = [
    path("bench/bare/", views.bare),
    path("bench/select/", views.one_select),
    path("bench/insert/", views.one_insert),
    path("", include("config.urls")),
]
