"""Who may open what: every kind of visitor against the pages that matter, each answer as
the role allows. A volunteer opening a letter that is not theirs gets 404. And who may run
what: every admin action of every registered model, for every role."""

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import LetterAccess
from inbox.models import InboundEmail
from letters import tokens
from letters.models import Letter, LetterEvent, Notification, PostingBatch
from payments.models import Payment, StripeEvent
from replies.models import Reply
from rights.services import rights_link_token
from tests.factories import (
    CoordinatorFactory,
    LetterFactory,
    PrisonerWithAddressFactory,
    UserFactory,
    VolunteerFactory,
    VolunteerProfileFactory,
)

pytestmark = pytest.mark.django_db
S = Letter.Status
ROLES = ["anonymous", "link_holder", "volunteer", "reviewer", "coordinator"]
LOGIN = "login"  # a redirect to the staff sign-in
ELSEWHERE = "redirect"  # sent on to the page this person works on, with a message


def _token(letter) -> str:
    return tokens.token_for(salt=letter.tracking_salt)


@pytest.fixture
def world():
    volunteer, other, reviewer = VolunteerFactory(), VolunteerFactory(), VolunteerFactory()
    reviewer.user_permissions.add(Permission.objects.get(codename="review_letter"))
    return {
        "volunteer": volunteer,
        "reviewer": reviewer,
        "coordinator": CoordinatorFactory(),
        "mine": LetterFactory(status=S.IN_TRANSLATION, claimed_by=volunteer),
        "others": LetterFactory(status=S.IN_TRANSLATION, claimed_by=other),
        "translated": LetterFactory(status=S.TRANSLATED, translated_by=other),
        "returned": LetterFactory(status=S.RETURNED, delivery="return_to_me"),
        "posted": LetterFactory(status=S.POSTED),
    }


def _matrix(w) -> list[tuple[str, dict[str, object]]]:
    every = dict.fromkeys(ROLES, 200)
    staff_only = {
        "anonymous": LOGIN,
        "link_holder": LOGIN,
        "volunteer": 200,
        "reviewer": 200,
        "coordinator": 200,
    }
    coordinators_only = {
        "anonymous": LOGIN,
        "link_holder": LOGIN,
        "volunteer": 403,
        "reviewer": 403,
        "coordinator": 200,
    }
    nobody_staff = dict.fromkeys(ROLES, 404)
    desk = lambda name, letter: reverse(f"admin:letters_letter_desk_{name}", args=[letter.pk])  # noqa: E731
    change = lambda letter: reverse("admin:letters_letter_change", args=[letter.pk])  # noqa: E731
    return [
        # public pages
        (reverse("prisoners:list"), every),
        (reverse("prisoners:detail", args=[w["posted"].prisoner.slug]), every),
        (reverse("letters:write"), every),
        (reverse("letters:find"), every),
        (reverse("letters:privacy"), every),
        (reverse("rights:request"), every),
        # pages behind a secret link: whoever holds the link, nobody without it
        (reverse("letters:track", args=[_token(w["posted"])]), every),
        (reverse("letters:track", args=["f" * 43]), nobody_staff),
        (reverse("letters:returned_pdf", args=[_token(w["returned"])]), every),
        (reverse("letters:returned_pdf", args=[_token(w["posted"])]), nobody_staff),
        (reverse("rights:home", args=[rights_link_token(letter_ids=[w["posted"].pk])]), every),
        (reverse("rights:home", args=["forged:token:x"]), nobody_staff),
        # the admin: staff only, and within it each role's own work
        (reverse("admin:index"), staff_only),
        (reverse("admin:letters_letter_changelist"), staff_only),
        (reverse("admin:letters_letter_desk_queue"), staff_only),
        (change(w["mine"]), {**staff_only, "reviewer": 404}),
        (change(w["others"]), {**staff_only, "volunteer": 404, "reviewer": 404}),
        (desk("translate", w["mine"]), {**staff_only, "reviewer": 404, "coordinator": ELSEWHERE}),
        (
            desk("translate", w["others"]),
            {**staff_only, "volunteer": 404, "reviewer": 404, "coordinator": ELSEWHERE},
        ),
        (desk("review", w["translated"]), {**staff_only, "volunteer": 403}),
        (reverse("admin:payments_payment_changelist"), coordinators_only),
        (reverse("admin:payments_payment_ledger"), coordinators_only),
        (reverse("admin:payments_payment_settle_letter", args=[w["posted"].pk]), coordinators_only),
        (reverse("admin:letters_letterevent_changelist"), coordinators_only),
        (reverse("admin:accounts_letteraccess_changelist"), coordinators_only),
        (reverse("admin:inbox_inboundemail_changelist"), coordinators_only),
        (reverse("letters_coordination:dashboard"), coordinators_only),
        (reverse("letters_coordination:prepare"), coordinators_only),
        (reverse("admin:auth_user_changelist"), {**coordinators_only, "coordinator": 403}),
    ]


