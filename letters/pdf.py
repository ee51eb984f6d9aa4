"""PDFs: the letter in Russian, its envelope in Russian postal order, a posting batch (every
letter, then every envelope in the same order), and the supporter's return pack.

A letter we post ends with where to reply (``LETTERBRIDGE_REPLY_ADDRESS``) and its number, so the
reply can be matched; with ``LETTERBRIDGE_REPLY_KIT`` each letter of a batch is followed by a
lined sheet for the answer and a label for a self-addressed envelope.

ReportLab with ParaType's PT Serif (letters) and PT Sans (envelopes, instructions): both cover
Cyrillic and come from pip packages, so no system font is needed, and every font is embedded
(none of PDF's standard 14, which a printer may substitute). Paths can be overridden in settings
(``LETTERBRIDGE_PDF_FONT_*``). Rendering reads the database only through the objects passed in;
callers load them with the related prisoner.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Sequence
from datetime import date
from functools import cache
from importlib import resources
from types import ModuleType
from xml.sax.saxutils import escape

import fontpkg_pt_sans
import fontpkg_pt_serif
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
)

from prisoners.models import PrisonAddress, Prisoner
from prisoners.selectors import prisoner_current_address

from .models import Letter
from .selectors import letter_translation_skipped

SERIF, SERIF_BOLD, SANS, SANS_BOLD = "serif", "serif-bold", "sans", "sans-bold"

ENVELOPES = {"DL": (220 * mm, 110 * mm), "C5": (229 * mm, 162 * mm)}

# "Written in English" needs the language in the prepositional case.
LANGUAGE_PREPOSITIONAL_RU = {
    "en": "английском",
    "de": "немецком",
    "fr": "французском",
    "es": "испанском",
    "it": "итальянском",
    "nl": "нидерландском",
    "pl": "польском",
    "uk": "украинском",
}
MONTHS_GENITIVE_RU = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
]
GREY = colors.HexColor("#555555")


class PdfError(Exception):
    """A letter that cannot be printed (no address, text erased)."""


def _default_font(package: ModuleType, filename: str) -> str:
    return str(resources.files(package) / "files" / filename)


@cache
def register_fonts() -> dict[str, str]:
    """Register the four faces once per process; returns role -> ReportLab font name. The name
    includes the file's path, so a font changed in settings is registered anew."""
    faces = {
        SERIF: (settings.LETTERBRIDGE_PDF_FONT_SERIF, fontpkg_pt_serif, "PT_Serif-Web-Regular"),
        SERIF_BOLD: (
            settings.LETTERBRIDGE_PDF_FONT_SERIF_BOLD,
            fontpkg_pt_serif,
            "PT_Serif-Web-Bold",
        ),
        SANS: (settings.LETTERBRIDGE_PDF_FONT_SANS, fontpkg_pt_sans, "PT_Sans-Web-Regular"),
        SANS_BOLD: (settings.LETTERBRIDGE_PDF_FONT_SANS_BOLD, fontpkg_pt_sans, "PT_Sans-Web-Bold"),
    }
    names = {}
    for role, (override, package, stem) in faces.items():
        path = override or _default_font(package, f"{stem}.ttf")
        name = f"{role}-{hashlib.sha256(path.encode()).hexdigest()[:10]}"
        pdfmetrics.registerFont(TTFont(name, path))
        names[role] = name
    return names


def _styles() -> dict[str, ParagraphStyle]:
    f = register_fonts()
    body = ParagraphStyle("body", fontName=f[SERIF], fontSize=11.5, leading=16, spaceAfter=7)
    return {
        "body": body,
        "to": ParagraphStyle("to", parent=body, fontName=f[SERIF_BOLD], spaceAfter=2),
        "date": ParagraphStyle("date", parent=body, alignment=TA_RIGHT, spaceAfter=14),
        "signature": ParagraphStyle("sig", parent=body, alignment=TA_RIGHT, spaceBefore=10),
        "note": ParagraphStyle(
            "note", parent=body, fontName=f[SANS], fontSize=8.5, leading=11, textColor=GREY
        ),
        "h1": ParagraphStyle("h1", fontName=f[SANS_BOLD], fontSize=16, leading=20, spaceAfter=8),
        "h2": ParagraphStyle(
            "h2", fontName=f[SANS_BOLD], fontSize=12, leading=15, spaceBefore=8, spaceAfter=4
        ),
        "text": ParagraphStyle("text", fontName=f[SANS], fontSize=10.5, leading=14.5, spaceAfter=5),
        "address": ParagraphStyle("address", fontName=f[SANS], fontSize=14, leading=19),
        "address_bold": ParagraphStyle("address_b", fontName=f[SANS_BOLD], fontSize=14, leading=19),
        "reply": ParagraphStyle("reply", fontName=f[SANS], fontSize=10, leading=13.5, spaceAfter=3),
        "sheet_heading": ParagraphStyle(
            "sheet_h", fontName=f[SANS_BOLD], fontSize=14, leading=18, spaceAfter=2
        ),
    }


