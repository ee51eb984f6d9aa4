"""Production settings with what a loopback benchmark needs: plain HTTP, local hosts, the two
baseline views mounted, and nothing that would measure the benchmark instead of the app."""

import os

os.environ.setdefault(
    "DJANGO_SECRET_KEY", "benchmark-only-secret-key-not-for-production-use-0123456789"
)
os.environ.setdefault("LETTERBRIDGE_TRACKING_KEY", "benchmark-only-tracking-key")
os.environ.setdefault(
    "LETTERBRIDGE_ENCRYPTION_KEYS", "YmVuY2htYXJrLW9ubHktZW5jcnlwdGlvbi1rZXktMDE="
)
os.environ.setdefault("LETTERBRIDGE_LOOKUP_KEY", "benchmark-only-lookup-key")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/letterbridge_bench")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/13")

from config.settings.production import *  # noqa: E402, F403

ROOT_URLCONF = "benchmarks.urls"
# Runs on different databases (100k, 1M letters) share one Redis: keep their caches apart, so
# what one run remembered (pages, permissions, a letter's sending) never answers for another's.
CACHES["default"]["KEY_PREFIX"] = f"bench-{DATABASES['default']['NAME']}"  # noqa: F405
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
LOGGING["loggers"]["celery"] = {"level": "WARNING"}  # noqa: F405
# Measure the app, not the abuse limits: one client on loopback sends thousands of requests.
LETTERBRIDGE_RATE_LIMITS = {scope: (10**9, 3600) for scope in ("letter", "find", "cancel")}
AXES_ENABLED = False
# Staff pages in production need a second factor; the benchmark's sessions are made directly.
LETTERBRIDGE_REQUIRE_2FA = False
