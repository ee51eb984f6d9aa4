"""The Inbox's part of pages it does not own: the admin index's count of e-mails waiting."""

from django import template

from inbox.selectors import inbound_waiting_count

register = template.Library()


@register.simple_tag
def inbox_waiting_count() -> int:
    """E-mails waiting for a coordinator (the admin index shows it, linking to the Inbox)."""
    return inbound_waiting_count()
