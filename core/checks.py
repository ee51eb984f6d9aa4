"""The admin's and axes' own checks look for their middleware in MIDDLEWARE only, and are
silenced since it moved into the per-path table (``core.middleware.PathMiddleware``). This
check keeps what they guarded: the admin's path still runs sessions, sign-in and messages,
in that order, and the lockout middleware. Another check holds the staff's e-mail language to
the site's languages."""

from django.apps import apps
from django.conf import settings
from django.core.checks import Error, register

ADMIN_NEEDS = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
AXES = "axes.middleware.AxesMiddleware"


@register()
def admin_path_middleware(app_configs=None, **kwargs) -> list[Error]:
    if not apps.is_installed("django.contrib.admin"):
        return []
    table = getattr(settings, "LETTERBRIDGE_MIDDLEWARE_BY_PATH", {})
    prefix = getattr(settings, "LETTERBRIDGE_ADMIN_PATH", "/admin/")
    chain = list(settings.MIDDLEWARE) + list(table.get(prefix, []))
    missing = [name for name in ADMIN_NEEDS if name not in chain]
    if apps.is_installed("axes") and AXES not in chain:
        missing.append(AXES)
    errors = []
    if missing:
        errors.append(
            Error(
                f"The admin's path {prefix} does not run {', '.join(missing)}.",
                hint="Add them to LETTERBRIDGE_MIDDLEWARE_BY_PATH[" + repr(prefix) + "].",
                id="core.E001",
            )
        )
    elif [chain.index(name) for name in ADMIN_NEEDS] != sorted(
        chain.index(name) for name in ADMIN_NEEDS
    ):
        errors.append(
            Error(
                f"On {prefix}, sessions must come before sign-in, and sign-in before messages.",
                id="core.E002",
            )
        )
    return errors


@register()
def staff_language(app_configs=None, **kwargs) -> list[Error]:
    """Staff e-mails are written in LETTERBRIDGE_STAFF_LANGUAGE: a language the site has, or
    they would silently go out in English."""
    language = getattr(settings, "LETTERBRIDGE_STAFF_LANGUAGE", settings.LANGUAGE_CODE)
    codes = [code for code, _name in settings.LANGUAGES]
    if language in codes:
        return []
    return [
        Error(
            f"LETTERBRIDGE_STAFF_LANGUAGE is {language!r}, which is not one of LANGUAGES.",
            hint="Set it to one of: " + ", ".join(codes) + ".",
            id="core.E003",
        )
    ]
