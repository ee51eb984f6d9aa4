"""Admin pages that show two apps together, registered here, above both: the prisoner admin
with its "Mark in transit" action (whose confirmation counts the letters that will wait for a
new address), and the letter admin whose page offers payments' "Record payment or waiver"."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from letters import admin as letters_admin
from letters.models import Letter
from letters.selectors import (
    letters_in_flight_by_prisoner,
    letters_to_hold_by_prisoner,
    prisoner_closures,
)
from prisoners import admin as prisoners_admin
from prisoners import selectors, services
from prisoners.models import Prisoner
from replies.selectors import replies_of_letter


@admin.action(
    description=_("Mark in transit (этап): letters wait for the new address"),
    permissions=["change"],
)
def mark_in_transit(modeladmin, request, queryset):
    """Asks first, as Django's delete does: a page lists the prisoners and the letters that will
    be held, and only its Confirm (which posts ``post``) changes anything."""
    if not request.POST.get("post"):
        prisoner_ids = list(queryset.values_list("pk", flat=True))
        prisoners = list(selectors.prisoners_for_transit(prisoner_ids=prisoner_ids))
        to_hold = letters_to_hold_by_prisoner(prisoner_ids=prisoner_ids)
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": _("Mark in transit?"),
            "opts": modeladmin.model._meta,
            "prisoners": [(prisoner, to_hold.get(prisoner.pk, 0)) for prisoner in prisoners],
            "letters_to_hold": sum(to_hold.values()),
            "never_in_transit": services.NEVER_IN_TRANSIT,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(
            request, "admin/prisoners/mark_in_transit_confirmation.html", context
        )
    done = 0
    for prisoner in queryset:
        try:
            services.prisoner_mark_in_transit(prisoner_id=prisoner.pk, actor=request.user)
        except PermissionDenied as error:
            modeladmin.message_user(request, str(error), messages.ERROR)
            return None
        except ValidationError as error:
            modeladmin.message_user(request, f"{prisoner}: {error.messages[0]}", messages.WARNING)
        else:
            done += 1
    if done:
        modeladmin.message_user(
            request,
            ngettext(
                "%(n)d prisoner in transit; their approved letters are on hold.",
                "%(n)d prisoners in transit; their approved letters are on hold.",
                done,
            )
            % {"n": done},
            messages.SUCCESS,
        )
    return None


def _mark_left_prison(modeladmin, request, queryset, *, status: str):
    """Released or deceased. Asks first, as "Mark in transit" does: the page lists the people
    and how many letters on their way to each will be closed (each writer told, postage paid
    refunded); only its Confirm changes anything. The closing itself runs in the worker."""
    action = "mark_released" if status == Prisoner.Status.RELEASED else "mark_deceased"
    prisoner_ids = list(queryset.values_list("pk", flat=True))
    in_flight = letters_in_flight_by_prisoner(prisoner_ids=prisoner_ids)
    if not request.POST.get("post"):
        prisoners = list(selectors.prisoners_for_transit(prisoner_ids=prisoner_ids))
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": _("Mark released?")
            if status == Prisoner.Status.RELEASED
            else _("Mark deceased?"),
            "opts": modeladmin.model._meta,
            "status": status,
            "action": action,
            "prisoners": [(prisoner, in_flight.get(prisoner.pk, 0)) for prisoner in prisoners],
            "letters_to_close": sum(in_flight.values()),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(
            request, "admin/prisoners/mark_left_prison_confirmation.html", context
        )
    for prisoner in queryset:
        try:
            services.prisoner_mark_left_prison(
                prisoner_id=prisoner.pk, actor=request.user, status=status
            )
        except PermissionDenied as error:
            modeladmin.message_user(request, str(error), messages.ERROR)
            return None
        except ValidationError as error:
            modeladmin.message_user(request, f"{prisoner}: {error.messages[0]}", messages.WARNING)
            continue
        letters = in_flight.get(prisoner.pk, 0)
        modeladmin.message_user(
            request,
            ngettext(
                "%(name)s: %(status)s. %(n)d letter in flight is being closed and its writer "
                "told by e-mail; paid postage is refunded.",
                "%(name)s: %(status)s. %(n)d letters in flight are being closed and their "
                "writers told by e-mail; paid postage is refunded.",
                letters,
            )
            % {
                "name": prisoner.local_name(),
                "status": Prisoner(status=status, gender=prisoner.gender).status_word(),
                "n": letters,
            },
            messages.SUCCESS,
        )
    return None


@admin.action(
    description=_("Mark released: close the letters in flight, tell their writers"),
    permissions=["change"],
)
def mark_released(modeladmin, request, queryset):
    return _mark_left_prison(modeladmin, request, queryset, status=Prisoner.Status.RELEASED)


@admin.action(
    description=_("Mark deceased: close the letters in flight, tell their writers"),
    permissions=["change"],
)
def mark_deceased(modeladmin, request, queryset):
    return _mark_left_prison(modeladmin, request, queryset, status=Prisoner.Status.DECEASED)


@admin.register(Prisoner)
class PrisonerAdmin(prisoners_admin.PrisonerAdmin):
    actions = [mark_in_transit, mark_released, mark_deceased]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        """A released or deceased person's page says what became of the letters that were on
        their way: how many were closed with their writers told, and any still being closed."""
        if obj is not None and request.method == "GET" and obj.status in services.LEFT_PRISON:
            done = prisoner_closures(prisoner_id=obj.pk)
            if done.closed:
                self.message_user(
                    request,
                    ngettext(
                        "%(n)d letter in flight was closed and its writer told (postage "
                        "refunded: %(refunds)d).",
                        "%(n)d letters in flight were closed and their writers told (postage "
                        "refunded: %(refunds)d).",
                        done.closed,
                    )
                    % {"n": done.closed, "refunds": done.refunds},
                    messages.INFO,
                )
            if done.open:
                self.message_user(
                    request,
                    ngettext(
                        "%(n)d letter to this person is still open; it is being closed.",
                        "%(n)d letters to this person are still open; they are being closed.",
                        done.open,
                    )
                    % {"n": done.open},
                    messages.WARNING,
                )
        return super().render_change_form(request, context, add, change, form_url, obj)


@admin.register(Letter)
class LetterAdmin(letters_admin.LetterAdmin):
    change_form_template = "admin/pages/letter_change_form.html"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The letter's page links to the prisoner's replies to it that this person may open."""
        extra_context = extra_context or {}
        if str(object_id).isdigit() and len(str(object_id)) < 19:
            extra_context["replies"] = replies_of_letter(
                user=request.user, letter_id=int(object_id)
            )
        return super().change_view(request, object_id, form_url, extra_context)
