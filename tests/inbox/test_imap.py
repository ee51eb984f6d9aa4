"""inbox.imap against a real IMAP server (Dovecot on loopback): messages are appended with
IMAP APPEND, fetched by the poller by UID, and moved to Processed or Failed, never deleted."""

import pytest

from inbox import tasks
from inbox.imap import poll_mailbox
from inbox.models import InboundEmail

from .conftest import eml

pytestmark = pytest.mark.django_db
Status = InboundEmail.Status


def test_each_message_is_ingested_and_moved_to_its_folder(dovecot, directory):
    # given a letter, a message that needs a person and an auto-reply in the mailbox
    for name in ("plain_utf8_post_it", "image_only", "auto_reply_out_of_office"):
        dovecot.append(eml(name))
    # when the poller runs
    result = poll_mailbox()
    # then each is kept and sorted, and moved out of the inbox: failures to Failed
    assert (result.fetched, result.new, result.failed, result.errors) == (3, 3, 1, 0)
    assert sorted(InboundEmail.objects.values_list("status", flat=True)) == [
        Status.FAILED,
        Status.IGNORED,
        Status.RECEIVED,
    ]
    assert (dovecot.count("INBOX"), dovecot.count("Processed"), dovecot.count("Failed")) == (
        0,
        2,
        1,
    )


def test_the_same_message_polled_twice_is_kept_once(dovecot, directory):
    # given a message polled once
    dovecot.append(eml("plain_utf8_post_it"))
    poll_mailbox()
    # when it arrives again (redelivered, or put back by hand) and is polled again
    dovecot.append(eml("plain_utf8_post_it"))
    result = poll_mailbox()
    # then it is recognised, moved, and nothing new is kept
    assert (result.fetched, result.new, result.duplicates) == (1, 0, 1)
    assert InboundEmail.objects.count() == 1
    assert (dovecot.count("INBOX"), dovecot.count("Processed")) == (0, 2)


def test_an_empty_mailbox_is_a_quiet_poll(dovecot):
    result = poll_mailbox()
    assert result.as_dict() == {"fetched": 0, "new": 0, "duplicates": 0, "failed": 0, "errors": 0}


def test_the_task_does_nothing_without_a_mailbox(settings, db):
    # given no IMAP host configured (as under `make run`)
    settings.LETTERBRIDGE_IMAP_HOST = ""
    # when the beat's task runs, then it polls nothing
    assert tasks.poll_inbox() is None


def test_the_task_polls_the_configured_mailbox(dovecot, directory):
    dovecot.append(eml("koi8r_russian"))
    assert tasks.poll_inbox()["new"] == 1
    assert InboundEmail.objects.get().guessed_language == "ru"
