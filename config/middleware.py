"""Response headers that Django does not set itself, and a limit on request bodies."""

from django.conf import settings
from django.http import HttpResponse
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
            return HttpResponse(
                _("The request's length is not readable."), status=400, content_type="text/plain"
            )
        if limit is not None and length > limit:
            response = HttpResponse(
                _("This request is too large."), status=413, content_type="text/plain"
            )
            response["Connection"] = "close"
            return response
        return self.get_response(request)
