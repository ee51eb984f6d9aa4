import pytest

from letters.models import Letter
from letters.services import submission


@pytest.fixture
def submit():
    """A supporter's letter submitted through the service, with any field overridden."""

    def submit(prisoner, **overrides) -> submission.SubmittedLetter:
        data = {
            "prisoner_id": prisoner.pk,
            "supporter_name": "Anna",
            "supporter_email": "anna@example.org",
            "language": "en",
            "original_text": "Dear Bakhrom, spring has come.",
            "delivery": Letter.Delivery.POST_FOR_ME,
            "postage_currency": "GBP",
        }
        return submission.letter_submit(**(data | overrides))

    return submit
