"""The coordinators' dashboard and the admin index say how many e-mails wait in the Inbox,
linking to it; volunteers see neither."""

import pytest
from django.urls import reverse

from inbox import services
from inbox.models import InboundEmail
from tests.factories import VolunteerFactory

from .conftest import eml

pytestmark = pytest.mark.django_db
INBOX_URL = reverse("admin:inbox_inboundemail_changelist")


@pytest.fixture
def inbox(directory, coordinator):
    """Two e-mails waiting (a letter to confirm, an image-only one for a person to read), and
    three that wait no longer (an auto-reply, an archived question, one made a letter)."""
    for name in ("plain_utf8_post_it", "image_only", "auto_reply_out_of_office"):
        services.ingest_raw_email(eml(name))
    question = services.ingest_raw_email(eml("question_not_a_letter")).email
    services.inbound_archive(email_id=question.pk, actor=coordinator)
    german = services.ingest_raw_email(eml("german_quoted_printable")).email
    services.inbound_confirm(
        email_id=german.pk,
        actor=coordinator,
        prisoner_id=german.guessed_prisoner_id,
        language="de",
        delivery="post_for_me",
        postage_currency="EUR",
        supporter_name="J. M.",
        supporter_email=german.sender_email,
        text=german.text,
    )
    assert InboundEmail.objects.count() == 5


def test_the_dashboard_counts_the_emails_waiting_and_links_to_the_inbox(client, coordinator, inbox):
    # given two e-mails waiting in the Inbox, one of them for a person to read
    client.force_login(coordinator)
    # when the coordinator opens the dashboard
    response = client.get(reverse("letters_coordination:dashboard"))
    # then it says how many wait, linking to the Inbox
    assert response.status_code == 200
    block = response.content.decode().split('id="inbox-waiting"')[1].split("</div>")[0]
    assert f'<a href="{INBOX_URL}"><strong>2 e-mails wait in the Inbox.</strong></a>' in block
    assert "1 of them needs a person to read it." in block


def test_the_dashboard_says_when_no_email_waits(client, coordinator):
    client.force_login(coordinator)
    page = client.get(reverse("letters_coordination:dashboard")).content.decode()
    block = page.split('id="inbox-waiting"')[1].split("</div>")[0]
    assert "No e-mails wait in the Inbox." in block
    assert f'<a href="{INBOX_URL}">Open the Inbox</a>' in block


def test_the_admin_index_counts_them_too(client, coordinator, inbox):
    client.force_login(coordinator)
    index = client.get(reverse("admin:index")).content.decode()
    row = index.split('id="inbox-link"')[1].split("</tr>")[0]
    assert f'<a href="{INBOX_URL}"><strong>2 e-mails wait</strong></a>' in row


def test_volunteers_see_no_count_of_emails(client, inbox):
    # given a volunteer (volunteers never see the e-mails)
    client.force_login(VolunteerFactory())
    # when they open the admin index, then there is no Inbox and no count
    index = client.get(reverse("admin:index")).content.decode()
    assert 'id="inbox-link"' not in index and "e-mails wait" not in index
    assert client.get(reverse("letters_coordination:dashboard")).status_code == 403
