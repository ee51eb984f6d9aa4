"""The supporter's pages: write, confirm, track, cancel, find again."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from letters import tasks, tokens
from letters.models import Letter, LetterEvent, Notification, PostingBatch
from letters.services import dispatch, notifications, submission, translation
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


def form_data(prisoner, **overrides):
    data = {
        "prisoner": prisoner.slug,
        "supporter_name": "Anna",
        "supporter_email": "anna@example.org",
        "supporter_country": "GB",
        "language": "en",
        "original_text": "Dear Bakhrom,\r\nthe first snow fell today. You are not forgotten.",
        "delivery": "post_for_me",
        "postage_currency": "EUR",
        "consent": "on",
        "website": "",
    }
    return data | overrides


def track_url(letter):
    return reverse("letters:track", args=[tokens.token_for(salt=letter.tracking_salt)])


def textarea_value(html: str) -> str:
    match = re.search(r'<textarea name="original_text"[^>]*>(.*?)</textarea>', html, re.S)
    assert match, "the letter's textarea is on the page"
    return match.group(1)


# --- writing ---------------------------------------------------------------------------------


def test_write_page_preselects_the_prisoner_from_the_profile_link(client):
    prisoner = PrisonerFactory(name_en="Bakhrom Khamroev")

    response = client.get(reverse("letters:write"), {"to": prisoner.slug})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Write to Bakhrom Khamroev" in html
    assert f'<option value="{prisoner.slug}" selected>' in html


def test_write_page_ignores_a_prisoner_who_accepts_no_letters(client):
    prisoner = PrisonerFactory(status=Prisoner.Status.RELEASED, accepts_letters=False)

    response = client.get(reverse("letters:write"), {"to": prisoner.slug})

    assert response.status_code == 200
    assert f'value="{prisoner.slug}"' not in response.content.decode()


def test_submit_saves_the_letter_and_shows_the_confirmation(
    client, outbox, django_capture_on_commit_callbacks
):
    prisoner = PrisonerWithAddressFactory(name_en="Bakhrom Khamroev")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("letters:write"), form_data(prisoner))

    letter = Letter.objects.get()
    assert response.status_code == 302
    token = response["Location"].split("/track/")[1].split("/")[0]
    assert tokens.token_hash(token) == letter.tracking_token_hash
    assert (letter.status, letter.postage, letter.postage_currency) == (S.RECEIVED, "due", "EUR")
    assert (
        letter.original_text == "Dear Bakhrom,\nthe first snow fell today. You are not forgotten."
    )
    assert (letter.supporter_country, letter.locale) == ("GB", "en")
    assert letter.events.get(kind="transition").action == "submit"

    confirmation = client.get(response["Location"])
    html = confirmation.content.decode()
    assert confirmation.status_code == 200
    assert letter.reference in html
    assert f"http://testserver/letters/track/{token}/" in html
    assert "€2.52" in html
    assert confirmation["Cache-Control"] == "private, no-store"
    assert confirmation["Referrer-Policy"] == "same-origin"

    assert len(outbox) == 1
    assert outbox[0].to == ["anna@example.org"]
    assert f"http://testserver/letters/track/{token}/" in outbox[0].body
    assert Notification.objects.get().sent_at is not None


def test_submit_in_russian_records_the_supporters_language(client):
    prisoner = PrisonerFactory()
    client.cookies["django_language"] = "ru"

    client.post(reverse("letters:write"), form_data(prisoner))

    assert Letter.objects.get().locale == "ru"


def test_return_to_me_ignores_the_currency(client):
    prisoner = PrisonerFactory()

    client.post(reverse("letters:write"), form_data(prisoner, delivery="return_to_me"))

    letter = Letter.objects.get()
    assert (letter.postage, letter.postage_currency) == ("not_needed", "")


def test_a_form_with_errors_keeps_the_text_and_names_each_problem(client):
    prisoner = PrisonerFactory()
    data = form_data(
        prisoner, supporter_email="not an address", consent="", language="", postage_currency=""
    )

    response = client.post(reverse("letters:write"), data)

    html = response.content.decode()
    assert response.status_code == 200
    assert Letter.objects.count() == 0
    assert "the first snow fell today. You are not forgotten." in textarea_value(html)
    assert 'value="Anna"' in html
    assert "Your letter is not sent yet" in html
    assert "Enter your e-mail address in the right form, like name@example.com." in html
    assert "Please tick the box to agree to the privacy notice." in html
    assert "Choose the currency you will pay the postage in." in html
    assert 'href="#id_language"' in html


def test_an_over_long_letter_comes_back_whole_with_its_length(client, settings):
    prisoner = PrisonerFactory()
    text = "a" * (settings.LETTERBRIDGE_MAX_LETTER_CHARS + 5)

    response = client.post(reverse("letters:write"), form_data(prisoner, original_text=text))

    html = response.content.decode()
    assert Letter.objects.count() == 0
    assert textarea_value(html).strip() == text
    limit = settings.LETTERBRIDGE_MAX_LETTER_CHARS
    assert f"has {limit + 5} characters; the limit is {limit}" in html


def test_line_breaks_count_as_one_character_like_the_counter(client, settings):
    prisoner = PrisonerFactory()
    settings.LETTERBRIDGE_MAX_LETTER_CHARS = 6000  # the form's limit is read at import
    lines = ["x" * 99] * 60  # 60 lines of 99 + 59 line breaks = 5999 characters
    text = "\r\n".join(lines)

    response = client.post(reverse("letters:write"), form_data(prisoner, original_text=text))

    assert response.status_code == 302
    assert len(Letter.objects.get().original_text) == 5999


def test_the_honeypot_stops_the_letter_but_keeps_the_text(client):
    prisoner = PrisonerFactory()

    response = client.post(
        reverse("letters:write"), form_data(prisoner, website="http://spam.example")
    )

    html = response.content.decode()
    assert Letter.objects.count() == 0
    assert "looks as if it was filled in automatically" in html
    assert "the first snow fell today" in textarea_value(html)


def test_the_rate_limit_answers_429_and_keeps_the_text(client, settings):
    settings.LETTERBRIDGE_RATE_LIMITS = {"letter": (2, 3600)}
    prisoner = PrisonerFactory()
    for number in range(2):
        letter = form_data(prisoner, original_text=f"Letter number {number}.")
        assert client.post(reverse("letters:write"), letter).status_code == 302

    response = client.post(
        reverse("letters:write"), form_data(prisoner, original_text="A third letter, kept.")
    )

    assert response.status_code == 429
    assert Letter.objects.count() == 2
    assert "A third letter, kept." in textarea_value(response.content.decode())
    assert "Please wait a while and send again" in response.content.decode()


def test_the_rate_limit_is_per_address(client, settings):
    settings.LETTERBRIDGE_RATE_LIMITS = {"letter": (1, 3600)}
    prisoner = PrisonerFactory()
    assert client.post(reverse("letters:write"), form_data(prisoner)).status_code == 302

    other = Client(REMOTE_ADDR="203.0.113.9")
    response = other.post(reverse("letters:write"), form_data(prisoner))

    assert response.status_code == 302


def test_the_rate_limit_keeps_no_address_in_the_cache(client):
    from django.core.cache import cache

    client.post(reverse("letters:write"), form_data(PrisonerFactory()), REMOTE_ADDR="198.51.100.7")

    keys = [key.decode() for key in cache._cache.get_client().keys("*ratelimit*")]
    assert keys, "the attempt was counted"
    assert not any("198.51.100.7" in key for key in keys)


def test_a_prisoner_who_stopped_accepting_letters_is_refused_politely(client):
    prisoner = PrisonerFactory()
    data = form_data(prisoner)
    Prisoner.objects.filter(pk=prisoner.pk).update(accepts_letters=False)

    response = client.post(reverse("letters:write"), data)

    assert response.status_code == 200
    assert Letter.objects.count() == 0
    assert "this one cannot get letters now" in response.content.decode()


def test_the_write_page_answers_only_get_and_post(client):
    assert client.put(reverse("letters:write")).status_code == 405


# --- tracking --------------------------------------------------------------------------------


def test_tracking_shows_each_step_with_its_date(client):
    prisoner = PrisonerWithAddressFactory()
    submitted = submission.letter_submit(
        prisoner_id=prisoner.pk,
        supporter_name="Anna",
        supporter_email="anna@example.org",
        language="en",
        original_text="Hello",
        delivery="return_to_me",
    )
    url = reverse("letters:track", args=[submitted.token])
    before = client.get(url).content.decode()
    assert "We received your letter" in before
    assert "A volunteer started translating it" not in before

    translation.letter_claim(letter_id=submitted.letter.pk, volunteer=VolunteerFactory())

    after = client.get(url).content.decode()
    assert "A volunteer started translating it" in after
    assert after.count("<time datetime=") == 2
    assert "Next: another volunteer checks the translation." in after


def test_tracking_a_rejected_letter_shows_the_reason_escaped(client):
    letter = LetterFactory()
    translation.letter_reject(
        letter_id=letter.pk, coordinator=CoordinatorFactory(), reason="<b>Mentions the case</b>"
    )

    html = client.get(track_url(letter)).content.decode()

    assert "Not sent" in html
    assert "&lt;b&gt;Mentions the case&lt;/b&gt;" in html
    assert "<b>Mentions the case</b>" not in html
    assert "Cancel this letter" not in html


def test_tracking_shows_postage_and_the_delivery_choice(client):
    letter = LetterFactory(postage_currency="USD")

    html = client.get(track_url(letter)).content.decode()

    assert "$2.73" in html
    assert letter.get_postage_display() in html
    assert letter.get_delivery_display() in html


def test_a_paid_letter_is_offered_no_payment(client):
    letter = LetterFactory(postage="paid")

    html = client.get(reverse("letters:sent", args=[tokens.token_for(salt=letter.tracking_salt)]))

    assert "Pay £2.20 postage" not in html.content.decode()


def test_tracking_escapes_everything_the_supporter_typed(client):
    letter = LetterFactory(
        supporter_name="<script>alert(1)</script>", original_text="<img src=x onerror=alert(2)>"
    )

    html = client.get(track_url(letter)).content.decode()

    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html


def test_tracking_an_unknown_or_malformed_token_is_404(client):
    assert client.get(reverse("letters:track", args=["0" * 43])).status_code == 404
    assert client.get(reverse("letters:track", args=["x" * 500])).status_code == 404
    assert client.get(reverse("letters:sent", args=["0" * 43])).status_code == 404


def test_a_returned_letter_offers_its_pdf(client):
    # given a letter translated and returned to its writer
    letter = LetterFactory(status=S.RETURNED, delivery="return_to_me")
    token = tokens.token_for(salt=letter.tracking_salt)

    # when the writer opens its page and the PDF
    html = client.get(track_url(letter)).content.decode()
    pdf = client.get(reverse("letters:returned_pdf", args=[token]))

    # then the page links the PDF, which downloads
    assert reverse("letters:returned_pdf", args=[token]) in html
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"


def test_the_pdf_is_not_served_before_the_letter_is_returned(client):
    letter = LetterFactory(status=S.APPROVED, delivery="return_to_me")
    token = tokens.token_for(salt=letter.tracking_salt)

    assert client.get(reverse("letters:returned_pdf", args=[token])).status_code == 404


# --- cancelling ------------------------------------------------------------------------------


def test_cancel_stops_an_open_letter(client, outbox, django_capture_on_commit_callbacks):
    letter = LetterFactory(status=S.IN_TRANSLATION)
    token = tokens.token_for(salt=letter.tracking_salt)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("letters:cancel", args=[token]), follow=True)

    letter.refresh_from_db()
    html = response.content.decode()
    assert letter.status == S.CANCELLED
    assert "Your letter is cancelled." in html
    assert "Cancelled at your request" in html
    assert "Cancel this letter" not in html
    assert [m.subject for m in outbox] == [f"Your letter was cancelled ({letter.reference})"]


def test_cancel_after_posting_changes_nothing(client):
    letter = LetterFactory(status=S.POSTED)
    token = tokens.token_for(salt=letter.tracking_salt)

    response = client.post(reverse("letters:cancel", args=[token]), follow=True)

    letter.refresh_from_db()
    assert letter.status == S.POSTED
    assert "cannot be changed that way" in response.content.decode()


def test_cancel_needs_post_and_a_csrf_token(client):
    letter = LetterFactory()
    url = reverse("letters:cancel", args=[tokens.token_for(salt=letter.tracking_salt)])

    # a GET (the address from the history) leads to the letter's page and cancels nothing
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("letters:track", args=[url.split("/")[-3]])
    assert Client(enforce_csrf_checks=True).post(url).status_code == 403
    letter.refresh_from_db()
    assert letter.status == S.RECEIVED


def test_cancel_with_a_wrong_token_is_404(client):
    assert client.post(reverse("letters:cancel", args=["0" * 43])).status_code == 404


# --- find my letters -------------------------------------------------------------------------


def test_find_my_letters_sends_every_link_to_a_known_address(
    client, outbox, django_capture_on_commit_callbacks, monkeypatch
):
    mine = [LetterFactory(supporter_email="anna@example.org") for _ in range(3)]
    LetterFactory(supporter_email="someone-else@example.org")
    sent_args = []
    original = tasks.send_letter_links.delay
    monkeypatch.setattr(
        tasks.send_letter_links,
        "delay",
        lambda *args: sent_args.append(args) or original(*args),
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("letters:find"), {"email": "Anna@Example.org"})

    assert response.status_code == 302
    assert response["Location"] == reverse("letters:find_sent")
    assert len(outbox) == 1
    assert outbox[0].to == ["anna@example.org"]
    for letter in mine:
        assert letter.reference in outbox[0].body
        assert tokens.token_for(salt=letter.tracking_salt) in outbox[0].body
    assert "someone-else" not in outbox[0].body
    # The task carries ids, a random request id and a language, never the address.
    (letter_ids, request_id, locale), *_ = sent_args
    assert sorted(letter_ids) == sorted(letter.pk for letter in mine)
    assert "anna" not in repr(sent_args).lower()


def test_find_my_letters_answers_the_same_for_an_unknown_address(
    client, outbox, django_capture_on_commit_callbacks
):
    LetterFactory(supporter_email="anna@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(reverse("letters:find"), {"email": "anna@example.org"})
        unknown = client.post(reverse("letters:find"), {"email": "nobody@example.org"})

    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert len(outbox) == 1


def test_the_links_email_is_sent_once_per_request(outbox):
    letter = LetterFactory()

    first = notifications.letter_links_send(letter_ids=[letter.pk], request_id="abc")
    again = notifications.letter_links_send(letter_ids=[letter.pk], request_id="abc")

    assert (first, again) == (True, False)
    assert len(outbox) == 1


def test_the_links_email_speaks_the_supporters_language(outbox):
    letter = LetterFactory()

    notifications.letter_links_send(letter_ids=[letter.pk], request_id="ru-1", locale="ru")

    assert "Ваши письма" in outbox[0].subject


def test_find_my_letters_rejects_a_bad_address_clearly(client, outbox):
    response = client.post(reverse("letters:find"), {"email": "anna at example"})

    assert response.status_code == 200
    assert "Enter your e-mail address in the right form" in response.content.decode()
    assert outbox == []


def test_find_my_letters_is_rate_limited(client, settings):
    settings.LETTERBRIDGE_RATE_LIMITS = {"find": (1, 3600)}
    client.post(reverse("letters:find"), {"email": "a@example.org"})

    response = client.post(reverse("letters:find"), {"email": "a@example.org"})

    assert response.status_code == 429
    assert "Too many requests" in response.content.decode()


# --- languages and static pages --------------------------------------------------------------


def test_the_pages_render_in_russian(client):
    prisoner = PrisonerWithAddressFactory()
    submitted = submission.letter_submit(
        prisoner_id=prisoner.pk,
        supporter_name="Анна",
        supporter_email="anna@example.org",
        language="en",
        original_text="Hello",
        delivery="return_to_me",
    )
    client.cookies["django_language"] = "ru"

    write = client.get(reverse("letters:write")).content.decode()
    track = client.get(reverse("letters:track", args=[submitted.token])).content.decode()
    find = client.get(reverse("letters:find")).content.decode()

    assert '<html lang="ru">' in write
    assert "Отправить письмо" in write
    assert "Прежде чем писать" in write
    assert "Мы получили ваше письмо" in track
    assert "Найти мои письма" in find


def test_the_privacy_notice_renders(client):
    response = client.get(reverse("letters:privacy"))

    assert response.status_code == 200
    assert "never your e-mail address" in response.content.decode()


@pytest.mark.parametrize("claims", [0, 12])
def test_the_tracking_page_runs_the_same_queries_however_long_the_history(
    client, claims, django_assert_max_num_queries
):
    prisoner = PrisonerWithAddressFactory()
    submitted = submission.letter_submit(
        prisoner_id=prisoner.pk,
        supporter_name="Anna",
        supporter_email="anna@example.org",
        language="en",
        original_text="Hello",
        delivery="post_for_me",
        postage_currency="GBP",
    )
    volunteer = VolunteerFactory()
    for _ in range(claims):
        translation.letter_claim(letter_id=submitted.letter.pk, volunteer=volunteer)
        translation.letter_release(letter_id=submitted.letter.pk, actor=volunteer)

    # (the fifth: the replies to the letter, composed on the page by pages)
    with django_assert_max_num_queries(5):
        response = client.get(reverse("letters:track", args=[submitted.token]))

    assert response.content.decode().count("<time datetime=") == 1 + 2 * claims


# --- every page follows what really happened to the letter ----------------------------------


def _track(client, letter) -> str:
    return client.get(track_url(letter)).content.decode()


def _sent_page(client, letter) -> str:
    token = tokens.token_for(salt=letter.tracking_salt)
    return client.get(reverse("letters:sent", args=[token])).content.decode()


def test_the_confirmation_revisited_after_a_cancel_asks_for_no_postage(client):
    # given a letter to post, its postage not paid, and its confirmation page
    letter = LetterFactory(postage_currency="EUR")
    assert "€2.52 · due" in _sent_page(client, letter)
    # when the supporter cancels it, then comes back to the confirmation (back button, history)
    submission.letter_cancel(letter_id=letter.pk)
    page = _sent_page(client, letter)
    # then it no longer says the postage is due, as the letter's own page does not
    assert "€2.52 · due" not in page and "Postage due" not in page
    assert "€2.52" not in _track(client, letter)


def test_tracking_a_letter_sent_on_as_written_never_speaks_of_its_translation(client):
    # given a letter in Russian that the supporter posts, sent on without translation
    letter = LetterFactory(language="ru", delivery="return_to_me")
    translation.letter_skip_translation(letter_id=letter.pk, coordinator=CoordinatorFactory())
    # when its page is opened, before and after it is returned
    before = _track(client, letter)
    dispatch.letter_return(letter_id=letter.pk, coordinator=None)
    after = _track(client, letter)
    # then the next step and the PDF speak of the letter as written
    assert "Next: we send you your letter and the address." in before
    assert "Download your letter and the address (PDF)" in after
    assert "the translation and the address" not in before + after


def test_tracking_a_translated_letter_offers_the_translation(client):
    letter = LetterFactory(
        status=S.TRANSLATED,
        delivery="return_to_me",
        translated_by=VolunteerFactory(),
        translation="Здравствуйте!",
    )
    translation.letter_approve(letter_id=letter.pk, reviewer=CoordinatorFactory())
    dispatch.letter_return(letter_id=letter.pk, coordinator=None)

    assert "Download the translation and the address (PDF)" in _track(client, letter)


def test_tracking_a_letter_in_russian_does_not_promise_a_translation(client):
    letter = LetterFactory(language="ru")

    html = _track(client, letter)

    assert "Next: we read it before it goes on." in html
    assert "translates it into Russian" not in html


def test_tracking_after_a_send_back_says_the_translator_works_on_it_again(client):
    # given a translation the reviewer sent back to its translator
    translator = VolunteerFactory()
    letter = LetterFactory(status=S.TRANSLATED, translated_by=translator, translation="Привет")
    translation.letter_send_back(
        letter_id=letter.pk, reviewer=CoordinatorFactory(), comment="Line 2, please."
    )
    # when the supporter looks
    html = _track(client, letter)
    # then the next step is the translator's, not the checker's
    assert "Next: the translator makes the changes, then it is checked again." in html
    assert "Next: another volunteer checks the translation." not in html


def test_the_postage_box_is_shown_while_the_letter_is_open_and_not_once_it_is_posted(client):
    # given a paid letter waiting to be posted
    letter = LetterFactory(status=S.APPROVED, postage="paid")
    assert "postage-heading" in _track(client, letter)
    # when it is posted
    dispatch.letter_post(letter_id=letter.pk, coordinator=CoordinatorFactory())
    # then the page no longer shows the postage box (the postage line stays in the facts)
    html = _track(client, letter)
    assert "postage-heading" not in html
    assert "we will post your letter" not in html
    assert letter.get_postage_display() in html


@pytest.mark.parametrize("delivery", ["post_for_me", "return_to_me"])
def test_the_pages_say_what_happens_to_a_reply_when_we_post_the_letter(client, delivery):
    letter = LetterFactory(delivery=delivery)
    reply = "the reply comes by post to our address, and we send it on to you"
    form_note = "the reply comes by post to our address: we scan it, translate it and send it on"

    form = client.get(reverse("letters:write")).content.decode()
    pages = [_sent_page(client, letter), _track(client, letter)]

    assert form_note in form
    for html in pages:
        assert (reply in html) is (delivery == "post_for_me")


@pytest.mark.parametrize("status", ["cancelled", "rejected"])
def test_the_pages_of_a_letter_that_never_went_promise_no_reply(client, status):
    # given a letter we were to post, cancelled or rejected
    letter = LetterFactory(status=status)
    reply = "the reply comes by post to our address, and we send it on to you"

    # when its confirmation and tracking pages are opened
    pages = [_sent_page(client, letter), _track(client, letter)]

    # then neither says a reply will come to us
    for html in pages:
        assert reply not in html


def test_the_confirmation_title_says_the_letter_is_received_not_on_its_way(client):
    html = _sent_page(client, LetterFactory())

    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert "on its way" not in title
    assert "we have your letter" in title


def test_the_confirmation_reloaded_later_does_not_say_it_waits_for_translation(client):
    # given a letter in Russian sent on as written since the supporter first saw the page
    letter = LetterFactory(language="ru")
    translation.letter_skip_translation(letter_id=letter.pk, coordinator=CoordinatorFactory())
    # when the confirmation page is opened again
    html = _sent_page(client, letter)
    # then it points to the letter's page instead of promising a translation
    assert "waiting for a volunteer to translate" not in html
    assert "Its page shows where it is now." in html


def test_tracking_says_the_day_the_letter_went_to_the_post_not_when_it_was_marked(
    client, coordinator
):
    # given a letter posted with its batch; the batch's posting day is three days before
    # the moment it was marked posted (a coordinator catching up on the paperwork)
    letter = LetterFactory(status=S.APPROVED, postage=Letter.Postage.PAID)
    # with its earlier steps, which the page orders with the posted one
    for action, status in (("submit", S.RECEIVED), ("approve", S.APPROVED)):
        LetterEvent.objects.create(
            letter=letter, kind="transition", action=action, to_status=status
        )
    batch = dispatch.batch_prepare(coordinator=coordinator)
    dispatch.batch_mark_posted(
        batch_id=batch.pk,
        coordinator=coordinator,
        posted_on=timezone.localdate(),
        postage_spent=220,
        postage_currency="GBP",
    )
    three_days_ago = timezone.localdate() - timedelta(days=3)
    PostingBatch.objects.filter(pk=batch.pk).update(posted_on=three_days_ago)
    batch.refresh_from_db()

    # when the supporter reads the letter's page, in English and in Russian
    english = _track(client, letter)
    client.cookies["django_language"] = "ru"
    russian = _track(client, letter)

    # then the posted step carries the posting day, as a day
    day = batch.posted_on
    assert day < timezone.localdate()
    assert f'<time datetime="{day.isoformat()}">{day.day} {day:%B} {day.year}</time>' in english
    months_ru = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
                 "сентября", "октября", "ноября", "декабря"]  # fmt: skip
    russian_day = f"{day.day} {months_ru[day.month - 1]} {day.year}"
    assert f'<time datetime="{day.isoformat()}">{russian_day}</time>' in russian
    # and the earlier steps come before it
    assert english.index("We received your letter") < english.index(day.isoformat())


def test_the_same_letter_sent_twice_is_one_letter(
    client, outbox, django_capture_on_commit_callbacks
):
    # given a supporter who sent a letter, went Back and pressed Send again
    prisoner = PrisonerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(reverse("letters:write"), form_data(prisoner))
        again = client.post(reverse("letters:write"), form_data(prisoner))
    # then there is one letter, both sendings land on its page, and one e-mail says so
    assert Letter.objects.count() == 1
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    assert len(outbox) == 1


def test_a_changed_letter_sent_again_is_a_second_letter(client):
    prisoner = PrisonerFactory()
    client.post(reverse("letters:write"), form_data(prisoner))
    client.post(reverse("letters:write"), form_data(prisoner, original_text="Another letter."))
    assert Letter.objects.count() == 2


def test_a_cancelled_letter_sent_again_is_a_new_letter(client):
    # given a letter the supporter cancelled from its page
    prisoner = PrisonerFactory()
    client.post(reverse("letters:write"), form_data(prisoner))
    first = Letter.objects.get()
    submission.letter_cancel(letter_id=first.pk)
    # when they send the same text again
    response = client.post(reverse("letters:write"), form_data(prisoner))
    # then it is a new letter, on its own page
    assert Letter.objects.count() == 2
    assert response["Location"] != track_url(first)
    assert Letter.objects.exclude(pk=first.pk).get().status == Letter.Status.RECEIVED


def test_a_remembered_sending_that_names_someone_elses_letter_makes_a_new_letter(client):
    # given a letter remembered for this sending whose number, after the database was restored
    # from a backup, is now another supporter's letter to another prisoner
    prisoner = PrisonerFactory()
    client.post(reverse("letters:write"), form_data(prisoner))
    first = Letter.objects.get()
    someone_else = LetterFactory()
    (stored,) = cache._cache.get_client().keys("*letters:sending:*")  # the sending's key
    key = stored.decode()[stored.decode().index("letters:sending:") :]
    assert cache.get(key) == first.pk
    cache.set(key, someone_else.pk, 600)
    # when the supporter sends the same letter again
    response = client.post(reverse("letters:write"), form_data(prisoner))
    # then they land on a new letter of their own, never on the other supporter's page
    assert response.status_code == 302
    assert not response["Location"].startswith(track_url(someone_else))
    mine = Letter.objects.exclude(pk__in=[first.pk, someone_else.pk]).get()
    assert response["Location"].startswith(track_url(mine))
    assert mine.prisoner == prisoner


def test_a_sending_that_gives_up_on_a_stuck_first_one_leaves_the_first_ones_key(
    client, monkeypatch
):
    # given a first sending of this letter that holds its key and is still being saved
    keys: list[str] = []
    sending_key = submission._sending_key

    def first_one_holds(arguments) -> str:
        keys.append(sending_key(arguments))
        cache.add(keys[-1], "sending", 60)
        return keys[-1]

    monkeypatch.setattr(submission, "_sending_key", first_one_holds)
    monkeypatch.setattr(submission, "SAME_LETTER_WAIT_SECONDS", 0.1)

    # when the same letter is sent again, waits in vain, and its own saving fails
    def broken(arguments):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(submission, "_letter_submit_with_reference", broken)
    with pytest.raises(RuntimeError):
        client.post(reverse("letters:write"), form_data(PrisonerFactory()))

    # then the first sending still holds the key (a third one will still wait for it)
    assert cache.get(keys[0]) == "sending"


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "paid; we are paying it back"), ("ru", "оплачено; мы вернём деньги")],
)
def test_a_closed_letters_paid_postage_reads_as_being_paid_back(client, language, words):
    # given a letter cancelled after its postage was paid (the refund not made yet)
    letter = LetterFactory(
        status=Letter.Status.CANCELLED,
        delivery=Letter.Delivery.POST_FOR_ME,
        postage=Letter.Postage.PAID,
        postage_currency="GBP",
    )
    client.cookies["django_language"] = language

    # when the supporter opens its page, and the confirmation after writing
    pages = [_track(client, letter), _sent_page(client, letter)]

    # then both say the money is on its way back
    assert all(words in page for page in pages)
