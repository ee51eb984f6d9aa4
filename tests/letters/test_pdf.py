import io
from pathlib import Path

import fontpkg_pt_sans
import pypdfium2 as pdfium
import pytest
from PIL import Image
from pypdf import PdfReader

from letters import pdf
from letters.models import Letter
from prisoners.models import PrisonAddress
from tests.factories import LetterFactory, PrisonerWithAddressFactory

pytestmark = pytest.mark.django_db
S = Letter.Status

ADDRESS_LINES = [
    "Хамроеву Бахрому Мардоновичу, 1963 г.р.",
    "ФКУ Т-2 УФСИН России по Владимирской области",
    "ул. Большая Нижегородская, д. 67",
    "г. Владимир",
    "Владимирская область",
    "600020",
    "RUSSIA / РОССИЯ",
]
TRANSLATION = "Здравствуйте, Бахром!\n\nСегодня выпал первый снег. Вы не забыты."


def _pages_text(content: bytes) -> list[list[str]]:
    reader = PdfReader(io.BytesIO(content))
    return [
        [line.strip() for line in page.extract_text().splitlines() if line.strip()]
        for page in reader.pages
    ]


def _rendered_pages(content: bytes) -> list[Image.Image]:
    """Rasterise every page with PDFium (Chromium's PDF engine, a pip wheel: no system tool), as
    a printer driver would see it."""
    document = pdfium.PdfDocument(content)
    try:
        return [page.render(scale=40 / 72).to_pil() for page in document]
    finally:
        document.close()


def _ink(image: Image.Image) -> float:
    """The share of the page's pixels that are printed dark: zero for a blank page."""
    grey = image.convert("L")
    dark = sum(grey.histogram()[:128])
    return dark / (grey.width * grey.height)


def _letter(**kwargs) -> Letter:
    return LetterFactory(status=S.APPROVED, translation=TRANSLATION, **kwargs)


def test_letter_pdf_has_the_russian_letter_signed_and_an_envelope_in_postal_order():
    # given an approved letter signed "Anna Example", "Анна" in Cyrillic
    letter = _letter(supporter_name="Anna Example", signature_ru="Анна")
    # when its PDF is rendered
    content = pdf.render_letter_pdf(letter)
    # then it renders to two pages (letter, envelope) that are not blank
    rendered = _rendered_pages(content)
    assert len(rendered) == 2
    assert all(_ink(page) > 0.001 for page in rendered), [_ink(page) for page in rendered]
    letter_page, envelope = _pages_text(content)
    assert letter_page[0] == ADDRESS_LINES[0]
    assert "Сегодня выпал первый снег. Вы не забыты." in letter_page
    assert "Анна" in letter_page and "Anna Example" not in letter_page
    # and the envelope holds the address lines exactly, in Russian Post's order, after the sender
    assert [line for line in envelope if line in ADDRESS_LINES] == ADDRESS_LINES
    assert envelope.index("Кому:") < envelope.index(ADDRESS_LINES[0])
    assert envelope.index("Куда:") < envelope.index(ADDRESS_LINES[1])
    assert envelope[1:5] == ["Letterbridge", "PO Box 0000", "London N1 0AA", "UNITED KINGDOM"]


def test_envelope_size_follows_the_setting(settings):
    settings.LETTERBRIDGE_ENVELOPE = "C5"
    reader = PdfReader(io.BytesIO(pdf.render_letter_pdf(_letter())))
    width, height = (float(x) for x in reader.pages[1].mediabox[2:])
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (229, 162)


def test_batch_pdf_keeps_letters_and_envelopes_in_the_same_order():
    # given three letters to three prisoners
    letters = [_letter(signature_ru=f"Подпись {n}") for n in range(3)]
    for n, letter in enumerate(letters):
        PrisonAddress.objects.filter(prisoner=letter.prisoner).update(postal_index=f"60000{n}")
    # when the batch is rendered
    content = pdf.render_batch_pdf(letters)
    # then the letters come first, then their envelopes in the same order
    pages = _pages_text(content)
    assert len(pages) == 6
    assert len(_rendered_pages(content)) == 6
    for n in range(3):
        assert f"Подпись {n}" in pages[n]
        assert f"60000{n}" in pages[3 + n]


def test_return_pdf_has_instructions_the_letter_and_the_address_sheet():
    # given a return_to_me letter
    letter = _letter(
        delivery=Letter.Delivery.RETURN_TO_ME, supporter_name="Jan de Vries", signature_ru="Ян"
    )
    # when the supporter's PDF is rendered
    content = pdf.render_return_pdf(letter)
    pages = _pages_text(content)
    assert len(_rendered_pages(content)) == len(pages) == 3
    # then it explains how to post from abroad, carries the letter, and the address sheet
    assert "How to post it from abroad" in pages[0]
    assert "Ян" in pages[1] and "Jan de Vries" not in pages[1]
    sheet = pages[2]
    assert [line for line in sheet if line in ADDRESS_LINES] == ADDRESS_LINES
    one_line = " ".join(sheet[sheet.index("On one line (for forms):") + 1 :])
    assert one_line.startswith("600020, Владимирская область, г. Владимир")


def test_a_prisoner_without_address_cannot_be_printed():
    letter = _letter(prisoner=PrisonerWithAddressFactory(status="in_transit"))
    with pytest.raises(pdf.PdfError):
        pdf.render_letter_pdf(letter)


def test_fonts_can_be_overridden_in_settings(settings):
    pdf.register_fonts.cache_clear()
    sans = Path(pdf._default_font(fontpkg_pt_sans, "PT_Sans-Web-Regular.ttf"))
    settings.LETTERBRIDGE_PDF_FONT_SERIF = str(sans)
    try:
        content = pdf.render_letter_pdf(_letter())
        fonts = {
            str(font["/BaseFont"])
            for page in PdfReader(io.BytesIO(content)).pages
            for font in page["/Resources"]["/Font"].values()
        }
        assert not any("Serif-Web-Regular" in name or "PTSerif-Regular" in name for name in fonts)
    finally:
        pdf.register_fonts.cache_clear()
