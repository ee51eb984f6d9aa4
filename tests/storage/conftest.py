"""The private storage under test, once on the file system and once on an S3 server on loopback
(moto's server mode: a real HTTP S3 endpoint that botocore talks to as it would to MinIO or AWS).
Every test that takes ``private_storage`` runs on both."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from config.storage_url import private_storage as storage_settings

REGION = "eu-west-2"


@dataclass
class PrivateStorage:
    kind: str
    raw: Callable[[str], bytes]  # the bytes the backend holds, read around Django
    names: Callable[[], list[str]]  # every object the backend holds


@pytest.fixture(scope="session")
def s3_server():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"{host}:{port}"
    server.stop()


@pytest.fixture(params=["filesystem", "s3"])
def private_storage(request, settings, tmp_path) -> PrivateStorage:
    if request.param == "filesystem":
        root = tmp_path / "private"
        url = f"file://{root}"

        def raw(name: str) -> bytes:
            return (root / name).read_bytes()

        def names() -> list[str]:
            found = root.rglob("*") if root.exists() else []
            return sorted(str(path.relative_to(root)) for path in found if path.is_file())

    else:
        address = request.getfixturevalue("s3_server")
        bucket = f"letterbridge-{uuid.uuid4().hex[:12]}"
        client = boto3.client(
            "s3",
            endpoint_url=f"http://{address}",
            aws_access_key_id="test-key",
            aws_secret_access_key="test-secret",  # noqa: S106 - the stand-in's, not a real one
            region_name=REGION,
        )
        client.create_bucket(
            Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        url = f"s3://test-key:test-secret@{address}/{bucket}?region={REGION}&secure=0"

        def raw(name: str) -> bytes:
            return client.get_object(Bucket=bucket, Key=name)["Body"].read()

        def names() -> list[str]:
            listing = client.list_objects_v2(Bucket=bucket)
            return sorted(item["Key"] for item in listing.get("Contents", []))

    settings.STORAGES = {
        **settings.STORAGES,
        "private": storage_settings(url, default_location=Path("/nonexistent")),
    }
    return PrivateStorage(kind=request.param, raw=raw, names=names)
