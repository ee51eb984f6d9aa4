"""Reading an e-mail as a person would: who wrote it, what they wrote (without the quoted
history, the signature or the markup), what they attached, and whether a machine sent it.

Standard library only for the message itself (``email.policy.default``, forgiving a damaged
header); python-docx and pypdf read letters sent as attachments. Nothing here touches the
database, and nothing here logs what it reads.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass, field
from email import errors, policy
from email.header import decode_header, make_header
from email.message import EmailMessage, Message, MIMEPart
from email.parser import BytesHeaderParser, BytesParser
from email.utils import parseaddr
from html.parser import HTMLParser
from typing import cast

# --- what a message is ------------------------------------------------------------------------


@dataclass
class Attachment:
    filename: str
    content_type: str
    content: bytes
    text: str = ""  # the letter read out of it (.docx, .pdf, .txt), if any
    unreadable: bool = False  # a document we could not read (old .doc, encrypted or broken)

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


@dataclass
class ParsedEmail:
    message_id: str = ""
    subject: str = ""
    sender_name: str = ""
    sender_email: str = ""
    in_reply_to: str = ""
    automatic: str = ""  # why a machine sent it: "auto_reply", "bounce", "mailing_list"
    encrypted: bool = False
    damaged: bool = False  # the part carrying the letter was garbled or cut off in transit
    forwarded: bool = False
    text: str = ""  # the letter: the body, or the text of an attached document
    note: str = ""  # the covering note, when the letter came as an attachment
    attachments: list[Attachment] = field(default_factory=list)


# A covering note shorter than this ("Please find my letter attached") gives way to the text of
# an attached document; a longer body is the letter itself.
COVERING_NOTE_CHARS = 400


def header_message_id(raw: bytes) -> str:
    """The Message-ID from the headers alone (cheap, never raises): the de-duplication key."""
    try:
        headers = BytesHeaderParser(policy=policy.compat32).parsebytes(raw[:65536])
        return " ".join(str(headers.get("Message-ID", "")).split())[:998]
    except Exception:  # noqa: BLE001  a header we cannot read is no key, not an error
        return ""


def loose_headers(raw: bytes) -> tuple[str, str, str]:
    """(subject, sender's name, sender's address) read the old, forgiving way (``compat32``),
    for a message the full reading broke on: enough for a person to know whose it is. Never
    raises; what cannot be read is ""."""
    try:
        headers = BytesHeaderParser(policy=policy.compat32).parsebytes(raw_headers(raw))
        subject = _clean_header(make_header(decode_header(str(headers.get("Subject", "")))))
        name, address = parseaddr(str(make_header(decode_header(str(headers.get("From", ""))))))
    except Exception:  # noqa: BLE001  a header we cannot read is left out, not an error
        return "", "", ""
    address = address.strip().lower()
    if not _PLAIN_ADDRESS.match(address):
        address = ""
    return subject, _clean_header(name), address


def raw_headers(raw: bytes, limit: int = 65536) -> bytes:
    """The header block of a raw message (up to the first blank line), at most ``limit``
    bytes: what is kept of a message too large to keep whole."""
    end = raw.find(b"\r\n\r\n")
    if end < 0:
        end = raw.find(b"\n\n")
    return raw[: end if 0 <= end < limit else limit]


class _ForgivingPolicy(policy.EmailPolicy):
    """``policy.default`` (EmailMessage objects: get_body, get_content, parsed headers), except
    that a header its parser fails on is read as the text it is. The standard library raises
    IndexError on an address list or a Message-ID cut off mid-way (a web form's mailer sends
    ``Reply-To: "Anna" <anna@example.org>, "Letters" <``): one damaged header then costs that
    header's structure (its address is found in the text, as for any odd header), not the
    whole message."""

    def header_fetch_parse(self, name, value):
        try:
            return super().header_fetch_parse(name, value)
        except Exception:  # noqa: BLE001  whatever the header parser raises on a damaged one
            return " ".join(value.split())


FORGIVING = _ForgivingPolicy()


def _message(raw: bytes) -> EmailMessage:
    # An EmailPolicy's parser builds EmailMessage objects; the stubs know it of policy.default.
    return cast(EmailMessage, BytesParser(policy=FORGIVING).parsebytes(raw))


def parse_headers(raw: bytes) -> EmailMessage:
    """Only the header block, as a message: enough to say who sent it and whether a machine
    did, for a message too large to read whole."""
    return _message(raw_headers(raw))


def parse_email(raw: bytes) -> ParsedEmail:
    message = _message(raw)
    parsed = ParsedEmail(
        message_id=" ".join(str(message.get("Message-ID", "")).split())[:998],
        subject=_clean_header(message.get("Subject", "")),
        in_reply_to=" ".join(str(message.get("In-Reply-To", "")).split())[:998],
    )
    parsed.sender_name, parsed.sender_email = sender_of(message)
    parsed.automatic = automatic_kind(message, parsed.sender_email, parsed.subject)
    if parsed.automatic:
        return parsed
    parsed.encrypted = message.get_content_type() in ("multipart/encrypted",) or any(
        part.get_content_type() == "application/pgp-encrypted" for part in message.walk()
    )
    body = _body_text(message)
    parsed.damaged = _body_damaged(message)
    if "-----BEGIN PGP MESSAGE-----" in body:
        parsed.encrypted = True
    if parsed.encrypted:
        return parsed
    parsed.attachments = list(_attachments(message))
    forwarded = _forwarded_message(message)
    body, fwd = strip_quoted(body)
    if fwd is None and forwarded is not None and len(body) < COVERING_NOTE_CHARS:
        # Forwarded as an attachment (message/rfc822): the letter is the message inside.
        inner_body, _inner_fwd = strip_quoted(_body_text(forwarded))
        fwd = Forwarded(
            sender=sender_of(forwarded), subject=_clean_header(forwarded.get("Subject", ""))
        )
        fwd.body = inner_body
        parsed.attachments += list(_attachments(forwarded))
    if fwd is not None:
        parsed.forwarded = True
        if fwd.sender[1]:
            parsed.sender_name, parsed.sender_email = fwd.sender
        if fwd.subject:
            parsed.subject = fwd.subject
        note, body = body, fwd.body
    else:
        note = ""
    documents = [a.text for a in parsed.attachments if a.text]
    if documents and len(body) < COVERING_NOTE_CHARS:
        parsed.note = "\n\n".join(part for part in (note, body) if part)
        parsed.text = "\n\n".join(documents)
    else:
        parsed.note, parsed.text = note, body
    return parsed


# --- headers ---------------------------------------------------------------------------------


def _clean_header(value) -> str:
    return " ".join(str(value or "").split())[:998]


_PLAIN_ADDRESS = re.compile(r"^[^\s<>\"@]+@[^\s<>\"@]+\.[^\s<>\"@]+$")
_ANY_ADDRESS = re.compile(r"[^\s<>\"'@]+@[^\s<>\"'@]+\.[^\s<>\"'@]+")


def sender_of(message: EmailMessage) -> tuple[str, str]:
    """The person to answer: Reply-To if given (a web form or a list sets it), else From.
    A display name and address encoded together in one encoded-word (some clients do) is
    taken apart again."""
    for name in ("Reply-To", "From"):
        header = message.get(name)
        if header is None:
            continue
        addresses = getattr(header, "addresses", None) or ()
        display, address = "", ""
        if addresses:
            display, address = addresses[0].display_name, addresses[0].addr_spec
        if not _PLAIN_ADDRESS.match(address or ""):
            found = _ANY_ADDRESS.findall(str(header))
            if not found:
                continue
            address = found[-1]
            display = str(header).split("<", 1)[0] if "<" in str(header) else ""
        return _clean_header(display.strip().strip('"')), address.strip().lower()
    return "", ""


_AUTO_SUBJECT = re.compile(
    r"^\s*(auto(matic)?[ -]?(reply|response|antwort)|out of (the )?office|abwesenheit|"
    r"réponse automatique|respuesta automática|risposta automatica|automatisch antwoord|"
    r"odpowiedź automatyczna|автоответ|автоматический ответ|i am (currently )?away|"
    r"on vacation|vacation reply)",
    re.I,
)
_BOUNCE_SUBJECT = re.compile(
    r"(undeliver(able|ed)|delivery (status notification|has failed|failure)|"
    r"mail delivery (failed|subsystem)|returned mail|failure notice|"
    r"не доставлено|недоставленное)",
    re.I,
)
_BOUNCE_SENDERS = ("mailer-daemon", "postmaster")


def automatic_kind(message: EmailMessage, sender_email: str, subject: str) -> str:
    """Whether a machine sent this (RFC 3834 and what mail systems really do): "bounce",
    "auto_reply", "mailing_list", or "" for a person."""
    local = sender_email.split("@", 1)[0]
    if (
        message.get_content_type() == "multipart/report"
        or local in _BOUNCE_SENDERS
        or _BOUNCE_SUBJECT.search(subject)
    ):
        return "bounce"
    if message.get("List-Id") is not None or message.get("List-Unsubscribe") is not None:
        return "mailing_list"
    auto_submitted = str(message.get("Auto-Submitted", "")).strip().lower()
    if auto_submitted and auto_submitted != "no":
        return "auto_reply"
    if any(message.get(h) is not None for h in ("X-Autoreply", "X-Autorespond", "X-Autoresponder")):
        return "auto_reply"
    precedence = str(message.get("Precedence", "")).strip().lower()
    if precedence in ("bulk", "junk", "auto_reply"):
        return "auto_reply"
    if _AUTO_SUBJECT.search(subject):
        return "auto_reply"
    if precedence == "list":
        return "mailing_list"
    return ""


# --- text ------------------------------------------------------------------------------------

_RUSSIAN_COMMON = set("оеаинтсрвлкмдпуяыь")


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """Text in whichever charset it really is: the declared one if it decodes cleanly, then
    UTF-8, then the Russian 8-bit charsets (windows-1251 or koi8-r, whichever reads as
    Russian), then Latin-1, which decodes anything."""
    for charset in (declared, "utf-8"):
        if not charset:
            continue
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    candidates = [data.decode(charset, errors="replace") for charset in ("cp1251", "koi8-r")]
    scores = [sum(ch in _RUSSIAN_COMMON for ch in text) for text in candidates]
    if max(scores) > len(data) // 10:
        return candidates[scores.index(max(scores))]
    return data.decode("latin-1")


def _payload(part: Message) -> bytes:
    """A leaf part's content, transfer-decoded (nothing for a part with none)."""
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _part_text(part: MIMEPart) -> str:
    """A text part's content; a wrong or unknown charset is worked out from the bytes."""
    payload = _payload(part)
    declared = part.get_content_charset()
    try:
        text = part.get_content()
    except (LookupError, UnicodeError, AssertionError):
        return decode_bytes(payload, declared)
    if isinstance(text, bytes):
        return decode_bytes(text, declared)
    if "\ufffd" in text:  # the declared charset was wrong: read the bytes again
        return decode_bytes(payload)
    return text


