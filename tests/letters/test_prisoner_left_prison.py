"""A prisoner released or deceased: the letters on their way to them stop being offered to
translators, close (cancelled, the reason recorded), have their paid postage refunded at Stripe
and their writers told in their own language, once; a prisoner who merely accepts no letters
for now (a transfer nobody can trace) keeps their letters, which wait out of the queue (and,
once approved, on hold)."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from letters import selectors, tasks
from letters.lifecycle import Action
from letters.models import Letter, LetterEvent, LetterReturnPack, Notification
from letters.services import closure, translation
from letters.services.core import NotAcceptingLetters, NothingToClaim
from payments import stripe_api
from payments.models import Payment
from prisoners import services as prisoner_services
from prisoners.models import Prisoner
from tests.factories import LetterFactory, PrisonerWithAddressFactory, VolunteerFactory
from tests.payments import stripe_fake
from tests.payments.factories import StripePaymentFactory

pytestmark = pytest.mark.django_db
S = Letter.Status


@pytest.fixture
def stripe_refunds(settings, monkeypatch):
    """Stripe configured, its HTTP API answered with Stripe's own refund object."""
    settings.STRIPE_SECRET_KEY = stripe_fake.SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = stripe_fake.WEBHOOK_SECRET
    settings.STRIPE_API_BASE = stripe_fake.API_BASE
    fake = stripe_fake.RecordedStripe()
    monkeypatch.setattr(stripe_api, "http_client", fake)
    fake.on(
        "POST",
        "/v1/refunds",
        lambda m, p: stripe_fake.refund(
            id=f"re_test_{p['metadata[payment_id]']}", amount=int(p["amount"])
        ),
    )
    return fake


def _prisoner(**kwargs) -> Prisoner:
    return PrisonerWithAddressFactory(gender=Prisoner.Gender.MALE, **kwargs)


def _paid_by_card(letter: Letter) -> Payment:
    Letter.objects.filter(pk=letter.pk).update(postage=Letter.Postage.PAID)
    return StripePaymentFactory(
        letter=letter,
        status=Payment.Status.PAID,
        paid_at=timezone.now(),
        stripe_payment_intent_id=f"pi_test_paid_{letter.pk}",
    )


def _mail_for(letter: Letter) -> list:
    return [m for m in mail.outbox if m.to == [letter.supporter_email]]


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text)


# --- the queue and Claim next ----------------------------------------------------------------


def test_the_queue_and_claim_next_skip_letters_to_someone_who_accepts_no_letters():
    # given a volunteer reading English, the oldest waiting letter going to someone released,
    # and a newer one to someone in prison
    volunteer = VolunteerFactory()
    free = _prisoner(status=Prisoner.Status.RELEASED, accepts_letters=False)
    stranded = LetterFactory(prisoner=free, created_at=timezone.now())
    waiting = LetterFactory(prisoner=_prisoner())
    Letter.objects.filter(pk=stranded.pk).update(
        created_at=timezone.now() - timezone.timedelta(days=3)
    )

    # when the volunteer opens the queue, then only the letter that can go is listed and counted
    queue = selectors.WaitingLetters(user=volunteer)
    assert [row.pk for row in queue[0:20]] == [waiting.pk]
    assert queue.bounded_count(50) == 1
    assert list(selectors.letters_queue(user=volunteer)) == [waiting]

    # and Claim next takes that one, then finds nothing more
    assert translation.letter_claim_next(volunteer=volunteer).pk == waiting.pk
    with pytest.raises(NothingToClaim):
        translation.letter_claim_next(volunteer=volunteer)
    # and the other, claimed by its id from a page opened before, is refused
    with pytest.raises(NotAcceptingLetters):
        translation.letter_claim(letter_id=stranded.pk, volunteer=volunteer)
    assert Letter.objects.get(pk=stranded.pk).status == S.RECEIVED


def test_the_queue_page_does_not_list_a_letter_to_someone_who_accepts_no_letters(client):
    volunteer = VolunteerFactory()
    stranded = LetterFactory(prisoner=_prisoner(accepts_letters=False))
    waiting = LetterFactory(prisoner=_prisoner())
    client.force_login(volunteer)

    page = client.get(reverse("admin:letters_letter_desk_queue")).content.decode()

    assert waiting.reference in page
    assert stranded.reference not in page


