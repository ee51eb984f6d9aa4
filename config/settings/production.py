"""Production: every secret comes from the environment with no default, so a missing one stops
the boot instead of running with a known key."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
LETTERBRIDGE_TRACKING_KEY = env("LETTERBRIDGE_TRACKING_KEY")
# A secret left empty (a .env.example copied as it is) stops the boot as a missing one does.
_EMPTY_SECRETS = [
    name
    for name in (
        "DJANGO_SECRET_KEY",
        "LETTERBRIDGE_TRACKING_KEY",
        "LETTERBRIDGE_ENCRYPTION_KEYS",
        "LETTERBRIDGE_LOOKUP_KEY",
    )
    if not env.str(name).strip()
]
if _EMPTY_SECRETS:
    raise ImproperlyConfigured(f"Empty in the environment, set them: {', '.join(_EMPTY_SECRETS)}")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "core.db.postgresql"  # health checks without SELECT 1
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=env("REDIS_URL"))
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}

# --- HTTPS and cookies ----------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
X_FRAME_OPTIONS = "DENY"

# --- Staff ----------------------------------------------------------------------------------
LETTERBRIDGE_REQUIRE_2FA = True  # no staff page without a second factor, whatever the env says
