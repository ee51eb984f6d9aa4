"""The PDFs as a printer and a censor meet them: one signature, in Cyrillic; every font embedded."""

import io

import pytest
from pypdf import PdfReader

from letters import pdf
from letters.models import Letter
from tests.factories import LetterFactory

pytestmark = pytest.mark.django_db
S = Letter.Status

STANDARD_14 = {
    "Courier",
    "Courier-Bold",
    "Courier-BoldOblique",
    "Courier-Oblique",
    "Helvetica",
    "Helvetica-Bold",
    "Helvetica-BoldOblique",
    "Helvetica-Oblique",
    "Symbol",
    "Times-Bold",
    "Times-BoldItalic",
    "Times-Italic",
    "Times-Roman",
    "ZapfDingbats",
}
TRANSLATION = "Здравствуйте!\n\nСегодня выпал первый снег. Вы не забыты.\n\nС теплом,"


def _letter(**kwargs) -> Letter:
    kwargs.setdefault("translation", TRANSLATION)
    return LetterFactory(status=S.APPROVED, **kwargs)


def _reader(content: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(content))


def _pages_text(content: bytes) -> list[str]:
    return [page.extract_text() for page in _reader(content).pages]


def _fonts(content: bytes):
    """Every font each page uses, with the descendants of composite (Type0) fonts."""
    for number, page in enumerate(_reader(content).pages):
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            yield number, font
            for descendant in font.get("/DescendantFonts", []):
                yield number, descendant.get_object()


# --- one signature, in Cyrillic -------------------------------------------------------------


def test_the_letter_is_signed_once_in_cyrillic_and_never_in_latin_letters():
    # given a letter from "Clare" whose translator confirmed the signature «Клэр»
    letter = _letter(supporter_name="Clare", signature_ru="Клэр")

    # when it is printed
    letter_page, envelope = _pages_text(pdf.render_letter_pdf(letter))

    # then the letter is signed once, in Cyrillic, and the Latin name appears nowhere
    assert letter_page.count("Клэр") == 1
    assert "Clare" not in letter_page + envelope
    assert letter_page.index("С теплом,") < letter_page.index("Клэр")


def test_a_letter_without_a_cyrillic_signature_is_not_signed_in_latin_instead():
    # given a letter with no Cyrillic signature (written before there was one)
    letter = _letter(supporter_name="Anna", signature_ru="")

    # when it is printed
    letter_page, _envelope = _pages_text(pdf.render_letter_pdf(letter))

    # then the Latin name is not printed in its place
    assert "Anna" not in letter_page
    assert "Сегодня выпал первый снег." in letter_page


def test_the_return_pack_is_signed_in_cyrillic_and_asks_not_to_sign_again():
    # given a return_to_me letter from "Clare", signed «Клэр»
    letter = _letter(
        delivery=Letter.Delivery.RETURN_TO_ME, supporter_name="Clare", signature_ru="Клэр"
    )

    # when the supporter's pack is rendered
    instructions, letter_page, sheet = _pages_text(pdf.render_return_pdf(letter))

    # then the letter carries the Cyrillic signature once and the Latin name nowhere
    assert letter_page.count("Клэр") == 1
    assert "Clare" not in letter_page
    # and the supporter learns it is their name and not to add one in Latin letters
    said = " ".join(instructions.split())
    assert "signed “Клэр”: your name in Russian letters. Do not sign it again in Latin" in said


# --- every font embedded --------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["letter", "batch", "return"])
def test_every_font_on_every_page_is_an_embedded_truetype_font(kind):
    # given a letter of each kind of PDF
    letter = _letter(
        delivery=Letter.Delivery.RETURN_TO_ME if kind == "return" else Letter.Delivery.POST_FOR_ME
    )
    render = {
        "letter": pdf.render_letter_pdf,
        "batch": lambda one: pdf.render_batch_pdf([one, one]),
        "return": pdf.render_return_pdf,
    }[kind]

    # when it is rendered
    fonts = list(_fonts(render(letter)))

    # then every page's every font is embedded (FontFile2) and none is one of the standard 14
    # a printer would substitute
    assert fonts
    for page, font in fonts:
        base = str(font["/BaseFont"]).lstrip("/").split("+", 1)[-1]
        assert base not in STANDARD_14, f"page {page + 1} uses {base}"
        if font["/Subtype"] == "/Type0":
            continue  # its descendant carries the descriptor, and is checked too
        descriptor = font.get("/FontDescriptor")
        assert descriptor is not None, f"page {page + 1}: {base} has no descriptor"
        assert "/FontFile2" in descriptor.get_object(), f"page {page + 1}: {base} not embedded"