def _body_text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    text = _part_text(body)
    if body.get_content_subtype() == "html":
        text = html_to_text(text)
    return _normalise(text)


# What the e-mail library notes when a part's transfer encoding is broken: characters that are
# not base64 (garbled on the way), or base64 that stops short (the message was cut off).
_TRANSFER_DEFECTS = (
    errors.InvalidBase64CharactersDefect,
    errors.InvalidBase64PaddingDefect,
    errors.InvalidBase64LengthDefect,
)


# The transfer encodings the e-mail library decodes. Given any other (a garbled header such as
# `Content-Transfer-Encoding: "`), it hands over the body still encoded, base64 as letters.
_KNOWN_TRANSFERS = {
    "",
    "7bit",
    "8bit",
    "binary",
    "base64",
    "quoted-printable",
    "uuencode",
    "x-uuencode",
    "uue",
    "x-uue",
}


def _body_damaged(message: EmailMessage) -> bool:
    """Whether the letter's own part was damaged in transit (call after reading it: the
    library notes the defects as it decodes), or came in a transfer encoding nobody can
    decode. Its text would be garbled or cut short, so a person must look rather than a
    volunteer translate it."""
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return False
    transfer = str(body.get("Content-Transfer-Encoding", "")).strip().lower()
    return transfer not in _KNOWN_TRANSFERS or any(
        isinstance(d, _TRANSFER_DEFECTS) for d in body.defects
    )


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = text.replace("\u00a0", " ").replace("\u200b", "")
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