def date_ru(day: date) -> str:
    return f"{day.day} {MONTHS_GENITIVE_RU[day.month - 1]} {day.year} г."


def _paragraphs(text: str) -> list[str]:
    """Blank lines separate paragraphs; single line breaks are kept."""
    blocks = [b.strip() for b in text.replace("\r\n", "\n").split("\n\n")]
    return [escape(b).replace("\n", "<br/>") for b in blocks if b]


def _address_for(letter: Letter) -> PrisonAddress:
    address = prisoner_current_address(prisoner=letter.prisoner)
    if address is None:
        raise PdfError(f"{letter.reference}: the prisoner has no current address.")
    address.prisoner = letter.prisoner
    return address


def _letter_story(
    letter: Letter, styles: dict[str, ParagraphStyle], *, day: date, kit: bool = False
) -> list:
    if letter.texts_erased_at is not None or not letter.translation.strip():
        raise PdfError(f"{letter.reference}: there is no translation to print.")
    story: list = [
        Paragraph(escape(letter.prisoner.recipient_line_ru), styles["to"]),
        Paragraph(date_ru(day), styles["date"]),
    ]
    story += [Paragraph(p, styles["body"]) for p in _paragraphs(letter.translation)]
    # Signed once, in Cyrillic, as the translator confirmed it: never the name in Latin letters.
    if letter.signature_ru:
        story.append(Paragraph(escape(letter.signature_ru), styles["signature"]))
    language = LANGUAGE_PREPOSITIONAL_RU.get(letter.language)
    if language:
        note = (
            f"Письмо написано на {language} языке и переведено на русский "
            f"волонтёрами {escape(settings.LETTERBRIDGE_ORGANISATION_NAME)}."
        )
        story += [Spacer(1, 8 * mm), Paragraph(note, styles["note"])]
    if letter.delivery == Letter.Delivery.POST_FOR_ME:
        story += _reply_block(letter, styles, kit=kit)
    return story


def reply_address_lines() -> list[str]:
    """The organisation's address for replies, one row a line, the addressee first."""
    return [
        line.strip() for line in settings.LETTERBRIDGE_REPLY_ADDRESS.splitlines() if line.strip()
    ]


def reply_kit_on() -> bool:
    """Whether batches carry the reply kit: the setting, and an address to put on it."""
    return settings.LETTERBRIDGE_REPLY_KIT and bool(reply_address_lines())


def _reply_block(letter: Letter, styles: dict[str, ParagraphStyle], *, kit: bool) -> list:
    """Where to reply and the number to quote, in plain Russian; nothing without an address.
    The number is called what it is, so a censor does not take it for a code."""
    lines = reply_address_lines()
    if not lines:
        return []
    enclosed = " К этому письму приложены чистый лист и конверт с нашим адресом." if kit else ""
    bold = register_fonts()[SANS_BOLD]
    address = "<br/>".join(f"&nbsp;&nbsp;&nbsp;&nbsp;{escape(line)}" for line in lines)
    # One paragraph, not five: a batch has hundreds of letters, and each flowable costs layout.
    text = (
        f'<font name="{bold}">Как ответить</font><br/>'
        "Если захотите ответить, отправьте письмо по адресу ниже. Мы переведём Ваш ответ и "
        f"перешлём его автору письма.{enclosed}<br/>"
        f'<font name="{bold}">{address}</font><br/>'
        f"В ответе укажите номер письма: {escape(letter.reference)}. Пишите, пожалуйста, "
        "разборчиво, лучше печатными буквами."
    )
    return [Spacer(1, 5 * mm), KeepTogether([Paragraph(text, styles["reply"])])]


