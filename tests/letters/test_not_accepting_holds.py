"""A prisoner still in prison (or in transit) whom a coordinator marks as not accepting letters
now (a transfer nobody can trace, a pause they asked for, a prison refusing letters): their
approved letters wait on hold, each writer told why once, in their language; ticking «accepts
letters now» again releases them once nothing else holds them, and coordinators are told. The
letter's page says what it waits for. Released and deceased prisoners' letters close instead
(tests/letters/test_prisoner_left_prison.py), as before."""

import pytest
from django.urls import reverse
from django.utils import translation

from letters import events, selectors, tokens
from letters.models import Letter, LetterEvent, LetterReturnPack
from letters.services import dispatch
from letters.services import translation as letters_translation
from prisoners import services as prisoners_services
from prisoners.models import Prisoner
from tests.factories import (
    CoordinatorFactory,
    LetterFactory,
    PrisonerFactory,
    PrisonerWithAddressFactory,
    VolunteerFactory,
)

pytestmark = pytest.mark.django_db
S = Letter.Status

NOTE = "The prisoner cannot receive letters at the moment."
NEW_ADDRESS = {
    "facility": "ФКУ ИК-6 УФСИН России по Владимирской области",
    "street": "ул. Заводская, д. 1",
    "city": "пос. Мелехово",
    "region": "Владимирская область",
    "postal_index": "601966",
}

# What the writer reads, per language: why the letter waits (the prisoner's name in the
# nominative, as the other on-hold paragraphs have it), and what the other reasons would say.
SAID = {
    "en": {
        "why": (
            "Bakhrom Khamroev cannot receive letters at the moment. We are keeping your letter "
            "safe and will send it as soon as they can again."
        ),
        "moved": "is being moved between prisons",
        "envelope": "we need to complete the envelope",
        "pay": "The postage is still to be paid: pay it now",
        "nothing": "You do not need to do anything; we will write when it moves on.",
        "waits": "It cannot go out just yet, though.",
    },
    "ru": {
        "why": (
            "Хамроев Бахром Мардонович сейчас не может получать письма. Мы бережно храним ваше "
            "письмо и отправим его, как только это снова станет возможно."
        ),
        "moved": "сейчас на этапе",
        "envelope": "нам нужно дополнить адрес на конверте",
        "pay": "Марка ещё не оплачена: оплатите её сейчас",
        "nothing": "Вам ничего не нужно делать; мы напишем, когда письмо отправится дальше.",
        "waits": "Но отправить его пока нельзя.",
    },
}
ON_HOLD_SUBJECT = {
    "en": "Your letter is waiting until the prisoner can receive letters again ({ref})",
    "ru": "Ваше письмо ждёт, когда адресат снова сможет получать письма ({ref})",
}
TRANSLATED_SUBJECT = {
    "en": "Your letter is translated and waiting until the prisoner can receive letters again "
    "({ref})",
    "ru": "Ваше письмо переведено и ждёт, когда адресат снова сможет получать письма ({ref})",
}
LABEL = {
    "en": "Waiting: the prisoner cannot receive letters at the moment",
    "ru": "Ждём: адресат сейчас не может получать письма",
}
RELEASED_LABEL = {
    "en": "The prisoner can receive letters again; ready to send",
    "ru": "Адресат снова может получать письма; письмо готово к отправке",
}
NOW = {
    "en": "waiting until the prisoner can receive letters",
    "ru": "ждёт, когда адресат сможет получать письма",
}
NEXT_HELD = {
    "en": "Next: we send it as soon as the prisoner can receive letters again.",
    "ru": "Дальше: мы отправим письмо, как только адресат снова сможет получать письма.",
}


def _prisoner(factory=PrisonerWithAddressFactory, **fields) -> Prisoner:
    return factory(name_en="Bakhrom Khamroev", gender=Prisoner.Gender.MALE, **fields)


