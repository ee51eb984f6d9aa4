"""``{% fast_result_list cl %}``: Django's ``{% result_list cl %}`` (the table of a change list),
the same HTML drawn for a fraction of the CPU (core.admin_list); ``{% result_count cl %}``: how
many rows, in the plural form the language needs."""

from django import template
from django.contrib.admin.templatetags.base import InclusionAdminNode

from core.admin import result_count as _result_count
from core.admin_list import result_list

register = template.Library()


@register.tag(name="fast_result_list")
def fast_result_list_tag(parser, token):
    # django-stubs give InclusionAdminNode a leading "name" that Django's class does not take.
    return InclusionAdminNode(  # type: ignore[call-arg]
        parser,
        token,
        func=result_list,
        template_name="change_list_results.html",
        takes_context=False,
    )


@register.simple_tag
def result_count(cl) -> str:
    """ "5 писем" under a change list (admin/pagination.html): core.admin.RESULT_COUNTS."""
    return _result_count(cl.opts, cl.result_count)
