"""Logging that keeps supporters out of the logs.

Every record passes through ``RedactPersonalData``: e-mail addresses and tracking tokens (in
URLs or on their own) are replaced before any handler sees them, whatever a developer logs.
"""

import logging
import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
TRACKING_URL = re.compile(r"(/letters/(?:track|pdf|cancel|data|erase)/|/my-data/)[^/\s\"']+")
LONG_HEX = re.compile(r"\b[0-9a-f]{32,}\b")


def redact(text: str) -> str:
    text = EMAIL.sub("[email]", text)
    text = TRACKING_URL.sub(r"\1[token]", text)
    return LONG_HEX.sub("[secret]", text)


class RedactPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
