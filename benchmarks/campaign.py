"""`make bench`, the campaign burst: supporters writing and volunteers translating at once.

50 supporters each open the letter form and send it (GET, then POST with the form's CSRF token,
then the confirmation page), over and over; 10 volunteers sign in through the admin's login
form, then press "Claim next", save a draft of the translation and hand it in, over and over.
All at the same time for CAMPAIGN_DURATION seconds (60 by default) against gunicorn and one
Celery worker (every queue) on PostgreSQL and Redis, with production settings, on the database
`benchmarks.run` left (the last of SIZES). Reports letters accepted per minute, p95 of
every page, p95 of transition → e-mail sent (each Notification row's creation to its sending,
the worker draining the burst's backlog included), and errors, which must be zero. Writes
var/bench/campaign.json.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import random
import re
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from django.db import connection
from django.urls import reverse
from django.utils import timezone

from benchmarks import run, seed  # run first: it sets Django up
from letters.models import Letter, Notification
from prisoners.models import Prisoner

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
BASE_VERSION = re.compile(r'name="base_version" value="(\d+)"')
# Every supporter signs as Anna Smith; the volunteer writes the signature in Cyrillic, as the
# desk asks before a letter can be handed in.
SUPPORTER_NAME, SIGNATURE_RU = "Anna Smith", "Анна Смит"
# The table's order: a supporter's way through, then a volunteer's.
PAGES = [
    "letter form GET",
    "letter form POST",
    "confirmation page",
    "admin login GET",
    "admin login POST",
    "volunteer queue",
    "claim next POST",
    "translate page",
    "save draft POST",
    "hand in POST",
    "my letters",
]
EMAIL_TARGET_MS = 60_000  # a supporter hears within a minute, even in the burst

LETTER_NUMBERS = itertools.count(1)  # next() on it is atomic under the GIL


@dataclass
class Tally:
    """Every request's time by page, the errors (with why), and the letters accepted."""

    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    why: list[str] = field(default_factory=list)
    accepted: int = 0
    handed_in: int = 0
    nothing_to_claim: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, page: str, why: str) -> None:
        with self.lock:
            self.errors[page] += 1
            if len(self.why) < 20:
                self.why.append(f"{page}: {why}")


class Browser:
    """One person: one keep-alive connection and a cookie jar. Each request is timed under its
    page's name; the caller follows a redirect, as a browser would, with a GET of its own."""

    def __init__(self, port: int, tally: Tally):
        self.port, self.tally = port, tally
        self.cookies: dict[str, str] = {}
        self.form_token = ""
        self.conn = http.client.HTTPConnection(run.HOST, port, timeout=30)

    def _send(self, method: str, path: str, body: str, headers: dict) -> http.client.HTTPResponse:
        try:
            self.conn.request(method, path, body=body or None, headers=headers)
            return self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # The server closed an idle keep-alive connection before reading the request: again
            # on a new one, as a browser does. Only these: after a timeout the server may have
            # taken the POST, and sending it again would make a second letter.
            self.conn.close()
            self.conn = http.client.HTTPConnection(run.HOST, self.port, timeout=30)
            self.conn.request(method, path, body=body or None, headers=headers)
            return self.conn.getresponse()

    def request(self, page: str, path: str, form: dict | None = None) -> tuple[int, str, str]:
        """Returns the status, the body and the redirect's path (or "")."""
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = ""
        if form is not None:
            form = {"csrfmiddlewaretoken": self.csrf_token, **form}
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            response = self._send("POST" if form is not None else "GET", path, body, headers)
            text = response.read().decode()
        except (OSError, http.client.HTTPException) as error:
            self.tally.error(page, repr(error))
            return 0, "", ""
        elapsed = (time.perf_counter() - started) * 1000
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
                if name == "csrftoken":  # rotated (at sign-in): the old form token is void
                    self.form_token = ""
        with self.tally.lock:
            self.tally.times[page].append(elapsed)
        if response.status >= 400:
            self.tally.error(page, f"HTTP {response.status}")
        if match := CSRF_INPUT.search(text):
            self.form_token = match.group(1)
        return response.status, text, urlsplit(response.headers.get("Location", "")).path

    @property
    def csrf_token(self) -> str:
        # The form's masked token when the page had one; else the cookie's secret, which
        # Django accepts as the token for that cookie.
        return self.form_token or self.cookies.get("csrftoken", "")


def _until(stop_at: float, step) -> None:
    """Repeat ``step`` until the burst ends; each person gets through it once at least, however
    slow the start (signing in hashes a password on purpose)."""
    while True:
        step()
        if time.monotonic() >= stop_at:
            return


