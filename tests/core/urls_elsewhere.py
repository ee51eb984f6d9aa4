"""A URLconf that mounts the admin elsewhere (tests/core/test_reverse_once.py)."""

from django.contrib import admin
from django.urls import path

urlpatterns = [path("elsewhere/", admin.site.urls)]
