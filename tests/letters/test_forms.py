"""The letter form: what it accepts, what it says when it refuses."""

import pytest

from letters.forms import FindLettersForm, LetterForm, postage_fee_label
from prisoners.models import Prisoner
from tests.factories import PrisonerFactory

pytestmark = pytest.mark.django_db


def data(prisoner, **overrides):
    return {
        "prisoner": prisoner.slug,
        "supporter_name": "Anna",
        "supporter_email": "anna@example.org",
        "supporter_country": "",
        "language": "de",
        "original_text": "Liebe Grüße",
        "delivery": "post_for_me",
        "postage_currency": "GBP",
        "consent": "on",
        "website": "",
    } | overrides


def test_a_complete_form_is_valid():
    form = LetterForm(data(PrisonerFactory()))

    assert form.is_valid(), form.errors
    assert form.cleaned_data["postage_currency"] == "GBP"


def test_line_breaks_are_normalised_before_the_length_check(settings):
    limit = LetterForm.base_fields["original_text"].max_length
    text = "\r\n".join(["x"] * (limit // 2))  # limit // 2 characters and one break fewer

    form = LetterForm(data(PrisonerFactory(), original_text=text))

    assert form.is_valid(), form.errors
    assert "\r" not in form.cleaned_data["original_text"]


def test_currency_is_needed_only_when_we_post():
    prisoner = PrisonerFactory()

    post = LetterForm(data(prisoner, postage_currency=""))
    own = LetterForm(data(prisoner, delivery="return_to_me", postage_currency="GBP"))

    assert post.errors["postage_currency"] == ["Choose the currency you will pay the postage in."]
    assert own.is_valid() and own.cleaned_data["postage_currency"] == ""


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("delivery", "carrier-pigeon"),
        ("postage_currency", "BTC"),
        ("language", "xx"),
        ("supporter_country", "ZZ"),
        ("supporter_email", "anna"),
        ("original_text", "   "),
        ("original_text", "nul\x00byte"),
        ("supporter_name", "x" * 121),
    ],
)
def test_bad_values_are_refused_field_by_field(field, value):
    form = LetterForm(data(PrisonerFactory(), **{field: value}))

    assert not form.is_valid()
    assert field in form.errors


def test_the_honeypot_is_refused_with_a_message_a_person_can_act_on():
    form = LetterForm(data(PrisonerFactory(), website="filled"))

    assert not form.is_valid()
    assert form.honeypot_tripped
    assert "Leave this field empty" in form.errors["website"][0]


def test_only_prisoners_accepting_letters_can_be_chosen():
    released = PrisonerFactory(status=Prisoner.Status.RELEASED, accepts_letters=False)

    form = LetterForm(data(released))

    assert "prisoner" in form.errors


def test_the_textarea_has_no_maxlength_so_a_paste_is_never_cut():
    html = str(LetterForm()["original_text"])

    assert "maxlength" not in html
    assert 'data-counter="letter-counter"' in html


def test_fees_are_read_from_settings(settings):
    settings.LETTERBRIDGE_POSTAGE_FEES = {"GBP": 305, "USD": 273, "EUR": 252}

    assert postage_fee_label("GBP") == "£3.05"
    assert LetterForm().fields["postage_currency"].choices[0] == ("GBP", "£3.05 (GBP)")


def test_find_form_needs_an_address():
    assert not FindLettersForm({"email": "not-an-address"}).is_valid()
    assert FindLettersForm({"email": "a@example.org"}).is_valid()
