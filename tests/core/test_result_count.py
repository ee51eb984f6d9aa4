"""Under an admin list, the number of rows reads as a Russian writes it: "1 письмо", "3 письма",
"5 писем", "21 письмо" (Django wrote "5 письма"); English keeps "1 letter", "5 letters"; and
our copy of Django's pagination template differs from Django's in that line only."""

from pathlib import Path
from types import SimpleNamespace

import django.contrib.admin
import pytest
from django.contrib import admin
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from core.admin import RESULT_COUNTS, result_count
from letters.models import Letter
from prisoners.models import Prisoner
from tests.factories import CoordinatorFactory, LetterFactory

RUSSIAN_LETTERS = {
    0: "0 писем",
    1: "1 письмо",
    2: "2 письма",
    4: "4 письма",
    5: "5 писем",
    11: "11 писем",
    14: "14 писем",
    21: "21 письмо",
    22: "22 письма",
    25: "25 писем",
    101: "101 письмо",
    111: "111 писем",
}


@pytest.mark.parametrize(("count", "expected"), RUSSIAN_LETTERS.items())
def test_letters_are_counted_in_the_russian_form_the_number_needs(count, expected):
    with translation.override("ru"):
        assert result_count(Letter._meta, count) == expected


def test_prisoners_and_english():
    with translation.override("ru"):
        assert result_count(Prisoner._meta, 3) == "3 профиля заключённых"
        assert result_count(Prisoner._meta, 7) == "7 профилей заключённых"
    with translation.override("en"):
        assert result_count(Letter._meta, 1) == "1 letter"
        assert result_count(Letter._meta, 5) == "5 letters"


def test_every_registered_model_of_ours_has_a_russian_count():
    ours = [
        model._meta
        for model in admin.site._registry
        if model._meta.app_label not in {"otp_totp", "otp_static"}
    ]
    missing = [opts.label_lower for opts in ours if opts.label_lower not in RESULT_COUNTS]
    assert missing == []
    with translation.override("ru"):
        english = [opts.label_lower for opts in ours if result_count(opts, 5).isascii()]
    assert english == []


def test_a_model_not_named_is_counted_djangos_way():
    opts = SimpleNamespace(label_lower="x.y", verbose_name="device", verbose_name_plural="devices")
    assert result_count(opts, 1) == "1 device"
    assert result_count(opts, 2) == "2 devices"


@pytest.mark.django_db
def test_the_letter_list_in_russian_says_how_many_letters(client):
    LetterFactory.create_batch(5)
    client.force_login(CoordinatorFactory())
    client.cookies["django_language"] = "ru"
    page = client.get(reverse("admin:letters_letter_changelist")).content.decode()
    assert "5 писем" in page and "5 письма" not in page


def test_our_pagination_is_djangos_but_for_the_count():
    djangos = (
        Path(django.contrib.admin.__file__).parent / "templates/admin/pagination.html"
    ).read_text()
    ours = (Path(__file__).resolve().parents[2] / "templates/admin/pagination.html").read_text()
    count_line = (
        "{{ cl.result_count }} {% if cl.result_count == 1 %}{{ cl.opts.verbose_name }}"
        "{% else %}{{ cl.opts.verbose_name_plural }}{% endif %}"
    )
    assert count_line in djangos
    expected = djangos.replace(count_line, "{% result_count cl %}").replace(
        "{% load i18n %}", "{% load i18n admin_lists %}"
    )
    assert ours == expected


def test_the_letters_pagination_is_ours_but_for_more_than_the_cap():
    templates = Path(__file__).resolve().parents[2] / "templates/admin"
    ours = (templates / "pagination.html").read_text()
    letters = (templates / "letters/letter/pagination.html").read_text()
    capped = (
        "{% if cl.paginator.capped %}{% blocktranslate with n=cl.result_count %}more than {{ n }} "
        "letters{% endblocktranslate %}{% else %}{% result_count cl %}{% endif %}"
    )
    assert letters == ours.replace("{% result_count cl %}", capped)


def test_the_tag_renders_the_count():
    cl = SimpleNamespace(opts=Letter._meta, result_count=3)
    with translation.override("ru"):
        out = Template("{% load admin_lists %}{% result_count cl %}").render(Context({"cl": cl}))
    assert out == "3 письма"
