"""The supporter's forms. They parse and validate only; letters.services does the work."""

import copy
import unicodedata
from functools import lru_cache
from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils.choices import normalize_choices
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.countries import COUNTRIES
from core.money import format_money
from core.text import is_blank
from prisoners.models import Prisoner
from prisoners.selectors import prisoner_accepting_letters, prisoners_accepting_letters

from .models import LANGUAGES, Letter

CURRENCY_MISSING = _("Choose the currency you will pay the postage in.")

NO_COUNTRY = ("", _("Prefer not to say, or not listed"))


# What each refusal tells a person to do, in place of Django's "This field is required.": the
# public forms share the e-mail address's.
EMAIL_ERRORS = {
    "required": _("Enter your e-mail address."),
    "invalid": _("Enter your e-mail address in the right form, like name@example.com."),
    "max_length": _("Your e-mail address must be %(limit_value)d characters or fewer."),
}


def postage_fee_label(currency: str) -> str:
    """The fee as a supporter reads it, e.g. "£2.20" ("2,20 £" in Russian), from settings in
    minor units."""
    return format_money(settings.LETTERBRIDGE_POSTAGE_FEES[currency], currency)


def postage_currency_choices() -> list[tuple[str, str]]:
    return [
        (code, f"{postage_fee_label(code)} ({code})") for code in settings.LETTERBRIDGE_POSTAGE_FEES
    ]


class LetterTextField(forms.CharField):
    """Counts characters the way the page's counter does: a browser sends each line break as
    CR LF, but the supporter typed (and the counter counted) one character."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace("\r\n", "\n").replace("\r", "\n")
        value = super().to_python(value)
        # A letter of zero-width spaces is as empty as one of blanks: "Enter your letter."
        return "" if is_blank(value) else value

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        # No maxlength: a browser would silently cut a pasted letter. The counter warns instead,
        # and an over-long letter comes back with a message and all its text.
        attrs.pop("maxlength", None)
        return attrs


class SharedChoiceField(forms.ChoiceField):
    """A ChoiceField whose copy on each form shares its list of choices. Django deep-copies every
    field for every form, and normalises the choices again on the field and on its widget: on
    the letter POST that cost more than validating the whole form. Nothing changes such a list
    in place (a form that wants other choices sets a new list), so the copies may share it."""

    def __deepcopy__(self, memo):
        # Field.__deepcopy__, with the widget copied as ChoiceWidget does but sharing its choices
        result = copy.copy(self)
        memo[id(self)] = result
        result.widget = copy.copy(self.widget)
        result.widget.attrs = self.widget.attrs.copy()
        result.error_messages = self.error_messages.copy()
        result.validators = self.validators[:]
        return result

    def share_choices(self, choices: list) -> None:
        """Use ``choices``, already normalised and never changed, on this field and its widget."""
        self._choices = self.widget._choices = choices


class PrisonerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Prisoner) -> str:
        """The name as the page around it writes it: in Cyrillic on the Russian page."""
        return obj.local_name()

    def to_python(self, value):
        """ModelChoiceField's, by a query compiled once (every letter POST asks it): the person
        named by the slug, if they accept letters now (``prisoners_accepting_letters``)."""
        if value in self.empty_values:
            return None
        if isinstance(value, Prisoner):
            value = value.slug
        prisoner = prisoner_accepting_letters(slug=str(value))
        if prisoner is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return prisoner


def _alphabetical(label: object) -> str:
    """A name as a dictionary orders it: case aside, and a Latin letter's accent ("Türkiye"
    among the T's). Cyrillic letters stay whole: й is a letter of its own, after и."""
    kept: list[str] = []
    for char in unicodedata.normalize("NFD", str(label)):
        if unicodedata.combining(char) and kept and kept[-1] < "\u0250":
            continue
        kept.append(char)
    return unicodedata.normalize("NFC", "".join(kept)).casefold()


@lru_cache(maxsize=16)
def _country_choices(language: str | None) -> list:
    """The countries in the reader's alphabet (``language`` keys the cache: the labels are
    translated while sorting, under that language). Shared by every form: never change it."""
    return normalize_choices(
        [NO_COUNTRY, *sorted(COUNTRIES, key=lambda choice: _alphabetical(choice[1]))]
    )


@lru_cache(maxsize=16)
def _postage_choices(language: str | None, fees: tuple[tuple[str, int], ...]) -> list:
    """postage_currency_choices() for one language and one set of fees. Shared: never change it."""
    return normalize_choices(postage_currency_choices())


