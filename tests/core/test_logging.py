import logging

from core.logging import RedactPersonalData, redact
from core.sentry import scrub_event


def test_redact_removes_emails_tokens_and_long_secrets():
    token = "79548c828c0a9f4afd145ff90717a92dd37398a3bd4"
    line = f"GET /letters/track/{token}/ from anna.k+x@example.org key {'ab' * 20}"
    cleaned = redact(line)
    assert "anna.k+x@example.org" not in cleaned and "[email]" in cleaned
    assert token not in cleaned and "/letters/track/[token]" in cleaned
    assert "ab" * 20 not in cleaned
    rights = redact("Not Found: /my-data/eyJpZHMiOlszNDFdfQ:1xWL7E:16TuIG0Z/export.json")
    assert rights == "Not Found: /my-data/[token]/export.json"


def test_filter_rewrites_formatted_records(caplog):
    logger = logging.getLogger("letterbridge.test")
    logger.addFilter(RedactPersonalData())
    try:
        with caplog.at_level(logging.INFO):
            logger.info("sent to %s", "supporter@example.org")
    finally:
        logger.filters.clear()
    assert "supporter@example.org" not in caplog.text
    assert "sent to [email]" in caplog.text


def test_sentry_events_lose_bodies_cookies_and_users():
    event = {
        "request": {
            "url": "https://x.org/letters/track/abcdef0123456789abcdef0123456789abc/",
            "data": {"supporter_email": "a@example.org"},
            "cookies": {"sessionid": "s"},
            "headers": {"Cookie": "sessionid=s", "User-Agent": "UA"},
        },
        "user": {"email": "a@example.org"},
        "logentry": {"message": "failed for a@example.org"},
    }
    scrubbed = scrub_event(event, {})
    assert "data" not in scrubbed["request"] and "cookies" not in scrubbed["request"]
    assert scrubbed["request"]["headers"] == {"User-Agent": "UA"}
    assert "user" not in scrubbed
    assert "a@example.org" not in str(scrubbed)
    assert "[token]" in scrubbed["request"]["url"]
