"""Checking an uploaded scan by what it is, not by what it is called: JPEG, PNG or PDF by its
first bytes, then opened (Pillow for images, pypdf for PDFs) so a truncated or disguised file
is refused with a message a coordinator understands. Nothing here touches the database."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PdfReadError

JPEG, PNG, PDF = "image/jpeg", "image/png", "application/pdf"
MAGIC = ((b"\xff\xd8\xff", JPEG), (b"\x89PNG\r\n\x1a\n", PNG), (b"%PDF-", PDF))
# An image larger than this (in pixels) is refused rather than decoded (a "zip bomb" image).
MAX_PIXELS = 80_000_000


class ScanError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Scan:
    name: str
    content: bytes
    content_type: str
    page_count: int


def _type_by_content(content: bytes) -> str | None:
    head = content[:1024]
    for magic, content_type in MAGIC:
        # A PDF may start with a few bytes of junk before its header; images may not.
        if head.startswith(magic) or (content_type == PDF and magic in head):
            return content_type
    return None


def _image_pages(content: bytes, name: str, expected: str) -> int:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise ScanError(_("“%(name)s” is too large an image to open.") % {"name": name})
                if Image.MIME.get(image.format or "") != expected:
                    raise ScanError(_("“%(name)s” is not a readable image.") % {"name": name})
                image.load()
    except ScanError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Warning) as error:
        raise ScanError(
            _("“%(name)s” looks like an image but cannot be opened; it may be damaged.")
            % {"name": name}
        ) from error
    return 1


def _pdf_pages(content: bytes, name: str) -> int:
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            raise ScanError(
                _("“%(name)s” is a password-protected PDF; save it without a password.")
                % {"name": name}
            )
        pages = len(reader.pages)
    except ScanError:
        raise
    except (PdfReadError, OSError, ValueError, KeyError, TypeError, RecursionError) as error:
        raise ScanError(
            _("“%(name)s” looks like a PDF but cannot be opened; it may be damaged.")
            % {"name": name}
        ) from error
    if pages < 1:
        raise ScanError(_("“%(name)s” is a PDF without pages.") % {"name": name})
    return pages


def scan_check(*, name: str, content: bytes) -> Scan:
    """The file as a scan of a reply, or ScanError saying what is wrong with it."""
    limit = settings.LETTERBRIDGE_REPLY_MAX_BYTES
    if not content:
        raise ScanError(_("“%(name)s” is empty.") % {"name": name})
    if len(content) > limit:
        raise ScanError(
            _("“%(name)s” is larger than %(limit)s. Scan it at a lower resolution.")
            % {"name": name, "limit": filesizeformat(limit)}
        )
    content_type = _type_by_content(content)
    if content_type is None:
        raise ScanError(
            _("“%(name)s” is not a JPEG, PNG or PDF file. Scan the reply as one of those.")
            % {"name": name}
        )
    if content_type == PDF:
        pages = _pdf_pages(content, name)
    else:
        pages = _image_pages(content, name, content_type)
    return Scan(name=name, content=content, content_type=content_type, page_count=pages)


def scans_check(files: list[tuple[str, bytes]]) -> list[Scan]:
    """Every file checked, and the pages counted together against the limit. Raises ScanError
    with every problem found, one per line, so a coordinator fixes them all at once."""
    if not files:
        raise ScanError(_("Choose the scanned pages of the reply."))
    scans, problems = [], []
    for name, content in files:
        try:
            scans.append(scan_check(name=name, content=content))
        except ScanError as error:
            problems.append(error.message)
    if problems:
        raise ScanError("\n".join(problems))
    pages = sum(scan.page_count for scan in scans)
    limit = settings.LETTERBRIDGE_REPLY_MAX_PAGES
    if pages > limit:
        raise ScanError(
            _("These files hold %(pages)d pages; a reply may have at most %(limit)d.")
            % {"pages": pages, "limit": limit}
        )
    return scans
