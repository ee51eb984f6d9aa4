"""Letters wait on hold while the prisoner's «Кому» line is incomplete (no year of birth, not
the full name with the patronymic in the dative), as they do while the address is unknown:
neither a posting batch nor a return pack takes them, and completing the prisoner's record in
the admin releases them once nothing else holds them."""

import pytest
from django.urls import reverse
from django.utils import translation

from letters import events, selectors
from letters.models import Letter, LetterReturnPack, Notification
from letters.services import core, dispatch
from letters.services import translation as letters_translation
from prisoners import selectors as prisoners_selectors
from prisoners import services as prisoners_services
from prisoners.models import Prisoner
from prisoners.selectors import prisoner_recipient_gap_reasons
from prisoners.signals import prisoner_addressee_changed
from tests.factories import LetterFactory, PrisonerFactory, PrisonerWithAddressFactory

pytestmark = pytest.mark.django_db
S = Letter.Status

NEW_ADDRESS = {
    "facility": "ФКУ ИК-6 УФСИН России по Владимирской области",
    "street": "ул. Заводская, д. 1",
    "city": "пос. Мелехово",
    "region": "Владимирская область",
    "postal_index": "601966",
}


def _approve(letter, reviewer, capture):
    with capture(execute=True):
        letters_translation.letter_approve(letter_id=letter.pk, reviewer=reviewer)
    letter.refresh_from_db()
    return letter