def supporter(port: int, tally: Tally, stop_at: float, n: int, slugs: list[str]) -> None:
    browser, rng = Browser(port, tally), random.Random(n)  # noqa: S311 - not for secrets
    _until(stop_at, lambda: _write_letter(browser, tally, n, rng.choice(slugs)))


def _write_letter(browser: Browser, tally: Tally, n: int, slug: str) -> None:
    write = reverse("letters:write")
    status, _, _ = browser.request("letter form GET", f"{write}?to={slug}")
    if status != 200:
        return
    status, text, location = browser.request(
        "letter form POST",
        write,
        {
            "prisoner": slug,
            "supporter_name": SUPPORTER_NAME,
            "supporter_email": f"campaign-{n}@example.org",
            "supporter_country": "GB",
            "language": "en",
            # Every letter its own: the same letter sent again is answered with the first one.
            "original_text": f"{seed.TEXT[:580]} (letter {next(LETTER_NUMBERS)})",
            "delivery": "return_to_me",
            "postage_currency": "",
            "consent": "on",
            "website": "",
        },
    )
    if status != 302:
        if status == 200:  # the form came back with a message: refused, not accepted
            tally.error("letter form POST", "form refused: " + _first_error(text))
        return
    with tally.lock:
        tally.accepted += 1
    browser.request("confirmation page", location)


def _first_error(html: str) -> str:
    match = re.search(r'class="[^"]*error[^"]*"[^>]*>(.{0,160})', html, re.S)
    return re.sub(r"<[^>]+>|\s+", " ", match.group(1)).strip() if match else "(no message)"


def volunteer(port: int, tally: Tally, stop_at: float, username: str) -> None:
    browser = Browser(port, tally)
    login = reverse("admin:login")
    browser.request("admin login GET", login)
    status, _, _ = browser.request(
        "admin login POST",
        login,
        {"username": username, "password": seed.BENCH_PASSWORD, "next": reverse("admin:index")},
    )
    if status != 302:
        tally.error("admin login POST", f"not signed in ({status})")
        return
    browser.request("volunteer queue", reverse("admin:letters_letter_desk_queue"))
    _until(stop_at, lambda: _work_one_letter(browser, tally))


def _work_one_letter(browser: Browser, tally: Tally) -> None:
    status, _, location = browser.request(
        "claim next POST", reverse("admin:letters_letter_desk_claim_next"), {}
    )
    if status != 302:
        return
    if "/desk/translate/" not in location:  # the queue is empty for now
        with tally.lock:
            tally.nothing_to_claim += 1
        browser.request("volunteer queue", location)
    elif _translate(browser, tally, location):
        with tally.lock:
            tally.handed_in += 1


def _translate(browser: Browser, tally: Tally, translate: str) -> bool:
    """Open the claimed letter, save a draft, then hand it in; True when handed in."""
    status, text, _ = browser.request("translate page", translate)
    version = BASE_VERSION.search(text)
    if status != 200 or version is None:
        tally.error("translate page", "no editor on the page")
        return False
    draft = {"translation": seed.TRANSLATION[:300], "signature_ru": SIGNATURE_RU}
    status, _, location = browser.request(
        "save draft POST", translate, draft | {"base_version": version.group(1), "action": "save"}
    )
    if status != 302:
        tally.error("save draft POST", f"draft not saved ({status})")
        return False
    status, text, _ = browser.request("translate page", location)
    version = BASE_VERSION.search(text)
    if status != 200 or version is None:
        tally.error("translate page", "no editor on the page")
        return False
    status, text, location = browser.request(
        "hand in POST",
        translate,
        draft
        | {
            "translation": seed.TRANSLATION,
            "base_version": version.group(1),
            "action": "hand_in",
        },
    )
    if status != 302 or "/desk/mine/" not in location:
        tally.error("hand in POST", f"not handed in ({status}): {_first_error(text)}")
        return False
    browser.request("my letters", location)
    return True


def wait_for_emails(since, timeout: float) -> int:
    """Wait until the worker has sent every e-mail the burst called for; returns those left."""
    pending = Notification.objects.filter(created_at__gte=since, sent_at__isnull=True)
    deadline = time.monotonic() + timeout
    while pending.exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    return pending.count()


