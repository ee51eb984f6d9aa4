"""Response headers that Django does not set itself, a limit on request bodies, and the
middleware each path needs."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, MiddlewareNotUsed
from django.http import HttpResponse
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
