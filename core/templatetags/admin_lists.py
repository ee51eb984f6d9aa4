"""``{% fast_result_list cl %}``: Django's ``{% result_list cl %}`` (the table of a change list),
the same HTML drawn for a fraction of the CPU (core.admin_list); ``{% kept_part %}``: a part of a
change list drawn once per key (core.admin_kept); ``{% result_count cl %}``: how many rows, in the
plural form the language needs."""

from pathlib import Path

import django.contrib.admin
from django import template
from django.contrib.admin.templatetags.admin_list import result_list as djangos_result_list
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.utils.safestring import mark_safe

from core.admin import result_count as _result_count
from core.admin_kept import kept_part
from core.admin_list import fast_enabled, result_list, results_table

register = template.Library()

# Django's own change_list_results.html: the one results_table writes without a template.
DJANGOS_RESULTS = str(
    Path(django.contrib.admin.__file__).parent / "templates/admin/change_list_results.html"
)


class FastResultListNode(InclusionAdminNode):
    """Django's ``{% result_list %}`` node, with the rows drawn by core.admin_list and, where
    the template would be Django's own change_list_results.html, the whole table written in
    Python. A template overridden for the model, its app or the site is rendered as usual."""

    def render(self, context):
        cl = self.args[0].resolve(context)
        opts = context["opts"]
        chosen = context.template.engine.select_template(
            [
                f"admin/{opts.app_label.lower()}/{opts.model_name}/{self.template_name}",
                f"admin/{opts.app_label.lower()}/{self.template_name}",
                f"admin/{self.template_name}",
            ]
        )
        if not fast_enabled():
            return self._render(context, chosen, djangos_result_list(cl))
        if chosen.origin.name != DJANGOS_RESULTS or cl.formset is not None:
            return self._render(context, chosen, result_list(cl))
        # Without a formset there are no hidden fields (result_hidden_fields reads its forms).
        return mark_safe(results_table(cl))  # noqa: S308  (escaped where each part is made)

    @staticmethod
    def _render(context, chosen, data):
        """What InclusionNode.render does with the template and its context."""
        new_context = context.new(data)
        csrf_token = context.get("csrf_token")
        if csrf_token is not None:
            new_context["csrf_token"] = csrf_token
        return chosen.render(new_context)


@register.tag(name="fast_result_list")
def fast_result_list_tag(parser, token):
    # django-stubs give InclusionAdminNode a leading "name" that Django's class does not take.
    return FastResultListNode(  # type: ignore[call-arg]
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


register.tag("kept_part", kept_part)
