"""Settings shared by every environment. Everything that differs between deployments is read
from the environment (django-environ); the per-environment modules only change defaults."""

from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from kombu import Exchange, Queue

from config.storage_url import private_storage

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("LETTERBRIDGE_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
if env.bool("DJANGO_READ_DOT_ENV_FILE", default=False):
    env.read_env(str(BASE_DIR / ".env"))

# --- Core -----------------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
TIME_ZONE = env("DJANGO_TIME_ZONE", default="Europe/London")
USE_TZ = True
USE_I18N = True
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Where Django's own formats for a language read wrongly (config/formats/ru: "6 декабря").
FORMAT_MODULE_PATH = ["config.formats"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

# --- Databases ------------------------------------------------------------------------------
# The embedded default (SQLite under var/) lets a first `make run` work with no server at all;
# set DATABASE_URL to use PostgreSQL, as tests and production do.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'letterbridge.sqlite3'}")
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False  # services own their transactions
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share the file: wait for locks instead of failing at once, and take
    # the write lock at BEGIN so two writers never deadlock upgrading a read lock.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Django's, the health check asking the socket before sending SELECT 1 (core.db).
        DATABASES["default"]["ENGINE"] = "core.db.postgresql"

# --- Applications ---------------------------------------------------------------------------
DJANGO_APPS = [
    "core.admin.LetterbridgeAdminConfig",  # django.contrib.admin, with our admin.site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]
LOCAL_APPS = [
    "core.apps.CoreConfig",
    "prisoners.apps.PrisonersConfig",
    "letters.apps.LettersConfig",
    "inbox.apps.InboxConfig",
    "replies.apps.RepliesConfig",
    "payments.apps.PaymentsConfig",
]
THIRD_PARTY_APPS = [
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts.apps.AxesConfig",  # django-axes, named in the reader's language
]
LOCAL_APPS += [
    "accounts.apps.AccountsConfig",
    "rights.apps.RightsConfig",
    "pages.apps.PagesConfig",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.RequestBodyLimitMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",  # django-csp's, the header built once
    "core.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.LanguageSwitchMiddleware",  # ?lang=ru: cookie + redirect, before Locale
    "core.middleware.LocaleMiddleware",  # Django's, the language chosen once per header
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.PathMiddleware",  # then what each path needs: the table below
]
# Sessions, sign-in, the second factor, the letter-access audit and the lockouts serve the
# staff's pages; on a public page they cost queries and a Vary: Cookie for nothing. Each prefix
# runs its own list (outermost first; the longest prefix wins; other paths run none of them).
_STAFF_MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.StaffSessionTimeoutMiddleware",
    "accounts.middleware.RequireTwoFactorMiddleware",
    "accounts.audit.LetterAccessAuditMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns lockouts into a clear page
]
# A supporter's cancel, return pack and payment redirect to the letter's page with a message
# (letters.views, payments.views), so the letter's pages and the checkout keep messages (and
# the session they fall back to). The rest of the public site, the letter form and the "find
# my letters" form included, has no session at all.
_MESSAGES_MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
LETTERBRIDGE_MIDDLEWARE_BY_PATH = {
    "/admin/": _STAFF_MIDDLEWARE,
    "/staff/": _STAFF_MIDDLEWARE,
    "/letters/track/": _MESSAGES_MIDDLEWARE,
    "/payments/checkout/": _MESSAGES_MIDDLEWARE,
}
# The admin and axes check that these are in MIDDLEWARE; they run, per path, wherever the admin
# and the sign-in are (tests/core/test_path_middleware.py holds the table to that).
SILENCED_SYSTEM_CHECKS = ["admin.E408", "admin.E409", "admin.E410", "axes.W002"]

# Request bodies: the longest letter (or a translation of three times its length, in Cyrillic,
# percent-encoded) fits well within 256 KiB; a larger body is refused with 413
# (core.middleware.RequestBodyLimitMiddleware) before anything reads it.
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env("DJANGO_STATIC_ROOT", default=str(VAR_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "media")},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    # Batch PDFs, return packs, reply scans: encrypted by core.storage before they get here, never
    # under MEDIA or STATIC, no public URL. var/private by default; an S3 bucket (MinIO, AWS) when
    # LETTERBRIDGE_STORAGE_URL is set, so that several hosts share the files.
    "private": private_storage(
        env("LETTERBRIDGE_STORAGE_URL", default=""), default_location=VAR_DIR / "private"
    ),
}

# --- Cache ----------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.cache.RedisCache",  # Django's, one client per pool
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "letterbridge",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = 20
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Letterbridge <letters@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery ---------------------------------------------------------------------------------
# With REDIS_URL the broker is Redis; without it Celery's filesystem transport keeps messages
# under var/celery, so a first `make run` needs no server. Results are never stored: tasks
# report through the database, which is the source of truth. The filesystem URL names a host
# only because kombu warns "No hostname was supplied" on every connection to a URL without one.
CELERY_FILESYSTEM_DIR = VAR_DIR / "celery"
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://localhost//")
if CELERY_BROKER_URL.startswith("filesystem://"):
    for _folder in ("queue", "processed", "control"):
        (CELERY_FILESYSTEM_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_FILESYSTEM_DIR / "queue"),
        "data_folder_out": str(CELERY_FILESYSTEM_DIR / "queue"),
        "processed_folder": str(CELERY_FILESYSTEM_DIR / "processed"),
        "control_folder": str(CELERY_FILESYSTEM_DIR / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_WORKER_SEND_TASK_EVENTS = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Four queues, one worker group each in Compose, so a backlog in one never delays another:
# e-mails, PDF work (batch PDFs, return packs: long), payments (Stripe refunds, reconciling),
# and the rest (sweeps, holds, purges, inbox polling). A task goes to the first queue with a
# pattern matching its name (exact names first, then the patterns in this order): a new
# `*.send_*` task lands in mail, a `*.render_*` one in pdf, anything else in default.
LETTERBRIDGE_TASK_QUEUES = {
    "mail": ["*.send_*", "*.notify_*", "letters.tasks.remind_expiring_claims"],
    "pdf": ["*.render_*", "letters.tasks.return_letter"],
    "payments": ["payments.tasks.*"],
    "default": ["*"],
}
CELERY_TASK_QUEUES = [
    Queue(name, Exchange(name), routing_key=name) for name in LETTERBRIDGE_TASK_QUEUES
]
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    pattern: {"queue": queue}
    for queue, patterns in LETTERBRIDGE_TASK_QUEUES.items()
    for pattern in patterns
}
# Exactly one beat sends the schedule: each beat takes a lock in Redis (REDIS_URL) and one that
# does not hold it stands by, sending nothing, until the holder stops renewing it.
CELERY_BEAT_SCHEDULER = "core.beat:SingleBeatScheduler"
LETTERBRIDGE_BEAT_LOCK_SECONDS = 60
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "release-expired-claims": {
        "task": "letters.tasks.release_expired_claims",
        "schedule": timedelta(minutes=15),
    },
    "remind-expiring-claims": {
        "task": "letters.tasks.remind_expiring_claims",
        "schedule": timedelta(minutes=15),
    },
    "resend-lost-notifications": {
        "task": "letters.tasks.resend_lost_notifications",
        "schedule": timedelta(minutes=10),
    },
    "reconcile-payments": {
        "task": "payments.tasks.reconcile_payments",
        "schedule": timedelta(minutes=30),
    },
}
# Posting pipeline (letters.tasks): the sweep re-queues side effects that never ran; the digest
# and the retention purge run once a day (the digest sends at most one e-mail a day).
CELERY_BEAT_SCHEDULE.update(
    {
        "sweep-side-effects": {
            "task": "letters.tasks.sweep_side_effects",
            "schedule": timedelta(minutes=10),
        },
        "coordinators-digest": {
            "task": "letters.tasks.send_coordinators_digest",
            "schedule": crontab(hour=7, minute=0),
        },
        "purge-letter-texts": {
            "task": "letters.tasks.purge_letter_texts",
            "schedule": crontab(hour=3, minute=30),
        },
        # an e-mail stored but never read (the process died in between) is read by this
        # sweep when no poll brings it again (a webhook's, or one moved by hand)
        "read-unread-inbound-emails": {
            "task": "inbox.tasks.read_unread_inbound_emails",
            "schedule": timedelta(minutes=10),
        },
        "purge-inbound-emails": {
            "task": "inbox.tasks.purge_inbound_emails",
            "schedule": crontab(hour=3, minute=45),
        },
    }
)

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "core.logging.RedactPersonalData"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        # Request logs can carry tracking tokens in URLs: keep them at WARNING, and redacted.
        "django.request": {"level": "WARNING"},
        "django.server": {"level": "WARNING"},
        "celery": {"level": "INFO"},
    },
}