def _admin_save(client, prisoner: Prisoner, capture, **changes):
    """POST the prisoner's admin change form as it is shown, with ``changes``."""
    values = {
        "name_en": prisoner.name_en,
        "slug": prisoner.slug,
        "accepts_letters": "on",
        "name_ru": prisoner.name_ru,
        "name_ru_dative": prisoner.name_ru_dative,
        "gender": "male",
        "birth_year": prisoner.birth_year or "",
        "addresses-TOTAL_FORMS": "0",
        "addresses-INITIAL_FORMS": "0",
    } | changes
    with capture(execute=True):
        response = client.post(
            reverse("admin:prisoners_prisoner_change", args=[prisoner.pk]), values
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


# --- holding -----------------------------------------------------------------------------------


def test_a_letter_approved_for_a_prisoner_without_a_year_of_birth_waits_on_hold(
    reviewer, outbox, django_capture_on_commit_callbacks
):
    # given a translated letter to a prisoner with an address but no year of birth
    prisoner = PrisonerWithAddressFactory(birth_year=None)
    letter = LetterFactory(status=S.TRANSLATED, prisoner=prisoner, postage=Letter.Postage.PAID)

    # when it is approved
    letter = _approve(letter, reviewer, django_capture_on_commit_callbacks)

    # then it waits on hold, its history saying why, and no batch can take it
    assert letter.status == S.ON_HOLD
    hold = letter.events.get(action="hold")
    assert hold.note == "The prisoner's year of birth is missing."
    assert not selectors.letters_ready_to_post().filter(pk=letter.pk).exists()


def test_the_supporter_is_told_the_letter_waits_for_the_prisoners_details_not_an_address(
    reviewer, outbox, django_capture_on_commit_callbacks
):
    # given letters to a prisoner without a year of birth, one from a supporter who reads Russian
    prisoner = PrisonerWithAddressFactory(birth_year=None)
    english = LetterFactory(status=S.TRANSLATED, prisoner=prisoner)
    russian = LetterFactory(status=S.TRANSLATED, prisoner=prisoner, locale="ru")

    # when they are approved and held
    for letter in (english, russian):
        _approve(letter, reviewer, django_capture_on_commit_callbacks)

    # then each supporter's e-mail says what the letter waits for, not that the prisoner moved
    mail = {m.to[0]: m for m in outbox if "(LB-" in m.subject and "details" in m.subject}
    sent = mail[english.supporter_email]
    assert "we need to complete the envelope" in sent.body
    assert "moved between prisons" not in sent.body
    (ru,) = [m for m in outbox if m.to == [russian.supporter_email] and "уточнения" in m.subject]
    assert "нам нужно дополнить адрес на конверте" in ru.body


def test_a_held_letter_whose_postage_is_due_asks_for_it_not_that_nothing_is_to_be_done(
    reviewer, outbox, django_capture_on_commit_callbacks
):
    """Approval that puts a letter straight on hold sends one e-mail: "translated, and waiting
    for the prisoner's details". It must not say there is nothing to do while the postage is
    unpaid."""
    # given letters to a prisoner without a year of birth: postage due (one supporter reads
    # Russian), and postage paid
    prisoner = PrisonerWithAddressFactory(birth_year=None)
    due = LetterFactory(status=S.TRANSLATED, prisoner=prisoner, postage=Letter.Postage.DUE)
    due_ru = LetterFactory(
        status=S.TRANSLATED, prisoner=prisoner, postage=Letter.Postage.DUE, locale="ru"
    )
    paid = LetterFactory(status=S.TRANSLATED, prisoner=prisoner, postage=Letter.Postage.PAID)

    # when they are approved and held
    for letter in (due, due_ru, paid):
        _approve(letter, reviewer, django_capture_on_commit_callbacks)

    def held_mail(letter):
        (sent,) = [
            m
            for m in outbox
            if m.to == [letter.supporter_email] and ("details" in m.subject or "уточн" in m.subject)
        ]
        html = sent.alternatives[0][0] if sent.alternatives else ""
        return sent.body, html

    # then the unpaid letters' e-mails ask for the postage, with how to pay, in text and HTML
    for body in held_mail(due):
        assert "The postage is still to be paid" in body
        assert due.reference in body
        assert "You do not need to do anything" not in body
    for body in held_mail(due_ru):
        assert "Марка ещё не оплачена: оплатите её сейчас" in body
        assert "Вам ничего не нужно делать" not in body
    # and the paid one's says there is nothing to do
    for body in held_mail(paid):
        assert "You do not need to do anything; we will write when it moves on." in body
        assert "postage is still to be paid" not in body


def test_a_dative_name_without_the_patronymic_holds_the_letter_too(
    reviewer, django_capture_on_commit_callbacks
):
    prisoner = PrisonerWithAddressFactory(name_ru_dative="Жилину Михаилу")
    letter = LetterFactory(status=S.TRANSLATED, prisoner=prisoner)

    letter = _approve(letter, reviewer, django_capture_on_commit_callbacks)

    assert letter.status == S.ON_HOLD
    assert "name in the dative case is incomplete" in letter.events.get(action="hold").note


def test_a_return_letter_to_a_prisoner_without_a_year_of_birth_gets_no_return_pack(
    reviewer, outbox, django_capture_on_commit_callbacks
):
    # given a translated return_to_me letter to a prisoner with no year of birth
    prisoner = PrisonerWithAddressFactory(birth_year=None)
    letter = LetterFactory(
        status=S.TRANSLATED, delivery=Letter.Delivery.RETURN_TO_ME, prisoner=prisoner
    )

    # when it is approved (the worker would return it at once)
    letter = _approve(letter, reviewer, django_capture_on_commit_callbacks)

    # then it waits on hold: no pack drawn, no PDF to the supporter, and a return is refused
    assert letter.status == S.ON_HOLD
    assert letter.events.get(action="hold").note == "The prisoner's year of birth is missing."
    assert not LetterReturnPack.objects.filter(letter=letter).exists()
    assert not any(m.attachments for m in outbox)
    assert dispatch.letter_return_process(letter_id=letter.pk) is None


def test_an_approved_return_letter_whose_prisoner_lost_the_year_is_held_not_returned(outbox):
    # given an approved return_to_me letter whose prisoner's year of birth went missing since
    prisoner = PrisonerWithAddressFactory(birth_year=None)
    letter = LetterFactory(
        status=S.APPROVED, delivery=Letter.Delivery.RETURN_TO_ME, prisoner=prisoner
    )

    # when the worker returns it
    dispatch.letter_return_process(letter_id=letter.pk)

    # then it is held instead, without a pack
    letter.refresh_from_db()
    assert letter.status == S.ON_HOLD
    assert not LetterReturnPack.objects.filter(letter=letter).exists()


def test_posting_and_releasing_are_refused_while_the_komu_line_is_incomplete(coordinator):
    prisoner = PrisonerWithAddressFactory(birth_year=None)
    approved = LetterFactory(status=S.APPROVED, postage=Letter.Postage.PAID, prisoner=prisoner)
    held = LetterFactory(status=S.ON_HOLD, postage=Letter.Postage.PAID, prisoner=prisoner)

    with pytest.raises(core.RecipientLineIncomplete):
        dispatch.letter_post(letter_id=approved.pk, coordinator=coordinator)
    with pytest.raises(core.RecipientLineIncomplete):
        dispatch.letter_release_hold(letter_id=held.pk, actor=coordinator)
    with pytest.raises(core.LetterError, match="No letter is ready"):
        dispatch.batch_prepare(coordinator=coordinator)


def test_a_batch_printed_after_the_line_lost_a_part_leaves_the_letter_out(coordinator):
    # given a batch with two letters, and one prisoner's year of birth deleted since
    complete = LetterFactory(status=S.APPROVED, postage=Letter.Postage.PAID)
    prisoner = PrisonerWithAddressFactory()
    incomplete = LetterFactory(status=S.APPROVED, postage=Letter.Postage.PAID, prisoner=prisoner)
    batch = dispatch.batch_prepare(coordinator=coordinator)
    Prisoner.objects.filter(pk=prisoner.pk).update(birth_year=None)

    # when its PDF is rendered
    document = dispatch.batch_render_pdf(batch_id=batch.pk)

    # then only the complete letter is printed, the other out of the batch with why
    assert document is not None and document.letter_count == 1
    incomplete.refresh_from_db()
    complete.refresh_from_db()
    assert incomplete.posting_batch_id is None and complete.posting_batch_id == batch.pk
    assert "incomplete «Кому» line" in incomplete.events.get(action="batch_remove").note


def test_the_sweep_finds_approved_letters_to_a_prisoner_with_an_incomplete_line(settings):
    # given a letter approved before its prisoner's patronymic was lost, long enough ago
    settings.LETTERBRIDGE_SWEEP_GRACE = settings.LETTERBRIDGE_SWEEP_GRACE * 0
    prisoner = PrisonerWithAddressFactory(name_ru_dative="Жилину Михаилу")
    LetterFactory(status=S.APPROVED, prisoner=prisoner)

    # then the sweep hands the prisoner to the hold/release task, which holds it
    assert prisoner.pk in selectors.side_effects_overdue().prisoners
    held, released = dispatch.letters_sync_holds_for_prisoner(prisoner_id=prisoner.pk)
    assert len(held) == 1 and released == []


# --- releasing from the prisoner admin ----------------------------------------------------------


def test_fixing_the_year_in_the_prisoner_admin_releases_the_letters_and_tells_coordinators(
    client, coordinator, reviewer, outbox, django_capture_on_commit_callbacks
):
    # given a letter held because the prisoner's year of birth is missing
    prisoner = PrisonerWithAddressFactory(birth_year=None)
    letter = LetterFactory(status=S.TRANSLATED, prisoner=prisoner, postage=Letter.Postage.PAID)
    letter = _approve(letter, reviewer, django_capture_on_commit_callbacks)
    assert letter.status == S.ON_HOLD
    outbox.clear()

    # when a coordinator enters the year on the prisoner's admin page
    client.force_login(coordinator)
    _admin_save(client, prisoner, django_capture_on_commit_callbacks, birth_year="1963")

    # then the letter is approved again, ready to post, and coordinators are told
    letter.refresh_from_db()
    assert letter.status == S.APPROVED
    assert letter.events.filter(action="release_hold").count() == 1
    assert selectors.letters_ready_to_post().filter(pk=letter.pk).exists()
    told = [m for m in outbox if coordinator.email in m.to]
    assert len(told) == 1 and letter.reference in told[0].body
    assert "«Кому» line" in told[0].body


def test_fixing_the_year_releases_a_return_letter_and_its_pack_goes_to_the_supporter(
    client, coordinator, reviewer, outbox, django_capture_on_commit_callbacks
):
    prisoner = PrisonerWithAddressFactory(birth_year=None)
    letter = LetterFactory(
        status=S.TRANSLATED, delivery=Letter.Delivery.RETURN_TO_ME, prisoner=prisoner
    )
    _approve(letter, reviewer, django_capture_on_commit_callbacks)
    client.force_login(coordinator)

    _admin_save(client, prisoner, django_capture_on_commit_callbacks, birth_year="1963")

    letter.refresh_from_db()
    assert letter.status == S.RETURNED
    pack = LetterReturnPack.objects.get(letter=letter)
    assert pack.address is not None


def test_a_prisoner_without_address_and_year_stays_held_until_both_are_fixed(
    client, coordinator, reviewer, outbox, django_capture_on_commit_callbacks
):
    # given a letter to a prisoner with neither an address nor a year of birth
    prisoner = PrisonerFactory(birth_year=None)
    letter = LetterFactory(status=S.TRANSLATED, prisoner=prisoner)
    letter = _approve(letter, reviewer, django_capture_on_commit_callbacks)
    assert letter.status == S.ON_HOLD
    assert letter.events.get(action="hold").note == (
        "The prisoner has no current address. The prisoner's year of birth is missing."
    )
    outbox.clear()

    # when only the year is entered in the admin
    client.force_login(coordinator)
    _admin_save(client, prisoner, django_capture_on_commit_callbacks, birth_year="1963")

    # then the letter still waits (the address is unknown) and nobody is told of a release
    letter.refresh_from_db()
    assert letter.status == S.ON_HOLD
    assert not [m for m in outbox if coordinator.email in m.to]

    # and once the address is recorded too, it goes back to approved
    with django_capture_on_commit_callbacks(execute=True):
        prisoners_services.prisoner_address_add(
            prisoner_id=prisoner.pk, actor=coordinator, **NEW_ADDRESS
        )
    letter.refresh_from_db()
    assert letter.status == S.APPROVED


def test_a_new_address_does_not_release_letters_while_the_komu_line_is_incomplete(
    coordinator, django_capture_on_commit_callbacks
):
    prisoner = PrisonerWithAddressFactory(name_ru_dative="Жилину Михаилу")
    letter = LetterFactory(status=S.ON_HOLD, prisoner=prisoner)

    with django_capture_on_commit_callbacks(execute=True):
        prisoners_services.prisoner_address_add(
            prisoner_id=prisoner.pk, actor=coordinator, **NEW_ADDRESS
        )

    letter.refresh_from_db()
    assert letter.status == S.ON_HOLD


def test_removing_the_year_in_the_admin_holds_approved_letters(
    client, coordinator, django_capture_on_commit_callbacks
):
    prisoner = PrisonerWithAddressFactory()
    letter = LetterFactory(status=S.APPROVED, prisoner=prisoner)
    client.force_login(coordinator)

    _admin_save(client, prisoner, django_capture_on_commit_callbacks, birth_year="")

    letter.refresh_from_db()
    assert letter.status == S.ON_HOLD
    assert letter.events.get(action="hold").note == "The prisoner's year of birth is missing."


def test_an_admin_save_that_leaves_the_komu_line_alone_announces_nothing(
    client, coordinator, django_capture_on_commit_callbacks
):
    # given someone listening for changes to what a letter to a prisoner needs
    heard = []

    def listener(sender, *, prisoner_id, **kwargs):
        heard.append(prisoner_id)

    prisoner_addressee_changed.connect(listener, dispatch_uid="test-listener")
    try:
        prisoner = PrisonerWithAddressFactory()
        client.force_login(coordinator)
        # when only the English name changes, then nothing is announced
        _admin_save(client, prisoner, django_capture_on_commit_callbacks, name_en="Renamed")
        prisoner.refresh_from_db()
        assert prisoner.name_en == "Renamed" and heard == []
        # and when the dative name changes, it is
        _admin_save(
            client,
            prisoner,
            django_capture_on_commit_callbacks,
            name_ru_dative="Хамроеву Бахрому",
        )
        assert heard == [prisoner.pk]
    finally:
        prisoner_addressee_changed.disconnect(dispatch_uid="test-listener")


# --- what a coordinator sees ---------------------------------------------------------------------


def test_the_prisoner_admin_page_warns_what_the_komu_line_lacks(client, coordinator):
    prisoner = PrisonerWithAddressFactory(name_ru_dative="Жилину Михаилу", birth_year=None)
    client.force_login(coordinator)

    page = client.get(reverse("admin:prisoners_prisoner_change", args=[prisoner.pk]))

    text = page.content.decode().replace("&#x27;", "'")
    assert "The «Кому» line is incomplete" in text
    assert "The prisoner's year of birth is missing." in text
    assert "The prisoner's name in the dative case is incomplete" in text
    assert "wait on hold until it is fixed" in text
    assert "incomplete, missing: year of birth, patronymic in the dative name" in text


def test_saving_an_incomplete_record_in_the_admin_says_so_on_the_next_page(
    client, coordinator, django_capture_on_commit_callbacks
):
    prisoner = PrisonerWithAddressFactory()
    client.force_login(coordinator)

    response = _admin_save(client, prisoner, django_capture_on_commit_callbacks, birth_year="")

    page = client.get(response.url).content.decode().replace("&#x27;", "'")
    assert "The prisoner's year of birth is missing." in page


def test_save_and_continue_on_an_incomplete_record_warns_once(
    client, coordinator, django_capture_on_commit_callbacks
):
    prisoner = PrisonerWithAddressFactory(birth_year=None)
    client.force_login(coordinator)

    response = _admin_save(client, prisoner, django_capture_on_commit_callbacks, _continue="1")

    page = client.get(response.url).content.decode().replace("&#x27;", "'")
    assert page.count("The prisoner's year of birth is missing.") == 1


def test_a_complete_prisoner_admin_page_shows_the_line_without_a_warning(client, coordinator):
    prisoner = PrisonerWithAddressFactory()
    client.force_login(coordinator)

    text = client.get(reverse("admin:prisoners_prisoner_change", args=[prisoner.pk])).content
    text = text.decode()

    assert "Хамроеву Бахрому Мардоновичу, 1963 г.р." in text
    assert "is incomplete" not in text


def test_the_held_letters_history_shows_why_in_the_readers_language(
    client, coordinator, reviewer, django_capture_on_commit_callbacks
):
    # given a letter held for a missing address and year of birth
    letter = LetterFactory(status=S.TRANSLATED, prisoner=PrisonerFactory(birth_year=None))
    _approve(letter, reviewer, django_capture_on_commit_callbacks)
    client.force_login(coordinator)
    url = reverse("admin:letters_letter_change", args=[letter.pk])

    # when a coordinator opens the letter in English and in Russian
    english = client.get(url).content.decode().replace("&#x27;", "'")
    russian = client.get(url, headers={"accept-language": "ru"}).content.decode()

    # then its history says why, in each
    assert "The prisoner has no current address. The prisoner's year of birth is missing." in (
        english
    )
    assert "У заключённого нет действующего адреса. Не указан год рождения заключённого." in (
        russian
    )


# --- the words, in Russian ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dative", "birth_year", "reasons"),
    [
        ("Хамроеву Бахрому Мардоновичу", 1963, []),
        ("Хамроеву Бахрому Мардоновичу", None, ["Не указан год рождения заключённого."]),
        (
            "",
            1963,
            ["Не указаны фамилия, имя и отчество заключённого в дательном падеже."],
        ),
        (
            "Жилину Михаилу",
            None,
            [
                "Не указан год рождения заключённого.",
                "ФИО заключённого в дательном падеже указаны не полностью: нужны фамилия, "
                "имя и отчество, например «Хамроеву Бахрому Мардоновичу».",
            ],
        ),
    ],
)
def test_what_the_komu_line_lacks_reads_in_russian(dative, birth_year, reasons):
    prisoner = PrisonerFactory.build(name_ru_dative=dative, birth_year=birth_year)

    with translation.override("ru"):
        assert prisoner_recipient_gap_reasons(prisoner=prisoner) == reasons
        assert prisoner.recipient_line_complete is (not reasons)


