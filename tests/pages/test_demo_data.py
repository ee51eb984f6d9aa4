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


def test_the_demo_walk_through_holds_and_releases_a_letter_for_an_incomplete_komu_line(
    settings, django_capture_on_commit_callbacks
):
    from prisoners import services as prisoner_services
    from prisoners.models import Prisoner

    # given the demo data loaded
    settings.DEBUG = True
    call_command("load_demo_data")
    coordinator = get_user_model().objects.get(username="coordinator")
    # then the returned letter went to a prisoner whose «Кому» line is complete
    returned = Letter.objects.get(status=Letter.Status.RETURNED)
    assert returned.prisoner.recipient_line_complete
    # and Evgeny Zinich's letter waits for his address and for the rest of his «Кому» line
    zinich = Prisoner.objects.get(slug="evgeny-zinich")
    held = Letter.objects.get(prisoner=zinich, status=Letter.Status.ON_HOLD)
    assert held.events.get(action="hold").note == (
        "The prisoner has no current address. The prisoner's year of birth is missing. The "
        "prisoner's name in the dative case is incomplete: it needs the surname, first name "
        "and patronymic, e.g. Хамроеву Бахрому Мардоновичу."
    )
    # when the walk-through records his address and completes his record, it is ready again
    with django_capture_on_commit_callbacks(execute=True):
        prisoner_services.prisoner_address_add(
            prisoner_id=zinich.pk,
            actor=coordinator,
            facility="ФКУ ИК-1 УФСИН России по Демо-области",
            street="ул. Примерная, д. 3",
            city="г. Демо",
            postal_index="103000",
        )
    held.refresh_from_db()
    assert held.status == Letter.Status.ON_HOLD
    zinich.refresh_from_db()
    zinich.name_ru_dative, zinich.birth_year = "Зиничу Евгению Ивановичу", 1980
    with django_capture_on_commit_callbacks(execute=True):
        prisoner_services.prisoner_save(
            prisoner=zinich, actor=coordinator, changed_fields=["name_ru_dative", "birth_year"]
        )
    held.refresh_from_db()
    assert held.status == Letter.Status.APPROVED


def test_the_demo_inbox_holds_a_letter_to_confirm_and_a_question(settings):
    from inbox.models import InboundEmail

    # given the demo data loaded
    settings.DEBUG = True
    call_command("load_demo_data")
    # when the Inbox is looked at
    emails = {email.subject: email for email in InboundEmail.objects.all()}
    # then a German letter to Bakhrom Khamroev waits to be confirmed, guessed as such
    letter = emails["Brief an Bakhrom Khamroev"]
    assert letter.status == InboundEmail.Status.RECEIVED
    assert letter.guessed_prisoner is not None
    assert letter.guessed_prisoner.slug == "bakhrom-khamroev"
    assert letter.guessed_language == "de"
    assert "Sie sind nicht vergessen" in letter.text
    # and a question waits to be answered
    question = emails["How long does a letter take?"]
    assert question.status == InboundEmail.Status.RECEIVED
    assert question.sender_email == "claire@example.org"
