"""Staff permissions come from the cache (accounts.backends) after the first request, and any
change of a user's groups, a group's permissions or the user drops the cached set."""

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from letters.lifecycle import PERM_REVIEW, PERM_TRANSLATE
from tests.factories import VolunteerFactory

pytestmark = pytest.mark.django_db


def fresh(user: User) -> User:
    """The user as the next request loads it: no permissions remembered on the object."""
    return User.objects.get(pk=user.pk)


def test_permissions_are_read_from_the_database_once_then_from_the_cache():
    # given a volunteer whose permissions were looked up once
    volunteer = VolunteerFactory()
    assert fresh(volunteer).has_perm(PERM_TRANSLATE)
    user = fresh(volunteer)
    # when a later request asks again
    with CaptureQueriesContext(connection) as queries:
        allowed = user.has_perm(PERM_TRANSLATE)
    # then the answer is the same and no query was run
    assert allowed
    assert len(queries) == 0


def test_a_permission_given_to_the_user_counts_at_once():
    # given a cached volunteer without the review permission
    volunteer = VolunteerFactory()
    assert not fresh(volunteer).has_perm(PERM_REVIEW)
    # when a coordinator gives it to them
    volunteer.user_permissions.add(Permission.objects.get(codename="review_letter"))
    # then their next request has it
    assert fresh(volunteer).has_perm(PERM_REVIEW)


def test_leaving_a_group_and_a_group_losing_a_permission_count_at_once():
    # given two cached volunteers
    leaving, staying = VolunteerFactory(), VolunteerFactory()
    assert fresh(leaving).has_perm(PERM_TRANSLATE) and fresh(staying).has_perm(PERM_TRANSLATE)
    # when one leaves the Volunteers group
    leaving.groups.clear()
    # then they lose its permissions, the other keeps them
    assert not fresh(leaving).has_perm(PERM_TRANSLATE)
    assert fresh(staying).has_perm(PERM_TRANSLATE)
    # when the group itself loses the translate permission
    group = Group.objects.get(name="Volunteers")
    group.permissions.remove(Permission.objects.get(codename="translate_letter"))
    # then nobody in it has it any longer
    assert not fresh(staying).has_perm(PERM_TRANSLATE)
    # and giving it back (from the permission's side) counts at once too
    Permission.objects.get(codename="translate_letter").group_set.add(group)
    assert fresh(staying).has_perm(PERM_TRANSLATE)


def test_a_deactivated_user_has_no_permissions_even_while_cached():
    # given a cached volunteer
    volunteer = VolunteerFactory()
    assert fresh(volunteer).has_perm(PERM_TRANSLATE)
    # when they are deactivated
    volunteer.is_active = False
    volunteer.save()
    # then they have nothing, and after reactivation what their group gives
    assert not fresh(volunteer).has_perm(PERM_TRANSLATE)
    volunteer.is_active = True
    volunteer.save()
    assert fresh(volunteer).has_perm(PERM_TRANSLATE)


def test_the_signed_in_user_is_loaded_as_the_orm_loads_them():
    from django.contrib.auth.backends import ModelBackend

    from accounts.backends import CachedPermissionsBackend

    # given a volunteer, a deactivated one, and an id nobody has
    volunteer, gone = VolunteerFactory(), VolunteerFactory(is_active=False)
    ours, djangos = CachedPermissionsBackend(), ModelBackend()
    for _ in range(2):  # compiled on the first call, reused on the second
        # when each request's user is loaded (the session holds the id as text)
        user = ours.get_user(str(volunteer.pk))
        # then it is the instance Django's backend loads, field for field, saved state and all
        theirs = djangos.get_user(volunteer.pk)
        fields = [field.attname for field in User._meta.concrete_fields]
        assert [getattr(user, f) for f in fields] == [getattr(theirs, f) for f in fields]
        assert not user._state.adding and user._state.db == theirs._state.db
        assert user.has_perm(PERM_TRANSLATE)
        # and one who may not sign in, or no one, is nobody
        assert ours.get_user(gone.pk) is None is djangos.get_user(gone.pk)
        assert ours.get_user(10**9) is None