def test_the_russian_refusal_and_hold_label():
    with translation.override("ru"):
        assert str(core.RecipientLineIncomplete().message).startswith(
            "В строке «Кому» не хватает года рождения"
        )
        assert events.action_label("hold") == "отложено"


def test_the_tracking_page_says_what_a_held_letter_waits_for(client):
    from letters import tokens

    incomplete = LetterFactory(
        status=S.ON_HOLD, prisoner=PrisonerWithAddressFactory(birth_year=None)
    )
    moved = LetterFactory(status=S.ON_HOLD, prisoner=PrisonerFactory())

    def page(letter):
        token = tokens.token_for(salt=letter.tracking_salt)
        return client.get(reverse("letters:track", args=[token])).content.decode()

    assert "as soon as we have the prisoner&#x27;s full name and year of birth" in page(incomplete)
    assert "as soon as we know where the prisoner is" in page(moved)
    # and its "Now" names what it waits for, where staff pages say only that it is on hold
    for letter in (incomplete, moved):
        assert "waiting for the prisoner&#x27;s address or details" in page(letter)
        assert letter.get_status_display() == "on hold until it can be sent"


def test_the_held_status_reads_in_russian_for_staff():
    with translation.override("ru"):
        assert str(Letter.Status.ON_HOLD.label) == "отложено до возможности отправки"
        assert str(Notification.Kind.ON_HOLD.label) == "отложено"


