"""Coordinators' admin pages: preparing today's post (a batch and its PDF) and marking a batch
posted, and letters' part of the dashboard (the page itself is drawn in pages.views, next to
payments' postage balance). Views parse, call a service (letters.services.dispatch) and render;
they live in the admin (``admin.site.admin_view``) and need the ``coordinate_letters`` permission.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import wraps

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Count, ExpressionWrapper, Min, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext
from django.views.decorators.http import require_http_methods

from core import storage
from prisoners.models import Prisoner
from prisoners.selectors import recipient_line_incomplete

from . import pdf, selectors
from .lifecycle import CLOSED_UNSENT_STATES, DELIVERED_STATES, PERM_COORDINATE, WAITING_STATES
from .models import CURRENCIES, Letter, PostingBatch, PostingBatchDocument
from .services import dispatch
from .services.core import LetterError

S = Letter.Status


def coordinator_view(view):
    @wraps(view)
    def checked(request, *args, **kwargs):
        if not request.user.has_perm(PERM_COORDINATE):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return admin.site.admin_view(checked)


def _context(request, title: str | Promise, **extra) -> dict:
    return {**admin.site.each_context(request), "title": title, **extra}


# --- letters waiting to be posted ------------------------------------------------------------

# Why an approved (or held) letter we post is not ready to post: each is one condition of
# selectors.letters_ready_to_post turned round, so every letter listed has at least one.
WAITING_REASONS = {
    "unpaid": _("postage not paid"),
    "no_address": _("no current address"),
    "on_hold": _("on hold"),
    # No year of birth, or not the full name in the dative: held once it is noticed.
    "incomplete_recipient": _("incomplete «Кому» line"),
    "flagged": _("flagged by a volunteer"),
    # Freed, or dead: a coordinator unticks "accepts letters now"; the letter is not posted to
    # a prison the person has left, and the coordinator decides (a kind rejection refunds it).
    "not_accepting": _("the prisoner accepts no letters now"),
}
# The prepare page lists this many of them, oldest first, and counts the rest.
WAITING_SHOWN = 500


def _waiting_conditions() -> dict[str, Q]:
    """The reasons of WAITING_REASONS as conditions on a letter."""
    return {
        "unpaid": ~Q(postage__in=[Letter.Postage.PAID, Letter.Postage.WAIVED]),
        "no_address": Q(~selectors.has_current_address()),
        "on_hold": Q(status=S.ON_HOLD) | Q(prisoner__status=Prisoner.Status.IN_TRANSIT),
        "incomplete_recipient": recipient_line_incomplete(prefix="prisoner__"),
        "flagged": Q(flagged_at__isnull=False),
        "not_accepting": Q(prisoner__accepts_letters=False),
    }


def _waiting(conditions: dict[str, Q]) -> QuerySet[Letter]:
    either = Q()
    for condition in conditions.values():
        either |= condition
    return Letter.objects.filter(
        either,
        status__in=[S.APPROVED, S.ON_HOLD],
        delivery=Letter.Delivery.POST_FOR_ME,
        posting_batch__isnull=True,
    )


def letters_waiting_to_post() -> QuerySet[Letter]:
    """Letters we are to post, translated and approved (or held), not in a batch, that are not
    ready to post, each annotated with a boolean per reason of WAITING_REASONS; oldest first."""
    conditions = _waiting_conditions()
    return (
        _waiting(conditions)
        .annotate(
            **{
                reason: ExpressionWrapper(condition, output_field=BooleanField())
                for reason, condition in conditions.items()
            }
        )
        .select_related("prisoner")
        .order_by("status_changed_at", "pk")
    )


def waiting_counts() -> dict[str, int]:
    """How many letters wait to be posted, in all and for each reason (a letter may have more
    than one)."""
    conditions = _waiting_conditions()
    return _waiting(conditions).aggregate(
        total=Count("pk"),
        **{reason: Count("pk", filter=condition) for reason, condition in conditions.items()},
    )


def _with_reasons(letters: list[Letter]) -> list[Letter]:
    for letter in letters:
        letter.waiting_reasons = [
            label for reason, label in WAITING_REASONS.items() if getattr(letter, reason)
        ]
    return letters


# --- the dashboard ---------------------------------------------------------------------------


def weekly_chart_svg(weeks: list[tuple[date, int, int]]) -> str:
    """Bars of letters received and posted or returned per week, as inline SVG (no script)."""
    width, height, pad, top = 640, 200, 28, 12
    peak = max([max(r, d) for _w, r, d in weeks] + [1])
    slot = (width - pad) / max(len(weeks), 1)
    bar = max(slot / 2 - 3, 2)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height + 24}" '
        f'role="img" class="lb-chart" aria-labelledby="chart-title">',
        format_html('<title id="chart-title">{}</title>', _("Letters per week")),
        f'<line x1="{pad}" y1="{height}" x2="{width}" y2="{height}" stroke="#999"/>',
        f'<text x="0" y="{top + 4}" font-size="11">{peak}</text>',
        f'<text x="0" y="{height}" font-size="11">0</text>',
    ]
    # A week's Monday as a chart's axis says it: "14 Sep", in Russian "14.09" (a Django date
    # format, translated like Django's own formats).
    day_format = pgettext("a day on a chart's axis", "j M")
    for i, (week, received, done) in enumerate(weeks):
        week_label = format_date(week, day_format)
        x = pad + i * slot
        for offset, value, colour, label in (
            (0, received, "#417690", _("received")),
            (bar + 2, done, "#70bf2b", _("posted or returned")),
        ):
            h = (height - top) * value / peak
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}">'
                    "<title>{}: {} {}</title></rect>",
                    f"{x + offset:.1f}",
                    f"{height - h:.1f}",
                    f"{bar:.1f}",
                    f"{h:.1f}",
                    colour,
                    week_label,
                    value,
                    label,
                )
            )
        if i % 2 == 0:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" font-size="10">{}</text>',
                    f"{x:.1f}",
                    height + 16,
                    week_label,
                )
            )
    parts.append("</svg>")
    return mark_safe("".join(str(p) for p in parts))  # noqa: S308 (every value escaped above)


def _per_week(queryset, field: str, since: datetime) -> dict[date, int]:
    rows = (
        queryset.filter(**{f"{field}__gte": since})
        .annotate(week=TruncWeek(field))
        .values("week")
        .annotate(n=Count("pk"))
        .values_list("week", "n")
    )
    return {timezone.localdate(week): n for week, n in rows}


def _weeks(now, count: int = 12) -> list[tuple[date, int, int]]:
    """(Monday, letters received, letters posted or returned) for the last ``count`` weeks."""
    start = timezone.localdate(now) - timedelta(weeks=count - 1)
    start -= timedelta(days=start.weekday())
    since = timezone.make_aware(datetime.combine(start, time.min))
    received = _per_week(Letter.objects.all(), "created_at", since)
    done = _per_week(Letter.objects.filter(status__in=DELIVERED_STATES), "status_changed_at", since)
    mondays = [start + timedelta(weeks=i) for i in range(count)]
    return [(monday, received.get(monday, 0), done.get(monday, 0)) for monday in mondays]


def letters_dashboard() -> dict:
    """Letters' part of the coordinators' dashboard (drawn, with payments' postage balance, by
    pages.views.coordinators_dashboard): open letters by state and how long the oldest has
    waited, letters ready and waiting to post, the weekly chart, incomplete addresses and the
    prisoners who get the fewest letters."""
    now = timezone.now()
    by_state = {
        row["status"]: row
        for row in Letter.objects.filter(status__in=WAITING_STATES)
        .values("status")
        .annotate(n=Count("pk"), oldest=Min("status_changed_at"))
    }
    states = [
        {
            "status": state,
            "label": Letter.Status(state).label,
            "count": by_state[state]["n"] if state in by_state else 0,
            "oldest_days": (now - by_state[state]["oldest"]).days if state in by_state else None,
            "stuck": state in by_state
            and (now - by_state[state]["oldest"]).days > settings.LETTERBRIDGE_STUCK_DAYS,
        }
        for state in WAITING_STATES
    ]
    waiting = waiting_counts()
    fewest = (
        Prisoner.objects.filter(accepts_letters=True)
        .annotate(
            letters_count=Count("letters", filter=~Q(letters__status__in=CLOSED_UNSENT_STATES))
        )
        .order_by("letters_count", "name_en")[:10]
    )
    return {
        "states": states,
        "chart": weekly_chart_svg(_weeks(now)),
        "fewest": fewest,
        "incomplete_addresses": selectors.prisoners_with_incomplete_addresses(),
        "ready_count": selectors.letters_ready_to_post().count(),
        "waiting_total": waiting["total"],
        "waiting_by_reason": [
            (label, waiting[reason]) for reason, label in WAITING_REASONS.items() if waiting[reason]
        ],
        "stuck_days": settings.LETTERBRIDGE_STUCK_DAYS,
    }


# --- preparing and posting batches ------------------------------------------------------------


PREPARE_TEMPLATE = "admin/letters/posting/prepare.html"


@coordinator_view
@require_http_methods(["GET", "POST"])
def prepare(request, *, template_name: str = PREPARE_TEMPLATE):
    """Today's post: the letters ready to go, the ones not ready and why, the open batches.
    Served by pages.views.prepare_post, whose template (extending PREPARE_TEMPLATE) adds
    payments' "Record payment or waiver" to each unpaid letter."""
    ready = list(selectors.letters_ready_to_post()[:1000])
    if request.method == "POST":
        chosen = [int(pk) for pk in request.POST.getlist("letter") if pk.isdigit()]
        if not chosen:
            messages.warning(request, _("Choose at least one letter."))
        else:
            try:
                batch = dispatch.batch_prepare(coordinator=request.user, letter_ids=chosen)
            except LetterError as error:
                messages.error(request, error.message)
            else:
                messages.success(
                    request, _("Batch %(id)s prepared; its PDF is being made.") % {"id": batch.pk}
                )
                return redirect("letters_coordination:batch", batch.pk)
    open_batches = PostingBatch.objects.filter(posted_on__isnull=True).annotate(
        letters_count=Count("letters")
    )
    waiting = _with_reasons(list(letters_waiting_to_post()[:WAITING_SHOWN]))
    context = _context(
        request,
        _("Prepare today's post"),
        ready=ready,
        waiting=waiting,
        waiting_total=waiting_counts()["total"] if len(waiting) == WAITING_SHOWN else len(waiting),
        open_batches=open_batches,
    )
    return render(request, template_name, context)


