"""LETTERBRIDGE_STORAGE_URL parsing (config/storage_url.py)."""

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.storage_url import FILE_SYSTEM_BACKEND, S3_BACKEND, private_storage

DEFAULT = Path("/srv/letterbridge/var/private")


def test_unset_means_the_file_system_under_var_private_owner_only():
    entry = private_storage("", default_location=DEFAULT)

    assert entry == {
        "BACKEND": FILE_SYSTEM_BACKEND,
        "OPTIONS": {
            "location": str(DEFAULT),
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    }


def test_a_file_url_names_the_folder():
    entry = private_storage("file:///mnt/shared/letterbridge", default_location=DEFAULT)

    assert entry["BACKEND"] == FILE_SYSTEM_BACKEND
    assert entry["OPTIONS"]["location"] == "/mnt/shared/letterbridge"


def test_an_s3_url_gives_a_private_bucket_on_that_endpoint():
    url = "s3://AKIA%2Fkey:se%2Bcret%40x@minio:9000/letterbridge/prod?region=eu-west-2&secure=0"

    options = private_storage(url, default_location=DEFAULT)["OPTIONS"]

    assert private_storage(url, default_location=DEFAULT)["BACKEND"] == S3_BACKEND
    assert options["access_key"] == "AKIA/key" and options["secret_key"] == "se+cret@x"
    assert options["endpoint_url"] == "http://minio:9000" and options["use_ssl"] is False
    assert options["bucket_name"] == "letterbridge" and options["location"] == "prod"
    assert options["region_name"] == "eu-west-2" and options["addressing_style"] == "path"
    assert options["default_acl"] == "private" and options["querystring_expire"] == 60


def test_an_s3_url_without_host_or_keys_is_aws_with_the_host_s_role():
    options = private_storage("s3:///letterbridge?region=eu-west-2", default_location=DEFAULT)[
        "OPTIONS"
    ]

    assert "endpoint_url" not in options and "access_key" not in options
    assert options["use_ssl"] is True and options["location"] == ""


@pytest.mark.parametrize(
    "url", ["ftp://host/x", "s3://key:secret@host/", "file://host/path", "file://", "/var/x"]
)
def test_a_url_it_cannot_use_is_refused_at_start_up(url):
    with pytest.raises(ImproperlyConfigured, match="LETTERBRIDGE_STORAGE_URL"):
        private_storage(url, default_location=DEFAULT)