class Envelope(Flowable):
    """One envelope face filling the page: the sender top left, the recipient bottom right,
    each in Russian Post's order (Кому, Куда, index), the country last in capitals."""

    def __init__(self, address_lines: Sequence[str], return_lines: Sequence[str], size):
        super().__init__()
        self.address_lines = list(address_lines)
        self.return_lines = list(return_lines)
        self.width, self.height = size

    def wrap(self, available_width, available_height):
        return self.width, self.height

    def draw(self):
        canvas: Canvas = self.canv
        f = register_fonts()
        w, h = self.width, self.height
        margin = 10 * mm
        # Sender
        canvas.setFillColor(GREY)
        canvas.setFont(f[SANS], 7.5)
        y = h - margin
        canvas.drawString(margin, y, "От кого / From:")
        canvas.setFillColor(colors.black)
        canvas.setFont(f[SANS], 9)
        for line in self.return_lines:
            y -= 11
            canvas.drawString(margin, y, line)
        # Recipient: recipient line, then Куда (facility, street, city, region), index, country.
        *recipient, index, country = self.address_lines
        name, *where = recipient
        left = w * 0.42
        block_width = w - left - margin
        size, leading = 11.5, 14.5
        rows: list[tuple[str, str, float, colors.Color]] = [("Кому:", f[SANS], 7.5, GREY)]
        rows += [
            (part, f[SANS_BOLD], size, colors.black) for part in _wrap(name, block_width, size)
        ]
        rows.append(("Куда:", f[SANS], 7.5, GREY))
        for line in where:
            rows += [(part, f[SANS], size, colors.black) for part in _wrap(line, block_width, size)]
        rows.append((index, f[SANS_BOLD], 15, colors.black))
        rows.append((country, f[SANS_BOLD], size, colors.black))
        y = margin + 2 * mm + leading * (len(rows) - 1)
        for text, font, font_size, colour in rows:
            canvas.setFont(font, font_size)
            canvas.setFillColor(colour)
            canvas.drawString(left, y, text)
            y -= leading
        canvas.setFillColor(colors.black)


class ReplySheet(Flowable):
    """A lined sheet for the prisoner's answer, filling the rest of the page under its heading."""

    def __init__(self, spacing: float = 9 * mm):
        super().__init__()
        self.spacing = spacing

    def wrap(self, available_width, available_height):
        self.width, self.height = available_width, available_height - 1
        return self.width, self.height

    def draw(self):
        canvas: Canvas = self.canv
        canvas.saveState()
        canvas.setStrokeColor(colors.HexColor("#b8b8b8"))
        canvas.setLineWidth(0.4)
        y = self.height - self.spacing
        while y >= 0:
            canvas.line(0, y, self.width, y)
            y -= self.spacing
        canvas.restoreState()


REPLY_LABEL = (140 * mm, 90 * mm)  # fits a DL (220 x 110) or C6 (162 x 114) envelope


class ReplyLabel(Flowable):
    """A label to cut out and stick on the reply envelope, in Russian Post's layout: the
    prisoner as sender top left (От кого, Откуда), our reply address bottom right (Кому, Куда)."""

    def __init__(self, sender_lines: Sequence[str], recipient_lines: Sequence[str]):
        super().__init__()
        self.sender_lines = list(sender_lines)
        self.recipient_lines = list(recipient_lines)
        self.width, self.height = REPLY_LABEL

    def wrap(self, available_width, available_height):
        return self.width, self.height

    def draw(self):
        canvas: Canvas = self.canv
        f = register_fonts()
        w, h = self.width, self.height
        margin = 6 * mm
        canvas.saveState()
        canvas.setDash(4, 3)
        canvas.setStrokeColor(GREY)
        canvas.setLineWidth(0.6)
        canvas.rect(0, 0, w, h)
        canvas.setDash()
        # Sender, top left: От кого (name), Откуда (facility to index, the country last).
        name, *where = self.sender_lines
        width = w * 0.6 - margin
        rows: list[tuple[str, str, float, colors.Color]] = [("От кого:", f[SANS], 7, GREY)]
        rows += [(part, f[SANS], 9, colors.black) for part in _wrap(name, width, 9)]
        rows.append(("Откуда:", f[SANS], 7, GREY))
        for line in where:
            rows += [(part, f[SANS], 9, colors.black) for part in _wrap(line, width, 9)]
        y = h - margin - 7
        for text, font, size, colour in rows:
            canvas.setFont(font, size)
            canvas.setFillColor(colour)
            canvas.drawString(margin, y, text)
            y -= 10.5
        # Recipient, bottom right: Кому (the addressee), Куда (the rest of the address).
        addressee, *place = self.recipient_lines or [""]
        left = w * 0.4
        width = w - left - margin
        rows = [("Кому:", f[SANS], 7, GREY)]
        rows += [(part, f[SANS_BOLD], 11, colors.black) for part in _wrap(addressee, width, 11)]
        rows.append(("Куда:", f[SANS], 7, GREY))
        for line in place:
            rows += [(part, f[SANS], 11, colors.black) for part in _wrap(line, width, 11)]
        leading = 13.5
        y = margin + leading * (len(rows) - 1)
        for text, font, size, colour in rows:
            canvas.setFont(font, size)
            canvas.setFillColor(colour)
            canvas.drawString(left, y, text)
            y -= leading
        canvas.restoreState()


