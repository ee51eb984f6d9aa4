"""What replies add to a letter's own page (composed in pages with letters' part): the steps
"reply received" / "reply translated" for the letter's timeline, and the delivered replies
with their translation, transcription and, behind a click, the scan. One query for the
replies (and one for the pages of those delivered, when there are any)."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from .models import Reply, ReplyPage

STEP_LABELS: dict[str, Promise] = {
    "record": gettext_lazy("A reply from the prisoner arrived; volunteers are translating it"),
    "approve": gettext_lazy("The prisoner's reply is translated: read it below"),
}


def reply_tracking(*, letter_id: int) -> dict:
    """``reply_steps`` for the timeline and ``replies``: those delivered, oldest first."""
    replies = list(
        # A withheld reply is not the supporter's to know of: it never arrives for them.
        Reply.objects.filter(letter_id=letter_id)
        .exclude(status=Reply.Status.WITHHELD)
        .only(
            "id",
            "letter_id",
            "status",
            "transcription",
            "translation",
            "redacted",
            "created_at",
            "approved_at",
            "erased_at",
        )
        .prefetch_related(Prefetch("pages", queryset=ReplyPage.objects.order_by("position")))
        .order_by("created_at", "pk")
    )
    steps = []
    for reply in replies:
        steps.append({"date": reply.created_at, "label": STEP_LABELS["record"], "status": "reply"})
        if reply.status == Reply.Status.APPROVED and reply.approved_at:
            steps.append(
                {"date": reply.approved_at, "label": STEP_LABELS["approve"], "status": "reply"}
            )
    delivered = [
        reply
        for reply in replies
        if reply.status == Reply.Status.APPROVED and reply.erased_at is None
    ]
    delivered.sort(key=lambda reply: (reply.approved_at, reply.pk))
    return {"reply_steps": steps, "replies": delivered}
