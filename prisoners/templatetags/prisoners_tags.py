from django import template

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
