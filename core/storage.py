"""Private files (batch PDFs, return packs, reply scans) through Django's storage API.

The backend is STORAGES["private"] (config/storage_url.py: the file system under var/private,
or an S3 bucket). Contents are encrypted with core.crypto before the backend sees them, so
neither the disk nor the bucket holds a clear copy; object names are random and carry no
personal data. Nothing here checks permissions: views check them, then call ``response``.
"""

from __future__ import annotations

import io
import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.http import FileResponse, Http404

from . import crypto
from .http import private

ALIAS = "private"
logger = logging.getLogger(__name__)


class PrivateFileSystemStorage(FileSystemStorage):
    """The file system backend for private files: no public URL, whatever MEDIA_URL says."""

    def url(self, name):
        raise NotImplementedError("Private files have no URL: stream them through a view.")


def backend() -> Storage:
    return storages[ALIAS]


def _new_name(folder: str) -> str:
    return f"{folder}/{uuid.uuid4().hex}.enc"


def save(folder: str, content: bytes) -> str:
    """Encrypt ``content`` and store it under a new random name in ``folder``; returns the name."""
    return backend().save(_new_name(folder), ContentFile(crypto.fernet().encrypt(content)))


@contextmanager
def kept_if_successful() -> Iterator[Callable[[str, bytes], str]]:
    """Save through the yielded function (as ``save``) inside a block that records the names,
    usually in a transaction: if the block raises (the transaction rolled back), the objects it
    saved are deleted again, so a failed change leaves no file behind."""
    saved: list[str] = []

    def save_here(folder: str, content: bytes) -> str:
        saved.append(save(folder, content))
        return saved[-1]

    try:
        yield save_here
    except BaseException:
        for name in saved:
            delete(name)
        raise


def read(name: str) -> bytes:
    """The clear contents; FileNotFoundError when the object is gone."""
    with backend().open(name, "rb") as stored:
        return crypto.fernet().decrypt(stored.read())


def exists(name: str) -> bool:
    return bool(name) and backend().exists(name)


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
    return backend().save(_new_name(folder), ContentFile(token))


def response(name: str, *, filename: str, content_type: str, inline: bool = False) -> FileResponse:
    """Stream a private file to a person whose permission the view has already checked: never
    cached, never sniffed, downloaded under ``filename``. A file gone from the storage is a 404
    (and an error in the log), never a 500."""
    try:
        content = read(name)
    except FileNotFoundError as error:
        logger.error("private file missing from the storage name=%s", name)
        raise Http404 from error
    answer = FileResponse(
        io.BytesIO(content),
        as_attachment=not inline,
        filename=filename,
        content_type=content_type,
    )
    answer["X-Content-Type-Options"] = "nosniff"
    return private(answer)
