"""inbox.imap against a real IMAP server (Dovecot on loopback): messages are appended with
IMAP APPEND, fetched by the poller by UID, and moved to Processed or Failed, never deleted."""

import pytest

from inbox import services, tasks
from inbox.imap import poll_mailbox
from inbox.models import InboundEmail

from .conftest import eml

pytestmark = pytest.mark.django_db
Status, Reason = InboundEmail.Status, InboundEmail.Reason


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


def test_damaged_messages_go_to_failed_and_never_block_the_rest(dovecot, directory):
    # given, among letters, a message the reader cannot take apart, one garbled and one cut off
    names = (
        "deeply_nested_mime",
        "plain_utf8_post_it",
        "damaged_base64_body",
        "truncated_mime",
        "koi8r_russian",
    )
    for name in names:
        dovecot.append(eml(name))
    # when the poller runs
    result = poll_mailbox()
    # then every message is kept: the damaged ones as failures with their reasons, in Failed
    assert (result.fetched, result.new, result.failed, result.errors) == (5, 5, 3, 0)
    assert sorted(
        InboundEmail.objects.filter(status=Status.FAILED).values_list("reason", flat=True)
    ) == [Reason.DAMAGED, Reason.UNPARSEABLE, Reason.UNREADABLE_ATTACHMENT]
    assert InboundEmail.objects.filter(status=Status.RECEIVED).count() == 2
    assert (dovecot.count("INBOX"), dovecot.count("Processed"), dovecot.count("Failed")) == (
        0,
        2,
        3,
    )


class Killed(BaseException):
    """The worker's process dying mid-poll: nothing of ours catches it."""


def test_a_poll_killed_after_storing_is_finished_by_the_next(dovecot, directory, monkeypatch):
    # given a poll killed after it stored a message and before it read it
    dovecot.append(eml("plain_utf8_post_it"))

    def die(email_id):
        raise Killed

    with monkeypatch.context() as patched:
        patched.setattr(services, "_read", die)
        with pytest.raises(Killed):
            poll_mailbox()
    assert InboundEmail.objects.get().read_at is None
    assert dovecot.count("INBOX") == 1  # never moved: the poll died first
    # when the next poll runs
    result = poll_mailbox()
    # then it reads the stored message (no second copy) and moves it to Processed
    assert (result.fetched, result.new, result.duplicates) == (1, 0, 1)
    email = InboundEmail.objects.get()
    assert email.read_at is not None
    assert (email.status, email.guessed_prisoner) == (Status.RECEIVED, directory["khamroev"])
    assert (dovecot.count("INBOX"), dovecot.count("Processed")) == (0, 1)