# --- a person with no patronymic ---------------------------------------------------------------


def test_ticking_has_no_patronymic_in_the_admin_releases_a_foreign_citizens_letters(
    client, coordinator, reviewer, django_capture_on_commit_callbacks
):
    # given a letter held because a foreign citizen's dative name has no patronymic
    prisoner = PrisonerWithAddressFactory(
        name_ru="Гершкович Эван", name_ru_dative="Гершковичу Эвану"
    )
    letter = LetterFactory(status=S.TRANSLATED, prisoner=prisoner, postage=Letter.Postage.PAID)
    letter = _approve(letter, reviewer, django_capture_on_commit_callbacks)
    assert letter.status == S.ON_HOLD

    # when a coordinator ticks "has no patronymic" on the prisoner's page
    client.force_login(coordinator)
    _admin_save(client, prisoner, django_capture_on_commit_callbacks, has_no_patronymic="on")

    # then the letter is released and ready to post, to «Гершковичу Эвану, 1963 г.р.»
    letter.refresh_from_db()
    prisoner.refresh_from_db()
    assert letter.status == S.APPROVED
    assert selectors.letters_ready_to_post().filter(pk=letter.pk).exists()
    assert prisoner.recipient_line_ru == "Гершковичу Эвану, 1963 г.р."


