"""A letter that arrives by e-mail, end to end with a real worker and a real IMAP server: the
message appended to the mailbox is fetched by the beat's task in the worker, triaged by a
coordinator, answered in the supporter's thread, translated and returned, and the same message
polled again makes nothing new."""

import pytest

from inbox.models import InboundEmail
from inbox.services import inbound_confirm
from inbox.tasks import poll_inbox
from letters.models import Letter, Notification
from letters.services import translation
from tests.factories import CoordinatorFactory, PrisonerWithAddressFactory, VolunteerFactory
from tests.inbox.conftest import eml

from .conftest import sent_mail, wait_for

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
S = Letter.Status


def test_an_emailed_letter_is_polled_triaged_answered_and_returned_once(worker, dovecot):
    # given a worker pointed at the mailbox, and a supporter's e-mail in it
    worker.start(**{name: str(value) for name, value in dovecot.settings.items()})
    prisoner = PrisonerWithAddressFactory(
        name_en="Bakhrom Khamroev", name_ru="Хамроев Бахром Мардонович"
    )
    raw = eml("return_to_me")
    dovecot.append(raw)
    # when the beat's poll runs in the worker
    poll_inbox.delay()
    email = wait_for(lambda: InboundEmail.objects.first(), what="the e-mail ingested")
    # then it waits in the Inbox with its guesses, and has left the mailbox's inbox
    assert email.status == InboundEmail.Status.RECEIVED
    assert (email.guessed_prisoner, email.guessed_language, email.guessed_delivery) == (
        prisoner,
        "en",
        Letter.Delivery.RETURN_TO_ME,
    )
    wait_for(lambda: dovecot.count("Processed") == 1, what="the message moved to Processed")
    assert dovecot.count("INBOX") == 0

    # when a coordinator confirms it
    coordinator = CoordinatorFactory()
    letter = inbound_confirm(
        email_id=email.pk,
        actor=coordinator,
        prisoner_id=prisoner.pk,
        language="en",
        delivery=Letter.Delivery.RETURN_TO_ME,
        postage_currency="",
        supporter_name=email.sender_name,
        supporter_email=email.sender_email,
        text=email.text,
    )
    # then the supporter's "we have your letter" goes out as a reply in their thread
    wait_for(
        lambda: Notification.objects.filter(letter=letter, sent_at__isnull=False).exists(),
        what="the received e-mail sent",
    )
    (received,) = [m for m in sent_mail(worker.mail_dir) if "To: anna@example.org" in m]
    assert f"In-Reply-To: {email.message_id}" in received
    assert "Subject: Re: Letter for Bakhrom Khamroev - I'll post it" in received

    # when it is translated and approved, then the worker returns it to the supporter
    volunteer = VolunteerFactory()
    translation.letter_claim(letter_id=letter.pk, volunteer=volunteer)
    translation.letter_save_translation(
        letter_id=letter.pk, actor=volunteer, translation="Дорогой Бахром!", base_version=0
    )
    translation.letter_hand_in(letter_id=letter.pk, volunteer=volunteer)
    translation.letter_approve(letter_id=letter.pk, reviewer=coordinator)
    wait_for(lambda: Letter.objects.get(pk=letter.pk).status == S.RETURNED, what="returned")

    # when the same message is in the mailbox again and polled again
    dovecot.append(raw)
    poll_inbox.delay()
    wait_for(lambda: dovecot.count("Processed") == 2, what="the second copy moved")
    # then it made nothing new: one e-mail, one letter
    assert InboundEmail.objects.count() == 1
    assert Letter.objects.count() == 1
