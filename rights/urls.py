from django.urls import path

from . import views

app_name = "rights"
urlpatterns = [
    path("", views.rights_request, name="request"),
    path("sent/", views.rights_requested, name="requested"),
    path("<str:token>/", views.rights_home, name="home"),
    path("<str:token>/export.json", views.rights_export, name="export"),
    path("<str:token>/erase/", views.rights_erase, name="erase"),
]
