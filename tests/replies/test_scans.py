"""Scans are checked by what they are: type by content, opened, size and page limits, and
every problem said in words a coordinator understands."""

import pytest

from replies.scans import JPEG, PDF, PNG, ScanError, scan_check, scans_check

from .conftest import jpeg, pdf, png


@pytest.mark.parametrize(
    ("make", "kind", "pages"),
    [(jpeg, JPEG, 1), (png, PNG, 1), (lambda: pdf(3), PDF, 3)],
)
def test_each_accepted_type_is_known_by_its_content(make, kind, pages):
    # given a real file of that type, named as if it were something else
    content = make()

    # when it is checked
    scan = scan_check(name="scan.txt", content=content)

    # then its type and page count come from the bytes, not the name
    assert (scan.content_type, scan.page_count) == (kind, pages)


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"MZ\x90\x00 an executable", "is not a JPEG, PNG or PDF"),
        (b"", "is empty"),
        (jpeg()[:40], "cannot be opened"),
        (b"%PDF-1.7\n garbage without pages", "cannot be opened"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "cannot be opened"),
    ],
)
def test_a_bad_file_is_refused_with_a_clear_message(content, says):
    # when a file that is not a readable scan is checked, then the message names it and why
    with pytest.raises(ScanError) as refused:
        scan_check(name="reply.jpg", content=content)
    assert "“reply.jpg”" in refused.value.message
    assert says in refused.value.message


def test_a_file_over_the_size_limit_is_refused(settings):
    # given a limit smaller than the scan
    settings.LETTERBRIDGE_REPLY_MAX_BYTES = 100
    # then it is refused, saying the limit
    with pytest.raises(ScanError, match="larger than 100"):
        scan_check(name="big.jpg", content=jpeg())


def test_pages_are_counted_over_all_files_against_the_limit(settings):
    # given at most 4 pages per reply
    settings.LETTERBRIDGE_REPLY_MAX_PAGES = 4
    # when two images and a 3-page PDF come together (5 pages)
    with pytest.raises(ScanError) as refused:
        scans_check([("a.jpg", jpeg()), ("b.png", png()), ("c.pdf", pdf(3))])
    # then the whole upload is refused, saying how many
    assert "5 pages" in refused.value.message and "at most 4" in refused.value.message


def test_every_bad_file_of_an_upload_is_named_at_once():
    with pytest.raises(ScanError) as refused:
        scans_check([("good.jpg", jpeg()), ("a.exe", b"MZ.."), ("b.doc", b"\xd0\xcf\x11\xe0")])
    lines = refused.value.message.splitlines()
    assert len(lines) == 2 and "“a.exe”" in lines[0] and "“b.doc”" in lines[1]
