"""Local development: `make run`. Safe defaults so a fresh clone starts with nothing configured."""

import os

os.environ.setdefault("DJANGO_DEBUG", "true")
# Development-only keys: production.py has no defaults and refuses to start without real ones.
os.environ.setdefault("DJANGO_SECRET_KEY", "local-development-only-not-secret")
os.environ.setdefault("LETTERBRIDGE_TRACKING_KEY", "local-development-tracking-key")
os.environ.setdefault(
    "LETTERBRIDGE_ENCRYPTION_KEYS", "bGV0dGVyYnJpZGdlLWxvY2FsLWRldi1rZXktMDAwMDE="
)
os.environ.setdefault("LETTERBRIDGE_LOOKUP_KEY", "local-development-lookup-key")
# A demo reply address (not a real one), so `make run`'s letters show where replies go.
os.environ.setdefault(
    "LETTERBRIDGE_REPLY_ADDRESS",
    "Letterbridge (demo)\\nPO Box 0000\\nLondon N1 0AA\\nUNITED KINGDOM / ВЕЛИКОБРИТАНИЯ",
)
os.environ.setdefault("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")

from .base import *  # noqa: E402

ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
STATIC_ROOT = None  # runserver serves static files from the apps; collectstatic is for production
WHITENOISE_USE_FINDERS = True
