"""Staff second factor: enrol a TOTP authenticator, confirm it with a code, and receive backup
codes. Unlocking an account locked by failed logins is a coordinator's action."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

BACKUP_CODES = 10
# Lifting a lockout deletes the failed attempts that caused it.
PERM_UNLOCK = "axes.delete_accessattempt"


class TwoFactorError(Exception):
    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def totp_device_pending(*, user: User) -> TOTPDevice:
    """The unconfirmed authenticator being set up (one per user, reused until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


@transaction.atomic
def totp_confirm(*, user: User, token: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the pending authenticator with a code from it; replaces any earlier one and
    issues a fresh set of backup codes, returned once in clear."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None:
        raise TwoFactorError("Start the set-up again: no authenticator is waiting to be confirmed.")
    if not device.verify_token(token.strip().replace(" ", "")):
        raise TwoFactorError("That code is not right. Check the time on your phone and try again.")
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device, backup_codes_regenerate(user=user)


@transaction.atomic
def backup_codes_regenerate(*, user: User) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name="Backup codes", defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def staff_unlock(*, actor: User, username: str = "", ip_address: str = "") -> int:
    """Lift a lockout from failed logins (for a username, an address, or both)."""
    from axes.utils import reset

    if not actor.has_perm(PERM_UNLOCK):
        raise PermissionDenied(_("You are not allowed to lift a lockout."))

    return reset(username=username or None, ip=ip_address or None)
