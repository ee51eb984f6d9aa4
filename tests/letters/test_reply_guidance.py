"""Issue 14, guidance: a supporter who chooses "post it for me" learns how a reply comes back, the
letter we post tells the prisoner where to reply and which number to quote, and a batch can carry
a lined sheet and a self-addressed envelope label for the reply."""

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from django.core import checks
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from letters import pdf
from letters.checks import reply_address_check
from letters.models import Letter, PostingBatch, PostingBatchDocument
from prisoners.models import PrisonAddress
from tests.factories import LetterFactory

pytestmark = pytest.mark.django_db
S = Letter.Status
ROOT = Path(__file__).resolve().parents[2]

REPLY_ADDRESS = "Letterbridge\nPO Box 0000\nLondon N1 0AA\nUNITED KINGDOM / ВЕЛИКОБРИТАНИЯ"
REPLY_LINES = REPLY_ADDRESS.splitlines()
TRANSLATION = "Здравствуйте, Бахром!\n\nСегодня выпал первый снег. Вы не забыты."
FORM_NOTE = (
    "If the prisoner writes back, the reply comes by post to our address: we scan it, "
    "translate it and send it on to you by e-mail."
)
FORM_NOTE_RU = (
    "Если адресат напишет в ответ, письмо придёт по почте на наш адрес: мы отсканируем его, "
    "переведём и перешлём вам по электронной почте."
)


@pytest.fixture(autouse=True)
def _default_language_after():
    """A request in Russian leaves Russian active in this thread; later tests expect the default."""
    yield
    translation.deactivate()


def _letter(**kwargs) -> Letter:
    kwargs.setdefault("translation", TRANSLATION)
    return LetterFactory(status=S.APPROVED, **kwargs)


def _pages_text(content: bytes) -> list[str]:
    """Each page's text with its lines joined by spaces (a paragraph may wrap anywhere)."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages]


def _page_sizes_mm(content: bytes) -> list[tuple[int, int]]:
    return [
        (round(float(p.mediabox.width) / 72 * 25.4), round(float(p.mediabox.height) / 72 * 25.4))
        for p in PdfReader(io.BytesIO(content)).pages
    ]


def _choice_labels(html: str) -> dict[str, str]:
    """The delivery choices' labels by their value: what a supporter reads beside each radio."""
    labels = re.findall(r'<label class="choice" for="id_delivery_\d">(.*?)</label>', html, re.S)
    by_value = {}
    for label in labels:
        value = re.search(r'value="(\w+)"', label).group(1)
        by_value[value] = " ".join(re.sub(r"<[^>]+>", " ", label).split())
    return by_value


# --- the letter form ---------------------------------------------------------------------------


def test_the_form_says_how_a_reply_comes_back_beside_post_it_for_me_only(client):
    # given the public letter form
    # when a supporter opens it
    html = client.get(reverse("letters:write")).content.decode()

    # then "post it for me" says the reply comes to us, is scanned, translated and e-mailed on
    choices = _choice_labels(html)
    assert set(choices) == {"post_for_me", "return_to_me"}
    assert FORM_NOTE in choices["post_for_me"]
    # and the choice to post it oneself promises nothing of the kind
    assert "our address" not in choices["return_to_me"]
    assert "scan" not in choices["return_to_me"]
    assert html.count(FORM_NOTE) == 1


def test_the_russian_form_gives_the_same_note_in_russian(client):
    # given a supporter reading the site in Russian
    client.cookies["django_language"] = "ru"

    # when they open the letter form
    html = client.get(reverse("letters:write")).content.decode()

    # then the note beside "post it for me" is in Russian, and only there
    choices = _choice_labels(html)
    assert FORM_NOTE_RU in choices["post_for_me"]
    assert FORM_NOTE_RU not in choices["return_to_me"]
    assert FORM_NOTE not in html


# --- the printed letter --------------------------------------------------------------------------


def test_a_letter_we_post_ends_with_where_to_reply_and_its_number(settings):
    # given a reply address and an approved letter we are to post
    settings.LETTERBRIDGE_REPLY_ADDRESS = REPLY_ADDRESS
    letter = _letter(signature_ru="Анна")

    # when its batch is printed
    (page, _envelope) = _pages_text(pdf.render_batch_pdf([letter]))

    # then after the signature the prisoner reads, in Russian, where to reply and what to quote
    assert page.index("Анна") < page.index("Как ответить")
    assert "Если захотите ответить, отправьте письмо по адресу ниже." in page
    assert " ".join(REPLY_LINES) in page
    assert f"В ответе укажите номер письма: {letter.reference}." in page
    assert "печатными буквами" in page
    # and nothing is said of an enclosed sheet, since the kit is off
    assert "приложены" not in page


def test_the_single_letter_pdf_says_where_to_reply_too(settings):
    settings.LETTERBRIDGE_REPLY_ADDRESS = REPLY_ADDRESS
    letter = _letter()

    page, _envelope = _pages_text(pdf.render_letter_pdf(letter))

    assert " ".join(REPLY_LINES) in page
    assert f"В ответе укажите номер письма: {letter.reference}." in page