class LetterForm(forms.Form):
    prisoner = PrisonerChoiceField(
        label=_("Who are you writing to?"),
        queryset=Prisoner.objects.none(),  # the people accepting letters now: see __init__
        to_field_name="slug",
        empty_label=_("Choose a person"),
        error_messages={
            "required": _("Choose who you are writing to."),
            "invalid_choice": _(
                "Choose one of the people listed; this one cannot get letters now."
            ),
        },
    )
    supporter_name = forms.CharField(
        label=_("Name to sign with"),
        max_length=120,
        help_text=_("A first name is enough. The prisoner and the prison censor will see it."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={
            "required": _("Enter the name to sign your letter with."),
            "max_length": _("The name must be %(limit_value)d characters or fewer."),
        },
    )
    supporter_email = forms.EmailField(
        label=_("Your e-mail address"),
        max_length=254,
        help_text=_(
            "We send your letter's private link and news of each step here. Translators and the "
            "prisoner never see it."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages=EMAIL_ERRORS,
    )
    supporter_country = SharedChoiceField(
        label=_("Country you live in"),
        required=False,
        choices=[NO_COUNTRY, *COUNTRIES],
        error_messages={"invalid_choice": _("Choose a country from the list.")},
    )
    language = SharedChoiceField(
        label=_("Language of your letter"),
        choices=[("", _("Choose a language"))] + LANGUAGES,
        error_messages={
            "required": _("Choose the language your letter is written in."),
            "invalid_choice": _("Choose the language your letter is written in."),
        },
    )
    original_text = LetterTextField(
        label=_("Your letter"),
        max_length=settings.LETTERBRIDGE_MAX_LETTER_CHARS,
        widget=forms.Textarea(attrs={"rows": 14, "data-counter": "letter-counter"}),
        error_messages={
            "required": _("Enter your letter."),
            "max_length": _(
                "Your letter has %(show_value)d characters; the limit is %(limit_value)d. "
                "Please shorten it — nothing you wrote has been lost."
            ),
        },
    )
    delivery = SharedChoiceField(
        label=_("How should the letter reach the prison?"),
        choices=[
            (Letter.Delivery.POST_FOR_ME, _("Post it for me")),
            (
                Letter.Delivery.RETURN_TO_ME,
                _("Send me the translation and the address in Russian; I will post it myself"),
            ),
        ],
        widget=forms.RadioSelect,
        initial=Letter.Delivery.POST_FOR_ME,
        error_messages={
            "required": _("Choose how we should deliver it."),
            "invalid_choice": _("Choose how we should deliver it."),
        },
    )
    postage_currency = SharedChoiceField(
        label=_("Pay the postage in"),
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": CURRENCY_MISSING},
    )
    consent = forms.BooleanField(
        label=_(
            "I have read the privacy notice and agree that Letterbridge keeps my name, e-mail "
            "and letter to deliver it."
        ),
        error_messages={"required": _("Please tick the box to agree to the privacy notice.")},
    )
    # A honeypot: hidden from people by the stylesheet, filled in by many robots.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(PrisonerChoiceField, self.fields["prisoner"]).queryset = prisoners_accepting_letters()
        language = get_language()
        fees = settings.LETTERBRIDGE_POSTAGE_FEES
        cast(SharedChoiceField, self.fields["postage_currency"]).share_choices(
            _postage_choices(language, tuple(fees.items()))
        )
        if not self.fields["postage_currency"].initial:
            self.fields["postage_currency"].initial = next(iter(settings.LETTERBRIDGE_POSTAGE_FEES))
        # In the reader's alphabet: the Russian page listed the countries in the English order
        # (Армения, Австралия, Австрия, Бельгия, Канада…), so nobody found Германия by eye.
        cast(SharedChoiceField, self.fields["supporter_country"]).share_choices(
            _country_choices(language)
        )

    def clean_supporter_name(self) -> str:
        name = self.cleaned_data["supporter_name"]
        if is_blank(name):
            raise forms.ValidationError(self.fields["supporter_name"].error_messages["required"])
        return name

    def clean_website(self):
        if self.cleaned_data.get("website"):
            raise forms.ValidationError(
                _(
                    "This form looks as if it was filled in automatically. If you are a person, "
                    "please empty the field “Leave this field empty” and send again."
                )
            )
        return ""

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("delivery") == Letter.Delivery.POST_FOR_ME:
            # A currency not offered has its own error already; say it once.
            if not cleaned.get("postage_currency") and "postage_currency" not in self.errors:
                self.add_error("postage_currency", CURRENCY_MISSING)
        else:
            cleaned["postage_currency"] = ""
        return cleaned

    @property
    def honeypot_tripped(self) -> bool:
        return "website" in self.errors


class FindLettersForm(forms.Form):
    email = forms.EmailField(
        label=_("Your e-mail address"),
        max_length=254,
        help_text=_("The address you gave when you wrote."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages=EMAIL_ERRORS,
    )
