# ruff: noqa: E501  (the template loop as it was written)
"""The queue's rows (``{% queue_rows %}``) are the HTML the template loop wrote before them,
row for row, in English and Russian, for every combination of the row's buttons; and ``ago``
says what ``naturaltime`` says."""

from datetime import timedelta
from itertools import product
from types import SimpleNamespace

import pytest
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.template import Context, Template
from django.test.html import parse_html
from django.utils import timezone, translation

from letters.templatetags.letters_tags import ago

# The loop that drew the queue's rows until they were drawn in Python (naming the prisoner as
# the reader's language writes the name, Prisoner.local_name, as the other desk lists do).
TEMPLATE_LOOP = """{% load i18n humanize letters_tags %}
  {% for row in rows %}{% with letter=row.letter %}
    <tr>
      <td><a href="{{ row.change_url }}">{{ letter.reference }}</a></td>
      <td>{{ letter.prisoner.local_name }}</td>
      <td>{{ row.language_name }}</td>
      <td class="num">{{ letter.length|characters }}</td>
      <td title="{{ letter.created_at|datetime_with_zone }}">{{ letter.created_at|naturaltime }}</td>
      <td class="desk-actions">
        {% if can_translate %}
        <form method="post" action="{{ row.claim_url }}" class="desk-inline-form">{% csrf_token %}
          <button type="submit" class="button"{% if at_limit %} disabled{% endif %}>{% translate "Claim" %}</button>
        </form>
        {% endif %}
        {% if row.skippable %}
        <form method="post" action="{{ row.skip_url }}" class="desk-inline-form">{% csrf_token %}
          <button type="submit" class="button">{% translate "No translation needed" %}</button>
        </form>
        {% endif %}
      </td>
    </tr>
  {% endwith %}{% endfor %}"""


def _rows():
    now = timezone.now()
    ages = [timedelta(seconds=20), timedelta(minutes=7, seconds=5), timedelta(hours=5, minutes=3),
            timedelta(days=3, hours=2), timedelta(days=45)]  # fmt: skip
    names = ["Bakhrom Khamroev", 'Igor "Baranov" & <co>', "Мария Пономаренко"]
    rows = []
    for i, (age, skippable) in enumerate(product(ages, [False, True])):
        letter = SimpleNamespace(
            reference=f"LB-2026-{i:05d}",
            prisoner=SimpleNamespace(local_name=lambda i=i: names[i % len(names)]),
            length=[1, 2, 5, 21, 250, 1001][i % 6],
            created_at=now - age,
        )
        rows.append(
            {
                "letter": letter,
                "language_name": ["English", "Deutsch", "Français"][i % 3],
                "skippable": skippable,
                "change_url": f"/admin/letters/letter/{i}/change/",
                "claim_url": f"/admin/letters/letter/{i}/desk/claim/",
                "skip_url": f"/admin/letters/letter/{i}/desk/skip/",
            }
        )
    return rows


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("can_translate", [True, False])
@pytest.mark.parametrize("at_limit", [True, False])
def test_the_rows_are_what_the_template_loop_wrote(language, can_translate, at_limit):
    context = {
        "rows": _rows(),
        "can_translate": can_translate,
        "at_limit": at_limit,
        "csrf_token": "Tok3n<&>",
    }
    with translation.override(language):
        expected = Template(TEMPLATE_LOOP).render(Context(context))
        drawn = Template("{% load letters_tags %}{% queue_rows %}").render(Context(context))
    assert "<tr>" in drawn
    assert parse_html(drawn) == parse_html(expected)
    assert drawn.count("<tr>") == len(context["rows"])


@pytest.mark.parametrize("language", ["en", "ru"])
def test_ago_says_what_naturaltime_says(language):
    now = timezone.now()
    ages = [timedelta(seconds=s) for s in range(0, 7200, 13)]
    ages += [timedelta(minutes=m, seconds=7) for m in range(0, 28 * 24 * 60 + 3000, 97)]
    with translation.override(language):
        for age in ages:
            value = now - age
            # naturaltime reads the clock itself: compare at the same instant, to the minute
            assert ago(value, timezone.now()) == naturaltime(value), age