# --- Error reporting (optional) -------------------------------------------------------------
# Off unless SENTRY_DSN is set. No personal data: no user details, no request bodies, no cookies.
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk

    from core.sentry import scrub_event

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        before_send=scrub_event,
        traces_sample_rate=0.0,
    )

# --- Content-Security-Policy ----------------------------------------------------------------
# Our own scripts, styles, fonts and images only: no inline code, no third-party origins, no
# framing. (The tracking page adds Stripe Checkout as a form target while a payment is due.)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Staff sign-in --------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses locked-out sign-ins, right password or not
    # ModelBackend with each user's permissions cached in Redis (dropped on any change)
    "accounts.backends.CachedPermissionsBackend",
]
LOGIN_URL = "admin:login"
# Five failures lock the username and, separately, the address, for the cool-off period.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LETTERBRIDGE_LOCKOUT_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Reverse proxies in front of the app (0: clients connect directly). Lockouts and the public
# forms' rate limits count by the client's address, read from X-Forwarded-For behind proxies.
LETTERBRIDGE_PROXY_COUNT = env.int("LETTERBRIDGE_PROXY_COUNT", default=0)
AXES_IPWARE_PROXY_COUNT = LETTERBRIDGE_PROXY_COUNT
# A second factor (TOTP, backup codes) before any staff page; always on in production.
LETTERBRIDGE_REQUIRE_2FA = env.bool("LETTERBRIDGE_REQUIRE_2FA", default=False)
OTP_TOTP_ISSUER = env("LETTERBRIDGE_ORGANISATION_NAME", default="Letterbridge")
# Staff sessions end after 30 minutes idle and 12 hours in all.
LETTERBRIDGE_STAFF_IDLE_SECONDS = 30 * 60
LETTERBRIDGE_STAFF_SESSION_SECONDS = 12 * 60 * 60
SESSION_COOKIE_AGE = LETTERBRIDGE_STAFF_SESSION_SECONDS
# Sessions are read from Redis (written through to the database, which survives a restart).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Letterbridge ---------------------------------------------------------------------------
LETTERBRIDGE_ORGANISATION_NAME = env("LETTERBRIDGE_ORGANISATION_NAME", default="Letterbridge")
# Who is responsible for supporters' data (the data controller) and how to reach them, as the
# privacy notice names them: the organisation, at the address its e-mails come from, by default.
LETTERBRIDGE_CONTROLLER_NAME = env(
    "LETTERBRIDGE_CONTROLLER_NAME", default=LETTERBRIDGE_ORGANISATION_NAME
)
LETTERBRIDGE_CONTACT_EMAIL = env(
    "LETTERBRIDGE_CONTACT_EMAIL", default=parseaddr(DEFAULT_FROM_EMAIL)[1]
)
LETTERBRIDGE_SITE_URL = env("LETTERBRIDGE_SITE_URL", default="http://127.0.0.1:8000")
# The staff's e-mails (a claim ending, a flagged letter, held letters released, the digest) are
# written in the team's language, whoever or whatever set them off: one of LANGUAGES.
LETTERBRIDGE_STAFF_LANGUAGE = env("LETTERBRIDGE_STAFF_LANGUAGE", default=LANGUAGE_CODE)
LETTERBRIDGE_RETURN_ADDRESS = env.list(
    "LETTERBRIDGE_RETURN_ADDRESS",
    default=["Letterbridge", "PO Box 0000", "London N1 0AA", "UNITED KINGDOM"],
)
# Where prisoners send their replies (issue 14): printed at the foot of every posted letter with
# the letter's number, and on the reply kit's envelope label. One line per row, the addressee
# first; in the environment "\n" starts a new row. Empty: the letters say nothing about replying
# (`check --deploy` warns). local.py sets a demo address.
LETTERBRIDGE_REPLY_ADDRESS = env.str("LETTERBRIDGE_REPLY_ADDRESS", default="", multiline=True)
# Reply kit: after each letter of a posting batch, a lined sheet for the answer (headed with the
# letter's number) and a label for a self-addressed envelope to our reply address.
LETTERBRIDGE_REPLY_KIT = env.bool("LETTERBRIDGE_REPLY_KIT", default=False)
# Postage per currency, in minor units (pence, cents).
LETTERBRIDGE_POSTAGE_FEES = {
    "GBP": env.int("LETTERBRIDGE_FEE_GBP", default=220),
    "USD": env.int("LETTERBRIDGE_FEE_USD", default=273),
    "EUR": env.int("LETTERBRIDGE_FEE_EUR", default=252),
}
LETTERBRIDGE_CLAIM_DAYS = env.int("LETTERBRIDGE_CLAIM_DAYS", default=7)
LETTERBRIDGE_CLAIM_REMINDER_HOURS = env.int("LETTERBRIDGE_CLAIM_REMINDER_HOURS", default=24)
LETTERBRIDGE_DEFAULT_CLAIM_LIMIT = env.int("LETTERBRIDGE_DEFAULT_CLAIM_LIMIT", default=3)
LETTERBRIDGE_RETENTION_DAYS = env.int("LETTERBRIDGE_RETENTION_DAYS", default=90)
# Public pages (directory, prisoner page, empty letter form) are cached whole for anonymous
# visitors this many seconds (core.pagecache); a change to a prisoner shows at once. 0: off.
LETTERBRIDGE_PUBLIC_PAGE_SECONDS = env.int("LETTERBRIDGE_PUBLIC_PAGE_SECONDS", default=60)
LETTERBRIDGE_MAX_LETTER_CHARS = env.int("LETTERBRIDGE_MAX_LETTER_CHARS", default=6000)
# A notification still unsent this long after it was due is handed to the worker again.
LETTERBRIDGE_NOTIFICATION_RESEND_AFTER = timedelta(
    minutes=env.int("LETTERBRIDGE_NOTIFICATION_RESEND_MINUTES", default=10)
)
# Tracking links are derived from this key (HMAC) and only their hash is stored: a copy of the
# database alone cannot open a supporter's letter. Separate from SECRET_KEY so it can rotate alone.
LETTERBRIDGE_TRACKING_KEY = env("LETTERBRIDGE_TRACKING_KEY")
# Letter texts and supporters' names and e-mails are stored encrypted (core/crypto.py) under
# these Fernet keys, newest first; e-mails are looked up by a hash keyed with the second key.
LETTERBRIDGE_ENCRYPTION_KEYS = env.list("LETTERBRIDGE_ENCRYPTION_KEYS")
LETTERBRIDGE_LOOKUP_KEY = env("LETTERBRIDGE_LOOKUP_KEY")
# PDFs (letters/pdf.py): TrueType fonts with Cyrillic. Empty means ParaType's PT Serif / PT Sans
# from the fontpkg-pt-serif / fontpkg-pt-sans packages; set a path to use another font.
LETTERBRIDGE_PDF_FONT_SERIF = env("LETTERBRIDGE_PDF_FONT_SERIF", default="")
LETTERBRIDGE_PDF_FONT_SERIF_BOLD = env("LETTERBRIDGE_PDF_FONT_SERIF_BOLD", default="")
LETTERBRIDGE_PDF_FONT_SANS = env("LETTERBRIDGE_PDF_FONT_SANS", default="")
LETTERBRIDGE_PDF_FONT_SANS_BOLD = env("LETTERBRIDGE_PDF_FONT_SANS_BOLD", default="")
# Envelope printed for each posted letter: "DL" (220 x 110 mm) or "C5" (229 x 162 mm).
LETTERBRIDGE_ENVELOPE = env("LETTERBRIDGE_ENVELOPE", default="DL")
# Coordinators' daily digest lists letters that have sat in one state longer than this.
LETTERBRIDGE_STUCK_DAYS = env.int("LETTERBRIDGE_STUCK_DAYS", default=14)
# Side effects (a return, a batch PDF, an address change) not done this long after they were due
# are run again by the sweep.
LETTERBRIDGE_SWEEP_GRACE = timedelta(
    minutes=env.int("LETTERBRIDGE_SWEEP_GRACE_MINUTES", default=10)
)

