from django import forms
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import match_token, user_has_device

from . import services
from .qr import qr_svg


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or reverse("admin:index")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("admin:index")


def _staff_only(view):
    def wrapped(request, *args, **kwargs):
        if not request.user.is_staff:
            return redirect(f"{reverse('admin:login')}?next={request.path}")
        return view(request, *args, **kwargs)

    return login_required(wrapped, login_url="admin:login")


@never_cache
@require_http_methods(["GET", "POST"])
@_staff_only
def two_factor_setup(request):
    """Enrol an authenticator app: scan the QR code, type one code, keep the backup codes."""
    device = services.totp_device_pending(user=request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = services.totp_confirm(
                user=request.user, token=form.cleaned_data["token"]
            )
        except services.TwoFactorError as error:
            form.add_error("token", error.message)
        else:
            otp_login(request, device)
            context = admin.site.each_context(request) | {
                "codes": codes,
                "next": _next_url(request),
            }
            return render(request, "accounts/backup_codes.html", context)
    context = admin.site.each_context(request) | {
        "form": form,
        "qr": qr_svg(device.config_url),
        "secret": device.key,
        "replacing": user_has_device(request.user),
        "next": _next_url(request),
        "title": _("Set up two-step sign-in"),
    }
    return render(request, "accounts/setup.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@_staff_only
def two_factor_verify(request):
    """The second step of signing in: a code from the authenticator, or a backup code."""
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"].strip().replace(" ", ""))
        if device is not None:
            otp_login(request, device)
            return redirect(_next_url(request))
        form.add_error("token", _("That code is not right, or it was already used."))
    context = admin.site.each_context(request) | {
        "form": form,
        "next": _next_url(request),
        "title": _("Two-step sign-in"),
    }
    return render(request, "accounts/verify.html", context)
