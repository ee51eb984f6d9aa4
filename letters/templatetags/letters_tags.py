from django import forms, template
from django.conf import settings

from letters.forms import LetterForm

register = template.Library()


@register.inclusion_tag("letters/_letter_form.html", takes_context=True)
def letter_form_for(context, prisoner):
    """The letter form for one prisoner, for their profile page. It posts to letters:write,
    which shows any errors with everything typed kept."""
    form = LetterForm(initial={"prisoner": prisoner.slug})
    form.fields["prisoner"].widget = forms.HiddenInput()
    return {
        "form": form,
        "prisoner": prisoner,
        "max_chars": settings.LETTERBRIDGE_MAX_LETTER_CHARS,
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }
