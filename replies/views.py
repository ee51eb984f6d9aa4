"""The supporter's views of a reply: its scan, and asking for the scan by e-mail. Behind the
letter's tracking link (whose token is the permission), only for an approved reply that was
not redacted, never cached."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import storage
from core.http import private
from letters.ratelimit import TOO_MANY_REQUESTS, rate_limit_exceeded
from letters.tracking import letter_or_404

from .selectors import reply_page_for_supporter
from .services import ReplyError, reply_scan_email_request


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


@require_POST
def reply_scan_email(request, token: str, reply_id: int):
    """“E-mail me the scan”: the service checks and queues it; back to the letter's page with a
    message either way (a bad token is a 404)."""
    letter = letter_or_404(token)
    if rate_limit_exceeded(request, scope="reply_scan_email"):
        messages.error(request, TOO_MANY_REQUESTS)
    else:
        try:
            reply_scan_email_request(reply_id=reply_id, letter_id=letter.pk)
        except ReplyError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _(
                    "We are sending the scan to the e-mail address you gave us. It should "
                    "arrive within a few minutes."
                ),
            )
    # To the top of the page, where the message shows (an #anchor would scroll past it).
    return private(redirect("letters:track", token=token))