@pytest.mark.parametrize(
    ("dative", "gaps"),
    [("Гершковичу Эвану", []), ("Гершковичу", ["first_name"]), ("", ["dative_name"])],
)
def test_without_a_patronymic_the_line_needs_the_surname_and_first_name(dative, gaps):
    prisoner = PrisonerFactory(name_ru_dative=dative, has_no_patronymic=True)

    incomplete = Prisoner.objects.filter(
        prisoners_selectors.recipient_line_incomplete(), pk=prisoner.pk
    ).exists()

    # the same in Python and in SQL
    assert prisoner.recipient_gaps() == gaps
    assert incomplete == bool(gaps)


def test_what_a_name_without_patronymic_lacks_reads_in_russian():
    prisoner = PrisonerFactory(name_ru_dative="Гершковичу", has_no_patronymic=True)

    with translation.override("ru"):
        reasons = prisoner_recipient_gap_reasons(prisoner=prisoner)

    assert reasons == [
        "ФИО заключённого в дательном падеже указано не полностью: нужны фамилия и имя, "
        "например: Гершковичу Эвану."
    ]


def test_saving_a_name_without_patronymic_points_to_the_checkbox(
    client, coordinator, django_capture_on_commit_callbacks
):
    prisoner = PrisonerWithAddressFactory(name_ru_dative="Гершковичу Эвану")
    client.force_login(coordinator)

    response = _admin_save(client, prisoner, django_capture_on_commit_callbacks)
    page = client.get(response["Location"]).content.decode()

    assert "tick «has no patronymic»" in page