def _reply_sender_lines(prisoner: Prisoner, address: PrisonAddress) -> list[str]:
    """The prisoner as the sender of their reply: the name in the nominative, then where they
    are, index and country last."""
    name = prisoner.name_ru
    if prisoner.birth_year:
        name = f"{name}, {prisoner.birth_year} г.р."
    where = [address.facility, address.street, address.city, address.region]
    return [name, *(part for part in where if part), address.postal_index, address.country_ru]


def _reply_kit(letter: Letter, address: PrisonAddress, styles: dict[str, ParagraphStyle]) -> list:
    """Two A4 pages after the letter: the lined sheet headed with the letter's number, and the
    envelope label with a note to whoever packs the letter (cut away with the rest)."""
    sheet = [
        PageBreak(),
        Paragraph(
            f"Лист для ответа на письмо № {escape(letter.reference)}", styles["sheet_heading"]
        ),
        Paragraph(
            "Пишите, пожалуйста, разборчиво, лучше печатными буквами. Мы переведём Ваш ответ и "
            "перешлём его автору письма.",
            styles["reply"],
        ),
        Spacer(1, 2 * mm),
        ReplySheet(),
    ]
    label = [
        PageBreak(),
        ReplyLabel(_reply_sender_lines(letter.prisoner, address), reply_address_lines()),
        Spacer(1, 5 * mm),
        Paragraph(
            escape(
                _(
                    "Reply envelope for %(reference)s: cut the label out along the dashed line, "
                    "stick it on a blank envelope and put the envelope, folded if need be, and "
                    "the lined sheet in with the letter."
                )
                % {"reference": letter.reference}
            ),
            styles["note"],
        ),
    ]
    return sheet + label


def _wrap(text: str, width: float, size: float) -> list[str]:
    from reportlab.lib.utils import simpleSplit

    return simpleSplit(text, register_fonts()[SANS_BOLD], size, width) or [""]


def envelope_size() -> tuple[float, float]:
    return ENVELOPES.get(settings.LETTERBRIDGE_ENVELOPE, ENVELOPES["DL"])


class _Document(BaseDocTemplate):
    """A4 pages for letters, envelope-sized pages for envelopes, switched per flowable."""

    def __init__(self, buffer, *, title: str):
        super().__init__(
            buffer,
            pagesize=A4,
            # The canvas otherwise starts every page in Helvetica, a font it does not embed.
            initialFontName=register_fonts()[SANS],
            title=title,
            author=settings.LETTERBRIDGE_ORGANISATION_NAME,
            creator="Letterbridge",
            leftMargin=22 * mm,
            rightMargin=22 * mm,
            topMargin=20 * mm,
            bottomMargin=20 * mm,
            pageCompression=1,
        )
        self.footer = ""
        env_w, env_h = envelope_size()
        a4 = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="a4")
        envelope = Frame(0, 0, env_w, env_h, 0, 0, 0, 0, id="envelope")
        self.addPageTemplates(
            [
                PageTemplate(id="a4", frames=[a4], pagesize=A4, onPageEnd=self._footer),
                PageTemplate(id="envelope", frames=[envelope], pagesize=(env_w, env_h)),
            ]
        )

    def _footer(self, canvas: Canvas, doc) -> None:
        if not self.footer:
            return
        canvas.saveState()
        canvas.setFont(register_fonts()[SANS], 7.5)
        canvas.setFillColor(GREY)
        canvas.drawRightString(A4[0] - 22 * mm, 10 * mm, f"{self.footer} · {doc.page}")
        canvas.restoreState()


