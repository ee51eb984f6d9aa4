"""Record every staff visit to a page that shows a letter's text."""

from .models import LetterAccess

# Admin URL names of pages that show a letter's original or translation.
LETTER_TEXT_PAGES = {
    "letters_letter_change",
    "letters_letter_desk_translate",
    "letters_letter_desk_review",
    "letters_letter_desk_flag",
    "letters_letter_desk_decide",
    "letters_letter_returned_pdf",
}


class LetterAccessAuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        user = getattr(request, "user", None)
        if (
            match is not None
            and match.url_name in LETTER_TEXT_PAGES
            and response.status_code == 200
            and user is not None
            and user.is_authenticated
            and user.is_staff
        ):
            letter_id = match.kwargs.get("letter_id") or match.kwargs.get("object_id")
            if letter_id and str(letter_id).isdigit():
                LetterAccess.objects.create(
                    user=user, letter_id=int(letter_id), page=match.url_name
                )
        return response