def _status(response) -> object:
    if response.status_code == 302:
        return LOGIN if reverse("admin:login") in response["Location"] else ELSEWHERE
    return response.status_code


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_what_it_may(client, world, role):
    if role in ("volunteer", "reviewer", "coordinator"):
        client.force_login(world[role])
    wrong = {}
    for url, expected in _matrix(world):
        got = _status(client.get(url))
        if got != expected[role]:
            wrong[url] = (expected[role], got)
    assert wrong == {}, f"{role}: {wrong}"


# --- admin actions ---------------------------------------------------------------------------
# Every action of every registered model, and the roles that may run it. Built against the
# admin's registry, so a new action (or a newly registered model) fails
# test_every_admin_action_has_an_expectation until it is added here.

ACTION_ROLES = ["anonymous", "volunteer", "reviewer", "coordinator", "superuser"]
COORDINATORS = {"coordinator", "superuser"}
SUPERUSER = {"superuser"}
NOBODY: set[str] = set()
ALLOWED = {
    ("auth.group", "delete_selected"): SUPERUSER,
    ("auth.user", "delete_selected"): SUPERUSER,
    ("otp_totp.totpdevice", "delete_selected"): SUPERUSER,
    ("otp_static.staticdevice", "delete_selected"): SUPERUSER,
    ("axes.accessattempt", "delete_selected"): COORDINATORS,  # deleting attempts unlocks
    ("axes.accessattempt", "unlock"): COORDINATORS,
    ("axes.accesslog", "delete_selected"): SUPERUSER,
    ("axes.accessfailurelog", "delete_selected"): SUPERUSER,
    ("prisoners.prisoner", "delete_selected"): SUPERUSER,
    ("prisoners.prisoner", "mark_in_transit"): COORDINATORS,
    ("prisoners.prisoner", "mark_released"): COORDINATORS,  # closes the letters in flight
    ("prisoners.prisoner", "mark_deceased"): COORDINATORS,
    ("prisoners.prisonaddress", "delete_selected"): SUPERUSER,
    ("letters.letter", "delete_selected"): NOBODY,  # cancelled or rejected, never deleted
    ("replies.reply", "delete_selected"): NOBODY,  # withheld or erased, never deleted
    ("letters.letter", "skip_translation"): COORDINATORS,
    ("letters.letter", "release_claim"): COORDINATORS,
    ("letters.letter", "release_hold"): COORDINATORS,
    ("letters.letter", "return_to_supporter"): COORDINATORS,
    ("letters.letterevent", "delete_selected"): NOBODY,
    ("letters.volunteerprofile", "delete_selected"): SUPERUSER,
    ("letters.postingbatch", "delete_selected"): NOBODY,  # read-only: see "Mark posted"
    ("letters.notification", "delete_selected"): NOBODY,
    ("payments.payment", "delete_selected"): NOBODY,
    ("payments.payment", "retry_refund"): COORDINATORS,
    ("payments.payment", "mark_refunded_by_hand"): COORDINATORS,
    ("payments.stripeevent", "delete_selected"): NOBODY,
    ("accounts.letteraccess", "delete_selected"): NOBODY,
    ("inbox.inboundemail", "delete_selected"): NOBODY,  # archived, never deleted
}


def _registered_actions() -> list[tuple[str, str]]:
    """(model label, action name) for every action any admin of the site could offer."""
    return sorted(
        (model._meta.label_lower, name)
        for model, model_admin in admin.site._registry.items()
        for _func, name, _description in model_admin._get_base_actions()
    )


