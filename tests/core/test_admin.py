"""The read-only admins (core.admin.ReadOnlyAdminMixin): histories, logs and rows only a service
writes offer no add, change or delete to anyone, a superuser included."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import RequestFactory

from accounts.models import LetterAccess
from letters.admin import LetterEventInline
from letters.models import Letter, LetterEvent, Notification, PostingBatch
from payments.admin import PaymentEventInline
from payments.models import Payment, StripeEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_request():
    request = RequestFactory().get("/")
    request.user = User.objects.create_superuser("root", "root@example.org", "x")
    return request


@pytest.mark.parametrize(
    "model", [LetterAccess, LetterEvent, Notification, PostingBatch, Payment, StripeEvent]
)
def test_a_read_only_admin_refuses_every_write_even_to_a_superuser(superuser_request, model):
    # given the model's admin
    model_admin = admin.site._registry[model]

    # then a superuser may not add, change or delete a row there
    assert not model_admin.has_add_permission(superuser_request)
    assert not model_admin.has_change_permission(superuser_request)
    assert not model_admin.has_delete_permission(superuser_request)


@pytest.mark.parametrize(
    ("inline_class", "parent"), [(LetterEventInline, Letter), (PaymentEventInline, Payment)]
)
def test_a_history_inline_refuses_every_write_even_to_a_superuser(
    superuser_request, inline_class, parent
):
    # given the history shown on the parent's admin page
    inline = inline_class(parent, admin.site)

    # then a superuser may not add, change or delete an event there
    assert not inline.has_add_permission(superuser_request, None)
    assert not inline.has_change_permission(superuser_request, None)
    assert not inline.has_delete_permission(superuser_request, None)
