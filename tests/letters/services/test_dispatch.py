"""letters.services.dispatch: holds, postage, posting batches, posting and returning."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core import storage
from letters import selectors
from letters.models import Letter, LetterEvent, Notification, PostingBatchDocument
from letters.services import core, dispatch, submission, translation
from tests.factories import LetterFactory, PrisonerFactory, PrisonerWithAddressFactory

pytestmark = pytest.mark.django_db
S = Letter.Status


# --- holds, postage, one letter at a time ----------------------------------------------------


def test_release_hold_needs_an_address(coordinator):
    # given a held letter to a prisoner whose address we still do not know
    letter = LetterFactory(status=S.ON_HOLD, prisoner=PrisonerFactory())
    # when a coordinator releases it, then it is refused
    with pytest.raises(core.NoCurrentAddress):
        dispatch.letter_release_hold(letter_id=letter.pk, actor=coordinator)


def test_prisoner_in_transit_has_no_current_address(coordinator):
    # given a paid, approved letter to a prisoner now in transit
    letter = LetterFactory(status=S.APPROVED, postage=Letter.Postage.PAID)
    letter.prisoner.status = "in_transit"
    letter.prisoner.save()
    # when a coordinator posts it, then it is refused: the address on file is not current
    with pytest.raises(core.NoCurrentAddress):
        dispatch.letter_post(letter_id=letter.pk, coordinator=coordinator)


@pytest.mark.parametrize("postage", ["due", "refunded"])
def test_post_refused_until_postage_settled(postage, coordinator):
    # given an approved letter whose postage is not settled
    letter = LetterFactory(status=S.APPROVED, postage=postage)
    # when a coordinator posts it, then it is refused and stays approved
    with pytest.raises(core.PostageNotSettled):
        dispatch.letter_post(letter_id=letter.pk, coordinator=coordinator)
    assert Letter.objects.get(pk=letter.pk).status == S.APPROVED


def test_waived_postage_may_be_posted(coordinator):
    # given an approved letter whose postage payments reports waived
    letter = LetterFactory(status=S.APPROVED)
    dispatch.letter_set_postage(letter_id=letter.pk, postage="waived")
    # when a coordinator posts it, then it is posted
    dispatch.letter_post(letter_id=letter.pk, coordinator=coordinator)
    assert Letter.objects.get(pk=letter.pk).status == S.POSTED


def test_post_for_me_letter_cannot_be_returned(coordinator):
    # given an approved letter we are to post
    letter = LetterFactory(status=S.APPROVED)
    # when a coordinator returns it to the supporter, then it is refused
    with pytest.raises(core.LetterError):
        dispatch.letter_return(letter_id=letter.pk, coordinator=coordinator)


# --- batches ---------------------------------------------------------------------------------


def _ready(**kwargs) -> Letter:
    defaults = {"status": S.APPROVED, "postage": Letter.Postage.PAID}
    return LetterFactory(**(defaults | kwargs))


def test_prepare_puts_only_ready_letters_in_the_batch_and_renders_its_pdf(
    coordinator, django_capture_on_commit_callbacks
):
    # given letters ready to post, and letters that are not
    ready = [_ready(), _ready(postage=Letter.Postage.WAIVED)]
    unpaid = _ready(postage=Letter.Postage.DUE)
    in_transit = _ready(prisoner=PrisonerWithAddressFactory(status="in_transit"))
    returned_kind = LetterFactory(status=S.APPROVED, delivery=Letter.Delivery.RETURN_TO_ME)
    translated = LetterFactory(status=S.TRANSLATED, postage=Letter.Postage.PAID)
    # when a coordinator prepares today's post
    with django_capture_on_commit_callbacks(execute=True):
        batch = dispatch.batch_prepare(coordinator=coordinator)
    # then the batch holds exactly the ready letters and its PDF was rendered by the task
    assert set(selectors.batch_letters(batch)) == set(ready)
    for letter in (unpaid, in_transit, returned_kind, translated):
        letter.refresh_from_db()
        assert letter.posting_batch_id is None
    document = PostingBatchDocument.objects.get(batch=batch)
    assert document.letter_count == 2
    assert storage.read(document.file_name).startswith(b"%PDF")  # tests/storage: encrypted
    # and a second render returns the same document
    assert dispatch.batch_render_pdf(batch_id=batch.pk).pk == document.pk


def test_prepare_with_nothing_ready_says_so(coordinator):
    # given only a letter whose postage is due
    _ready(postage=Letter.Postage.DUE)
    # when a coordinator prepares today's post, then they are told nothing is ready
    with pytest.raises(core.LetterError, match="No letter is ready"):
        dispatch.batch_prepare(coordinator=coordinator)


def test_prepare_needs_a_coordinator(volunteer):
    # given a letter ready to post
    _ready()
    # when a volunteer prepares a batch, then it is refused
    with pytest.raises(core.NotPermitted):
        dispatch.batch_prepare(coordinator=volunteer)


def test_mark_posted_posts_each_letter_with_event_and_email_and_reports_changed_ones(
    coordinator, outbox, django_capture_on_commit_callbacks
):
    # given a prepared batch of three, one cancelled by its supporter after printing
    letters = [_ready() for _ in range(3)]
    batch = dispatch.batch_prepare(coordinator=coordinator)
    submission.letter_cancel(letter_id=letters[2].pk)
    outbox.clear()
    # when the coordinator marks it posted
    with django_capture_on_commit_callbacks(execute=True):
        result = dispatch.batch_mark_posted(
            batch_id=batch.pk,
            coordinator=coordinator,
            posted_on=timezone.localdate(),
            postage_spent=495,
            postage_currency="GBP",
        )
    # then two letters are posted with their events and e-mails, the cancelled one left out
    assert sorted(result.posted) == sorted(x.reference for x in letters[:2])
    assert [ref for ref, _why in result.skipped] == [letters[2].reference]
    for letter in letters[:2]:
        letter.refresh_from_db()
        assert (letter.status, letter.posting_batch_id) == (S.POSTED, batch.pk)
        assert letter.events.filter(action="post", actor=coordinator).count() == 1
        assert Notification.objects.get(letter=letter, kind="posted").sent_at is not None
    letters[2].refresh_from_db()
    assert letters[2].posting_batch_id is None
    assert sorted(m.to[0] for m in outbox) == sorted(x.supporter_email for x in letters[:2])
    batch.refresh_from_db()
    assert (batch.posted_on, batch.postage_spent) == (timezone.localdate(), 495)
    # and marking it again is refused, changing nothing
    with pytest.raises(core.LetterError, match="already"):
        dispatch.batch_mark_posted(
            batch_id=batch.pk,
            coordinator=coordinator,
            posted_on=timezone.localdate(),
            postage_spent=1,
            postage_currency="GBP",
        )
    assert LetterEvent.objects.filter(action="post").count() == 2


def test_mark_posted_refuses_a_date_in_the_future(coordinator):
    # given a prepared batch
    _ready()
    batch = dispatch.batch_prepare(coordinator=coordinator)
    # when it is marked posted tomorrow, then it is refused
    with pytest.raises(core.LetterError, match="future"):
        dispatch.batch_mark_posted(
            batch_id=batch.pk,
            coordinator=coordinator,
            posted_on=timezone.localdate() + timedelta(days=1),
            postage_spent=100,
            postage_currency="GBP",
        )


def test_a_letter_whose_prisoner_moved_after_printing_is_not_posted_from_the_old_pdf(
    coordinator, django_capture_on_commit_callbacks
):
    # given a printed batch of two letters
    from prisoners.services import prisoner_address_add, prisoner_mark_in_transit

    moved, held_and_back, stays = _ready(), _ready(), _ready()
    with django_capture_on_commit_callbacks(execute=True):
        batch = dispatch.batch_prepare(coordinator=coordinator)
    # when one prisoner gets a new address, and another goes in transit and comes back
    address = {
        "facility": "ФКУ ИК-2 УФСИН России по Владимирской области",
        "street": "ул. Франца Штольверка, д. 2",
        "city": "г. Покров",
        "postal_index": "601120",
    }
    with django_capture_on_commit_callbacks(execute=True):
        prisoner_address_add(prisoner_id=moved.prisoner_id, actor=coordinator, **address)
    with django_capture_on_commit_callbacks(execute=True):
        prisoner_mark_in_transit(prisoner_id=held_and_back.prisoner_id, actor=coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        prisoner_address_add(prisoner_id=held_and_back.prisoner_id, actor=coordinator, **address)
    held_and_back.refresh_from_db()
    assert held_and_back.status == S.APPROVED
    # and the batch is marked posted
    result = dispatch.batch_mark_posted(
        batch_id=batch.pk,
        coordinator=coordinator,
        posted_on=timezone.localdate(),
        postage_spent=220,
        postage_currency="GBP",
    )
    # then only the unchanged letter is posted; the others wait for the next batch
    assert result.posted == [stays.reference]
    assert {ref for ref, _why in result.skipped} == {moved.reference, held_and_back.reference}
    for letter in (moved, held_and_back):
        letter.refresh_from_db()
        assert (letter.status, letter.posting_batch_id) == (S.APPROVED, None)
    assert selectors.letters_ready_to_post().count() == 2


def test_a_letter_that_lost_its_address_before_printing_leaves_the_batch(coordinator):
    # given a batch of two, one prisoner's address gone before the worker prints
    from prisoners.models import Prisoner

    kept, lost = _ready(), _ready()
    batch = dispatch.batch_prepare(coordinator=coordinator)
    Prisoner.objects.filter(pk=lost.prisoner_id).update(status=Prisoner.Status.IN_TRANSIT)
    # when the PDF is rendered
    document = dispatch.batch_render_pdf(batch_id=batch.pk)
    # then it prints the other one, and the lost one waits outside the batch
    assert document.letter_count == 1
    assert list(selectors.batch_letters(batch)) == [kept]
    lost.refresh_from_db()
    assert lost.posting_batch_id is None


def _batch_events(letter: Letter) -> list[tuple[str, str]]:
    return list(
        LetterEvent.objects.filter(letter=letter, kind="batch")
        .order_by("pk")
        .values_list("action", "note")
    )


def test_every_change_of_a_batch_is_in_its_letters_history(coordinator):
    # given three letters ready to post, put in a batch
    posted, cancelled, stale = _ready(), _ready(), _ready()
    batch = dispatch.batch_prepare(coordinator=coordinator)
    # when one is cancelled and another changes after printing, and the batch is marked posted
    submission.letter_cancel(letter_id=cancelled.pk)
    dispatch.letter_hold(letter_id=stale.pk, actor=coordinator, note="этап")
    dispatch.letter_release_hold(letter_id=stale.pk, actor=coordinator)
    dispatch.batch_mark_posted(
        batch_id=batch.pk,
        coordinator=coordinator,
        posted_on=timezone.localdate(),
        postage_spent=220,
        postage_currency="GBP",
    )
    # then each letter's history says it went into the batch, and the two left out say why
    added = ("batch_add", f"Put in posting batch {batch.pk}.")
    assert _batch_events(posted) == [added]
    ((action, note),) = _batch_events(cancelled)[1:]
    assert action == "batch_remove" and f"batch {batch.pk}: not posted" in note
    assert _batch_events(stale) == [
        added,
        ("batch_remove", f"Taken out of posting batch {batch.pk}: it changed after printing."),
    ]


def test_letters_freed_by_a_discarded_or_unprintable_batch_say_so(coordinator):
    # given a batch of two, one prisoner's address gone before the worker prints
    from prisoners.models import Prisoner

    kept, lost = _ready(), _ready()
    batch = dispatch.batch_prepare(coordinator=coordinator)
    Prisoner.objects.filter(pk=lost.prisoner_id).update(status=Prisoner.Status.IN_TRANSIT)
    # when the PDF is rendered, and the batch is then discarded
    dispatch.batch_render_pdf(batch_id=batch.pk)
    batch_id = batch.pk
    assert dispatch.batch_discard(batch_id=batch_id, coordinator=coordinator) == 1
    # then both letters' histories say when and why they left the batch
    assert _batch_events(lost)[1:] == [
        (
            "batch_remove",
            f"Taken out of posting batch {batch_id}: no current address when it was printed.",
        )
    ]
    assert _batch_events(kept)[1:] == [("batch_remove", f"Posting batch {batch_id} was discarded.")]


# --- returning -------------------------------------------------------------------------------


def test_approving_a_return_letter_returns_it_with_the_pdf_attached(
    coordinator, outbox, django_capture_on_commit_callbacks
):
    # given a translated return_to_me letter
    letter = LetterFactory(status=S.TRANSLATED, delivery=Letter.Delivery.RETURN_TO_ME)
    # when a reviewer approves it (the worker does the rest)
    with django_capture_on_commit_callbacks(execute=True):
        translation.letter_approve(letter_id=letter.pk, reviewer=coordinator)
    # then it is returned, the supporter gets one e-mail with the PDF
    letter.refresh_from_db()
    assert letter.status == S.RETURNED
    assert letter.events.filter(action="return", actor=None).count() == 1
    returned = [m for m in outbox if "returned" in m.subject.lower() or m.attachments]
    assert len(returned) == 1
    ((name, content, mimetype),) = returned[0].attachments
    assert (name, mimetype) == (f"{letter.reference}.pdf", "application/pdf")
    assert content.startswith(b"%PDF")
    # and running the return again does nothing
    assert dispatch.letter_return_process(letter_id=letter.pk) is None


def test_approving_a_return_letter_to_a_prisoner_in_transit_holds_it(
    coordinator, outbox, django_capture_on_commit_callbacks
):
    # given a translated return_to_me letter to a prisoner in transit
    letter = LetterFactory(
        status=S.TRANSLATED,
        delivery=Letter.Delivery.RETURN_TO_ME,
        prisoner=PrisonerWithAddressFactory(status="in_transit"),
    )
    # when it is approved (the worker does the rest)
    with django_capture_on_commit_callbacks(execute=True):
        translation.letter_approve(letter_id=letter.pk, reviewer=coordinator)
    # then it waits on hold, and no PDF went to the supporter
    letter.refresh_from_db()
    assert letter.status == S.ON_HOLD
    assert not any(m.attachments for m in outbox)


def test_mark_posted_refuses_a_date_before_the_batch_was_made(coordinator):
    # given a batch prepared today
    _ready()
    batch = dispatch.batch_prepare(coordinator=coordinator)
    # when the coordinator mistypes the year (2016 for 2026), then it is refused, naming the day
    with pytest.raises(core.LetterError, match="before the batch was made"):
        dispatch.batch_mark_posted(
            batch_id=batch.pk,
            coordinator=coordinator,
            posted_on=timezone.localdate() - timedelta(days=3650),
            postage_spent=220,
            postage_currency="GBP",
        )
    # and nothing is posted
    batch.refresh_from_db()
    assert batch.posted_on is None
    assert not LetterEvent.objects.filter(action="post").exists()