def _action_func(label: str, name: str):
    model_admin = admin.site._registry[apps.get_model(label)]
    return next(func for func, n, _d in model_admin._get_base_actions() if n == name)


def test_every_admin_action_has_an_expectation():
    assert dict.fromkeys(_registered_actions()) == dict.fromkeys(sorted(ALLOWED))


@pytest.fixture
def action_world():
    """Staff of every role, and for every registered model rows an action could change: one
    row in each state the actions act on, and a spare row with nothing depending on it for
    Django's delete."""
    users = {
        "volunteer": VolunteerFactory(),
        "reviewer": VolunteerFactory(),
        "coordinator": CoordinatorFactory(),
        "superuser": get_user_model().objects.create_superuser(
            "root", "root@example.org", "correct horse battery"
        ),
    }
    users["reviewer"].user_permissions.add(Permission.objects.get(codename="review_letter"))
    received_ru = LetterFactory(language="ru")
    LetterFactory(status=S.IN_TRANSLATION)
    LetterFactory(status=S.ON_HOLD)
    approved = LetterFactory(status=S.APPROVED, delivery="return_to_me")
    event = LetterEvent.objects.create(
        letter=received_ru, kind=LetterEvent.Kind.TRANSITION, action="submit", to_status=S.RECEIVED
    )
    Notification.objects.create(letter=received_ru, event=event, kind="received")
    LetterAccess.objects.create(user=users["coordinator"], letter=approved, page="test")
    manual = LetterFactory(postage=Letter.Postage.PAID)
    Payment.objects.create(
        letter=manual, provider="manual", status="paid", currency="GBP", amount=250
    )
    refund_failed = LetterFactory(status=S.CANCELLED, postage=Letter.Postage.PAID)
    Payment.objects.create(
        letter=refund_failed,
        provider="stripe",
        status="paid",
        currency="GBP",
        amount=250,
        stripe_payment_intent_id="pi_refund_failed",
        refund_requested_at=timezone.now(),
        refund_error="The card was closed.",
    )
    StripeEvent.objects.create(stripe_id="evt_1", type="checkout.session.completed")
    attempt = {"user_agent": "test", "http_accept": "*/*", "path_info": "/admin/login/"}
    AccessAttempt.objects.create(
        username="locked",
        ip_address="203.0.113.7",
        get_data="",
        post_data="",
        failures_since_start=5,
        **attempt,
    )
    AccessLog.objects.create(username="locked", ip_address="203.0.113.7", **attempt)
    AccessFailureLog.objects.create(username="locked", ip_address="203.0.113.7", **attempt)
    # Spares for Django's delete: nothing protects them.
    spare_user = UserFactory(is_staff=False)
    spare_prisoner = PrisonerWithAddressFactory()
    spares = {
        "auth.group": Group.objects.create(name="Spare"),
        "auth.user": spare_user,
        "otp_totp.totpdevice": TOTPDevice.objects.create(user=spare_user, name="phone"),
        "otp_static.staticdevice": StaticDevice.objects.create(user=spare_user, name="codes"),
        "axes.accessattempt": AccessAttempt.objects.create(
            username="spare",
            ip_address="198.51.100.1",
            get_data="",
            post_data="",
            failures_since_start=1,
            **attempt,
        ),
        "axes.accesslog": AccessLog.objects.create(username="spare", **attempt),
        "axes.accessfailurelog": AccessFailureLog.objects.create(username="spare", **attempt),
        "prisoners.prisoner": spare_prisoner,
        "prisoners.prisonaddress": spare_prisoner.addresses.get(),
        "letters.volunteerprofile": VolunteerProfileFactory(user=spare_user),
        "letters.postingbatch": PostingBatch.objects.create(created_by=users["coordinator"]),
        "inbox.inboundemail": InboundEmail.objects.create(sha256="0" * 64),
        "replies.reply": Reply.objects.create(
            letter=LetterFactory(status=S.POSTED),
            recorded_by=users["coordinator"],
            status_changed_at=timezone.now(),
        ),
    }
    return {"users": users, "spares": spares}


