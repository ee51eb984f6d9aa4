"""Who may open what: every kind of visitor against the pages that matter, each answer as
the role allows. A volunteer opening a letter that is not theirs gets 404."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from letters import tokens
from letters.models import Letter
from rights.services import rights_link_token
from tests.factories import CoordinatorFactory, LetterFactory, VolunteerFactory

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
