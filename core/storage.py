"""Private files (batch PDFs, return packs, reply scans) through Django's storage API.

The backend is STORAGES["private"] (config/storage_url.py: the file system under var/private,
or an S3 bucket). Contents are encrypted with core.crypto before the backend sees them, so
neither the disk nor the bucket holds a clear copy; object names are random and carry no
personal data. Nothing here checks permissions: views check them, then call ``response``.
"""

from __future__ import annotations

import io
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.http import FileResponse

from . import crypto
from .http import private

ALIAS = "private"


class PrivateFileSystemStorage(FileSystemStorage):
    """The file system backend for private files: no public URL, whatever MEDIA_URL says."""

    def url(self, name):
        raise NotImplementedError("Private files have no URL: stream them through a view.")


def backend() -> Storage:
    return storages[ALIAS]


def save(folder: str, content: bytes) -> str:
    """Encrypt ``content`` and store it under a new random name in ``folder``; returns the name."""
    name = f"{folder}/{uuid.uuid4().hex}.enc"
    return backend().save(name, ContentFile(crypto.fernet().encrypt(content)))


def read(name: str) -> bytes:
    """The clear contents; FileNotFoundError when the object is gone."""
    with backend().open(name, "rb") as stored:
        return crypto.fernet().decrypt(stored.read())


def delete(name: str) -> None:
    """Remove the object; a name that is empty or already gone is fine."""
    if name:
        backend().delete(name)


def rotate(name: str) -> str:
    """Store the object re-encrypted under the newest key under a new name, and return it. The
    caller points its row at the new name, then deletes the old object once that is committed."""
    folder = name.rpartition("/")[0]
    with backend().open(name, "rb") as stored:
        token = crypto.fernet().rotate(stored.read())
    return backend().save(f"{folder}/{uuid.uuid4().hex}.enc", ContentFile(token))


def response(name: str, *, filename: str, content_type: str, inline: bool = False) -> FileResponse:
    """Stream a private file to a person whose permission the view has already checked: never
    cached, never sniffed, downloaded under ``filename``."""
    answer = FileResponse(
        io.BytesIO(read(name)),
        as_attachment=not inline,
        filename=filename,
        content_type=content_type,
    )
    answer["X-Content-Type-Options"] = "nosniff"
    return private(answer)
