from django import template

from letters import posting

register = template.Library()


@register.filter
def address_gaps(prisoner) -> list[str]:
    """What the prisoner's «Кому» line lacks (year of birth, patronymic), for a warning."""
    return posting.address_gaps(prisoner)
