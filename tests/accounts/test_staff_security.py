"""Staff sign-in: lockouts after five failures, a second factor before any admin page, and
sessions that end when idle or too old."""

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from tests.factories import CoordinatorFactory, VolunteerFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


def _login(client, username, password, ip="203.0.113.7"):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=ip,
    )


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    return settings


def test_five_failures_lock_the_account_even_with_the_right_password(client, axes_on):
    volunteer = VolunteerFactory()
    for _ in range(5):
        assert _login(client, volunteer.username, "wrong").status_code in (200, 403, 429)
    response = _login(client, volunteer.username, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_also_holds_the_address_for_other_accounts(client, axes_on):
    first, second = VolunteerFactory(), VolunteerFactory()
    for _ in range(5):
        _login(client, first.username, "wrong", ip="198.51.100.9")
    assert _login(client, second.username, PASSWORD, ip="198.51.100.9").status_code == 429
    assert _login(client, second.username, PASSWORD, ip="198.51.100.10").status_code == 302


def test_coordinator_unlock_lets_the_volunteer_back_in(client, axes_on, coordinator):
    volunteer = VolunteerFactory()
    for _ in range(5):
        _login(client, volunteer.username, "wrong")
    services.staff_unlock(actor=coordinator, username=volunteer.username, ip_address="203.0.113.7")
    assert _login(client, volunteer.username, PASSWORD).status_code == 302


def test_a_volunteer_cannot_lift_a_lockout(client, axes_on):
    # given a volunteer locked out by five wrong passwords, and another volunteer
    locked, other = VolunteerFactory(), VolunteerFactory()
    for _ in range(5):
        _login(client, locked.username, "wrong")
    # when the other volunteer's request reaches the unlock service
    with pytest.raises(PermissionDenied):
        services.staff_unlock(actor=other, username=locked.username, ip_address="203.0.113.7")
    # then the lockout holds
    assert _login(client, locked.username, PASSWORD).status_code == 429


def test_a_coordinator_lifts_a_lockout_from_the_access_attempts_page(client, axes_on, coordinator):
    # given a volunteer locked out
    volunteer = VolunteerFactory()
    for _ in range(5):
        _login(client, volunteer.username, "wrong")
    attempt = AccessAttempt.objects.get(username=volunteer.username)
    # when a coordinator runs Unlock on the access attempts list
    client.force_login(coordinator)
    response = client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "unlock", "_selected_action": [attempt.pk]},
        follow=True,
    )
    # then the lockout is lifted
    assert "Lifted 1 lockout record." in response.content.decode()
    client.logout()
    assert _login(client, volunteer.username, PASSWORD).status_code == 302


def test_admin_requires_two_factor_enrolment_then_verification(client, settings):
    settings.LETTERBRIDGE_REQUIRE_2FA = True
    coordinator = CoordinatorFactory()
    client.force_login(coordinator)

    # given no authenticator yet: every admin page leads to the set-up
    response = client.get("/admin/letters/letter/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:2fa_setup"))
    page = client.get(response["Location"])
    assert page.status_code == 200 and "<svg" in page.content.decode()

    # when a wrong code, then a right one, is typed
    device = TOTPDevice.objects.get(user=coordinator, confirmed=False)
    wrong = client.post(
        reverse("accounts:2fa_setup"),
        {"token": "000000" if _code(device) != "000000" else "111111"},
    )
    assert "not right" in wrong.content.decode()
    done = client.post(reverse("accounts:2fa_setup"), {"token": _code(device)})
    codes = done.context["codes"]
    assert len(codes) == 10
    # then the admin opens in this session
    assert client.get("/admin/letters/letter/").status_code == 200

    # and a new session must verify: a backup code works once
    client.logout()
    client.force_login(coordinator)
    verify = client.get("/admin/")
    assert verify["Location"].startswith(reverse("accounts:2fa_verify"))
    assert client.post(reverse("accounts:2fa_verify"), {"token": codes[0]}).status_code == 302
    assert client.get("/admin/").status_code == 200
    client.logout()
    client.force_login(coordinator)
    reused = client.post(reverse("accounts:2fa_verify"), {"token": codes[0]})
    assert reused.status_code == 200 and "already used" in reused.content.decode()


def test_idle_staff_session_ends_after_thirty_minutes(client):
    coordinator = CoordinatorFactory()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.force_login(coordinator)
        assert client.get("/admin/").status_code == 200
        clock.shift(timedelta(minutes=29))
        assert client.get("/admin/").status_code == 200
        clock.shift(timedelta(minutes=31))
        response = client.get("/admin/")
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]
    assert "_auth_user_id" not in client.session


def test_staff_session_ends_after_twelve_hours_even_when_busy(client):
    coordinator = CoordinatorFactory()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.force_login(coordinator)
        for _ in range(25):  # active every 29 minutes for 12 h 5 min
            clock.shift(timedelta(minutes=29))
            response = client.get("/admin/")
    assert response.status_code == 302


def test_logout_destroys_the_session(client):
    client.force_login(CoordinatorFactory())
    key = client.session.session_key
    assert Session.objects.filter(session_key=key).exists()
    client.post(reverse("admin:logout"))
    assert not Session.objects.filter(session_key=key).exists()