class _Footer(Flowable):
    """Sets the reference printed at the foot of the following pages."""

    def __init__(self, text: str):
        super().__init__()
        self.text = text
        self.width = self.height = 0

    def wrap(self, *args):
        return 0, 0

    def draw(self):
        # The document being built: reportlab sets it on the canvas; its stubs do not say so.
        self.canv._doctemplate.footer = self.text  # type: ignore[attr-defined]


class _Bookmark(Flowable):
    """An entry in the PDF's outline (the viewer's sidebar) pointing at the page it lands on,
    so a coordinator finds letter 12 and envelope 12 of a batch."""

    def __init__(self, key: str, title: str, *, level: int = 0):
        super().__init__()
        self.key, self.title, self.level = key, title, level
        self.width = self.height = 0

    def wrap(self, *args):
        return 0, 0

    def draw(self):
        self.canv.bookmarkPage(self.key)
        self.canv.addOutlineEntry(self.title, self.key, level=self.level)
        self.canv.showOutline()


def return_address_lines() -> list[str]:
    return [line.strip() for line in settings.LETTERBRIDGE_RETURN_ADDRESS if line.strip()]


def _build(story: list, *, title: str) -> bytes:
    register_fonts()
    buffer = io.BytesIO()
    _Document(buffer, title=title).build(story)
    return buffer.getvalue()


def _envelope(address: PrisonAddress) -> Envelope:
    return Envelope(address.lines_ru(), return_address_lines(), envelope_size())


def render_letter_pdf(letter: Letter, *, day: date | None = None) -> bytes:
    """One letter in Russian followed by its envelope."""
    address = _address_for(letter)
    story: list = [_Footer(letter.reference)]
    story += _letter_story(letter, _styles(), day=day or timezone.localdate())
    story += [NextPageTemplate("envelope"), PageBreak(), _Footer(""), _envelope(address)]
    return _build(story, title=f"{letter.reference}")


def render_batch_pdf(
    letters: Iterable[Letter],
    *,
    day: date | None = None,
    addresses: dict[int, PrisonAddress] | None = None,
) -> bytes:
    """A posting batch: every letter (A4) in the order given, then every envelope in the same
    order, so the printer changes paper once, not on every page. With the reply kit on, each
    letter is followed by its lined sheet and envelope label (A4 too). ``addresses`` (prisoner
    id -> address) skips looking each one up."""
    letters = list(letters)
    if not letters:
        raise PdfError("The batch has no letters.")
    styles = _styles()
    day = day or timezone.localdate()
    addresses = addresses or {}
    envelopes = [addresses.get(letter.prisoner_id) or _address_for(letter) for letter in letters]
    kit = reply_kit_on()
    story: list = [_Bookmark("letters", _("Letters"))]
    for number, (letter, address) in enumerate(zip(letters, envelopes, strict=True), start=1):
        if number > 1:
            story.append(PageBreak())
        story += [
            _Bookmark(f"letter-{number}", f"{number}. {letter.reference}", level=1),
            _Footer(letter.reference),
            *_letter_story(letter, styles, day=day, kit=kit),
        ]
        if kit:
            story += _reply_kit(letter, address, styles)
    story += [
        NextPageTemplate("envelope"),
        PageBreak(),
        _Footer(""),
        _Bookmark("envelopes", _("Envelopes")),
    ]
    for number, (letter, address) in enumerate(zip(letters, envelopes, strict=True), start=1):
        if number > 1:
            story.append(PageBreak())
        story += [
            _Bookmark(f"envelope-{number}", f"{number}. {letter.reference}", level=1),
            _envelope(address),
        ]
    return _build(story, title="Letterbridge posting batch")


