from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from letters.models import CURRENCIES, LANGUAGES, Letter
from prisoners.models import Prisoner


class ConfirmLetterForm(forms.Form):
    """What the coordinator confirms or corrects of the guesses; the text is the letter as a
    volunteer will see it (no quoted history, no signature), and may be tidied here."""

    prisoner = forms.ModelChoiceField(
        label=_("To"),
        queryset=Prisoner.objects.filter(accepts_letters=True).order_by("name_en"),
        empty_label=_("Choose the prisoner"),
    )
    language = forms.ChoiceField(
        label=_("Written in"), choices=[("", _("Choose the language")), *LANGUAGES]
    )
    delivery = forms.ChoiceField(
        label=_("Delivery"), choices=Letter.Delivery.choices, widget=forms.RadioSelect
    )
    postage_currency = forms.ChoiceField(
        label=_("Postage paid in"), choices=CURRENCIES, required=False
    )
    supporter_name = forms.CharField(label=_("Sign with the name"), max_length=200)
    supporter_email = forms.EmailField(label=_("Answer to"))
    text = forms.CharField(
        label=_("Letter"),
        widget=forms.Textarea(attrs={"rows": 16}),
        max_length=settings.LETTERBRIDGE_MAX_LETTER_CHARS,
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Sent as a reply in the sender's own thread; the e-mail leaves the Inbox."),
    )
