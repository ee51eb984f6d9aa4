"""The supporter's view of a reply's scan: behind the letter's tracking link (whose token is
the permission), only for an approved reply that was not redacted, never cached."""

from django.http import Http404

from core import storage
from letters.tracking import letter_or_404

from .selectors import reply_page_for_supporter


def reply_scan(request, token: str, reply_id: int, position: int):
    letter = letter_or_404(token)
    page = reply_page_for_supporter(letter_id=letter.pk, reply_id=reply_id, position=position)
    if page is None:
        raise Http404
    return storage.response(
        page.file_name,
        filename=f"reply-{letter.reference}-{position}.{page.extension}",
        content_type=page.content_type,
        inline=True,
    )