def _admin_save(client, prisoner: Prisoner, capture, *, accepts: bool) -> None:
    """POST the prisoner's admin change form as it is shown, «accepts letters now» ticked or
    not (an unticked box is absent from the form's data)."""
    values = {
        "name_en": prisoner.name_en,
        "slug": prisoner.slug,
        "name_ru": prisoner.name_ru,
        "name_ru_dative": prisoner.name_ru_dative,
        "gender": "male",
        "birth_year": prisoner.birth_year or "",
        "addresses-TOTAL_FORMS": "0",
        "addresses-INITIAL_FORMS": "0",
    } | ({"accepts_letters": "on"} if accepts else {})
    with capture(execute=True):
        response = client.post(
            reverse("admin:prisoners_prisoner_change", args=[prisoner.pk]), values
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    prisoner.refresh_from_db()
    assert prisoner.accepts_letters is accepts


def _stop_accepting(prisoner: Prisoner, capture) -> None:
    """As the admin does: prisoners.services.prisoner_save with the field changed."""
    prisoner.accepts_letters = False
    with capture(execute=True):
        prisoners_services.prisoner_save(
            prisoner=prisoner, actor=CoordinatorFactory(), changed_fields=["accepts_letters"]
        )


def _both(message) -> tuple[str, str]:
    return message.body, message.alternatives[0][0]


def _mail_to(outbox, letter) -> list:
    return [m for m in outbox if m.to == [letter.supporter_email]]


def _page(client, letter, language: str = "en") -> str:
    url = reverse("letters:track", args=[tokens.token_for(salt=letter.tracking_salt)])
    page = client.get(url, headers={"accept-language": language}).content.decode()
    return page.replace("&#x27;", "'")


# --- holding and releasing ---------------------------------------------------------------------


def test_unticking_accepts_letters_holds_approved_letters_and_tells_each_writer_once(
    client, coordinator, outbox, django_capture_on_commit_callbacks
):
    # given approved letters to a man in prison (one writer reads Russian, one still owes the
    # postage, one posts the letter themselves), and one not translated yet
    prisoner = _prisoner()
    paid = LetterFactory(prisoner=prisoner, status=S.APPROVED, postage=Letter.Postage.PAID)
    due_ru = LetterFactory(
        prisoner=prisoner, status=S.APPROVED, postage=Letter.Postage.DUE, locale="ru"
    )
    own = LetterFactory(
        prisoner=prisoner, status=S.APPROVED, delivery=Letter.Delivery.RETURN_TO_ME, locale="ru"
    )
    received = LetterFactory(prisoner=prisoner)
    client.force_login(coordinator)

    # when a coordinator unticks «accepts letters now» on his admin page and saves
    _admin_save(client, prisoner, django_capture_on_commit_callbacks, accepts=False)

    # then the approved letters wait on hold, their history saying why, and none can be posted
    for letter in (paid, due_ru, own):
        letter.refresh_from_db()
        assert letter.status == S.ON_HOLD
        assert letter.events.get(action="hold").note == NOTE
    received.refresh_from_db()
    assert received.status == S.RECEIVED
    assert not selectors.letters_ready_to_post().exists()
    # and each of their writers gets one e-mail saying why, in their language, text and HTML
    assert sorted(m.to[0] for m in outbox) == sorted(
        letter.supporter_email for letter in (paid, due_ru, own)
    )
    for letter, locale, todo in (
        (paid, "en", "nothing"),
        (due_ru, "ru", "pay"),
        (own, "ru", "nothing"),
    ):
        (message,) = _mail_to(outbox, letter)
        assert message.subject == ON_HOLD_SUBJECT[locale].format(ref=letter.reference)
        said = SAID[locale]
        for text in _both(message):
            assert said["why"] in text
            assert said[todo] in text
            other = "pay" if todo == "nothing" else "nothing"
            assert said[other] not in text
            # not the transfer's words, nor the envelope's, nor the note for staff
            assert said["moved"] not in text and said["envelope"] not in text
            assert NOTE not in text


def test_ticking_it_again_releases_the_letters_and_tells_the_coordinators(
    client, coordinator, outbox, django_capture_on_commit_callbacks
):
    # given letters held while the prisoner accepted no letters
    prisoner = _prisoner()
    letters = [
        LetterFactory(prisoner=prisoner, status=S.APPROVED, postage=Letter.Postage.PAID)
        for _ in range(2)
    ]
    client.force_login(coordinator)
    _admin_save(client, prisoner, django_capture_on_commit_callbacks, accepts=False)
    outbox.clear()

    # when the coordinator ticks «accepts letters now» again
    _admin_save(client, prisoner, django_capture_on_commit_callbacks, accepts=True)

    # then the letters are approved again, ready to post, and the coordinators are told, once
    for letter in letters:
        letter.refresh_from_db()
        assert letter.status == S.APPROVED
        assert selectors.letters_ready_to_post().filter(pk=letter.pk).exists()
    (told,) = [m for m in outbox if coordinator.email in m.to]
    assert "2 letters to Bakhrom Khamroev" in told.subject and "released from hold" in told.subject
    assert all(letter.reference in told.body for letter in letters)
    assert "they can receive letters, the address is known" in told.body  # why, all of it
    # and the writers' pages say so
    assert RELEASED_LABEL["en"] in _page(client, letters[0])


def test_syncing_twice_holds_and_releases_nothing_more(
    coordinator, outbox, django_capture_on_commit_callbacks
):
    # given a prisoner whose approved letter was held when he stopped accepting letters
    prisoner = _prisoner()
    letter = LetterFactory(prisoner=prisoner, status=S.APPROVED)
    _stop_accepting(prisoner, django_capture_on_commit_callbacks)
    assert len(outbox) == 1

    # when the sync runs again (a repeated task, the sweep)
    with django_capture_on_commit_callbacks(execute=True):
        again = dispatch.letters_sync_holds_for_prisoner(prisoner_id=prisoner.pk)

    # then nothing more is held, and nobody is written to again
    assert again == ([], [])
    assert letter.events.filter(action="hold").count() == 1
    assert len(outbox) == 1

    # and once he accepts letters again, one release, one e-mail to the coordinators
    Prisoner.objects.filter(pk=prisoner.pk).update(accepts_letters=True)
    outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        first = dispatch.letters_sync_holds_for_prisoner(prisoner_id=prisoner.pk)
        second = dispatch.letters_sync_holds_for_prisoner(prisoner_id=prisoner.pk)
    assert first == ([], [letter.pk]) and second == ([], [])
    assert letter.events.filter(action="release_hold").count() == 1
    assert len([m for m in outbox if coordinator.email in m.to]) == 1


def test_the_sweep_finds_letters_whose_holds_disagree_with_accepting_letters(settings):
    # given, long enough ago, an approved letter to a prisoner who accepts none (the task that
    # should have held it was lost), and a held one to a prisoner who accepts them again
    settings.LETTERBRIDGE_SWEEP_GRACE = settings.LETTERBRIDGE_SWEEP_GRACE * 0
    paused = _prisoner(accepts_letters=False)
    LetterFactory(prisoner=paused, status=S.APPROVED)
    again = _prisoner()
    LetterFactory(prisoner=again, status=S.ON_HOLD)
    # (and a prisoner still not accepting, whose letter is held as it should be)
    still = _prisoner(accepts_letters=False)
    LetterFactory(prisoner=still, status=S.ON_HOLD)

    # then the sweep hands the first two to the hold/release task, not the third
    overdue = selectors.side_effects_overdue().prisoners
    assert paused.pk in overdue and again.pk in overdue and still.pk not in overdue
    assert dispatch.letters_sync_holds_for_prisoner(prisoner_id=paused.pk)[0] != []


def test_an_approved_return_letter_is_held_not_left_waiting_unseen(outbox):
    # given an approved letter the writer posts themselves, to a prisoner who accepts none now
    prisoner = _prisoner(accepts_letters=False)
    letter = LetterFactory(prisoner=prisoner, status=S.APPROVED, delivery="return_to_me")

    # when the worker tries to return it
    assert dispatch.letter_return_process(letter_id=letter.pk) is None

    # then it waits on hold, without a pack
    letter.refresh_from_db()
    assert letter.status == S.ON_HOLD
    assert letter.events.get(action="hold").note == NOTE
    assert not LetterReturnPack.objects.filter(letter=letter).exists()


# --- approval to such a prisoner -----------------------------------------------------------------


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_approval_to_a_prisoner_not_accepting_letters_holds_at_once_with_one_email(
    locale, reviewer, outbox, django_capture_on_commit_callbacks
):
    # given a translated letter to a prisoner who accepts no letters now (taken before)
    prisoner = _prisoner(accepts_letters=False)
    letter = LetterFactory(
        prisoner=prisoner,
        status=S.TRANSLATED,
        translated_by=VolunteerFactory(),
        translation="Здравствуйте!",
        locale=locale,
        postage=Letter.Postage.DUE,
    )

    # when a reviewer approves it
    with django_capture_on_commit_callbacks(execute=True):
        letters_translation.letter_approve(letter_id=letter.pk, reviewer=reviewer)

    # then it waits on hold at once, and one e-mail, the "translated" one, says why
    letter.refresh_from_db()
    assert letter.status == S.ON_HOLD
    assert letter.events.get(action="hold").note == NOTE
    (message,) = outbox
    assert list(letter.notifications.values_list("kind", flat=True)) == ["translated"]
    assert message.subject == TRANSLATED_SUBJECT[locale].format(ref=letter.reference)
    for text in _both(message):
        assert SAID[locale]["waits"] in text
        assert SAID[locale]["why"] in text
        assert SAID[locale]["pay"] in text
        assert SAID[locale]["moved"] not in text


def test_a_letter_sent_on_as_written_to_such_a_prisoner_is_held_with_one_email(
    outbox, django_capture_on_commit_callbacks
):
    prisoner = _prisoner(accepts_letters=False)
    letter = LetterFactory(prisoner=prisoner, language="ru", locale="ru")

    with django_capture_on_commit_callbacks(execute=True):
        letters_translation.letter_skip_translation(
            letter_id=letter.pk, coordinator=CoordinatorFactory()
        )

    letter.refresh_from_db()
    assert letter.status == S.ON_HOLD
    (message,) = outbox
    assert message.subject == ON_HOLD_SUBJECT["ru"].format(ref=letter.reference)
    assert SAID["ru"]["why"] in message.body


# --- in transit and not accepting ----------------------------------------------------------------


def test_in_transit_and_not_accepting_says_what_matters_most_and_waits_for_both(
    client, coordinator, reviewer, outbox, django_capture_on_commit_callbacks
):
    # given a man in transit (no address) who also accepts no letters now
    prisoner = _prisoner(PrisonerFactory, accepts_letters=False, status="in_transit")
    letter = LetterFactory(
        prisoner=prisoner,
        status=S.TRANSLATED,
        translated_by=VolunteerFactory(),
        translation="Здравствуйте!",
        postage=Letter.Postage.PAID,
    )

    # when his letter is approved
    with django_capture_on_commit_callbacks(execute=True):
        letters_translation.letter_approve(letter_id=letter.pk, reviewer=reviewer)

    # then it is held for both reasons, and the writer reads the one that matters most
    letter.refresh_from_db()
    assert letter.status == S.ON_HOLD
    assert letter.events.get(action="hold").note == f"{NOTE} The prisoner has no current address."
    (message,) = outbox
    for text in _both(message):
        assert SAID["en"]["why"] in text and SAID["en"]["moved"] not in text
    page = _page(client, letter)
    assert LABEL["en"] in page and NEXT_HELD["en"] in page
    assert "Waiting for the prisoner's new address" not in page

    # and when he accepts letters again, it still waits for his address, and nobody is told
    outbox.clear()
    client.force_login(coordinator)
    _admin_save(client, prisoner, django_capture_on_commit_callbacks, accepts=True)
    letter.refresh_from_db()
    assert letter.status == S.ON_HOLD
    assert outbox == []
    assert "as soon as we know where the prisoner is" in _page(client, letter)

    # and once the new address is recorded, it is ready to send
    with django_capture_on_commit_callbacks(execute=True):
        prisoners_services.prisoner_address_add(
            prisoner_id=prisoner.pk, actor=coordinator, **NEW_ADDRESS
        )
    letter.refresh_from_db()
    assert letter.status == S.APPROVED


def test_a_letter_held_for_the_transfer_then_not_accepting_says_so_next(
    client, django_capture_on_commit_callbacks
):
    # given a letter held while its prisoner is in transit
    prisoner = _prisoner(PrisonerFactory, status="in_transit")
    letter = LetterFactory(prisoner=prisoner, status=S.APPROVED)
    dispatch.letters_hold_for_prisoner(prisoner_id=prisoner.pk)

    # when the coordinator also unticks «accepts letters now»
    _stop_accepting(prisoner, django_capture_on_commit_callbacks)

    # then its page says what comes next as it is now
    page = _page(client, letter)
    assert NEXT_HELD["en"] in page


# --- the tracking page -------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_tracking_page_says_a_held_letter_waits_until_the_prisoner_can_receive_letters(
    language, client, django_capture_on_commit_callbacks
):
    # given a letter held when its prisoner stopped accepting letters
    prisoner = _prisoner()
    letter = LetterFactory(prisoner=prisoner, status=S.APPROVED)
    _stop_accepting(prisoner, django_capture_on_commit_callbacks)

    # when its writer opens its page
    page = _page(client, letter, language)

    # then its state, the timeline and the next step say what it waits for, not an address
    assert NOW[language] in page
    assert LABEL[language] in page
    assert NEXT_HELD[language] in page
    assert "waiting for the prisoner's address or details" not in page
    assert "ждёт адреса или данных заключённого" not in page
    assert "new address" not in page and "новый адрес" not in page


