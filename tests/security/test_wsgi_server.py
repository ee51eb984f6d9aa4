"""Hostile requests through a real WSGI server, over a socket: the development server `make run`
starts (Django's runserver classes on wsgiref, which refuses hop-by-hop headers from the app)
answers each of them below 500. Django's test client calls the app directly and cannot see what
a server does with the app's answer."""

import http.client
import secrets
import socket
import threading

import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

from tests.factories import PrisonerWithAddressFactory

pytestmark = pytest.mark.django_db

WRITE = "/letters/write/"
TOO_LARGE = "This request is too large."


@pytest.fixture
def server():
    """`manage.py runserver`'s server and handler on a free loopback port, in a thread."""
    httpd = ThreadedWSGIServer(("127.0.0.1", 0), WSGIRequestHandler, allow_reuse_address=False)
    httpd.set_app(WSGIHandler())
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=10)


def _post(address, body: bytes, headers: dict[str, str], *, send_body: bool = True):
    """POST with exactly the headers given (http.client adds none but Host), then read the whole
    answer. ``send_body=False`` sends only the headers, as a client whose upload is refused."""
    connection = http.client.HTTPConnection(*address, timeout=20)
    try:
        connection.putrequest("POST", WRITE, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders(body if send_body else None)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def _csrf() -> dict[str, str]:
    """A CSRF cookie and the matching header, so a body gets past the CSRF check and is parsed."""
    secret = secrets.token_hex(16)
    return {"Cookie": f"{settings.CSRF_COOKIE_NAME}={secret}", "X-CSRFToken": secret}


def _form(fields: str | bytes) -> tuple[bytes, dict[str, str]]:
    body = fields.encode() if isinstance(fields, str) else fields
    return body, {
        "Content-Type": "application/x-www-form-urlencoded",
        "Content-Length": str(len(body)),
    } | _csrf()


def _multipart(body: bytes, content_type: str) -> tuple[bytes, dict[str, str]]:
    return body, {"Content-Type": content_type, "Content-Length": str(len(body))} | _csrf()


def test_an_oversized_letter_is_refused_with_413_and_its_message(server):
    # given a letter body just over the upload limit, sent whole
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    body, headers = _form("original_text=" + "x" * limit)
    # when it is posted to the development server
    status, text = _post(server, body, headers)
    # then the server answers 413 with the message, not a 500 about a refused header
    assert status == 413
    assert TOO_LARGE in text


def test_an_oversized_declared_length_is_refused_before_the_body_is_sent(server):
    # given a client that declares 10 MB and waits for the answer before uploading
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Content-Length": "10485760"}
    # when it sends only its headers
    status, text = _post(server, b"", headers, send_body=False)
    # then it learns at once that the body is too large
    assert status == 413
    assert TOO_LARGE in text


def _boundary_body(boundary: str, parts: list[bytes], *, closed: bool = True) -> bytes:
    body = b"".join(b"--" + boundary.encode() + b"\r\n" + part + b"\r\n" for part in parts)
    return body + (b"--" + boundary.encode() + b"--\r\n" if closed else b"")


HUGE = 200 * 1024
HOSTILE = {
    "non-numeric length": (b"a=1", {"Content-Length": "abc"} | _csrf()),
    "negative length": (b"a=1", {"Content-Length": "-5"} | _csrf()),
    "length with a sign": (b"a=1", {"Content-Length": "+3"} | _csrf()),
    "two lengths": (b"a=1", {"Content-Length": "3, 3"} | _csrf()),
    "garbage multipart": _multipart(
        secrets.token_bytes(4096), "multipart/form-data; boundary=lb-boundary"
    ),
    "multipart without a boundary": _multipart(b"--x\r\n\r\n", "multipart/form-data"),
    "multipart with an empty boundary": _multipart(b"--\r\n", "multipart/form-data; boundary="),
    "multipart never closed": _multipart(
        _boundary_body(
            "b",
            [b'Content-Disposition: form-data; name="original_text"\r\n\r\nhello'],
            closed=False,
        ),
        "multipart/form-data; boundary=b",
    ),
    "multipart part without headers": _multipart(
        _boundary_body("b", [b"\r\n\r\n\x00\xff", b"no-colon-header\r\n\r\nx"]),
        "multipart/form-data; boundary=b",
    ),
    "multipart with a file": _multipart(
        _boundary_body(
            "b",
            [
                b'Content-Disposition: form-data; name="f"; filename="../../etc/passwd"\r\n'
                b"Content-Type: application/octet-stream\r\n\r\n" + b"\x00" * 1024
            ],
        ),
        "multipart/form-data; boundary=b",
    ),
    "multipart field just under the limit": _multipart(
        _boundary_body(
            "b",
            [b'Content-Disposition: form-data; name="original_text"\r\n\r\n' + b"x" * HUGE],
        ),
        "multipart/form-data; boundary=b",
    ),
    "huge letter text": _form("original_text=" + "x" * HUGE + "&supporter_name=A"),
    "huge field name": _form("x" * HUGE + "=1"),
    "every field huge": _form(
        "&".join(
            f"{name}={'y' * 20_000}"
            for name in (
                "prisoner",
                "supporter_name",
                "supporter_email",
                "supporter_country",
                "language",
                "original_text",
                "delivery",
                "postage_currency",
            )
        )
    ),
    "too many fields": _form("&".join(f"f{n}=1" for n in range(5000))),
    "invalid UTF-8": _form(b"original_text=\xff\xfe\xc3(&supporter_name=\xed\xa0\x80"),
    "unknown charset": (
        b"a=1",
        {
            "Content-Type": "application/x-www-form-urlencoded; charset=no-such-charset",
            "Content-Length": "3",
        }
        | _csrf(),
    ),
    "JSON where a form is expected": _multipart(b'{"prisoner": [1, 2]}', "application/json"),
    "raw bytes": _multipart(secrets.token_bytes(8192), "application/octet-stream"),
    "no CSRF token": (b"a=1", {"Content-Length": "3"}),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_posts_get_an_answer_below_500(server, name):
    # given a prisoner the form can be written to, and a hostile body
    PrisonerWithAddressFactory()
    body, headers = HOSTILE[name]
    # when it is posted to the development server
    status, text = _post(server, body, headers)
    # then the server answers, and not with an error of its own
    assert 200 <= status < 500, (status, text[:500])


def test_a_header_line_too_long_for_the_server_is_refused_not_crashed(server):
    # given a request whose header is longer than the server reads
    request = (
        f"POST {WRITE} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Long: {'h' * 70_000}\r\n"
        "Content-Length: 0\r\n\r\n"
    ).encode()
    # when it is sent over a raw socket
    with socket.create_connection(server, timeout=20) as sock:
        sock.sendall(request)
        status_line = sock.makefile("rb").readline().decode()
    # then the server refuses it with a client error
    assert status_line.startswith("HTTP/1.")
    assert 400 <= int(status_line.split()[1]) < 500