# --- closing the letters of someone released or deceased -----------------------------------


@pytest.fixture
def in_flight():
    """Letters to one man in every open state (one paid by card, one he would have been sent
    by his writer, one in Russian for a Russian-speaking writer), and one posted already."""
    prisoner = _prisoner(name_en="Bakhrom Khamroev")
    letters = {
        "received": LetterFactory(prisoner=prisoner),
        "in_translation": LetterFactory(prisoner=prisoner, status=S.IN_TRANSLATION),
        "translated": LetterFactory(prisoner=prisoner, status=S.TRANSLATED),
        "paid": LetterFactory(prisoner=prisoner, status=S.APPROVED),
        "return_ru": LetterFactory(
            prisoner=prisoner,
            status=S.APPROVED,
            locale="ru",
            supporter_name="Ольга",
            delivery=Letter.Delivery.RETURN_TO_ME,
        ),
        "on_hold": LetterFactory(prisoner=prisoner, status=S.ON_HOLD),
    }
    LetterEvent.objects.create(
        letter=letters["paid"], from_status=S.TRANSLATED, to_status=S.APPROVED, action="approve"
    )
    payment = _paid_by_card(letters["paid"])
    posted = LetterFactory(prisoner=prisoner, status=S.POSTED)
    return prisoner, letters, payment, posted


def test_marking_someone_released_closes_refunds_and_tells_each_writer_once(
    client, coordinator, in_flight, stripe_refunds, django_capture_on_commit_callbacks
):
    prisoner, letters, payment, posted = in_flight
    mail.outbox = []
    client.force_login(coordinator)
    changelist = reverse("admin:prisoners_prisoner_changelist")

    # when the coordinator chooses "Mark released" for him, the page first says what will close
    asked = client.post(
        changelist, {"action": "mark_released", "_selected_action": [prisoner.pk]}
    ).content.decode()
    assert "6 letters in flight will be closed." in asked
    assert Prisoner.objects.get(pk=prisoner.pk).status == Prisoner.Status.SENTENCED

    # and on Confirm it is done (the worker's task runs after the commit)
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            changelist,
            {"action": "mark_released", "_selected_action": [prisoner.pk], "post": "yes"},
            follow=True,
        ).content.decode()
    assert "6 letters in flight are being closed and their writers told" in _one_line(done)

    # then he is released, accepts no letters and has no prison address any more
    prisoner.refresh_from_db()
    assert (prisoner.status, prisoner.accepts_letters) == (Prisoner.Status.RELEASED, False)
    assert not prisoner.addresses.filter(valid_until__isnull=True).exists()
    # and every letter in flight is cancelled, the reason in its history; the posted one stays
    for letter in letters.values():
        letter.refresh_from_db()
        assert letter.status == S.CANCELLED and letter.claimed_by is None
        event = letter.events.get(action=Action.CLOSE_RELEASED)
        assert event.note == "Closed: the prisoner has been released."
    assert Letter.objects.get(pk=posted.pk).status == S.POSTED

    # and the paid postage was refunded at Stripe, once, for the whole amount
    (refund,) = stripe_refunds.calls("POST", "/v1/refunds")
    assert refund.params["payment_intent"] == payment.stripe_payment_intent_id
    assert refund.params["amount"] == "220"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED
    assert Letter.objects.get(pk=letters["paid"].pk).postage == Letter.Postage.REFUNDED

    # and each writer had one e-mail, in their language, with the glad news
    assert len(mail.outbox) == 6
    (paid,) = _mail_for(letters["paid"])
    assert paid.subject == f"Good news: Bakhrom Khamroev is free ({letters['paid'].reference})"
    body = _one_line(paid.body)
    assert "Good news: Bakhrom Khamroev has been released." in body
    assert "So we will not post your letter to the prison." in body
    assert "You can still read your letter and its Russian translation" in body
    assert "The postage you paid will be refunded." in body
    assert "(а)" not in body
    (received,) = _mail_for(letters["received"])
    assert "You can still read your letter on your letter's page." in _one_line(received.body)
    assert "postage" not in received.body

    (russian,) = _mail_for(letters["return_ru"])
    ref = letters["return_ru"].reference
    assert russian.subject == f"Хорошая новость: Хамроев Бахром Мардонович на свободе ({ref})"
    body = _one_line(russian.body)
    assert body.startswith("Здравствуйте, Ольга!")
    assert "Хорошая новость: Хамроев Бахром Мардонович вышел на свободу." in body
    assert (
        "Поэтому в тюрьму ваше письмо не пойдёт: перевод и тюремный адрес для отправки мы вам "
        "присылать не будем." in body
    )
    assert "пожалуйста, ничего по нему не отправляйте: адресата там больше нет." in body
    assert "Ваше письмо по-прежнему можно прочитать на странице письма." in body
    assert "(а)" not in body and "марк" not in body
    html = russian.alternatives[0][0]
    assert "вышел на свободу" in html

    # and the prisoner's page tells the coordinator what happened
    page = client.get(reverse("admin:prisoners_prisoner_change", args=[prisoner.pk]))
    assert "6 letters in flight were closed and their writers told (postage refunded: 1)" in (
        _one_line(page.content.decode())
    )

    # and doing it all again (the task redelivered, the coordinator confirming twice) closes,
    # e-mails and refunds nothing more
    events = LetterEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.close_letters_to_prisoner.delay(prisoner.pk).get() == []
        prisoner_services.prisoner_mark_left_prison(
            prisoner_id=prisoner.pk, actor=coordinator, status=Prisoner.Status.RELEASED
        )
    assert len(mail.outbox) == 6
    assert len(stripe_refunds.calls("POST", "/v1/refunds")) == 1
    assert LetterEvent.objects.count() == events
    assert Notification.objects.filter(sent_at__isnull=True).count() == 0