def _return_intro(letter: Letter) -> str:
    """What the pack says the letter is: a translation, or the letter as written when a
    coordinator found it needs none (it is in Russian, or the prisoner reads its language)."""
    if not letter_translation_skipped(letter=letter):
        return _(
            "Here is your letter translated into Russian, ready to post. Prisons in "
            "Russia accept only letters in Russian, and the censor reads each one."
        )
    if letter.language == "ru":
        return _(
            "Here is your letter as you wrote it, in Russian, ready to post. The prison "
            "censor reads each letter."
        )
    return _(
        "Here is your letter as you wrote it, ready to post: the prisoner reads its "
        "language, so it needs no translation. The prison censor reads each letter, and one "
        "not in Russian may take longer to reach them."
    )


def render_return_pdf(letter: Letter) -> bytes:
    """The supporter's pack for a ``return_to_me`` letter: how to post it from abroad (in the
    supporter's language), the letter in Russian, and the address sheet to copy or glue on."""
    styles = _styles()
    address = _address_for(letter)
    lines = address.lines_ru()
    with translation.override(letter.locale):
        intro = [
            _Footer(letter.reference),
            Paragraph(
                escape(_("Your letter to %(name)s") % {"name": letter.prisoner.addressee_name()}),
                styles["h1"],
            ),
            Paragraph(escape(_return_intro(letter)), styles["text"]),
            Paragraph(escape(_("How to post it from abroad")), styles["h2"]),
        ]
        steps = [
            _(
                "Print the letter (from page 2 up to the address sheet) on plain white paper. "
                "Do not add anything."
            ),
        ]
        if letter.signature_ru:
            steps.append(
                _(
                    "The letter is signed “%(signature)s”: your name in Russian letters. Do not "
                    "sign it again in Latin letters; the censor may take foreign words for a code."
                )
                % {"signature": letter.signature_ru}
            )
        if not letter.prisoner.birth_year:
            # Russian prisons file letters by full name and year of birth: without it the
            # letter may be returned, so the supporter is told before posting, not after.
            steps.append(
                _(
                    "We do not know the year of birth of %(name)s, and Russian prisons need it "
                    "on the envelope. If you know it, add it after the name on the first line of "
                    "the address, for example “…, 1980 г.р.”. If you do not, post it as it is."
                )
                # In the reader's script and the nominative: a name in brackets in Russian.
                % {"name": letter.prisoner.local_name()}
            )
        steps += [
            _(
                "Address an envelope exactly as on the address sheet, in Russian, line by line "
                "in the same order. You may cut the sheet out and glue it on. Keep the last line "
                "“RUSSIA / РОССИЯ” in capitals so your post office routes it."
            ),
            _("Write your own name and address in the top left corner (Latin letters are fine)."),
            _(
                "Buy an international letter stamp at the post office (an ordinary letter up to "
                "20 g). Registered post is not needed and can delay it."
            ),
            _(
                "Do not send money, stamps, photos with other people, or printed articles: the "
                "censor may withhold the whole letter."
            ),
            _(
                "Letters to Russia take one to three months. A reply, if it comes, will be in "
                "Russian."
            ),
        ]
        intro += [
            Paragraph(f"{number}. {escape(step)}", styles["text"])
            for number, step in enumerate(steps, start=1)
        ]
        sheet_title = _("Address sheet")
        one_line_label = _("On one line (for forms):")
    story = intro + [PageBreak()]
    story += _letter_story(letter, styles, day=timezone.localdate())
    story += [PageBreak(), Paragraph(escape(sheet_title), styles["h2"]), Spacer(1, 6 * mm)]
    *recipient, index, country = lines
    sheet: list[Flowable] = [
        Paragraph("Кому:", styles["note"]),
        Paragraph(escape(recipient[0]), styles["address_bold"]),
    ]
    sheet.append(Paragraph("Куда:", styles["note"]))
    sheet += [Paragraph(escape(line), styles["address"]) for line in recipient[1:]]
    sheet += [
        Paragraph(escape(index), styles["address_bold"]),
        Paragraph(escape(country), styles["address_bold"]),
        Spacer(1, 10 * mm),
        Paragraph(escape(one_line_label), styles["note"]),
        Paragraph(escape(address.one_line_ru()), styles["text"]),
    ]
    story += [CondPageBreak(90 * mm), KeepTogether(sheet)]
    return _build(story, title=f"{letter.reference}")