@pytest.mark.parametrize(
    ("birth_year", "with_address", "held", "released"),
    [
        (
            None,
            True,
            "Waiting for the prisoner&#x27;s full name and year of birth",
            "The prisoner&#x27;s details are complete; ready to send",
        ),
        (
            1963,
            False,
            "Waiting for the prisoner&#x27;s new address",
            "The new address is known; ready to send",
        ),
    ],
)
def test_the_journey_says_what_the_hold_waited_for_and_what_released_it(
    client, coordinator, reviewer, django_capture_on_commit_callbacks,
    birth_year, with_address, held, released,
):  # fmt: skip
    # given a letter held at approval, for the prisoner's year of birth or for an address
    from letters import tokens

    factory = PrisonerWithAddressFactory if with_address else PrisonerFactory
    prisoner = factory(birth_year=birth_year)
    letter = LetterFactory(status=S.TRANSLATED, prisoner=prisoner, postage=Letter.Postage.PAID)
    letter = _approve(letter, reviewer, django_capture_on_commit_callbacks)
    track = reverse("letters:track", args=[tokens.token_for(salt=letter.tracking_salt)])
    assert held in client.get(track).content.decode()

    # when what it waited for arrives
    with django_capture_on_commit_callbacks(execute=True):
        if with_address:
            prisoners_services.prisoner_save(
                prisoner=_with_year(prisoner), actor=coordinator, changed_fields=["birth_year"]
            )
        else:
            prisoners_services.prisoner_address_add(
                prisoner_id=prisoner.pk, actor=coordinator, **NEW_ADDRESS
            )

    # then the supporter's page says what happened, in those words
    letter.refresh_from_db()
    assert letter.status == S.APPROVED
    page = client.get(track).content.decode()
    assert held in page and released in page


def _with_year(prisoner: Prisoner) -> Prisoner:
    prisoner.birth_year = 1963
    return prisoner
