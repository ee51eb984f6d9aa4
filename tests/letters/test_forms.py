"""The public forms: what they accept, what they say when they refuse, and how a refused form
comes back (GOV.UK's pattern: an error summary first, "Error: " in the title, each message by
its field and tied to it, nothing typed lost)."""

import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import translation

from letters.forms import FindLettersForm, LetterForm, postage_fee_label
from prisoners.models import Prisoner
from rights import services as rights_services
from rights.forms import EraseForm, RightsRequestForm
from tests.factories import LetterFactory, PrisonerFactory, PrisonerWithAddressFactory

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


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("original_text", "\u200b\u200b \ufeff", "Enter your letter."),
        ("original_text", "\u202e\n\u200d", "Enter your letter."),
        ("supporter_name", "\u200b\u202e", "Enter the name to sign your letter with."),
    ],
)
def test_text_of_only_invisible_characters_is_as_empty_as_blanks(field, value, message):
    # given a letter or a name of zero-width spaces and direction marks, which strip() keeps
    form = LetterForm(data(PrisonerFactory(), **{field: value}))

    # then it is refused as empty, saying what to do, and the page keeps what was typed
    assert form.errors[field] == [message]
    assert form[field].value() == value


def test_a_currency_not_offered_is_refused_once():
    form = LetterForm(data(PrisonerFactory(), postage_currency="JPY"))

    assert form.errors["postage_currency"] == ["Choose the currency you will pay the postage in."]


def test_the_russian_page_lists_the_prisoners_in_cyrillic(client):
    # given a prisoner with a Russian name, on the letter form in Russian
    PrisonerFactory(name_en="Bakhrom Khamroev", name_ru="Хамроев Бахром Мардонович")
    client.cookies["django_language"] = "ru"

    html = client.get(reverse("letters:write")).content.decode()

    # then "Who are you writing to?" names them as the rest of the page does
    assert ">Хамроев Бахром Мардонович</option>" in html
    assert ">Bakhrom Khamroev</option>" not in html


def test_the_russian_list_of_prisoners_is_in_russian_order_in_one_query(
    django_assert_num_queries,
):
    # given prisoners whose English and Russian names sort differently
    PrisonerFactory(name_en="Aleksei Arbuzenko", name_ru="Арбузенко Алексей")
    PrisonerFactory(name_en="Evgeny Zinich", name_ru="Зинич Евгений")
    PrisonerFactory(name_en="Mikhail Zhilin", name_ru="Жилин Михаил")

    # when the Russian form draws its list, then it is one query, in Cyrillic order
    with translation.override("ru"), django_assert_num_queries(1):
        labels = [label for _value, label in LetterForm().fields["prisoner"].choices][1:]
    assert labels == ["Арбузенко Алексей", "Жилин Михаил", "Зинич Евгений"]


@pytest.mark.parametrize(
    ("language", "first", "in_order"),
    [
        ("ru", "Австралия", ["Австралия", "Австрия", "Армения", "Германия", "Греция", "Грузия"]),
        ("ru", "Австралия", ["Сербия", "Словакия", "Словения", "США", "Турция"]),
        ("en", "Armenia", ["Switzerland", "Türkiye", "Ukraine", "United Kingdom"]),
    ],
)
def test_the_countries_are_listed_in_the_readers_alphabet(client, language, first, in_order):
    # given the letter form in this language
    client.cookies["django_language"] = language

    html = client.get(reverse("letters:write")).content.decode()

    # then "Country you live in" lists the countries alphabetically as this reader writes
    # them (the Russian page had them in the English order: Армения, Австралия, Австрия…),
    # after "prefer not to say"
    select = html[html.index('<select name="supporter_country"') :]
    countries = re.findall(
        r'<option value="[A-Z]{2}">([^<]+)</option>', select[: select.index("</select>")]
    )
    assert countries[0] == first
    assert [c for c in countries if c in in_order] == in_order
    assert len(countries) == 43


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


# --- what the messages say ---------------------------------------------------------------------

LONG_EMAIL = "a" * 60 + "@" + ".".join(["b" * 60] * 4) + ".org"  # well formed, too long