NOT_YET_APPROVED = {
    ("en", S.RECEIVED, "en"): (
        "Next: the prisoner cannot receive letters at the moment, so the translation waits "
        "until they can again."
    ),
    ("ru", S.RECEIVED, "en"): (
        "Дальше: адресат сейчас не может получать письма, поэтому с переводом придётся "
        "подождать, пока это снова не станет возможно."
    ),
    ("en", S.RECEIVED, "ru"): (
        "Next: the prisoner cannot receive letters at the moment, so your letter waits until "
        "they can again."
    ),
    ("ru", S.RECEIVED, "ru"): (
        "Дальше: адресат сейчас не может получать письма, поэтому вашему письму придётся "
        "подождать, пока это снова не станет возможно."
    ),
    ("en", S.IN_TRANSLATION, "en"): (
        "Next: the translation is finished and checked, and then your letter waits until the "
        "prisoner can receive letters again."
    ),
    ("ru", S.TRANSLATED, "en"): (
        "Дальше: перевод закончат и проверят, а потом письмо будет ждать, когда адресат снова "
        "сможет получать письма."
    ),
}


@pytest.mark.parametrize(("page_language", "status", "written_in"), list(NOT_YET_APPROVED))
def test_the_next_step_of_a_letter_not_yet_approved_says_it_waits(
    page_language, status, written_in, client
):
    # given a letter not yet approved to a prisoner who accepts no letters now
    letter = LetterFactory(
        prisoner=_prisoner(accepts_letters=False), status=status, language=written_in
    )

    # then its page says it waits for them, not that a volunteer translates it next
    page = _page(client, letter, page_language)
    assert NOT_YET_APPROVED[page_language, status, written_in] in page
    assert "Next: a volunteer translates it into Russian." not in page
    assert "Next: another volunteer checks the translation." not in page