class MarkPostedForm(forms.Form):
    posted_on = forms.DateField(
        label=_("Posted on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    postage_spent = forms.DecimalField(
        label=_("Postage spent"), min_value=0, max_digits=9, decimal_places=2
    )
    postage_currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCIES)


@coordinator_view
@require_http_methods(["GET", "POST"])
def batch_detail(request, batch_id: int):
    batch = get_object_or_404(PostingBatch, pk=batch_id)
    form = MarkPostedForm(
        request.POST or None,
        initial={"posted_on": timezone.localdate(), "postage_currency": batch.postage_currency},
    )
    # The date picker offers only the days the service accepts.
    form.fields["posted_on"].widget.attrs.update(
        min=timezone.localdate(batch.created_at).isoformat(), max=timezone.localdate().isoformat()
    )
    if request.method == "POST" and "discard" in request.POST:
        try:
            freed = dispatch.batch_discard(batch_id=batch.pk, coordinator=request.user)
        except LetterError as error:
            messages.error(request, error.message)
            return redirect("letters_coordination:batch", batch.pk)
        messages.success(
            request,
            ngettext(
                "Batch discarded; %(n)d letter is ready for the next one.",
                "Batch discarded; %(n)d letters are ready for the next one.",
                freed,
            )
            % {"n": freed},
        )
        return redirect("letters_coordination:prepare")
    if request.method == "POST" and batch.posted_on is None and form.is_valid():
        data = form.cleaned_data
        try:
            result = dispatch.batch_mark_posted(
                batch_id=batch.pk,
                coordinator=request.user,
                posted_on=data["posted_on"],
                postage_spent=int(data["postage_spent"] * 100),
                postage_currency=data["postage_currency"],
            )
        except LetterError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                ngettext(
                    "%(n)d letter posted; its supporter is being told.",
                    "%(n)d letters posted; their supporters are being told.",
                    len(result.posted),
                )
                % {"n": len(result.posted)},
            )
            for reference, why in result.skipped:
                messages.warning(
                    request,
                    _("%(ref)s was not posted (take it out of the pile): %(why)s")
                    % {"ref": reference, "why": why},
                )
            return redirect("letters_coordination:batch", batch.pk)
    printed = (
        PostingBatchDocument.objects.filter(batch=batch)
        .values_list("letter_count", flat=True)
        .first()
    )
    context = _context(
        request,
        _("Posting batch %(id)s") % {"id": batch.pk},
        batch=batch,
        letters=selectors.batch_letters(batch),
        has_pdf=printed is not None,
        printed_count=printed,
        reply_kit=pdf.reply_kit_on(),
        form=form,
        spent=batch.postage_spent / 100,
    )
    return render(request, "admin/letters/posting/batch.html", context)


@coordinator_view
def batch_pdf(request, batch_id: int):
    document = PostingBatchDocument.objects.filter(batch_id=batch_id).first()
    if document is None:
        raise Http404(_("The PDF is not ready yet."))
    return storage.response(
        document.file_name,
        filename=f"batch-{batch_id}.pdf",
        content_type="application/pdf",
        inline=True,
    )


# The dashboard and today's post are routed by pages.urls, which adds them to this namespace.
app_name = "letters_coordination"
urlpatterns = [
    path("posting/<int:batch_id>/", batch_detail, name="batch"),
    path("posting/<int:batch_id>/pdf/", batch_pdf, name="batch_pdf"),
]
