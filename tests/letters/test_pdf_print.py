"""The PDFs as a printer and a censor meet them: one signature, in Cyrillic; every font embedded;
a batch printed as all its letters, then all its envelopes in the same order."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from letters import pdf
from letters.models import Letter, PostingBatch, PostingBatchDocument
from prisoners.models import PrisonAddress
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


def _mm(value: float) -> int:
    return round(float(value) / 72 * 25.4)


def _page_sizes_mm(content: bytes) -> list[tuple[int, int]]:
    return [
        (_mm(page.mediabox.width), _mm(page.mediabox.height)) for page in _reader(content).pages
    ]


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


# --- a batch: the letters, then the envelopes -------------------------------------------------


def test_a_batch_prints_every_letter_then_every_envelope_in_the_same_order():
    # given three letters, the second long enough for two pages, to three addresses
    letters = [
        _letter(signature_ru="Анна"),
        _letter(signature_ru="Йонас", translation="\n\n".join([TRANSLATION] * 15)),
        _letter(signature_ru="Маргарет"),
    ]
    for n, letter in enumerate(letters):
        PrisonAddress.objects.filter(prisoner=letter.prisoner).update(postal_index=f"60000{n}")

    # when the batch is rendered
    content = pdf.render_batch_pdf(letters)

    # then four A4 letter pages come first, then the three envelopes (DL)
    assert _page_sizes_mm(content) == [(210, 297)] * 4 + [(220, 110)] * 3
    pages = _pages_text(content)
    # the letters in the order given, the second on two pages, each page with its reference
    assert "Анна" in pages[0] and letters[0].reference in pages[0]
    assert letters[1].reference in pages[1] and letters[1].reference in pages[2]
    assert "Йонас" in pages[2] and "Йонас" not in pages[1]
    assert "Маргарет" in pages[3]
    # and the envelopes in the same order
    for n in range(3):
        assert f"60000{n}" in pages[4 + n]
        assert all(f"60000{m}" not in pages[4 + n] for m in range(3) if m != n)


def test_a_batch_outline_points_at_each_letter_and_its_envelope():
    # given a batch of two letters
    letters = [_letter(), _letter()]

    # when it is rendered
    reader = _reader(pdf.render_batch_pdf(letters))

    # then the viewer's sidebar lists the letters and the envelopes, numbered alike
    letters_entry, letter_items, envelopes_entry, envelope_items = reader.outline
    assert (letters_entry.title, envelopes_entry.title) == ("Letters", "Envelopes")
    assert [item.title for item in letter_items] == [
        f"{n}. {letter.reference}" for n, letter in enumerate(letters, start=1)
    ]
    assert [item.title for item in envelope_items] == [item.title for item in letter_items]
    assert [reader.get_destination_page_number(i) for i in letter_items] == [0, 1]
    assert [reader.get_destination_page_number(i) for i in envelope_items] == [2, 3]


def test_batch_page_says_the_envelopes_come_after_the_letters(client, coordinator):
    batch = PostingBatch.objects.create(created_by=coordinator)
    PostingBatchDocument.objects.create(batch=batch, file_name="batches/0.enc", letter_count=3)
    client.force_login(coordinator)

    page = client.get(reverse("letters_coordination:batch", args=[batch.pk])).content.decode()

    assert "First every letter on A4, then the envelopes in the same order" in page
    assert "the last 3 pages" in page


def test_an_empty_batch_cannot_be_printed():
    with pytest.raises(pdf.PdfError):
        pdf.render_batch_pdf([])


def test_the_return_pack_says_when_the_year_of_birth_is_unknown():
    # given a return_to_me letter to a prisoner whose year of birth we do not know
    letter = _letter(delivery=Letter.Delivery.RETURN_TO_ME)
    letter.prisoner.birth_year = None
    letter.prisoner.save(update_fields=["birth_year"])

    # when the supporter's pack is rendered
    instructions = " ".join(_pages_text(pdf.render_return_pdf(letter))[0].split())

    # then the supporter is told plainly that it is missing and where to add it
    assert "We do not know the year of birth of" in instructions
    assert "г.р." in instructions


def test_the_return_pack_does_not_warn_when_the_year_of_birth_is_known():
    # given a letter to a prisoner whose year of birth we know
    letter = _letter(delivery=Letter.Delivery.RETURN_TO_ME)
    letter.prisoner.birth_year = 1975
    letter.prisoner.save(update_fields=["birth_year"])

    # when the pack is rendered
    instructions = " ".join(_pages_text(pdf.render_return_pdf(letter))[0].split())

    # then no warning
    assert "We do not know the year of birth" not in instructions


def test_a_russian_readers_pack_names_the_prisoner_in_cyrillic_when_the_year_is_unknown():
    # given a supporter who reads Russian, writing to a prisoner whose year of birth we lack
    letter = _letter(delivery=Letter.Delivery.RETURN_TO_ME, locale="ru")
    letter.prisoner.birth_year = None
    letter.prisoner.save(update_fields=["birth_year"])

    # when their pack is rendered
    instructions = " ".join(_pages_text(pdf.render_return_pdf(letter))[0].split())

    # then it says so in Russian, the name in the nominative in brackets (not the dative)
    assert f"Мы не знаем год рождения адресата ({letter.prisoner.name_ru})" in instructions
    assert letter.prisoner.name_ru_dative not in instructions.split("адресата (")[1][:80]
