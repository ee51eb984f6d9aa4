import re

import pytest
from django.urls import reverse
from django.utils import timezone

from letters import coordination, selectors
from letters.models import Letter, PostingBatch, PostingBatchDocument
from letters.services import dispatch
from prisoners.models import PrisonAddress, Prisoner
from tests.factories import LetterFactory, PrisonerFactory, PrisonerWithAddressFactory

pytestmark = pytest.mark.django_db
S = Letter.Status


def _ready(**kwargs):
    return LetterFactory(status=S.APPROVED, postage=Letter.Postage.PAID, **kwargs)


def test_dashboard_shows_states_chart_postage_and_fewest_letters(client, coordinator):
    # given some letters, a posted batch, and a prisoner nobody has written to
    LetterFactory(status=S.RECEIVED, status_changed_at=timezone.now() - timezone.timedelta(days=40))
    LetterFactory(status=S.POSTED)
    PostingBatch.objects.create(
        created_by=coordinator, posted_on=timezone.localdate(), postage_spent=1234
    )
    lonely = PrisonerWithAddressFactory(name_en="Aaron Lonely")
    client.force_login(coordinator)
    # when the coordinator opens the dashboard
    response = client.get(reverse("letters_coordination:dashboard"))
    # then every part is there
    assert response.status_code == 200
    page = response.content.decode()
    assert "<svg" in page and "Letters per week" in page
    assert "40 days" in page
    assert "12.34" in page
    assert lonely.name_en in page


@pytest.mark.parametrize(("language", "words"), [("en", "less than a day"), ("ru", "меньше дня")])
def test_a_state_whose_oldest_letter_came_today_waits_less_than_a_day(
    client, coordinator, language, words
):
    LetterFactory(status=S.RECEIVED, status_changed_at=timezone.now())
    client.force_login(coordinator)
    client.cookies["django_language"] = language

    page = client.get(reverse("letters_coordination:dashboard")).content.decode()

    assert words in page
    assert "0 days" not in page and "0 дней" not in page


def test_coordination_pages_refuse_volunteers(client, volunteer):
    client.force_login(volunteer)
    for name in ("dashboard", "prepare"):
        assert client.get(reverse(f"letters_coordination:{name}")).status_code == 403


def test_prepare_then_print_then_mark_posted_through_the_admin(
    client, coordinator, outbox, django_capture_on_commit_callbacks
):
    # given two letters ready to post
    letters = [_ready(), _ready()]
    client.force_login(coordinator)
    page = client.get(reverse("letters_coordination:prepare")).content.decode()
    assert all(letter.reference in page for letter in letters)
    # when the coordinator makes a batch of both
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("letters_coordination:prepare"), {"letter": [x.pk for x in letters]}
        )
    batch = PostingBatch.objects.get()
    assert response.status_code == 302
    # then the batch page links the PDF, which downloads
    page = client.get(reverse("letters_coordination:batch", args=[batch.pk])).content.decode()
    assert reverse("letters_coordination:batch_pdf", args=[batch.pk]) in page
    pdf = client.get(reverse("letters_coordination:batch_pdf", args=[batch.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    # and marking it posted posts both and tells their supporters
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("letters_coordination:batch", args=[batch.pk]),
            {
                "posted_on": timezone.localdate().isoformat(),
                "postage_spent": "4.95",
                "postage_currency": "GBP",
            },
        )
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.postage_spent == 495
    assert set(Letter.objects.values_list("status", flat=True)) == {S.POSTED}
    assert len(outbox) == 2


@pytest.mark.parametrize(
    ("language", "count", "expected"),
    [
        ("en", 1, "1 letter posted; its supporter is being told."),
        ("en", 2, "2 letters posted; their supporters are being told."),
        ("ru", 1, "Отправлено писем: 1. Их авторы получат уведомления."),
    ],
)
def test_marking_posted_counts_the_letters_in_words(client, coordinator, language, count, expected):
    # given a batch of one or two letters, and a coordinator reading the admin in a language
    batch = dispatch.batch_prepare(
        coordinator=coordinator, letter_ids=[_ready().pk for _ in range(count)]
    )
    client.force_login(coordinator)
    client.cookies["django_language"] = language
    # when they mark it posted
    response = client.post(
        reverse("letters_coordination:batch", args=[batch.pk]),
        {
            "posted_on": timezone.localdate().isoformat(),
            "postage_spent": "2.20",
            "postage_currency": "GBP",
        },
        follow=True,
    )
    # then the message counts the letters as a person writes it, never "letter(s)"
    shown = [str(message) for message in response.context["messages"]]
    assert shown == [expected]


@pytest.mark.parametrize(
    "data",
    [
        {"posted_on": "not a date", "postage_spent": "1", "postage_currency": "GBP"},
        {"posted_on": "2020-01-01", "postage_spent": "-1", "postage_currency": "GBP"},
        {"posted_on": "2020-01-01", "postage_spent": "1", "postage_currency": "XXX"},
        {"posted_on": "2999-01-01", "postage_spent": "1", "postage_currency": "GBP"},
        {},
    ],
)
def test_bad_mark_posted_input_is_shown_not_a_500(client, coordinator, data):
    _ready()
    client.force_login(coordinator)

    batch = dispatch.batch_prepare(coordinator=coordinator)
    response = client.post(reverse("letters_coordination:batch", args=[batch.pk]), data)
    assert response.status_code in (200, 302)
    assert not Letter.objects.filter(status=S.POSTED).exists()


def test_batch_pdf_not_ready_is_404(client, coordinator):
    batch = PostingBatch.objects.create(created_by=coordinator)
    client.force_login(coordinator)
    response = client.get(reverse("letters_coordination:batch_pdf", args=[batch.pk]))
    assert response.status_code == 404
    assert not PostingBatchDocument.objects.exists()


def test_new_address_form_records_it_and_releases_held_letters(
    client, coordinator, django_capture_on_commit_callbacks
):
    # given a prisoner in transit with a held letter
    prisoner = PrisonerWithAddressFactory(status=Prisoner.Status.IN_TRANSIT)
    PrisonAddress.objects.filter(prisoner=prisoner).update(valid_until=timezone.localdate())
    letter = LetterFactory(prisoner=prisoner, status=S.ON_HOLD)
    client.force_login(coordinator)
    url = reverse("admin:prisoners_prisoner_new_address", args=[prisoner.pk])
    # when a bad index is typed, nothing is lost and the error is shown
    data = {
        "postal_index": "12345",
        "city": "г. Покров",
        "street": "ул. Франца Штольверка, д. 2",
        "facility": "ФКУ ИК-2 УФСИН России по Владимирской области",
        "valid_from": timezone.localdate().isoformat(),
    }
    page = client.post(url, data).content.decode()
    assert "six digits" in page and "ул. Франца Штольверка, д. 2" in page
    # and then the corrected address is recorded
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data | {"postal_index": "601120"})
    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.status == S.APPROVED
    assert re.search("601120", PrisonAddress.objects.get(valid_until=None).one_line_ru())


def test_mark_in_transit_admin_action_holds_letters(
    client, coordinator, django_capture_on_commit_callbacks
):
    letter = _ready()
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:prisoners_prisoner_changelist"),
            # confirmed: the first post only shows what will be held
            {"action": "mark_in_transit", "_selected_action": [letter.prisoner_id], "post": "yes"},
        )
    letter.refresh_from_db()
    assert letter.status == S.ON_HOLD


