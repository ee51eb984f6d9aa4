"""Staff sessions: a second factor before any admin page (where required), and sessions that
end after 30 minutes idle or 12 hours in all."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp import user_has_device

from core.urls import reverse_once

LOGIN_AT = "_staff_login_at"
SEEN_AT = "_staff_seen_at"
SEEN_RESOLUTION = 60  # seconds: the idle clock is kept to the minute


class StaffSessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff:
            now = int(time.time())
            login_at = request.session.setdefault(LOGIN_AT, now)
            seen_at = request.session.get(SEEN_AT, now)
            idle = now - seen_at > settings.LETTERBRIDGE_STAFF_IDLE_SECONDS
            too_long = now - login_at > settings.LETTERBRIDGE_STAFF_SESSION_SECONDS
            if idle or too_long:
                logout(request)  # flushes the session: nothing of it survives
                messages.info(
                    request, _("You were signed out to keep letters safe. Sign in again.")
                )
                return redirect(f"{reverse('admin:login')}?next={request.path}")
            # One session write a minute at most, not one per request.
            if SEEN_AT not in request.session or now - seen_at >= SEEN_RESOLUTION:
                request.session[SEEN_AT] = now
        return self.get_response(request)


class RequireTwoFactorMiddleware:
    """Staff pages need a session verified with a second factor when
    LETTERBRIDGE_REQUIRE_2FA is on (always in production)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.LETTERBRIDGE_REQUIRE_2FA and self._needs_check(request):
            user = request.user
            if not user.is_verified():
                target = "accounts:2fa_verify" if user_has_device(user) else "accounts:2fa_setup"
                return redirect(f"{reverse(target)}?next={request.path}")
        return self.get_response(request)

    @staticmethod
    def _needs_check(request) -> bool:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_staff:
            return False
        exempt = (reverse_once("admin:login"), reverse_once("admin:logout"), "/staff/2fa/")
        return request.path.startswith("/admin/") and not request.path.startswith(exempt)
