"""The test suite: PostgreSQL and Redis, as in production. Celery runs eagerly in unit tests;
integration tests start a real worker."""

import os

from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-not-secret")
os.environ.setdefault("LETTERBRIDGE_TRACKING_KEY", "test-only-tracking-key")
os.environ.setdefault(
    "LETTERBRIDGE_ENCRYPTION_KEYS", "bGV0dGVyYnJpZGdlLXRlc3Qtb25seS1rZXktMDAwMDE="
)
os.environ.setdefault("LETTERBRIDGE_LOOKUP_KEY", "test-only-lookup-key")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/letterbridge")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")

from .base import *  # noqa: E402

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and env.bool("CI", False):
    raise ImproperlyConfigured("The test suite runs on PostgreSQL in CI; DATABASE_URL is SQLite.")

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast, tests only
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CACHES["default"]["KEY_PREFIX"] = "letterbridge-test"
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
LETTERBRIDGE_SITE_URL = "http://testserver"
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
# Lockouts are tested explicitly (override AXES_ENABLED); elsewhere tests sign in directly.
AXES_ENABLED = False
# Integration tests start a real worker with LETTERBRIDGE_EAGER=false and a file e-mail backend
# (DJANGO_EMAIL_BACKEND, DJANGO_EMAIL_FILE_PATH) so the test can count what it sent.
CELERY_TASK_ALWAYS_EAGER = env.bool("LETTERBRIDGE_EAGER", default=True)
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend")
EMAIL_FILE_PATH = env("DJANGO_EMAIL_FILE_PATH", default=EMAIL_FILE_PATH)
# Close connections after each request: the live server's thread must not hold the test
# database open when pytest drops it.
DATABASES["default"]["CONN_MAX_AGE"] = 0
# Private files of test runs (and of the integration tests' worker) apart from `make run`'s.
if not env("LETTERBRIDGE_STORAGE_URL", default=""):
    STORAGES["private"] = private_storage("", default_location=VAR_DIR / "test-private")