def test_the_writer_of_a_letter_to_a_woman_who_died_is_told_gently_in_russian(
    django_capture_on_commit_callbacks, coordinator
):
    # given a woman in prison and a Russian-speaking writer's letter to her, translated
    prisoner = PrisonerWithAddressFactory(
        name_en="Maria Ivanova",
        name_ru="Иванова Мария Петровна",
        name_ru_dative="Ивановой Марии Петровне",
        gender=Prisoner.Gender.FEMALE,
    )
    letter = LetterFactory(prisoner=prisoner, status=S.TRANSLATED, locale="ru")
    english = LetterFactory(prisoner=prisoner, status=S.RECEIVED, locale="en")
    mail.outbox = []

    # when she is marked deceased
    with django_capture_on_commit_callbacks(execute=True):
        prisoner_services.prisoner_mark_left_prison(
            prisoner_id=prisoner.pk, actor=coordinator, status=Prisoner.Status.DECEASED
        )

    # then both letters close with the reason recorded
    for each in (letter, english):
        each.refresh_from_db()
        assert each.status == S.CANCELLED
        assert each.events.filter(action=Action.CLOSE_DECEASED).count() == 1
    # and the Russian e-mail names her in the right case and gender, with no word of refunds
    (russian,) = _mail_for(letter)
    assert russian.subject == (
        f"Печальная новость о вашем письме Ивановой Марии Петровне ({letter.reference})"
    )
    body = _one_line(russian.body)
    assert "С глубокой печалью сообщаем вам: Иванова Мария Петровна умерла." in body
    assert "Ваше письмо Ивановой Марии Петровне мы отправлять не будем." in body
    assert "Спасибо вам за тепло, которое вы вложили в это письмо." in body
    assert "умер(ла)" not in body and "(а)" not in body
    # and the English one says the same, in English
    (en,) = _mail_for(english)
    assert en.subject == f"Sad news about your letter to Maria Ivanova ({english.reference})"
    body = _one_line(en.body)
    assert "It is with deep sorrow that we tell you that Maria Ivanova has died." in body
    assert "We will not post your letter to Maria Ivanova." in body
    assert "Good news" not in body


def test_a_gender_not_recorded_is_written_around_not_guessed(
    django_capture_on_commit_callbacks, coordinator
):
    prisoner = PrisonerWithAddressFactory(gender="")
    letter = LetterFactory(prisoner=prisoner, locale="ru")
    other = LetterFactory(prisoner=PrisonerWithAddressFactory(gender=""), locale="ru")
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        prisoner_services.prisoner_mark_left_prison(
            prisoner_id=prisoner.pk, actor=coordinator, status=Prisoner.Status.RELEASED
        )
        prisoner_services.prisoner_mark_left_prison(
            prisoner_id=other.prisoner_id, actor=coordinator, status=Prisoner.Status.DECEASED
        )
    released = _one_line(_mail_for(letter)[0].body)
    assert "Хорошая новость: Хамроев Бахром Мардонович на свободе." in released
    died = _one_line(_mail_for(other)[0].body)
    assert "С глубокой печалью сообщаем вам: адресата вашего письма больше нет в живых." in died
    assert "Ваше письмо Хамроеву Бахрому Мардоновичу мы отправлять не будем." in died


