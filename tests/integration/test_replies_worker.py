"""A prisoner's reply, end to end with a real worker: a letter is posted, the reply's scan is
uploaded by a coordinator, a volunteer transcribes and translates it beside the scan, another
approves it, and the worker e-mails the supporter; the supporter's page shows it, and neither
volunteer ever saw who the supporter is."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from letters import tokens
from letters.models import Letter
from letters.services import dispatch
from replies.models import Reply
from tests.factories import CoordinatorFactory, PrisonerWithAddressFactory
from tests.replies.conftest import jpeg, volunteer_in

from .conftest import sent_mail, submit_letter, translate_and_approve, wait_for

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
SUPPORTER_EMAIL = "meg.thistlewood@example.org"
IDENTITY = ("Anna Example", SUPPORTER_EMAIL, "Thistlewood")


def desk(name: str, *args) -> str:
    return reverse(f"admin:replies_reply_{name}", args=args)


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_reply_is_uploaded_translated_approved_and_delivered_by_the_worker(worker):
    # given a running worker and a letter we posted
    worker.start()
    prisoner = PrisonerWithAddressFactory(name_en="Bakhrom Khamroev")
    coordinator = CoordinatorFactory()
    letter = submit_letter(prisoner, Letter.Delivery.POST_FOR_ME, SUPPORTER_EMAIL)
    translate_and_approve(letter.pk)
    dispatch.letter_set_postage(letter_id=letter.pk, postage=Letter.Postage.PAID)
    dispatch.letter_post(letter_id=letter.pk, coordinator=coordinator)
    seen_by_volunteers = []

    # when the coordinator uploads the reply's scan from the letter
    office = as_user(coordinator)
    recorded = office.post(
        desk("record"),
        {
            "letter": letter.pk,
            "prisoner": prisoner.pk,
            "letter_1": letter.pk,
            "scans": [SimpleUploadedFile("reply.jpg", jpeg(), "image/jpeg")],
        },
    )
    assert recorded.status_code == 302, recorded.content.decode()[:2000]
    reply = Reply.objects.get(letter=letter)

    # and a volunteer claims it, transcribes beside the scan, translates and hands it in
    translator = volunteer_in("en")
    work = as_user(translator)
    seen_by_volunteers.append(work.get(desk("desk")))
    assert work.post(desk("claim_next"))["Location"] == desk("work", reply.pk)
    seen_by_volunteers.append(work.get(desk("work", reply.pk)))
    texts = {"transcription": "Дорогая Анна, спасибо за весну в письме!", "translation": ""}
    work.post(desk("work", reply.pk), texts | {"base_version": 0, "action": "transcribed"})
    texts["translation"] = "Dear Anna, thank you for the spring in your letter!"
    work.post(desk("work", reply.pk), texts | {"base_version": 1, "action": "hand_in"})
    assert Reply.objects.get(pk=reply.pk).status == Reply.Status.IN_REVIEW

    # and another volunteer, a reviewer, approves it
    review = as_user(volunteer_in("en", review=True))
    seen_by_volunteers.append(review.get(desk("review", reply.pk)))
    review.post(desk("review", reply.pk), texts | {"base_version": 2, "action": "approve"})
    assert Reply.objects.get(pk=reply.pk).status == Reply.Status.APPROVED

    # then the worker e-mails the supporter the translation, once, without the scan
    wait_for(
        lambda: Reply.objects.filter(pk=reply.pk, notified_at__isnull=False).exists(),
        what="the reply e-mail sent",
    )
    mails = wait_for(
        lambda: [m for m in sent_mail(worker.mail_dir) if "wrote back" in m],
        what="the reply e-mail written",
    )
    assert len(mails) == 1
    assert f"To: {SUPPORTER_EMAIL}" in mails[0]
    assert "Dear Anna, thank you for the spring in your letter!" in mails[0]
    assert "image/jpeg" not in mails[0] and "Content-Disposition: attachment" not in mails[0]

    # and the supporter's page shows the translation, the transcription and the scan link
    token = tokens.token_for(salt=letter.tracking_salt)
    page = Client().get(reverse("letters:track", args=[token])).content.decode()
    assert "Dear Anna, thank you for the spring in your letter!" in page
    assert "Дорогая Анна" in page
    assert reverse("letters:reply_scan", args=[token, reply.pk, 1]) in page

    # and no page either volunteer opened named the supporter
    for response in seen_by_volunteers:
        assert response.status_code == 200
        body = response.content.decode()
        assert not [trace for trace in IDENTITY if trace in body]