# --- Replies from prisoners (replies) --------------------------------------------------------
# A scanned reply: each file at most this many bytes, and at most this many pages in all (an
# image is a page; a PDF counts its pages). A volunteer's claim on a reply lasts as a letter's.
LETTERBRIDGE_REPLY_MAX_BYTES = env.int("LETTERBRIDGE_REPLY_MAX_BYTES", default=15 * 1024 * 1024)
LETTERBRIDGE_REPLY_MAX_PAGES = env.int("LETTERBRIDGE_REPLY_MAX_PAGES", default=20)
# A supporter may ask for an approved, unredacted reply's scan by e-mail (issue 14): at most once
# in this many minutes per reply, and attached only while the files add up to at most this many
# bytes (a larger scan: the e-mail links to the letter's page instead).
LETTERBRIDGE_REPLY_SCAN_EMAIL_INTERVAL = timedelta(
    minutes=env.int("LETTERBRIDGE_REPLY_SCAN_EMAIL_INTERVAL_MINUTES", default=10)
)
LETTERBRIDGE_REPLY_SCAN_EMAIL_MAX_BYTES = env.int(
    "LETTERBRIDGE_REPLY_SCAN_EMAIL_MAX_BYTES", default=10 * 1024 * 1024
)
CELERY_BEAT_SCHEDULE.update(
    {
        "release-expired-reply-claims": {
            "task": "replies.tasks.release_expired_reply_claims",
            "schedule": timedelta(minutes=15),
        },
        "send-lost-reply-emails": {
            "task": "replies.tasks.send_lost_reply_emails",
            "schedule": timedelta(minutes=10),
        },
        "purge-replies": {
            "task": "replies.tasks.purge_replies",
            "schedule": crontab(hour=3, minute=50),
        },
    }
)