def test_the_tracking_page_of_a_closed_letter_shows_its_translation_and_says_why(
    client, coordinator, django_capture_on_commit_callbacks
):
    from letters import tokens

    prisoner = _prisoner()
    letter = LetterFactory(prisoner=prisoner, status=S.APPROVED, translation="Дорогой Бахром!")
    LetterEvent.objects.create(
        letter=letter, from_status=S.TRANSLATED, to_status=S.APPROVED, action="approve"
    )
    returned = LetterFactory(
        prisoner=prisoner, status=S.RETURNED, delivery=Letter.Delivery.RETURN_TO_ME
    )
    with django_capture_on_commit_callbacks(execute=True):
        prisoner_services.prisoner_mark_left_prison(
            prisoner_id=prisoner.pk, actor=coordinator, status=Prisoner.Status.RELEASED
        )

    page = client.get(
        reverse("letters:track", args=[tokens.token_for(salt=letter.tracking_salt)])
    ).content.decode()
    assert "Not sent: the prisoner has been released" in page
    assert "Дорогой Бахром!" in page

    # and the page of a letter sent back to post earlier says not to post it, and offers no PDF
    token = tokens.token_for(salt=returned.tracking_salt)
    page = client.get(reverse("letters:track", args=[token])).content.decode()
    assert 'id="do-not-post"' in page
    assert reverse("letters:returned_pdf", args=[token]) not in page
    assert client.get(reverse("letters:returned_pdf", args=[token])).status_code == 404


def test_the_writer_of_a_letter_returned_lately_is_asked_not_to_post_it_once(
    coordinator, django_capture_on_commit_callbacks
):
    # given letters sent back to their writers to post: one last week (a Russian speaker's),
    # one half a year ago
    prisoner = _prisoner()
    lately = LetterFactory(
        prisoner=prisoner,
        status=S.RETURNED,
        delivery=Letter.Delivery.RETURN_TO_ME,
        locale="ru",
        supporter_name="Ольга",
        status_changed_at=timezone.now() - timezone.timedelta(days=7),
    )
    long_ago = LetterFactory(
        prisoner=prisoner,
        status=S.RETURNED,
        delivery=Letter.Delivery.RETURN_TO_ME,
        status_changed_at=timezone.now() - timezone.timedelta(days=180),
    )
    mail.outbox = []

    # when he is marked released, and the closing runs again
    with django_capture_on_commit_callbacks(execute=True):
        prisoner_services.prisoner_mark_left_prison(
            prisoner_id=prisoner.pk, actor=coordinator, status=Prisoner.Status.RELEASED
        )
    with django_capture_on_commit_callbacks(execute=True):
        assert closure.letters_close_for_prisoner(prisoner_id=prisoner.pk).warned == []

    # then the recent letter's writer is asked, once and in Russian, not to post it
    (message,) = mail.outbox
    assert message.to == [lately.supporter_email]
    assert message.subject == (
        f"Пожалуйста, не отправляйте письмо Хамроеву Бахрому Мардоновичу ({lately.reference})"
    )
    body = _one_line(message.body)
    assert "Хорошая новость: Хамроев Бахром Мардонович вышел на свободу." in body
    assert "Пожалуйста, не отправляйте его: по этому тюремному адресу адресата больше нет." in body
    # and both letters stay returned; the history says the writer was told
    assert Letter.objects.get(pk=lately.pk).status == S.RETURNED
    assert lately.events.filter(action="do_not_post").count() == 1
    assert not long_ago.events.filter(action="do_not_post").exists()