def test_the_pages_of_letters_to_a_prisoner_who_accepts_letters_read_as_before(client):
    prisoner = _prisoner()
    received = LetterFactory(prisoner=prisoner)
    held = LetterFactory(prisoner=prisoner, status=S.ON_HOLD)
    dispatch.letters_hold_for_prisoner(prisoner_id=prisoner.pk)

    assert "Next: a volunteer translates it into Russian." in _page(client, received)
    assert "cannot receive letters" not in _page(client, received)
    assert "cannot receive letters" not in _page(client, held)


# --- released and deceased: unchanged ------------------------------------------------------------


@pytest.mark.parametrize("status", [Prisoner.Status.RELEASED, Prisoner.Status.DECEASED])
def test_released_or_deceased_prisoners_letters_close_and_are_not_held(
    status, client, coordinator, outbox, django_capture_on_commit_callbacks
):
    # given letters in flight to a man in prison
    prisoner = _prisoner()
    approved = LetterFactory(prisoner=prisoner, status=S.APPROVED)
    received = LetterFactory(prisoner=prisoner)

    # when he is marked released (or deceased), which unticks «accepts letters now» too
    with django_capture_on_commit_callbacks(execute=True):
        prisoners_services.prisoner_mark_left_prison(
            prisoner_id=prisoner.pk, actor=coordinator, status=status
        )
        # (and a hold sync, as a repeated task would run it, holds nothing)
        assert dispatch.letters_sync_holds_for_prisoner(prisoner_id=prisoner.pk) == ([], [])
        assert dispatch.letters_hold_for_prisoner(prisoner_id=prisoner.pk) == []

    # then the letters close, none is held, nobody reads "cannot receive letters"
    for letter in (approved, received):
        letter.refresh_from_db()
        assert letter.status == S.CANCELLED
        assert not letter.events.filter(action="hold").exists()
        page = _page(client, letter)
        assert "cannot receive letters" not in page and "Waiting:" not in page
    assert len(outbox) == 2
    assert not any("receive letters" in m.subject or "receive letters" in m.body for m in outbox)


