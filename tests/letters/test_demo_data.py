"""The demo logins show the roles as they are: the reviewer is a volunteer who may also
review, not a coordinator."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

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
