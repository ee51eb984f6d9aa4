"""The coordinators' dashboard, drawn above letters and payments: letters' states and queues
next to payments' postage balance."""

import pytest
from django.urls import reverse
from django.utils import timezone

from letters.models import Letter, PostingBatch
from payments.models import Payment
from tests.factories import LetterFactory

pytestmark = pytest.mark.django_db


def test_the_dashboard_sets_payments_collected_against_letters_spent(client, coordinator):
    # given £20 of postage collected (and £5 refunded), a batch posted for £5, an open letter
    paid = LetterFactory(status=Letter.Status.APPROVED, postage=Letter.Postage.PAID)
    Payment.objects.create(
        letter=paid, provider="manual", status="paid", currency="GBP", amount=2000
    )
    refunded = LetterFactory(status=Letter.Status.CANCELLED, postage=Letter.Postage.REFUNDED)
    Payment.objects.create(
        letter=refunded, provider="manual", status="refunded", currency="GBP", amount=500
    )
    PostingBatch.objects.create(
        created_by=coordinator, posted_on=timezone.localdate(), postage_spent=500
    )
    client.force_login(coordinator)

    # when the coordinator opens the dashboard
    response = client.get(reverse("letters_coordination:dashboard"))

    # then one page shows letters' part (the open letter's state) and payments' balance
    assert response.status_code == 200
    page = response.content.decode()
    assert "Open letters by state" in page and "Letters per week" in page
    balance = page[page.index('id="postage-balance"') :]
    assert "<td>GBP</td><td>20.00</td><td>5.00</td><td>15.00</td>" in balance


def test_the_dashboard_says_so_when_no_postage_moved(client, coordinator):
    client.force_login(coordinator)

    page = client.get(reverse("letters_coordination:dashboard")).content.decode()

    assert "No postage recorded yet." in page


def test_the_dashboard_is_for_coordinators_only(client, volunteer):
    client.force_login(volunteer)

    assert client.get(reverse("letters_coordination:dashboard")).status_code == 403