def test_a_letter_to_a_released_prisoner_not_closed_yet_reads_as_before(client):
    # given a letter still received to someone just marked released (closing still to come)
    prisoner = _prisoner(status=Prisoner.Status.RELEASED, accepts_letters=False)
    letter = LetterFactory(prisoner=prisoner)

    # then its page does not say it waits for him to receive letters again
    assert "cannot receive letters" not in _page(client, letter)


# --- the words, for staff ------------------------------------------------------------------------


def test_the_hold_reads_in_russian_in_the_letters_history(django_capture_on_commit_callbacks):
    prisoner = _prisoner()
    letter = LetterFactory(prisoner=prisoner, status=S.APPROVED)
    _stop_accepting(prisoner, django_capture_on_commit_callbacks)
    hold = LetterEvent.objects.get(letter=letter, action="hold")

    with translation.override("ru"):
        assert events.note_text(hold) == "Адресат сейчас не может получать письма."


def test_the_hold_comes_before_the_others_in_its_reasons():
    prisoner = _prisoner(PrisonerFactory, accepts_letters=False, birth_year=None)

    with translation.override("en"):
        reasons = [str(reason) for reason in dispatch.hold_reasons(prisoner)]

    assert reasons == [
        NOTE,
        "The prisoner has no current address.",
        "The prisoner's year of birth is missing.",
    ]


def test_the_coordinator_is_told_what_happens_to_the_letters_when_saving(
    client, coordinator, django_capture_on_commit_callbacks
):
    # given a coordinator on the admin page of a man in prison, reading Russian
    prisoner = _prisoner()
    client.force_login(coordinator)
    client.cookies["django_language"] = "ru"
    change = reverse("admin:prisoners_prisoner_change", args=[prisoner.pk])

    def save(accepts: bool) -> str:
        _admin_save(client, prisoner, django_capture_on_commit_callbacks, accepts=accepts)
        return client.get(change).content.decode()

    # when they untick «accepts letters now» and save, the page says what it does to letters
    assert "Письма этому адресату теперь ждут" in save(False)
    # and when they tick it again, that too
    assert "Письма этому адресату вернулись в очередь на перевод" in save(True)
    # and a save that leaves it as it was says neither
    page = save(True)
    assert "теперь ждут" not in page and "вернулись в очередь" not in page