def test_discarding_a_batch_frees_its_letters(client, coordinator):
    letter = _ready()

    batch = dispatch.batch_prepare(coordinator=coordinator)
    client.force_login(coordinator)
    response = client.post(reverse("letters_coordination:batch", args=[batch.pk]), {"discard": "1"})
    assert response.status_code == 302
    assert not PostingBatch.objects.exists()
    letter.refresh_from_db()
    assert letter.posting_batch_id is None and letter.status == S.APPROVED


def test_admin_index_and_batches_link_the_coordination_pages(client, coordinator):
    client.force_login(coordinator)
    dashboard = reverse("letters_coordination:dashboard")
    assert dashboard in client.get(reverse("admin:index")).content.decode()
    batches = client.get(reverse("admin:letters_postingbatch_changelist")).content.decode()
    assert reverse("letters_coordination:prepare") in batches


def test_weekly_counts_fall_in_their_week(coordinator):
    # given letters received this week and three weeks ago, one posted this week
    now = timezone.now()
    LetterFactory()
    old = LetterFactory()
    Letter.objects.filter(pk=old.pk).update(created_at=now - timezone.timedelta(weeks=3))
    LetterFactory(status=S.POSTED)
    # when the weeks are counted
    weeks = coordination._weeks(now)
    # then twelve Mondays, the counts in the right ones
    assert len(weeks) == 12 and all(monday.weekday() == 0 for monday, _r, _d in weeks)
    assert weeks[-1][1:] == (2, 1)
    assert weeks[-4][1] == 1
    assert sum(r for _m, r, _d in weeks) == 3


def _waiting_letters():
    """One approved letter for each reason it may wait, one with two, and one ready."""
    return {
        "unpaid": LetterFactory(status=S.APPROVED),
        "no_address": _ready(prisoner=PrisonerFactory()),
        "on_hold": LetterFactory(status=S.ON_HOLD, postage=Letter.Postage.PAID),
        "flagged": _ready(flagged_at=timezone.now()),
        "unpaid_and_homeless": LetterFactory(status=S.APPROVED, prisoner=PrisonerFactory()),
        # freed since it was written: a coordinator unticked "accepts letters now"
        "not_accepting": _ready(prisoner=PrisonerWithAddressFactory(accepts_letters=False)),
        # approved before the prisoner's year of birth was lost (the sweep holds it)
        "incomplete": _ready(prisoner=PrisonerWithAddressFactory(birth_year=None)),
        "ready": _ready(),
    }