def test_without_a_reply_address_the_letter_says_nothing_of_replying(settings):
    # given no reply address (a production that has not set one)
    settings.LETTERBRIDGE_REPLY_ADDRESS = "  \n "
    letter = _letter()

    # when the letter is printed
    page, _envelope = _pages_text(pdf.render_batch_pdf([letter]))

    # then it has no reply lines at all, not an empty heading
    assert "Как ответить" not in page
    assert "номер письма" not in page
    assert "Сегодня выпал первый снег." in page


def test_the_pack_of_a_letter_the_supporter_posts_sends_no_reply_to_us(settings):
    # given a reply address and a letter the supporter posts themselves
    settings.LETTERBRIDGE_REPLY_ADDRESS = REPLY_ADDRESS
    letter = _letter(delivery=Letter.Delivery.RETURN_TO_ME)

    # when their pack is printed
    pages = _pages_text(pdf.render_return_pdf(letter))

    # then the letter does not ask the prisoner to reply to us (the reply goes to the supporter)
    assert all("Как ответить" not in page and "PO Box 0000" not in page for page in pages)


# --- the reply kit -----------------------------------------------------------------------------


def _three_letters() -> list[Letter]:
    letters = [_letter(signature_ru=f"Подпись {n}") for n in range(3)]
    for n, letter in enumerate(letters):
        PrisonAddress.objects.filter(prisoner=letter.prisoner).update(postal_index=f"60000{n}")
    return letters


def test_the_reply_kit_adds_a_sheet_and_a_label_after_each_letter(settings):
    # given three one-page letters and a reply address
    settings.LETTERBRIDGE_REPLY_ADDRESS = REPLY_ADDRESS
    letters = _three_letters()
    settings.LETTERBRIDGE_REPLY_KIT = False
    without = pdf.render_batch_pdf(letters)

    # when the batch is printed with the reply kit on (by a worker in English)
    settings.LETTERBRIDGE_REPLY_KIT = True
    with translation.override("en"):
        content = pdf.render_batch_pdf(letters)

    # then it grows by two A4 pages a letter, the envelopes still last, in the same order
    assert len(_page_sizes_mm(without)) == 6
    assert _page_sizes_mm(content) == [(210, 297)] * 9 + [(220, 110)] * 3
    pages = _pages_text(content)
    for n, letter in enumerate(letters):
        letter_page, sheet, label = pages[3 * n : 3 * n + 3]
        # the letter says what is enclosed, and the number to quote
        assert f"Подпись {n}" in letter_page
        assert "К этому письму приложены чистый лист и конверт с нашим адресом." in letter_page
        # the sheet is headed in Russian with the letter's number
        assert sheet.startswith(f"Лист для ответа на письмо № {letter.reference}")
        assert "Пишите, пожалуйста, разборчиво, лучше печатными буквами." in sheet
        # the label: from the prisoner (nominative, at their facility), to our reply address
        assert label.index("От кого:") < label.index("Хамроев Бахром Мардонович, 1963 г.р.")
        assert label.index("Откуда:") < label.index(f"60000{n} РОССИЯ")
        assert "ФКУ Т-2 УФСИН России по Владимирской области" in label
        assert label.index("Кому:") < label.index("Letterbridge") < label.index("Куда:")
        assert " ".join(REPLY_LINES[1:]) in label
        assert f"Reply envelope for {letter.reference}: cut the label out" in label
        assert f"60000{n}" in pages[9 + n]


def test_the_kit_pages_are_printed_not_blank_and_a_sheet_is_mostly_empty_lines(settings):
    # given the kit on
    settings.LETTERBRIDGE_REPLY_ADDRESS = REPLY_ADDRESS
    settings.LETTERBRIDGE_REPLY_KIT = True

    # when a one-letter batch is rasterised as a printer driver would
    document = pdfium.PdfDocument(pdf.render_batch_pdf([_letter()]))
    try:
        images = [page.render(scale=40 / 72).to_pil().convert("L") for page in document]
    finally:
        document.close()

    # then every page carries ink, and the sheet has its ruled lines down the page
    def ink(image, top=0.0, bottom=1.0):
        box = image.crop((0, int(image.height * top), image.width, int(image.height * bottom)))
        return sum(box.histogram()[:230]) / (box.width * box.height)

    assert len(images) == 4
    assert all(ink(image) > 0.001 for image in images), [ink(image) for image in images]
    sheet = images[1]
    assert ink(sheet, 0.5, 0.9) > 0.005  # lines fill the lower half too


