from django import template

from letters import selectors

register = template.Library()


@register.filter
def address_gaps(prisoner) -> list[str]:
    """What the prisoner's «Кому» line lacks (year of birth, patronymic), for a warning."""
    return selectors.address_gaps(prisoner)
