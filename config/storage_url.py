"""LETTERBRIDGE_STORAGE_URL -> the STORAGES["private"] entry (batch PDFs, return packs, scans).

- unset or empty: the local file system under var/private (owner-only files and folders);
- ``file:///srv/letterbridge/private``: the local file system at that path;
- ``s3://KEY:SECRET@HOST:PORT/BUCKET[/PREFIX]?region=eu-west-2&secure=0``: an S3-compatible
  object store through django-storages (MinIO, moto, AWS). HOST may be left out for AWS itself
  (``s3://KEY:SECRET@/BUCKET?region=eu-west-2``), and KEY:SECRET too, for credentials from the
  host's role. Key and secret are percent-encoded where they hold ``/``, ``+`` or ``@``.

Objects are private either way: the file system backend has no URL at all and the S3 bucket is
written with a private ACL; the views that checked the permission stream them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

FILE_SYSTEM_BACKEND = "core.storage.PrivateFileSystemStorage"
S3_BACKEND = "storages.backends.s3.S3Storage"
SIGNED_URL_SECONDS = 60  # should a signed URL ever be handed out, it is short-lived


def private_storage(url: str, *, default_location: Path) -> dict[str, Any]:
    if not url:
        return _file_system(default_location)
    parts = urlsplit(url)
    if parts.scheme == "file":
        if parts.netloc or not parts.path:
            raise ImproperlyConfigured("LETTERBRIDGE_STORAGE_URL: write file:///absolute/path.")
        return _file_system(Path(unquote(parts.path)))
    if parts.scheme == "s3":
        return _s3(parts)
    raise ImproperlyConfigured(
        "LETTERBRIDGE_STORAGE_URL must start with file:/// or s3:// (see config/storage_url.py)."
    )


def _file_system(location: Path) -> dict[str, Any]:
    return {
        "BACKEND": FILE_SYSTEM_BACKEND,
        "OPTIONS": {
            "location": str(location),
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    }


def _s3(parts) -> dict[str, Any]:
    bucket, _, prefix = parts.path.lstrip("/").partition("/")
    if not bucket:
        raise ImproperlyConfigured("LETTERBRIDGE_STORAGE_URL: s3://KEY:SECRET@HOST:PORT/BUCKET.")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    secure = query.get("secure", "1").lower() not in ("0", "false", "no")
    options: dict[str, Any] = {
        "bucket_name": bucket,
        "location": prefix.strip("/"),
        "default_acl": "private",
        "querystring_auth": True,
        "querystring_expire": SIGNED_URL_SECONDS,
        "file_overwrite": False,
        "use_ssl": secure,
    }
    if parts.username:
        options["access_key"] = unquote(parts.username)
        options["secret_key"] = unquote(parts.password or "")
    if parts.hostname:
        host = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
        options["endpoint_url"] = f"{'https' if secure else 'http'}://{host}"
        options["addressing_style"] = "path"  # MinIO and other stand-ins: no bucket subdomains
    if "region" in query:
        options["region_name"] = query["region"]
    return {"BACKEND": S3_BACKEND, "OPTIONS": options}
