"""Response headers that Django does not set itself, and a limit on request bodies."""

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

# Nothing here needs a camera, a microphone, a location, payment handlers or USB: say so, so
# no injected or embedded script can ask for them.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
        "interest-cohort",
        "browsing-topics",
    )
)


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class RequestBodyLimitMiddleware:
    """Refuse a request whose declared body is larger than DATA_UPLOAD_MAX_MEMORY_SIZE with 413
    before anything reads it. (Django itself would answer 400 once a view touched the body; the
    Stripe webhook reads ``request.body`` whole.) Nothing here takes file uploads, so the
    limit applies to every body."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        declared = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(declared)
        except ValueError:
            length = -1
        if length < 0:
            # Django would fail reading such a body (int() of the header): refuse it plainly.
            return _refusal(_("The request's length is not readable."), status=400)
        if limit is not None and length > limit:
            return _refusal(_("This request is too large."), status=413)
        return self.get_response(request)


def _refusal(message: str, *, status: int) -> HttpResponse:
    """A plain answer a client can read whole without sending the body it announced: its length
    is given, because the development server reads the unsent body until the client hangs up.
    No ``Connection`` header: it is hop-by-hop, an application must not set it (wsgiref, under
    runserver, answers 500 instead), and keeping the connection is the server's decision."""
    response = HttpResponse(message, status=status, content_type="text/plain")
    response["Content-Length"] = str(len(response.content))
    return response


class LanguageSwitchMiddleware:
    """The language switch as a plain link: ``?lang=ru`` on any GET sets the language cookie (as
    Django's ``set_language`` view does) and redirects to the same address without it. No form,
    no POST and no CSRF token, so the switch does not make every page unique and works without
    JavaScript. An unknown language is dropped from the address and changes nothing."""

    PARAM = "lang"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD") or self.PARAM not in request.GET:
            return self.get_response(request)
        code = request.GET.get(self.PARAM, "")
        query = request.GET.copy()
        del query[self.PARAM]
        path = request.path if url_has_allowed_host_and_scheme(request.path, None) else "/"
        target = path + (f"?{query.urlencode()}" if query else "")
        response = HttpResponseRedirect(target)
        response["Cache-Control"] = "private, no-store"
        if code in {language for language, _name in settings.LANGUAGES}:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                code,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response
