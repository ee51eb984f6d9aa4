"""What replies add to a letter's own page (composed in pages with letters' part): the steps
"reply received" / "reply translated" for the letter's timeline, and the delivered replies
with their translation, transcription and, behind a click, the scan."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from .selectors import replies_delivered, reply_timeline

STEP_LABELS: dict[str, Promise] = {
    "record": gettext_lazy("A reply from the prisoner arrived; volunteers are translating it"),
    "approve": gettext_lazy("The prisoner's reply is translated: read it below"),
}


def reply_steps(*, letter_id: int) -> list[dict]:
    return [
        {"date": step["date"], "label": STEP_LABELS[step["kind"]], "status": "reply"}
        for step in reply_timeline(letter_id=letter_id)
    ]


def reply_tracking(*, letter_id: int) -> dict:
    return {"replies": replies_delivered(letter_id=letter_id)}