class _TextExtractor(HTMLParser):
    """HTML to plain text: block elements become line breaks, quoted blocks are marked with
    "> " as a plain-text client would, and scripts, styles and the head are dropped. Nothing
    is ever rendered: the output is text."""

    SKIP = {"script", "style", "head", "title", "template", "noscript", "svg"}
    BLOCK = {
        "p",
        "div",
        "br",
        "li",
        "tr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "hr",
        "table",
        "ul",
        "ol",
    }

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.skipping = 0
        self.quote = 0

    def _break(self) -> None:
        text = " ".join("".join(self.current).split())
        self.current = []
        prefix = "> " * self.quote
        self.lines.append(prefix + text if text else (prefix.rstrip() if self.quote else ""))

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCK:
            self._break()
            if tag == "blockquote":
                self.quote += 1

    def handle_startendtag(self, tag, attrs):
        if tag in self.BLOCK:
            self._break()

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCK:
            self._break()
            if tag == "blockquote":
                self.quote = max(0, self.quote - 1)

    def handle_data(self, data):
        if not self.skipping:
            self.current.append(data)

    def text(self) -> str:
        self._break()
        return re.sub(r"\n{3,}", "\n\n", "\n".join(self.lines)).strip()


def html_to_text(html: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    return extractor.text()


# --- quoted history, forwarded messages, signatures -------------------------------------------

_FORWARD_MARKERS = re.compile(
    r"^\s*(-{2,}\s*(forwarded message|original message|weitergeleitete nachricht|"
    r"message transféré|mensaje reenviado|messaggio inoltrato|doorgestuurd bericht|"
    r"пересылаемое сообщение|переслане повідомлення)\s*-{2,}|begin forwarded message:|"
    r"anfang der weitergeleiteten nachricht:|début du message réexpédié :?)\s*$",
    re.I,
)
_ATTRIBUTION = re.compile(
    r"^\s*(on .{4,200}wrote:|am .{4,200}schrieb .{1,200}:|le .{4,200}a écrit ?:|"
    r"el .{4,200}escribió:|il .{4,200}ha scritto:|op .{4,200}schreef .{1,200}:|"
    r".{4,200}(пишет|написал|написала|написал\(а\)|писал):|"
    r"-{2,}\s*original message\s*-{2,}|_{20,})\s*$",
    re.I,
)
_OUTLOOK_HEADER = re.compile(r"^\s*(from|von|de|od|от|від):\s.+$", re.I)
_OUTLOOK_NEXT = re.compile(r"^\s*(sent|gesendet|envoyé|enviado|wysłano|отправлено|date):", re.I)
_MOBILE_SIGNATURE = re.compile(
    r"^\s*(sent from my .{1,60}|sent from (outlook|mail|yahoo|proton).{0,60}|"
    r"get outlook for .{1,40}|von meinem .{1,60} gesendet|envoyé de mon .{1,60}|"
    r"enviado desde mi .{1,60}|inviato da .{1,60}|verzonden met .{1,60}|wysłane z .{1,60}|"
    r"отправлено с .{1,60}|надіслано з .{1,60}|sent with proton mail.{0,60})\s*$",
    re.I,
)
_FORWARD_HEADER = re.compile(
    r"^\s*(from|von|de|od|от|від|date|datum|sent|envoyé|fecha|data|дата|отправлено|"
    r"subject|betreff|objet|asunto|oggetto|onderwerp|temat|тема|to|an|à|para|a|aan|do|"
    r"кому|cc|копия|reply-to):\s?(.*)$",
    re.I,
)
_SENDER_HEADERS = {"from", "von", "de", "od", "от", "від"}
_SUBJECT_HEADERS = {
    "subject",
    "betreff",
    "objet",
    "asunto",
    "oggetto",
    "onderwerp",
    "temat",
    "тема",
}


@dataclass
class Forwarded:
    sender: tuple[str, str]
    subject: str
    body: str = ""


def strip_quoted(text: str) -> tuple[str, Forwarded | None]:
    """The words the person wrote in this message: without the history they replied above
    (quoted lines, "On … wrote:", Outlook's header block), and without their e-mail
    signature ("-- ", "Sent from my iPhone"). A forwarded message is returned apart, with
    its sender and subject, and its own body stripped the same way."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if _FORWARD_MARKERS.match(line) and not line.lower().strip("- ").startswith("original"):
            own, _none = strip_quoted("\n".join(lines[:index]))
            return own, _forwarded_block(lines[index + 1 :])
    kept: list[str] = []
    for index, line in enumerate(lines):
        if _ATTRIBUTION.match(line) or (
            _OUTLOOK_HEADER.match(line)
            and index + 1 < len(lines)
            and _OUTLOOK_NEXT.match(lines[index + 1])
        ):
            break
        if kept and _ATTRIBUTION.match(f"{kept[-1]} {line}"):
            kept.pop()  # an attribution wrapped over two lines
            break
        if line.rstrip() in ("--", "-- ", "—"):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line)
    while kept and (not kept[-1].strip() or _MOBILE_SIGNATURE.match(kept[-1])):
        kept.pop()
    return _normalise("\n".join(kept)), None


def _forwarded_block(lines: list[str]) -> Forwarded:
    """The header lines of a forwarded message (From:, Subject:, …, until a blank line
    after them), then its body."""
    sender: tuple[str, str] = ("", "")
    subject = ""
    index = 0
    while index < len(lines) and not lines[index].strip():
        index += 1
    while index < len(lines):
        match = _FORWARD_HEADER.match(lines[index])
        if not match:
            break
        name, value = match.group(1).lower(), match.group(2).strip()
        if name in _SENDER_HEADERS:
            display, address = parseaddr(value.replace("[mailto:", "<").replace("]", ">"))
            if "@" in address:
                sender = (display.strip('" '), address.lower())
        elif name in _SUBJECT_HEADERS:
            subject = value
        index += 1
    body, _inner = strip_quoted("\n".join(lines[index:]))
    return Forwarded(sender=sender, subject=_clean_header(subject), body=body)


def _forwarded_message(message: EmailMessage) -> EmailMessage | None:
    for part in message.walk():
        if part is not message and part.get_content_type() == "message/rfc822":
            inner = part.get_content()
            if isinstance(inner, EmailMessage):
                return inner
    return None


# --- attachments -----------------------------------------------------------------------------

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
UNREADABLE_DOCUMENTS = (".doc", ".odt", ".rtf", ".pages", ".wps")
MAX_PDF_PAGES = 40


def _attachments(message: EmailMessage):
    body = message.get_body(preferencelist=("plain", "html"))
    for part in message.walk():
        if part.is_multipart() or part is body or part.get_content_type() == "message/rfc822":
            continue
        filename = _clean_header(part.get_filename() or "")
        content_type = part.get_content_type()
        if not filename and not part.is_attachment() and content_type.startswith("text/"):
            continue  # the other alternative of the body (its HTML twin)
        if content_type in ("application/pgp-signature", "application/pkcs7-signature"):
            continue
        content = _payload(part)
        attachment = Attachment(
            filename=filename or "attachment", content_type=content_type, content=content
        )
        attachment.text, attachment.unreadable = extract_document_text(
            attachment.filename, content_type, content, part.get_content_charset()
        )
        yield attachment


def extract_document_text(
    filename: str, content_type: str, content: bytes, charset: str | None = None
) -> tuple[str, bool]:
    """The text of a letter sent as a document: (text, unreadable). Images and other files
    give ("", False): kept for the coordinator, not read."""
    name = filename.lower()
    try:
        if name.endswith(".txt") or content_type == "text/plain":
            return _normalise(decode_bytes(content, charset)), False
        if name.endswith(".docx") or content_type == DOCX:
            return _docx_text(content), False
        if name.endswith(".pdf") or content_type == "application/pdf":
            text = _pdf_text(content)
            return text, not text
    except Exception:  # noqa: BLE001  a broken document is a person's job, not a crash
        return "", True
    if name.endswith(UNREADABLE_DOCUMENTS) or content_type == "application/msword":
        return "", True
    return "", False


def _docx_text(content: bytes) -> str:
    import docx  # python-docx; imported here so parsing plain mail never loads lxml

    document = docx.Document(io.BytesIO(content))
    paragraphs = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            paragraphs.append(" ".join(cell.text for cell in row.cells))
    return _normalise("\n\n".join(paragraphs))


def _pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    if reader.is_encrypted and not reader.decrypt(""):
        return ""
    pages = [page.extract_text() or "" for page in reader.pages[:MAX_PDF_PAGES]]
    return _normalise("\n\n".join(pages))