def test_the_sweep_closes_what_a_lost_task_left_open(settings, coordinator):
    # given someone marked released long enough ago, whose closing task was lost
    prisoner = _prisoner()
    letter = LetterFactory(prisoner=prisoner, status=S.APPROVED)
    Prisoner.objects.filter(pk=prisoner.pk).update(
        status=Prisoner.Status.RELEASED,
        accepts_letters=False,
        updated_at=timezone.now() - timezone.timedelta(hours=2),
    )
    # when the sweep looks for side effects overdue, then it finds him, and not for holds
    overdue = selectors.side_effects_overdue()
    assert overdue.closures == [prisoner.pk]
    assert prisoner.pk not in overdue.prisoners
    # and closing runs from there
    assert closure.letters_close_for_prisoner(prisoner_id=prisoner.pk).closed == [letter.pk]


def test_a_volunteer_holding_a_closed_letter_is_told_why(client, coordinator, volunteer):
    prisoner = _prisoner()
    letter = LetterFactory(prisoner=prisoner)
    translation.letter_claim(letter_id=letter.pk, volunteer=volunteer)
    closure.letter_close_for_prisoner(letter_id=letter.pk, action=Action.CLOSE_DECEASED)
    client.force_login(volunteer)
    response = client.get(
        reverse("admin:letters_letter_desk_translate", args=[letter.pk]), follow=True
    )
    assert "was closed because its prisoner has died" in response.content.decode()


# --- accepting no letters for now, still in prison -----------------------------------------


def test_a_prisoner_who_only_stops_accepting_letters_keeps_them_waiting(
    client, coordinator, django_capture_on_commit_callbacks
):
    # given a prisoner in prison with letters in flight
    prisoner = _prisoner()
    received = LetterFactory(prisoner=prisoner)
    approved = LetterFactory(prisoner=prisoner, status=S.APPROVED)
    to_return = LetterFactory(
        prisoner=prisoner,
        status=S.APPROVED,
        delivery=Letter.Delivery.RETURN_TO_ME,
        status_changed_at=timezone.now() - timezone.timedelta(hours=2),
    )
    volunteer = VolunteerFactory()
    mail.outbox = []

    # when a coordinator unticks «accepts letters now» (his transfer cannot be traced)
    prisoner.accepts_letters = False
    with django_capture_on_commit_callbacks(execute=True):
        prisoner_services.prisoner_save(
            prisoner=prisoner, actor=coordinator, changed_fields=["accepts_letters"]
        )
        tasks.sweep_side_effects.delay().get()

    # then nothing is closed and nothing is sent back to post: the approved letters wait on
    # hold (tests/letters/test_not_accepting_holds.py), their writers told so, nobody else
    assert {letter.status for letter in Letter.objects.filter(prisoner=prisoner)} == {
        S.RECEIVED,
        S.ON_HOLD,
    }
    assert not LetterReturnPack.objects.filter(letter=to_return).exists()
    assert not LetterEvent.objects.filter(
        action__in=[Action.CLOSE_RELEASED, Action.CLOSE_DECEASED]
    ).exists()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [approved.supporter_email, to_return.supporter_email]
    )
    # and the waiting letter is not offered to translators, nor the approved one posted
    assert list(selectors.letters_queue(user=volunteer)) == []
    assert not selectors.letters_ready_to_post().filter(pk=approved.pk).exists()
    # and once he accepts letters again, his letter is back in the queue
    prisoner.accepts_letters = True
    prisoner_services.prisoner_save(
        prisoner=prisoner, actor=coordinator, changed_fields=["accepts_letters"]
    )
    assert list(selectors.letters_queue(user=volunteer)) == [received]


@pytest.mark.django_db
def test_the_confirmation_reads_as_a_russian_coordinator_would_say_it(client, coordinator):
    # given a prisoner, and a coordinator reading the admin in Russian
    prisoner = _prisoner()
    client.force_login(coordinator)
    client.cookies["django_language"] = "ru"

    # when they choose "Mark released" and "Mark deceased" for him
    pages = [
        client.post(
            reverse("admin:prisoners_prisoner_changelist"),
            {"action": action, "_selected_action": [prisoner.pk]},
        ).content.decode()
        for action in ("mark_released", "mark_deceased")
    ]

    # then the address "no longer holds" (an address does not "close"), and the button says
    # yes to the action, not «Подтвердить смерть», which reads as certifying a death
    assert all("их тюремный адрес больше не действует" in page for page in pages)
    assert "Да, отметить освобождение" in pages[0]
    assert "Да, отметить смерть" in pages[1]
    assert not any("Подтвердить" in page for page in pages)
