from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("2fa/setup/", views.two_factor_setup, name="2fa_setup"),
    path("2fa/verify/", views.two_factor_verify, name="2fa_verify"),
]
