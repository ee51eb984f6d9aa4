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


# The most links one "Find my letters" e-mail carries, newest first.
FIND_LETTERS_LIMIT = 50


def letter_ids_for_email(*, email: str) -> list[int]:
    """Ids of the letters written from this address, newest first. Matches the address as typed
    or in lower case, so the index on supporter_email serves the look-up."""
    email = email.strip()
    if not email:
        return []
    variants = {email, email.lower()}
    return list(
        Letter.objects.filter(supporter_email__in=variants)
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)[:FIND_LETTERS_LIMIT]
    )