def _selection(world, label: str, name: str) -> list[int]:
    if name == "delete_selected" and label in world["spares"]:
        return [world["spares"][label].pk]
    return list(apps.get_model(label)._default_manager.values_list("pk", flat=True))


def _snapshot() -> dict[str, list]:
    """Every row of every model in the admin, and every e-mail sent."""
    rows = {
        model._meta.label_lower: list(model._default_manager.order_by("pk").values())
        for model in admin.site._registry
    }
    return rows | {"outbox": [(m.subject, m.to) for m in mail.outbox]}


def _changed(before: dict[str, list], after: dict[str, list]) -> list[str]:
    return sorted(key for key in before if before[key] != after[key])


def _clients(world) -> dict[str, Client]:
    """A browser per role, signed in before anything is measured (signing in sets last_login)."""
    clients = {role: Client() for role in ACTION_ROLES}
    for role, user in world["users"].items():
        clients[role].force_login(user)
    return clients


def _changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def _offered(response) -> set[str]:
    if response.status_code != 200 or response.context.get("action_form") is None:
        return set()
    choices = response.context["action_form"].fields["action"].choices
    return {name for name, _label in choices if name}


@pytest.mark.parametrize("role", ACTION_ROLES)
def test_each_role_is_offered_exactly_the_actions_it_may_run(action_world, role):
    # given a person in this role
    client = _clients(action_world)[role]
    wrong = {}
    for model in admin.site._registry:
        label = model._meta.label_lower
        # when they open the model's list
        offered = _offered(client.get(_changelist(model)))
        # then the actions offered are those their role may run, and no other
        expected = {n for (lbl, n), roles in ALLOWED.items() if lbl == label and role in roles}
        if offered != expected:
            wrong[label] = (sorted(expected), sorted(offered))
    assert wrong == {}, f"{role}: {wrong}"


def _request_as(user, data: dict):
    request = RequestFactory().post("/admin/", data)
    request.user, request.session = user, {}
    request._messages = FallbackStorage(request)
    return request


@pytest.mark.parametrize(("label", "name"), _registered_actions())
def test_an_action_run_by_a_role_that_may_not_changes_nothing(
    action_world, label, name, django_capture_on_commit_callbacks
):
    model = apps.get_model(label)
    selected = _selection(action_world, label, name)
    assert selected, f"the world has no {label} for {name} to act on"
    data = {"action": name, helpers.ACTION_CHECKBOX_NAME: selected, "post": "yes"}
    clients = _clients(action_world)
    before = _snapshot()
    for role in sorted(set(ACTION_ROLES) - ALLOWED[(label, name)]):
        # when someone whose role may not run the action posts it, confirmation included
        with django_capture_on_commit_callbacks() as callbacks:
            response = clients[role].post(_changelist(model), data)
        # then no row changed, no e-mail went and nothing waits for the commit
        assert response.status_code in (200, 302, 403), (role, response.status_code)
        assert (_changed(before, _snapshot()), callbacks) == ([], []), role
        # and when the action runs for them directly (as if the admin offered it by mistake),
        # the service (or Django, for delete) refuses it just the same
        user = action_world["users"].get(role, AnonymousUser())
        queryset = model._default_manager.filter(pk__in=selected)
        with django_capture_on_commit_callbacks() as callbacks:
            try:
                _action_func(label, name)(
                    admin.site._registry[model], _request_as(user, data), queryset
                )
            except PermissionDenied:
                pass
        assert (_changed(before, _snapshot()), callbacks) == ([], []), f"{role}, directly"


@pytest.mark.parametrize(("label", "name"), [key for key, roles in ALLOWED.items() if roles])
def test_an_action_run_by_a_role_that_may_does_something(
    action_world, label, name, django_capture_on_commit_callbacks
):
    """The other side of the test above: the world gives every action something to do, so
    "nothing changed" there means refused, not idle."""
    role = sorted(ALLOWED[(label, name)])[0]
    client = _clients(action_world)[role]
    before = _snapshot()
    data = {
        "action": name,
        helpers.ACTION_CHECKBOX_NAME: _selection(action_world, label, name),
        "post": "yes",
    }
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(_changelist(apps.get_model(label)), data)
    assert _changed(before, _snapshot()) or callbacks, f"{role} could not run {label} {name}"
