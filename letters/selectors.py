from django.db.models import QuerySet

from . import tokens
from .models import Letter, LetterEvent


def letter_by_token(*, token: str) -> Letter | None:
    if not token or len(token) > 128:
        return None
    return (
        Letter.objects.select_related("prisoner")
        .filter(tracking_token_hash=tokens.token_hash(token))
        .first()
    )


def letter_timeline(*, letter: Letter) -> QuerySet[LetterEvent]:
    """What the supporter may see: status changes only, without staff names or notes."""
    return letter.events.filter(kind=LetterEvent.Kind.TRANSITION).only(
        "to_status", "action", "created_at"
    )
