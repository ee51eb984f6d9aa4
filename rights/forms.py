from django import forms
from django.utils.translation import gettext_lazy as _

from letters.forms import EMAIL_ERRORS


class RightsRequestForm(forms.Form):
    email = forms.EmailField(
        label=_("The e-mail address you wrote from"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages=EMAIL_ERRORS,
    )


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand: letters not yet posted are cancelled, and this cannot be undone."),
        required=True,
        error_messages={"required": _("Tick the box to confirm.")},
    )