def test_the_kit_is_left_out_when_there_is_no_address_to_reply_to(settings):
    # given the kit switched on but no reply address
    settings.LETTERBRIDGE_REPLY_KIT = True
    settings.LETTERBRIDGE_REPLY_ADDRESS = ""

    # when a batch is printed
    content = pdf.render_batch_pdf(_three_letters())

    # then it is the batch without a kit: a label with no addressee would be useless
    assert len(_page_sizes_mm(content)) == 6
    assert not pdf.reply_kit_on()


def test_the_outline_still_finds_each_letter_with_the_kit_on(settings):
    settings.LETTERBRIDGE_REPLY_ADDRESS = REPLY_ADDRESS
    settings.LETTERBRIDGE_REPLY_KIT = True

    reader = PdfReader(io.BytesIO(pdf.render_batch_pdf([_letter(), _letter()])))

    _letters, letter_items, _envelopes, envelope_items = reader.outline
    assert [reader.get_destination_page_number(i) for i in letter_items] == [0, 3]
    assert [reader.get_destination_page_number(i) for i in envelope_items] == [6, 7]


# --- the coordinator's batch page ----------------------------------------------------------------


def _batch_page(client, coordinator, letter_count: int) -> str:
    batch = PostingBatch.objects.create(created_by=coordinator)
    PostingBatchDocument.objects.create(
        batch=batch, file_name="batches/0.enc", letter_count=letter_count
    )
    client.force_login(coordinator)
    return client.get(reverse("letters_coordination:batch", args=[batch.pk])).content.decode()


def test_the_batch_page_says_how_many_sheets_and_envelopes_to_add(client, coordinator, settings):
    # given the kit on and a printed batch of three letters
    settings.LETTERBRIDGE_REPLY_ADDRESS = REPLY_ADDRESS
    settings.LETTERBRIDGE_REPLY_KIT = True

    # when the coordinator opens the batch
    page = " ".join(_batch_page(client, coordinator, 3).split())

    # then it says what the kit adds and how many blank envelopes to have ready
    assert "Reply kit" in page
    assert "3 sheets and 3 labels in this batch" in page
    assert "Add 3 blank envelopes for the replies" in page
    assert "the last 3 pages" in page  # the envelopes still come last


def test_the_batch_page_speaks_of_one_envelope_for_one_letter(client, coordinator, settings):
    settings.LETTERBRIDGE_REPLY_ADDRESS = REPLY_ADDRESS
    settings.LETTERBRIDGE_REPLY_KIT = True

    page = " ".join(_batch_page(client, coordinator, 1).split())

    assert "1 sheet and 1 label in this batch" in page
    assert "Add 1 blank envelope for the reply" in page


def test_the_batch_page_says_nothing_of_a_kit_that_is_off(client, coordinator, settings):
    settings.LETTERBRIDGE_REPLY_ADDRESS = REPLY_ADDRESS
    settings.LETTERBRIDGE_REPLY_KIT = False

    page = _batch_page(client, coordinator, 3)

    assert "Reply kit" not in page
    assert "blank envelope" not in page


def test_the_russian_batch_page_counts_in_russian(client, coordinator, settings):
    # given a coordinator reading the admin in Russian and a batch of three with the kit on
    settings.LETTERBRIDGE_REPLY_ADDRESS = REPLY_ADDRESS
    settings.LETTERBRIDGE_REPLY_KIT = True
    client.cookies["django_language"] = "ru"

    page = " ".join(_batch_page(client, coordinator, 3).split())

    # then the numbers agree with their nouns
    assert "Комплект для ответа" in page
    assert "В этой партии 3 листа и 3 наклейки." in page
    assert "Приготовьте 3 чистых конверта для ответов" in page


# --- the deployment check ------------------------------------------------------------------------


def test_the_check_warns_only_while_the_reply_address_is_empty(settings):
    settings.LETTERBRIDGE_REPLY_ADDRESS = ""
    (warning,) = reply_address_check(None)
    assert warning.level == checks.WARNING and warning.id == "letters.W001"

    settings.LETTERBRIDGE_REPLY_ADDRESS = REPLY_ADDRESS
    assert reply_address_check(None) == []


def test_production_deploy_check_names_the_missing_reply_address():
    # given production settings with every secret but no reply address
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "LETTERBRIDGE_"))}
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "x" * 30 + "y" * 30 + "-production-secret-for-the-check",
        "LETTERBRIDGE_TRACKING_KEY": "tracking-key-for-the-check",
        "LETTERBRIDGE_ENCRYPTION_KEYS": "bGV0dGVyYnJpZGdlLXRlc3Qtb25seS1rZXktMDAwMDI=",
        "LETTERBRIDGE_LOOKUP_KEY": "lookup-key-for-the-check",
        "DJANGO_ALLOWED_HOSTS": "letters.example.org",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/letterbridge",
        "REDIS_URL": "redis://127.0.0.1:6379/14",
    }

    # when the deployment check runs
    result = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    # then it warns, naming the setting
    output = result.stdout + result.stderr
    assert "letters.W001" in output
    assert "LETTERBRIDGE_REPLY_ADDRESS is empty" in output