def report(tally: Tally, *, size: int, duration: int, emails_left: int, since) -> list[run.Result]:
    results = []
    for page in sorted(tally.times, key=lambda p: PAGES.index(p) if p in PAGES else len(PAGES)):
        times = sorted(tally.times[page])
        results.append(
            run.Result(
                name=page,
                size=size,
                rps=len(times) / duration,
                p50_ms=run.percentile(times, 0.50),
                p95_ms=run.percentile(times, 0.95),
                p99_ms=run.percentile(times, 0.99),
                errors=tally.errors.get(page, 0),
                requests=len(times),
            )
        )
    delays = run.email_delays_ms(Notification.objects.filter(created_at__gte=since))
    results.append(
        run.Result(
            name="transition → e-mail sent",
            size=size,
            p50_ms=run.percentile(delays, 0.50),
            p95_ms=run.percentile(delays, 0.95),
            p99_ms=run.percentile(delays, 0.99),
            errors=emails_left,
            requests=len(delays),
            extra={
                "target": f"p95 < {EMAIL_TARGET_MS // 1000} s",
                "met": bool(delays)
                and not emails_left
                and run.percentile(delays, 0.95) < EMAIL_TARGET_MS,
            },
        )
    )
    errors = sum(tally.errors.values()) + emails_left
    results.append(
        run.Result(
            name="letters accepted per minute",
            size=size,
            rps=tally.accepted * 60 / duration,
            requests=tally.accepted,
            errors=errors,
            extra={"target": "zero errors", "met": errors == 0 and tally.accepted > 0},
        )
    )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=1000, help="letters in the database, at least")
    parser.add_argument("--duration", type=int, default=60, help="seconds of the burst")
    parser.add_argument("--supporters", type=int, default=50)
    parser.add_argument("--volunteers", type=int, default=10)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--output", default=str(run.OUT / "campaign.json"))
    args = parser.parse_args(argv)

    run.ensure_database()
    seed.ensure_people()
    creation = seed.grow_to(args.size)  # the letters `benchmarks.run` left, or more
    size = Letter.objects.count()
    print(f"… {size:,} letters ready ({creation:.1f} s to create)", flush=True)
    slugs = list(Prisoner.objects.filter(accepts_letters=True).values_list("slug", flat=True)[:200])
    volunteers = [f"bench-volunteer-{i}" for i in range(args.volunteers)]  # none holds letters
    before = Letter.objects.count()
    tally = Tally()
    server = run.Server(args.workers, args.threads)
    try:
        with run.celery_worker() as worker:
            # every gunicorn worker warmed (imports, connections) before the clock starts
            base = f"http://{run.HOST}:{server.port}"
            for path in (reverse("letters:write"), reverse("admin:login")):
                run.wrk(base + path, duration=2, connections=8)
            since = timezone.now()
            stop_at = time.monotonic() + args.duration
            people = [
                threading.Thread(target=supporter, args=(server.port, tally, stop_at, n, slugs))
                for n in range(args.supporters)
            ] + [
                threading.Thread(target=volunteer, args=(server.port, tally, stop_at, username))
                for username in volunteers
            ]
            for person in people:
                person.start()
            for person in people:
                person.join()
            emails_left = wait_for_emails(since, timeout=max(120, args.duration * 2))
            worker_mb = run.worker_peak_rss_mb(worker)
    finally:
        server.stop()
    stored = Letter.objects.count() - before
    if stored != tally.accepted:
        tally.error("letter form POST", f"{tally.accepted} accepted, {stored} stored")
    results = report(tally, size=size, duration=args.duration, emails_left=emails_left, since=since)
    table = run.print_table(results)
    print("\n" + table)
    print(
        f"\n{tally.accepted} letters accepted, {tally.handed_in} translations handed in, "
        f"{tally.nothing_to_claim} claims found the queue empty; "
        f"{args.supporters} supporters and {args.volunteers} volunteers for {args.duration} s"
    )
    for why in tally.why:
        print("error:", why)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(
        json.dumps(
            {
                "machine": {
                    "python": sys.version.split()[0],
                    "postgres": connection.cursor().connection.info.server_version,
                    "gunicorn": f"{args.workers} workers × {args.threads} threads (gthread)",
                    "worker_peak_rss_mb": worker_mb,
                },
                "scenario": {
                    "supporters": args.supporters,
                    "volunteers": args.volunteers,
                    "duration_s": args.duration,
                    "accepted": tally.accepted,
                    "handed_in": tally.handed_in,
                    "nothing_to_claim": tally.nothing_to_claim,
                    "errors": results[-1].errors,
                    "why": tally.why,
                },
                "results": [r.__dict__ for r in results],
                "table": table,
            },
            indent=2,
            default=str,
        )
    )
    print(f"\nwritten {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
