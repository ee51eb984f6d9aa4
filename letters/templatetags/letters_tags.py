from datetime import datetime

from django import forms, template
from django.conf import settings
from django.utils import timezone
from django.utils.formats import get_format
from django.utils.translation import ngettext

from core.dates import format_datetime
from letters.forms import LetterForm
from letters.selectors import letters_flagged

register = template.Library()


@register.filter
def datetime_with_zone(value: datetime | None, pattern: str = "j E Y, H:i") -> str:
    """A moment as people read it, in the site's time zone and naming it, so a supporter or a
    volunteer abroad knows which 14:05 is meant: "5 December 2026, 14:05 GMT" ("5 декабря
    2026, 14:05 GMT" in Russian). Every date-time shown to a person goes through here;
    ``pattern`` (a Django date format) shortens it where the day is plain, e.g. "H:i:s"."""
    if not value:
        return ""
    local = timezone.localtime(value)
    zone = local.tzname() or ""
    if zone.startswith(("+", "-")):  # a zone with no abbreviation names only its offset
        zone = f"UTC{zone}"
    return f"{format_datetime(local, get_format(pattern))} {zone}".strip()


@register.filter
def characters(count: int) -> str:
    """A letter's length as the desk says it: "1 character", "250 characters" ("250 знаков").
    The same words as the blocktranslate it replaces in lists, for one call per row."""
    return ngettext("%(counter)s character", "%(counter)s characters", count) % {"counter": count}


@register.simple_tag
def flagged_letters_count() -> int:
    """Flagged letters waiting for a coordinator's decision (the admin index and the
    coordinators' dashboard show it, linking to the Flagged page)."""
    return letters_flagged().count()


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