def test_an_empty_letter_form_says_what_to_do_for_each_field():
    form = LetterForm({})

    assert not form.is_valid()
    assert form.errors == {
        "prisoner": ["Choose who you are writing to."],
        "supporter_name": ["Enter the name to sign your letter with."],
        "supporter_email": ["Enter your e-mail address."],
        "language": ["Choose the language your letter is written in."],
        "original_text": ["Enter your letter."],
        "delivery": ["Choose how we should deliver it."],
        "consent": ["Please tick the box to agree to the privacy notice."],
    }


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("supporter_email", "anna", "Enter your e-mail address in the right form, like"),
        ("supporter_email", LONG_EMAIL, "must be 254 characters or fewer"),
        ("supporter_name", "x" * 121, "The name must be 120 characters or fewer."),
        ("supporter_country", "ZZ", "Choose a country from the list."),
        ("language", "xx", "Choose the language your letter is written in."),
        ("delivery", "carrier-pigeon", "Choose how we should deliver it."),
        ("postage_currency", "BTC", "Choose the currency you will pay the postage in."),
    ],
)
def test_a_wrong_value_is_refused_with_what_to_do(field, value, message):
    form = LetterForm(data(PrisonerFactory(), **{field: value}))

    assert not form.is_valid()
    assert message in form.errors[field][0]


def test_the_address_forms_and_the_erase_form_say_what_to_do():
    for form_class in (FindLettersForm, RightsRequestForm):
        assert form_class({}).errors == {"email": ["Enter your e-mail address."]}
        assert (
            form_class({"email": "anna"})
            .errors["email"][0]
            .startswith("Enter your e-mail address in the right form")
        )
    assert EraseForm({}).errors == {"confirm": ["Tick the box to confirm."]}


# --- how a refused form comes back -------------------------------------------------------------


def _title(html: str) -> str:
    return unescape(re.search(r"<title>(.*?)</title>", html, re.S).group(1)).strip()


def _summary(html: str) -> str:
    match = re.search(r'<div class="error-summary"[^>]*>.*?</div>', html, re.S)
    assert match, "no error summary"
    return match.group(0)


def _assert_tied_to_its_field(html: str, field_id: str, message: str) -> None:
    """The message sits by its field, with an id the field's aria-describedby names."""
    error = re.search(rf'<ul class="errorlist" id="{field_id}_error"><li>(.*?)</li>', html)
    assert error and unescape(error.group(1)) == message, field_id
    described = re.search(rf'<[^>]+aria-describedby="([^"]*)"[^>]*id="{field_id}"', html)
    described = described or re.search(
        rf'<fieldset[^>]*aria-describedby="([^"]*)"[^>]*>\s*<legend>.*?</legend>\s*'
        rf'<ul class="errorlist" id="{field_id}_error"',
        html,
        re.S,
    )
    assert described and f"{field_id}_error" in described.group(1).split(), field_id


def test_an_empty_letter_comes_back_with_a_summary_a_title_and_each_error_by_its_field(client):
    # given a prisoner to write to
    prisoner = PrisonerWithAddressFactory()

    # when the letter form is sent with only a half-written letter
    response = client.post(
        reverse("letters:write"),
        {"prisoner": prisoner.slug, "original_text": "Dear Ivan,\r\nhalf a letter"},
    )
    html = response.content.decode()

    # then the title begins with "Error: "
    assert response.status_code == 200
    assert _title(html).startswith("Error: Write to ")
    # and a summary, which scripts focus, links each message to its field, first on the page
    summary = _summary(html)
    assert 'role="alert"' in summary and 'tabindex="-1"' in summary
    assert "data-error-summary" in summary
    assert html.index("error-summary") < html.index("<h1>")
    links = re.findall(r'<a href="#(\w+)">(.*?)</a>', summary)
    assert [(target, unescape(text)) for target, text in links] == [
        ("id_supporter_name", "Enter the name to sign your letter with."),
        ("id_supporter_email", "Enter your e-mail address."),
        ("id_language", "Choose the language your letter is written in."),
        ("id_delivery_0", "Choose how we should deliver it."),
        ("id_consent", "Please tick the box to agree to the privacy notice."),
    ]
    # and each message sits by its field, which names it in aria-describedby
    for target, message in links:
        _assert_tied_to_its_field(html, target.removesuffix("_0"), message)
    # and what was typed is still there
    assert "Dear Ivan,\r\nhalf a letter</textarea>" in html
    assert f'<option value="{prisoner.slug}" selected>' in html


def test_the_error_title_reads_in_russian(client):
    client.cookies["django_language"] = "ru"

    html = client.post(reverse("letters:find"), {"email": ""}).content.decode()

    assert _title(html).startswith("Ошибка: ")
    assert "Введите адрес электронной почты." in _summary(html)


@pytest.mark.parametrize("name", ["letters:find", "rights:request"])
def test_the_address_forms_come_back_the_same_way(client, name):
    # when an address form is sent with something that is not an address
    html = client.post(reverse(name), {"email": "anna at example"}).content.decode()

    # then the title, the summary and the field say so, and the address is kept
    assert _title(html).startswith("Error: ")
    message = "Enter your e-mail address in the right form, like name@example.com."
    assert f'<a href="#id_email">{message}</a>' in _summary(html)
    _assert_tied_to_its_field(html, "id_email", message)
    assert 'value="anna at example"' in html


def test_a_correct_form_page_has_no_error_title_or_summary(client):
    html = client.get(reverse("letters:find")).content.decode()

    assert not _title(html).startswith("Error")
    assert "error-summary" not in html


def test_erasing_without_the_tick_comes_back_the_same_way(client):
    # given a supporter's link
    letter = LetterFactory()
    token = rights_services.rights_link_token(letter_ids=[letter.pk])

    # when they press Erase without ticking the box
    response = client.post(reverse("rights:erase", args=[token]), {})
    html = response.content.decode()

    # then the page says what to do, at the top and by the box
    assert response.status_code == 400
    assert _title(html).startswith("Error: ")
    assert '<a href="#id_confirm">Tick the box to confirm.</a>' in _summary(html)
    _assert_tied_to_its_field(html, "id_confirm", "Tick the box to confirm.")


def test_each_form_has_its_own_fields_though_the_choices_are_shared():
    # given one form whose fields are changed the way a view or a template might
    first = LetterForm()
    first.fields["language"].choices = [("xx", "Not a language")]
    first.fields["supporter_country"].widget.attrs["data-changed"] = "yes"
    first.fields["delivery"].error_messages["required"] = "changed"

    # then the next form has the fields as declared (the letter form's choice fields share
    # their lists of choices between forms instead of copying them for each)
    second = LetterForm()
    assert ("xx", "Not a language") not in second.fields["language"].choices
    assert second.fields["language"].widget.choices == second.fields["language"].choices
    assert "data-changed" not in second.fields["supporter_country"].widget.attrs
    assert second.fields["delivery"].error_messages["required"] != "changed"
    assert second.fields["supporter_country"].widget is not first.fields["supporter_country"].widget


@pytest.mark.parametrize("value", ["no-such-person", "a\x00b", "' OR 1=1 --", "x" * 500, "a b"])
def test_anything_but_the_slug_of_a_person_accepting_letters_is_refused(value):
    # given a person accepting letters, and the form naming someone else
    fields = data(PrisonerFactory()) | {"prisoner": value}

    form = LetterForm(fields)

    assert not form.is_valid()
    assert form.errors["prisoner"] == [
        "Choose one of the people listed; this one cannot get letters now."
    ]


def test_the_person_chosen_comes_back_with_the_names_the_page_writes():
    prisoner = PrisonerFactory(name_en="Ivan Petrov", name_ru="Иван Петров")

    form = LetterForm(data(prisoner))

    assert form.is_valid(), form.errors
    chosen = form.cleaned_data["prisoner"]
    assert (chosen.pk, chosen.slug, chosen.name_en, chosen.name_ru) == (
        prisoner.pk,
        prisoner.slug,
        "Ivan Petrov",
        "Иван Петров",
    )
    with translation.override("ru"):
        assert form.fields["prisoner"].label_from_instance(chosen) == "Иван Петров"
