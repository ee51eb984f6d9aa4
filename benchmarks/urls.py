from django.urls import include, path

from . import views

urlpatterns = [
    path("bench/bare/", views.bare),
    path("bench/select/", views.one_select),
    path("", include("config.urls")),
]
