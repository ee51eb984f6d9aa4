"""Response headers that Django does not set itself, a limit on request bodies, and the
middleware each path needs."""

import functools
from types import SimpleNamespace

from csp.constants import HEADER
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.core.exceptions import ImproperlyConfigured, MiddlewareNotUsed
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpResponse, HttpResponseRedirect
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.module_loading import import_string
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


class PathMiddleware:
    """Run on each request only the middleware its path needs.

    ``settings.LETTERBRIDGE_MIDDLEWARE_BY_PATH`` maps a path prefix to a list of middleware (as
    in ``MIDDLEWARE``, outermost first); the longest matching prefix wins and a path that
    matches none goes straight on. Sessions, sign-in, the second factor, the audit and the
    lockouts cost a query or two on every request and serve only the staff's pages, so the
    public pages go without them (see the table in ``config/settings/base.py``).

    Only ``__call__``-style middleware can run here: Django collects ``process_view``,
    ``process_exception`` and ``process_template_response`` from ``MIDDLEWARE`` alone, so one
    that needs them is refused at start-up rather than silently half-run."""

    HOOKS = ("process_view", "process_exception", "process_template_response")

    def __init__(self, get_response):
        self.get_response = get_response
        table = getattr(settings, "LETTERBRIDGE_MIDDLEWARE_BY_PATH", {})
        self.chains = sorted(
            ((prefix, self._chain(names, get_response)) for prefix, names in table.items()),
            key=lambda item: len(item[0]),
            reverse=True,
        )

    @classmethod
    def _chain(cls, names: list[str], get_response):
        handler = get_response
        for name in reversed(names):
            middleware_class = import_string(name)
            try:
                middleware = middleware_class(handler)
            except MiddlewareNotUsed:
                continue
            hooks = [hook for hook in cls.HOOKS if hasattr(middleware, hook)]
            if hooks:
                raise ImproperlyConfigured(
                    f"{name} needs {', '.join(hooks)}: put it in MIDDLEWARE, not in "
                    "LETTERBRIDGE_MIDDLEWARE_BY_PATH."
                )
            handler = middleware
        return handler

    def handler_for(self, path: str):
        for prefix, handler in self.chains:
            if path.startswith(prefix):
                return handler
        return self.get_response

    def __call__(self, request):
        return self.handler_for(request.path_info)(request)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware with the header built once: no view here changes the policy
    or asks for a nonce, and rebuilding the same string on every response was the most
    expensive step of a bare request (65 of 177 µs). Any response that does change it (a
    ``csp_update``/``csp_replace``/``csp_exempt`` decorator, a nonce, a report-only policy)
    goes through django-csp's own code, unchanged."""

    _built: tuple[object, str] | None = None

    def _is_plain(self, request, response) -> bool:
        return not (
            getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
            or getattr(request, "_csp_nonce", None) is not None
            or getattr(response, "_csp_exempt", False)
            or any(
                getattr(response, name, None) is not None
                for name in ("_csp_config", "_csp_update", "_csp_replace")
            )
            or (settings.DEBUG and response.status_code in (404, 500))
        )

    def process_response(self, request, response):
        if not self._is_plain(request, response):
            return super().process_response(request, response)
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", None)
        built = self._built
        if built is None or built[0] is not policy:  # settings changed (tests override them)
            built = self._built = (policy, build_policy())
        excluded = tuple((policy or {}).get("EXCLUDE_URL_PREFIXES") or ())
        if built[1] and HEADER not in response and not request.path_info.startswith(excluded):
            response[HEADER] = built[1]
        # as django-csp does: a nonce asked for after the header was written is an error
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


@functools.lru_cache(maxsize=256)
def _language_for(cookie: str | None, accept_language: str) -> str:
    """Django's choice of language for a request with this language cookie and this
    Accept-Language header (nothing else of the request counts when the URLs carry no
    language prefix), made once per distinct pair: browsers send few distinct headers."""
    request = SimpleNamespace(
        COOKIES={} if cookie is None else {settings.LANGUAGE_COOKIE_NAME: cookie},
        META={"HTTP_ACCEPT_LANGUAGE": accept_language} if accept_language else {},
    )
    return translation.get_language_from_request(request, check_path=False)  # type: ignore[arg-type]


@receiver(setting_changed)
def _forget_languages(*, setting: str, **kwargs) -> None:
    if setting in ("LANGUAGES", "LANGUAGE_CODE", "LANGUAGE_COOKIE_NAME"):
        _language_for.cache_clear()


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Django's LocaleMiddleware, with the language worked out once per distinct (cookie,
    Accept-Language) pair instead of on every request: Django's own lookup raised and caught
    four LookupErrors on a plain request (a third of a bare request's middleware time).
    With language-prefixed URLs (i18n_patterns), Django's code runs unchanged."""

    @staticmethod
    def _prefixed(request) -> bool:
        urlconf = getattr(request, "urlconf", settings.ROOT_URLCONF)
        return is_language_prefix_patterns_used(urlconf)[0]

    def process_request(self, request):
        if self._prefixed(request):
            return super().process_request(request)
        language = _language_for(
            request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME),
            request.META.get("HTTP_ACCEPT_LANGUAGE", ""),
        )
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        return None

    def process_response(self, request, response):
        if self._prefixed(request):
            return super().process_response(request, response)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
