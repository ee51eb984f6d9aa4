from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from letters.models import CURRENCIES, LANGUAGES, Letter
from prisoners.models import Prisoner, russian_is_active


class ConfirmLetterForm(forms.Form):
    """What the coordinator confirms or corrects of the guesses; the text is the letter as a
    volunteer will see it (no quoted history, no signature), and may be tidied here."""

    prisoner = forms.ModelChoiceField(
        label=_("To"),
        queryset=Prisoner.objects.filter(accepts_letters=True).order_by("name_en"),
        empty_label=_("Choose the prisoner"),
        error_messages={"required": _("Choose who the letter is to.")},
    )
    language = forms.ChoiceField(
        label=_("Written in"),
        choices=[("", _("Choose the language")), *LANGUAGES],
        error_messages={"required": _("Choose the language the letter is written in.")},
    )
    delivery = forms.ChoiceField(
        label=_("Delivery"),
        choices=Letter.Delivery.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose whether we post the letter or send the translation back.")
        },
    )
    postage_currency = forms.ChoiceField(
        label=_("Postage paid in"), choices=CURRENCIES, required=False
    )
    supporter_name = forms.CharField(
        label=_("Sign with the name"),
        max_length=200,
        error_messages={"required": _("Give the name the letter is signed with.")},
    )
    supporter_email = forms.EmailField(
        label=_("Answer to"),
        error_messages={"required": _("Give the address we answer the writer at.")},
    )
    text = forms.CharField(
        label=_("Letter"),
        widget=forms.Textarea(attrs={"rows": 16}),
        max_length=settings.LETTERBRIDGE_MAX_LETTER_CHARS,
        error_messages={
            "required": _(
                "Type the letter as volunteers will see it: read it from the attachments if "
                "it came as images or a file."
            )
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if russian_is_active():
            # the names read in Cyrillic there (Prisoner.__str__), so in Cyrillic order
            field = self.fields["prisoner"]
            field.queryset = field.queryset.order_by("name_ru", "name_en")  # type: ignore[attr-defined]


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Sent as a reply in the sender's own thread; the e-mail leaves the Inbox."),
        error_messages={"required": _("Write the answer before sending it.")},
    )
