"""A volunteer's flag reaches the coordinators: an e-mail after commit (once per flag, swept
when its task was lost, without the letter's text or who wrote it), and a count on the admin
index and the coordinators' dashboard."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from letters import selectors, tasks
from letters.models import Letter
from letters.services import notifications, translation
from tests.factories import CoordinatorFactory, LetterFactory, VolunteerFactory

pytestmark = pytest.mark.django_db

TEXT = "Dear Ivan, marker-letter-text, you are not forgotten."
REASON = "It names marker-reason-guard at the prison."


def _letter(**kwargs) -> Letter:
    return LetterFactory(
        original_text=TEXT,
        supporter_name="Anna Marker",
        supporter_email="anna.marker@example.org",
        **kwargs,
    )


def _flag(letter: Letter, volunteer=None) -> None:
    translation.letter_flag(
        letter_id=letter.pk, volunteer=volunteer or VolunteerFactory(), reason=REASON
    )


def test_a_flag_e_mails_the_coordinators_after_commit_without_text_or_supporter(
    outbox, django_capture_on_commit_callbacks
):
    # given two coordinators and a waiting letter
    coordinators = sorted(CoordinatorFactory().email for _ in range(2))
    letter = _letter()

    # when a volunteer flags it, the e-mail waits for the commit
    with django_capture_on_commit_callbacks() as callbacks:
        _flag(letter)
        assert outbox == []
    for callback in callbacks:
        callback()

    # then the coordinators are told which letter and where to decide
    (message,) = outbox
    assert sorted(message.to) == coordinators
    assert letter.reference in message.subject
    assert letter.reference in message.body
    assert "http://testserver" + reverse("admin:letters_letter_desk_flags") in message.body
    assert "1 flagged letter is waiting for a decision" in message.body
    # and it carries neither the letter, nor who wrote it, nor the reason (it may quote it)
    for secret in ("marker-letter-text", "Anna Marker", "anna.marker", "marker-reason"):
        assert secret not in message.subject + message.body
    # and the history says they were told
    assert letter.events.filter(action=selectors.FLAG_ANNOUNCED).count() == 1


def test_the_flag_e_mail_names_the_time_with_its_zone(outbox, django_capture_on_commit_callbacks):
    # given a coordinator and a letter flagged at a known moment
    CoordinatorFactory()
    letter = _letter()
    with django_capture_on_commit_callbacks(execute=True):
        _flag(letter)
    letter.refresh_from_db()

    # then the e-mail says when, in the site's time zone, and names it
    local = timezone.localtime(letter.flagged_at)
    assert f"{local:%H:%M} {local.tzname()}" in outbox[0].body


def test_a_flag_is_announced_once_and_a_settled_one_not_at_all(
    outbox, django_capture_on_commit_callbacks
):
    # given a coordinator and a flagged letter whose e-mail went
    coordinator = CoordinatorFactory()
    letter = _letter()
    with django_capture_on_commit_callbacks(execute=True):
        _flag(letter)

    # when the task runs again (a redelivery), then nothing more is sent
    tasks.notify_coordinators_of_flag.delay(letter.pk)
    assert len(outbox) == 1

    # when a flag is settled before its task ran, then nobody is told of it
    other = _letter()
    with django_capture_on_commit_callbacks(execute=False):
        _flag(other)
    translation.letter_flag_clear(letter_id=other.pk, coordinator=coordinator)
    assert notifications.letter_flag_notify_coordinators(letter_id=other.pk) is False
    assert len(outbox) == 1

    # when the cleared letter is flagged again, then that new flag is announced
    with django_capture_on_commit_callbacks(execute=True):
        _flag(other)
    assert len(outbox) == 2 and other.reference in outbox[1].subject


def test_the_sweep_announces_a_flag_whose_task_was_lost(outbox, django_capture_on_commit_callbacks):
    # given a coordinator and a letter flagged an hour ago whose task never ran
    CoordinatorFactory()
    letter = _letter()
    with django_capture_on_commit_callbacks(execute=False):
        _flag(letter)
    Letter.objects.filter(pk=letter.pk).update(flagged_at=timezone.now() - timedelta(hours=1))
    fresh = _letter()
    with django_capture_on_commit_callbacks(execute=False):
        _flag(fresh)

    # when the sweep runs (Celery eager), then the old flag is announced, the fresh one is
    # left to its own task, and a second sweep finds nothing
    assert tasks.sweep_side_effects()["flags"] == 1
    (message,) = outbox
    assert letter.reference in message.subject
    assert tasks.sweep_side_effects()["flags"] == 0


def test_coordinators_see_how_many_flags_wait_on_the_index_and_the_dashboard(client):
    # given two flagged letters, one flag settled, and a letter nobody flagged
    coordinator = CoordinatorFactory()
    for _ in range(2):
        _flag(_letter())
    settled = _letter()
    _flag(settled)
    translation.letter_flag_clear(letter_id=settled.pk, coordinator=coordinator)
    _letter()
    flags_url = reverse("admin:letters_letter_desk_flags")
    client.force_login(coordinator)

    # when a coordinator opens the admin index and the dashboard
    index = client.get(reverse("admin:index")).content.decode()
    dashboard = client.get(reverse("letters_coordination:dashboard")).content.decode()

    # then each shows the count, linking to the Flagged page
    row = index.split('id="flagged-letters"')[1].split("</tr>")[0]
    assert f'<a href="{flags_url}"><strong>2 wait for your decision</strong></a>' in row
    block = dashboard.split('id="flagged-letters"')[1].split("</div>")[0]
    assert "2 flagged letters wait for a coordinator's decision." in block
    assert f'<a href="{flags_url}">' in block


def test_volunteers_do_not_see_the_flag_count(client):
    # given a flagged letter and a volunteer
    volunteer = VolunteerFactory()
    _flag(_letter())
    client.force_login(volunteer)

    # when the volunteer opens the admin index, then there is no count of flags
    index = client.get(reverse("admin:index")).content.decode()
    assert 'id="flagged-letters"' not in index
    assert "wait for your decision" not in index
