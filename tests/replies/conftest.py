"""Scans made on the spot (real JPEG, PNG and PDF bytes), posted letters, and a reply recorded
through the service. The storage fixtures come from tests/storage (file system and S3)."""

import io

import pytest
from PIL import Image
from pypdf import PdfWriter

from letters.models import Letter
from replies import services as replies_services
from replies.services import ReplyPart, replies_record
from tests.factories import CoordinatorFactory, LetterFactory, VolunteerFactory
from tests.storage.conftest import private_storage, s3_server  # noqa: F401  (fixtures)


def jpeg(width: int = 60, height: int = 80) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (240, 235, 220)).save(out, "JPEG")
    return out.getvalue()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("L", (40, 40), 200).save(out, "PNG")
    return out.getvalue()


def pdf(pages: int = 2) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def posted_letter(**fields) -> Letter:
    return LetterFactory(status=Letter.Status.POSTED, **fields)


def volunteer_in(*languages: str, review: bool = False):
    volunteer = VolunteerFactory()
    volunteer.volunteer_profile.languages = list(languages)
    volunteer.volunteer_profile.save()
    if review:
        from django.contrib.auth.models import Permission

        volunteer.user_permissions.add(Permission.objects.get(codename="review_reply"))
        volunteer = type(volunteer).objects.get(pk=volunteer.pk)
    return volunteer


def record(letter: Letter, files=None, coordinator=None):
    files = files or [("page1.jpg", jpeg()), ("page2.png", png())]
    (reply,) = replies_record(
        actor=coordinator or CoordinatorFactory(),
        files=files,
        parts=[ReplyPart(letter_id=letter.pk)],
    )
    return reply


@pytest.fixture
def letter(db):
    return posted_letter(supporter_name="Margaret Thistlewood", supporter_email="meg@example.org")


def approved_reply(letter, files=None, *, redact: str = ""):
    """A reply recorded, transcribed, translated, (optionally redacted) and approved."""
    reply = record(letter, files)
    translator = volunteer_in(letter.language)
    replies_services.reply_claim(reply_id=reply.pk, volunteer=translator)
    replies_services.reply_save_draft(
        reply_id=reply.pk,
        actor=translator,
        transcription="Дорогая Маргарет, спасибо! Привет от Иванова.",
        translation="Dear Margaret, thank you! Greetings from Ivanov.",
        base_version=0,
    )
    replies_services.reply_finish_transcription(reply_id=reply.pk, volunteer=translator)
    replies_services.reply_hand_in(reply_id=reply.pk, volunteer=translator)
    reviewer = CoordinatorFactory()
    if redact:
        replies_services.reply_redact(reply_id=reply.pk, reviewer=reviewer, phrases=[redact])
    return replies_services.reply_approve(reply_id=reply.pk, reviewer=reviewer)