# --- Stripe (payments) ----------------------------------------------------------------------
# Without STRIPE_SECRET_KEY the app runs as before: postage is recorded as due and coordinators
# mark it paid or waived. STRIPE_API_BASE points the SDK at a local Stripe mock when set.
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env("STRIPE_API_BASE", default="https://api.stripe.com")
# Without Stripe, how supporters pay the postage (bank details, who takes cash), shown with the
# letter's reference on its page and in e-mails; free text, line breaks kept. Empty: they are
# asked, in their own language, to write to the organisation at DEFAULT_FROM_EMAIL.
LETTERBRIDGE_PAYMENT_INSTRUCTIONS = env("LETTERBRIDGE_PAYMENT_INSTRUCTIONS", default="")
# Pending Stripe payments older than this are checked against Stripe by the reconciliation task.
LETTERBRIDGE_PAYMENT_RECONCILE_AFTER = timedelta(
    minutes=env.int("LETTERBRIDGE_PAYMENT_RECONCILE_MINUTES", default=60)
)

# --- Letters by e-mail (inbox) ---------------------------------------------------------------
# The organisation's mailbox, polled over IMAP by the beat. Off while LETTERBRIDGE_IMAP_HOST is
# empty (`make run` needs no mailbox). SECURITY: "ssl" (port 993), "starttls" or "none" (only
# for a server on this machine). Messages are moved to PROCESSED or FAILED, never deleted.
LETTERBRIDGE_IMAP_HOST = env("LETTERBRIDGE_IMAP_HOST", default="")
LETTERBRIDGE_IMAP_PORT = env.int("LETTERBRIDGE_IMAP_PORT", default=993)
LETTERBRIDGE_IMAP_SECURITY = env("LETTERBRIDGE_IMAP_SECURITY", default="ssl")
LETTERBRIDGE_IMAP_USER = env("LETTERBRIDGE_IMAP_USER", default="")
LETTERBRIDGE_IMAP_PASSWORD = env("LETTERBRIDGE_IMAP_PASSWORD", default="")
LETTERBRIDGE_IMAP_FOLDER = env("LETTERBRIDGE_IMAP_FOLDER", default="INBOX")
LETTERBRIDGE_IMAP_PROCESSED_FOLDER = env("LETTERBRIDGE_IMAP_PROCESSED_FOLDER", default="Processed")
LETTERBRIDGE_IMAP_FAILED_FOLDER = env("LETTERBRIDGE_IMAP_FAILED_FOLDER", default="Failed")
LETTERBRIDGE_IMAP_POLL_SECONDS = env.int("LETTERBRIDGE_IMAP_POLL_SECONDS", default=120)
# A larger e-mail is refused politely (its headers kept, the sender asked to send it smaller).
LETTERBRIDGE_INBOX_MAX_BYTES = env.int("LETTERBRIDGE_INBOX_MAX_BYTES", default=10 * 1024 * 1024)
if LETTERBRIDGE_IMAP_HOST:
    CELERY_BEAT_SCHEDULE["poll-inbox"] = {
        "task": "inbox.tasks.poll_inbox",
        "schedule": timedelta(seconds=LETTERBRIDGE_IMAP_POLL_SECONDS),
    }
