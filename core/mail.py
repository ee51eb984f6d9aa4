"""E-mail threading: what makes our e-mail a reply in the supporter's own thread."""

from __future__ import annotations

import re

_REPLY_PREFIX = re.compile(r"^\s*((re|aw|sv|odp|rif|réf|ответ|отв)\s*(\[\d+\])?\s*:\s*)+", re.I)


def reply_subject(subject: str) -> str:
    """``Re: <subject>``, without stacking prefixes (``Re: Re: AW:``)."""
    bare = _REPLY_PREFIX.sub("", subject or "").strip()
    return f"Re: {bare}" if bare else ""


def is_reply_subject(subject: str) -> bool:
    return bool(_REPLY_PREFIX.match(subject or ""))


def reply_headers(message_id: str) -> dict[str, str]:
    """In-Reply-To and References for a reply to the message ``message_id`` (``<…@…>``)."""
    message_id = (message_id or "").strip()
    if not message_id:
        return {}
    return {"In-Reply-To": message_id, "References": message_id}
