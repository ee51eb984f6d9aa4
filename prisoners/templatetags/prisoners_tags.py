from django import template
from django.utils.translation import get_language

from prisoners.models import Prisoner

register = template.Library()


def _russian() -> bool:
    return (get_language() or "").startswith("ru")


@register.filter
def local_name(prisoner: Prisoner) -> str:
    """The prisoner's name as a reader of the current language writes it: in Cyrillic for
    Russian, in the English spelling otherwise."""
    if _russian() and prisoner.name_ru:
        return prisoner.name_ru
    return prisoner.name_en


@register.filter
def other_name(prisoner: Prisoner) -> str:
    """The other spelling, shown small under the name."""
    if _russian() and prisoner.name_ru:
        return prisoner.name_en
    return prisoner.name_ru