def test_letters_waiting_to_post_come_with_their_reasons():
    # given approved letters that wait for different reasons, and one that is ready
    letters = _waiting_letters()
    # a letter still being translated, one the supporter posts and one in a batch wait for
    # nothing here
    LetterFactory(status=S.IN_TRANSLATION)
    LetterFactory(status=S.APPROVED, delivery=Letter.Delivery.RETURN_TO_ME)

    # when the waiting letters are listed
    waiting = {x.reference: x for x in coordination.letters_waiting_to_post()}

    # then each is there with exactly its reasons, and the ready one is not
    def reasons(name):
        letter = waiting[letters[name].reference]
        return {r for r in coordination.WAITING_REASONS if getattr(letter, r)}

    assert letters["ready"].reference not in waiting
    assert len(waiting) == 7
    assert reasons("unpaid") == {"unpaid"}
    assert reasons("no_address") == {"no_address"}
    assert reasons("on_hold") == {"on_hold"}
    assert reasons("flagged") == {"flagged"}
    assert reasons("unpaid_and_homeless") == {"unpaid", "no_address"}
    assert reasons("not_accepting") == {"not_accepting"}
    assert reasons("incomplete") == {"incomplete_recipient"}
    assert coordination.waiting_counts() == {
        "total": 7,
        "unpaid": 2,
        "no_address": 2,
        "on_hold": 1,
        "incomplete_recipient": 1,
        "flagged": 1,
        "not_accepting": 1,
    }


def test_every_approved_letter_is_either_ready_or_waiting():
    # given letters in every combination the prepare page can meet
    _waiting_letters()
    _ready(prisoner=PrisonerWithAddressFactory(status=Prisoner.Status.IN_TRANSIT))

    # then no approved letter we post falls between the two lists
    ready = set(selectors.letters_ready_to_post().values_list("pk", flat=True))
    waiting = set(coordination.letters_waiting_to_post().values_list("pk", flat=True))
    ours = Letter.objects.filter(
        status__in=[S.APPROVED, S.ON_HOLD], delivery=Letter.Delivery.POST_FOR_ME
    )
    assert ready | waiting == set(ours.values_list("pk", flat=True))
    assert not ready & waiting


def test_prepare_lists_the_waiting_letters_with_why_and_a_way_to_settle_postage(
    client, coordinator
):
    # given an approved letter whose postage is unpaid and one with no current address
    unpaid = LetterFactory(status=S.APPROVED)
    homeless = _ready(prisoner=PrisonerFactory())
    client.force_login(coordinator)

    # when the coordinator opens Prepare today's post
    response = client.get(reverse("letters_coordination:prepare"))

    # then both are listed as waiting, with their reasons, not offered for the batch
    page = response.content.decode()
    assert response.status_code == 200
    assert "2 letters are waiting, oldest first" in page
    waiting = page[page.index('id="waiting"') :]
    assert unpaid.reference in waiting and homeless.reference in waiting
    assert "postage not paid" in waiting and "no current address" in waiting
    assert f'value="{unpaid.pk}"' not in page
    # and the unpaid one, only, links to recording its payment, coming back here after
    settle = reverse("admin:payments_payment_settle_letter", args=[unpaid.pk])
    assert f'href="{settle}?next=/admin/coordination/posting/"' in page
    assert reverse("admin:payments_payment_settle_letter", args=[homeless.pk]) not in page


def test_the_dashboard_counts_letters_waiting_to_post_by_reason(client, coordinator):
    _waiting_letters()
    client.force_login(coordinator)

    page = client.get(reverse("letters_coordination:dashboard")).content.decode()

    block = page[page.index('id="waiting-to-post"') :]
    assert "7 letters are waiting." in block
    assert re.search(r"<td>postage not paid</td><td>2</td>", block)
    assert re.search(r"<td>on hold</td><td>1</td>", block)
    assert re.search(r"<td>incomplete «Кому» line</td><td>1</td>", block)
    assert re.search(r"<td>the prisoner accepts no letters now</td><td>1</td>", block)


def test_the_weekly_chart_names_its_weeks_as_each_language_writes_a_short_day():
    from datetime import date

    from django.utils import translation

    from letters.coordination import weekly_chart_svg

    weeks = [(date(2026, 9, 14), 3, 1), (date(2026, 9, 21), 5, 2), (date(2026, 5, 4), 1, 0)]
    with translation.override("en"):
        english = weekly_chart_svg(weeks)
    with translation.override("ru"):
        russian = weekly_chart_svg(weeks)
    assert ">14 Sep<" in english and ">4 May<" in english
    # not "14 Сен" or "4 Май": a Russian chart numbers the day and month
    assert ">14.09<" in russian and ">04.05<" in russian
    assert "Сен" not in russian and "Sep" not in russian
