"""The demo logins show the roles as they are: the reviewer is a volunteer who may also
review, not a coordinator."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from core import storage
from letters.models import Letter
from payments.models import Payment
from payments.selectors import postage_balance
from replies.models import Reply

pytestmark = pytest.mark.django_db


def test_the_demo_reviewer_is_a_volunteer_who_may_review(settings):
    # given the demo data loaded
    settings.DEBUG = True
    call_command("load_demo_data")
    # when the demo logins are looked at
    users = {user.username: user for user in get_user_model().objects.all()}
    reviewer, volunteer, coordinator = users["reviewer"], users["volunteer"], users["coordinator"]
    # then the reviewer translates and reviews, as a volunteer does, and coordinates nothing
    assert [group.name for group in reviewer.groups.all()] == ["Volunteers"]
    assert reviewer.has_perm("letters.translate_letter")
    assert reviewer.has_perm("letters.review_letter")
    assert not reviewer.has_perm("letters.coordinate_letters")
    assert not reviewer.has_perm("prisoners.change_prisoner")
    assert not reviewer.has_perm("payments.view_payment")
    # and the volunteer does not review; the coordinator coordinates
    assert not volunteer.has_perm("letters.review_letter")
    assert coordinator.has_perm("letters.coordinate_letters")


def test_the_demo_postage_is_recorded_as_payments_and_shows_on_the_dashboard(settings):
    # given the demo data loaded
    settings.DEBUG = True
    call_command("load_demo_data")
    # when the postage of its letters is looked at
    paid = Letter.objects.filter(postage=Letter.Postage.PAID)
    waived = Letter.objects.filter(postage=Letter.Postage.WAIVED)
    # then every settled letter has the payment that settled it, as a real one would
    assert paid.exists() and waived.exists()
    for letter in paid:
        assert Payment.objects.filter(letter=letter, status=Payment.Status.PAID).exists()
    for letter in waived:
        assert Payment.objects.filter(letter=letter, provider=Payment.Provider.WAIVED).exists()
    # and the coordinators' dashboard counts the postage collected
    collected = {row["currency"]: row["collected"] for row in postage_balance()}
    assert collected == {"GBP": 2.20}


def test_the_demo_has_a_reply_waiting_and_a_reviewer_who_may_review_it(settings):
    # given the demo data loaded
    settings.DEBUG = True
    call_command("load_demo_data")
    # when the replies desk is looked at
    waiting = Reply.objects.get()
    reviewer = get_user_model().objects.get(username="reviewer")
    # then a scanned reply to a posted letter waits to be transcribed, its page readable
    assert waiting.status == Reply.Status.RECEIVED
    assert waiting.letter.status == Letter.Status.POSTED
    (page,) = waiting.pages.all()
    assert storage.read(page.file_name).startswith(b"\x89PNG")
    # and the demo reviewer reviews replies as well as letters
    assert reviewer.has_perm("replies.review_reply")
