"""core.storage on the file system and on the S3 stand-in: the same tests pass on both."""

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.files.storage import storages
from django.http import Http404

from core import storage

PDF = b"%PDF-1.7 a letter to Ivan Petrov, 4 pages\n%%EOF"


def test_saved_bytes_read_back_the_same(private_storage):
    # given a stored file
    name = storage.save("batches", PDF)

    # when it is read back
    content = storage.read(name)

    # then it is the same, under a random name that says nothing about its contents
    assert content == PDF
    assert name.startswith("batches/") and name.endswith(".enc")
    assert private_storage.names() == [name]


def test_the_backend_never_holds_the_clear_bytes(private_storage):
    # given a stored file
    name = storage.save("batches", PDF)

    # when the backend's own copy is read around Django
    at_rest = private_storage.raw(name)

    # then it is ciphertext that only our keys open
    assert PDF not in at_rest and b"Ivan" not in at_rest and b"%PDF" not in at_rest
    assert storage.crypto.fernet().decrypt(at_rest) == PDF


def test_two_saves_in_one_folder_never_overwrite_each_other(private_storage):
    first = storage.save("returns", b"one")
    second = storage.save("returns", b"two")

    assert first != second
    assert (storage.read(first), storage.read(second)) == (b"one", b"two")


def test_delete_removes_the_object_and_may_be_repeated(private_storage):
    # given a stored file
    name = storage.save("batches", PDF)

    # when it is deleted twice (a purge that ran half-way, then again)
    storage.delete(name)
    storage.delete(name)
    storage.delete("")

    # then it is gone and nothing failed
    assert private_storage.names() == []
    with pytest.raises(FileNotFoundError):
        storage.read(name)


def test_reading_a_missing_object_says_so(private_storage):
    with pytest.raises(FileNotFoundError):
        storage.read("batches/0123456789abcdef.enc")


def test_rotate_re_encrypts_under_the_newest_key_under_a_new_name(private_storage, settings):
    # given a file stored under the old key
    old_key = settings.LETTERBRIDGE_ENCRYPTION_KEYS[0]
    name = storage.save("batches", PDF)
    new_key = Fernet.generate_key().decode()
    settings.LETTERBRIDGE_ENCRYPTION_KEYS = [new_key, old_key]

    # when it is rotated
    rotated = storage.rotate(name)

    # then the new copy opens with the new key alone, and the old one is left for the caller
    assert rotated != name and rotated.startswith("batches/")
    assert Fernet(new_key.encode()).decrypt(private_storage.raw(rotated)) == PDF
    assert sorted(private_storage.names()) == sorted([name, rotated])


def test_response_streams_the_clear_file_privately(private_storage):
    # given a stored file
    name = storage.save("batches", PDF)

    # when a view that checked the permission answers with it
    answer = storage.response(name, filename="batch-7.pdf", content_type="application/pdf")

    # then the body is the clear file, downloaded, never cached or sniffed
    assert answer.streaming and b"".join(answer.streaming_content) == PDF
    assert answer["Content-Type"] == "application/pdf"
    assert answer["Content-Disposition"] == 'attachment; filename="batch-7.pdf"'
    assert answer["Cache-Control"] == "private, no-store"
    assert answer["X-Content-Type-Options"] == "nosniff"


def test_private_files_have_no_url(private_storage):
    # given a stored file
    name = storage.save("batches", PDF)

    # when its URL is asked for, then the file system has none; S3's is signed and short-lived
    if private_storage.kind == "filesystem":
        with pytest.raises(NotImplementedError):
            storages["private"].url(name)
    else:
        url = storages["private"].url(name)
        assert "X-Amz-Signature=" in url and "X-Amz-Expires=60" in url


def test_files_and_folders_on_disk_are_the_owner_s_alone(settings, tmp_path):
    # given the file system backend
    root = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            **settings.STORAGES["private"],
            "OPTIONS": {**settings.STORAGES["private"]["OPTIONS"], "location": str(root)},
        },
    }

    # when a file is stored
    name = storage.save("batches", PDF)

    # then only the owner may read it or list its folder
    assert stat.S_IMODE((root / name).stat().st_mode) == 0o600
    assert stat.S_IMODE(Path(root / name).parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(root.stat().st_mode) == 0o700


def test_a_file_gone_from_the_storage_is_a_404_not_a_500(private_storage):
    # given a stored file that someone removed from the backend
    name = storage.save("batches", PDF)
    storages["private"].delete(name)

    # when a view answers with it, then the answer is "not found"
    with pytest.raises(Http404):
        storage.response(name, filename="batch-7.pdf", content_type="application/pdf")


def test_files_saved_in_a_block_that_fails_are_deleted_again(private_storage):
    # given a block that stores a file, then fails (its transaction rolls back)
    with pytest.raises(RuntimeError), storage.kept_if_successful() as save:
        save("returns", PDF)
        raise RuntimeError("the row could not be written")

    # then nothing is left in the storage; a block that succeeds keeps its file
    assert private_storage.names() == []
    with storage.kept_if_successful() as save:
        kept = save("returns", PDF)
    assert private_storage.names() == [kept]
