from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from prisoners.models import Prisoner, russian_is_active

register = template.Library()


@register.filter
def local_name(prisoner: Prisoner) -> str:
    """The prisoner's name as a reader of the current language writes it."""
    return prisoner.local_name()


@register.filter
def other_name(prisoner: Prisoner) -> str:
    """The other spelling, shown small under the name."""
    if russian_is_active() and prisoner.name_ru:
        return prisoner.name_en
    return prisoner.name_ru


@register.filter
def both_names(prisoner: Prisoner) -> SafeString | str:
    """Both spellings for staff, the current language's first: «Хамроев Бахром Мардонович
    (Bakhrom Khamroev)» on a Russian page, "Bakhrom Khamroev (Хамроев Бахром Мардонович)" on
    an English one; the other spelling marked with its language."""
    other = other_name(prisoner)
    if not other:
        return prisoner.local_name()
    other_language = "en" if russian_is_active() and prisoner.name_ru else "ru"
    return format_html(
        '{} <span lang="{}">({})</span>', prisoner.local_name(), other_language, other
    )
