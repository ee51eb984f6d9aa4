from datetime import datetime, timedelta
from functools import lru_cache
from html import escape

from django import forms, template
from django.conf import settings
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.utils import timezone
from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext

from core.dates import format_datetime, minute_determined
from letters.forms import LetterForm
from letters.models import LANGUAGES_IN_A_SENTENCE
from letters.selectors import letters_flagged

register = template.Library()


@lru_cache(maxsize=256)
def _by_the_minute(language: str | None, pattern: str) -> bool:
    """Whether ``pattern`` in ``language`` writes nothing finer than the minute (no seconds),
    so that one moment's text stands for its whole minute."""
    return minute_determined(get_format(pattern))


# Moments written by datetime_with_zone, per language, time zone, pattern and minute: a list
# writes the same few minutes' texts again and again (a queue's 25 rows cost 0.4 ms a page).
_WITH_ZONE: dict[tuple, str] = {}
_WITH_ZONE_MAX = 8192  # emptied when full
# Every time zone's offset is whole minutes since 1972; older ones (local mean time) need not be.
_WHOLE_MINUTE_OFFSETS_SINCE = 1972


@register.filter
def datetime_with_zone(value: datetime | None, pattern: str = "j E Y, H:i") -> str:
    """A moment as people read it, in the site's time zone and naming it, so a supporter or a
    volunteer abroad knows which 14:05 is meant: "5 December 2026, 14:05 GMT" ("5 декабря
    2026, 14:05 GMT" in Russian). Every date-time shown to a person goes through here;
    ``pattern`` (a Django date format) shortens it where the day is plain, e.g. "H:i:s"."""
    if not value:
        return ""
    language = get_language()
    key = None
    if value.year >= _WHOLE_MINUTE_OFFSETS_SINCE and _by_the_minute(language, pattern):
        key = (
            language,
            timezone.get_current_timezone(),
            pattern,
            value.replace(second=0, microsecond=0),
        )
        text = _WITH_ZONE.get(key)
        if text is not None:
            return text
    local = timezone.localtime(value)
    zone = local.tzname() or ""
    if zone.startswith(("+", "-")):  # a zone with no abbreviation names only its offset
        zone = f"UTC{zone}"
    text = f"{format_datetime(local, get_format(pattern))} {zone}".strip()
    if key is not None:
        if len(_WITH_ZONE) >= _WITH_ZONE_MAX:
            _WITH_ZONE.clear()
        _WITH_ZONE[key] = text
    return text


@register.filter
def language_in_a_sentence(code: str) -> str:
    """A letter's language named inside a sentence ("into German", «на немецкий»): in Russian
    in lower case, as LANGUAGES_IN_A_SENTENCE writes it."""
    return str(LANGUAGES_IN_A_SENTENCE.get(code, code))


@register.filter
def characters(count: int) -> str:
    """A letter's length as the desk says it: "1 character", "250 characters" ("250 знаков").
    The same words as the blocktranslate it replaces in lists, for one call per row."""
    return _characters(get_language(), count)


@lru_cache(maxsize=4096)
def _characters(language: str | None, count: int) -> str:
    """``characters`` per language and count: a list's lengths repeat, and ngettext cost a
    queue's 25 rows 0.2 ms a page."""
    return ngettext("%(counter)s character", "%(counter)s characters", count) % {"counter": count}


@register.simple_tag
def flagged_letters_count() -> int:
    """Flagged letters waiting for a coordinator's decision (the admin index and the
    coordinators' dashboard show it, linking to the Flagged page)."""
    return letters_flagged().count()


@register.inclusion_tag("letters/_letter_form.html", takes_context=True)
def letter_form_for(context, prisoner):
    """The letter form for one prisoner, for their profile page. It posts to letters:write,
    which shows any errors with everything typed kept."""
    form = LetterForm(initial={"prisoner": prisoner.slug})
    form.fields["prisoner"].widget = forms.HiddenInput()
    return {
        "form": form,
        "prisoner": prisoner,
        "max_chars": settings.LETTERBRIDGE_MAX_LETTER_CHARS,
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }


# --- the translation queue's rows ---------------------------------------------------------------

# Below four weeks, naturaltime's words ("3 hours, 5 minutes ago") depend only on the whole
# minutes elapsed; beyond, on the calendar's months, so those are written each time.
_AGO_BY_MINUTE_UNDER = timedelta(days=28)


@lru_cache(maxsize=4096)
def _ago_in_minutes(language: str | None, minutes: int) -> str:
    # Half a minute more than ``minutes``, so the clock moving on while this runs changes
    # nothing naturaltime counts.
    return naturaltime(timezone.now() - timedelta(minutes=minutes, seconds=30))


def ago(value: datetime, now: datetime) -> str:
    """``value|naturaltime`` ("5 minutes ago", "2 days, 3 hours ago") at ``now``, remembered per
    language and minute for the ages a list shows again and again."""
    elapsed = now - value
    if timedelta(minutes=1) <= elapsed < _AGO_BY_MINUTE_UNDER:
        return _ago_in_minutes(get_language(), int(elapsed.total_seconds()) // 60)
    return naturaltime(value)


_QUEUE_ROW = (
    "\n    <tr>"
    '\n      <td><a href="{change_url}">{reference}</a></td>'
    "\n      <td>{prisoner}</td>"
    "\n      <td>{language}</td>"
    '\n      <td class="num">{length}</td>'
    '\n      <td title="{received}">{age}</td>'
    '\n      <td class="desk-actions">{claim}{skip}'
    "\n      </td>"
    "\n    </tr>"
)
_ROW_FORM = (
    '\n        <form method="post" action="{action}" class="desk-inline-form">{csrf}'
    '\n          <button type="submit" class="button"{disabled}>{label}</button>'
    "\n        </form>"
)


@register.simple_tag(takes_context=True)
def queue_rows(context) -> SafeString:
    """The queue's table rows (``rows`` as ``Desk.queue`` builds them): the HTML a template loop
    wrote, drawn as one string per row (every value escaped as the template escaped it), since
    the loop cost a third of the page's CPU. tests/letters/test_queue_rows.py holds it to that
    loop's output."""
    now = timezone.now()
    # html.escape is what Django's escape calls, without its check for lazy text per call.
    token = escape(str(context["csrf_token"]))
    csrf = f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
    claim_form = _ROW_FORM.replace("{csrf}", csrf).replace(
        "{disabled}", " disabled" if context["at_limit"] else ""
    )
    skip_form = _ROW_FORM.replace("{csrf}", csrf).replace("{disabled}", "")
    claim_label, skip_label = escape(gettext("Claim")), escape(gettext("No translation needed"))
    can_translate = context["can_translate"]
    out = []
    for row in context["rows"]:
        letter = row["letter"]
        claim = skip = ""
        if can_translate:
            claim = claim_form.format(action=escape(row["claim_url"]), label=claim_label)
        if row["skippable"]:
            skip = skip_form.format(action=escape(row["skip_url"]), label=skip_label)
        out.append(
            _QUEUE_ROW.format(
                change_url=escape(row["change_url"]),
                reference=escape(letter.reference),
                prisoner=escape(letter.prisoner.local_name()),
                language=escape(str(row["language_name"])),
                length=escape(characters(letter.length)),
                received=escape(datetime_with_zone(letter.created_at)),
                age=escape(ago(letter.created_at, now)),
                claim=claim,
                skip=skip,
            )
        )
    return mark_safe("".join(out))  # noqa: S308  (every value above is escaped)
