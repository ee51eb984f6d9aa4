import re
from collections.abc import Callable
from enum import StrEnum
from typing import NamedTuple

from django.db import models
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _


class PrisonerStatus(models.TextChoices):
    PRETRIAL = "pretrial", _("in pre-trial detention")
    SENTENCED = "sentenced", _("sentenced")
    IN_TRANSIT = "in_transit", _("in transit (этап)")
    RELEASED = "released", _("released")
    DECEASED = "deceased", _("deceased")


class PrisonerGender(models.TextChoices):
    """Grammatical gender, for Russian agreement: «осуждён» or «осуждена»."""

    MALE = "male", _("male")
    FEMALE = "female", _("female")


# The status as a word about one person. Russian past participles agree with the person's
# gender; the statuses not listed here («в СИЗО», «на этапе») read the same for everyone, and
# English has one form for all. The contexts tell translators whom each word is about.
_STATUS_WORDS: dict[str, dict[str, Promise]] = {
    PrisonerGender.MALE: {
        PrisonerStatus.SENTENCED: pgettext_lazy("prisoner status, said of a man", "sentenced"),
        PrisonerStatus.RELEASED: pgettext_lazy("prisoner status, said of a man", "released"),
        PrisonerStatus.DECEASED: pgettext_lazy("prisoner status, said of a man", "deceased"),
    },
    PrisonerGender.FEMALE: {
        PrisonerStatus.SENTENCED: pgettext_lazy("prisoner status, said of a woman", "sentenced"),
        PrisonerStatus.RELEASED: pgettext_lazy("prisoner status, said of a woman", "released"),
        PrisonerStatus.DECEASED: pgettext_lazy("prisoner status, said of a woman", "deceased"),
    },
}


# The «Кому» line needs the full name in the dative with the patronymic (…Мардоновичу,
# …Ивановне, …Ильиничне; in Turkic names a word such as оглы or кызы after it): facilities
# tell namesakes apart by it and by the year of birth. Written for PostgreSQL and Python
# alike, so no case-insensitive flag.
DATIVE_WITH_PATRONYMIC = (
    r"^\s*\S+\s+\S+\s+(\S+(ичу|вне|чне|ИЧУ|ВНЕ|ЧНЕ)"
    r"|\S+\s+(оглы|кызы|улы|уулу|угли|гызы|ОГЛЫ|КЫЗЫ|УЛЫ|УУЛУ|УГЛИ|ГЫЗЫ))\s*$"
)

# For a person whose name has no patronymic (a foreign citizen, say; ``has_no_patronymic``):
# the surname and first name, in the dative.
DATIVE_WITHOUT_PATRONYMIC = r"^\s*\S+\s+\S+"


class RecipientGap(StrEnum):
    """What a prisoner's «Кому» line can lack. Without any of it, Russian facilities return a
    letter or the censor does not hand it over."""

    BIRTH_YEAR = "birth_year"
    DATIVE_NAME = "dative_name"  # no name in the dative at all
    PATRONYMIC = "patronymic"  # not surname, first name and patronymic, in the dative
    FIRST_NAME = "first_name"  # no patronymic by right, but not surname and first name either


# A gap in a word or two, for lists ("missing: year of birth, …").
RECIPIENT_GAP_WORDS: dict[RecipientGap, Promise] = {
    RecipientGap.BIRTH_YEAR: _("year of birth"),
    RecipientGap.DATIVE_NAME: _("name in the dative case"),
    RecipientGap.PATRONYMIC: _("patronymic in the dative name"),
    RecipientGap.FIRST_NAME: _("first name in the dative name"),
}

# A gap as a sentence: the admin's warning and the note of a letter held for it.
RECIPIENT_GAP_REASONS: dict[RecipientGap, Promise] = {
    RecipientGap.BIRTH_YEAR: _("The prisoner's year of birth is missing."),
    RecipientGap.DATIVE_NAME: _("The prisoner's name in the dative case is missing."),
    RecipientGap.PATRONYMIC: _(
        "The prisoner's name in the dative case is incomplete: it needs the surname, first "
        "name and patronymic, e.g. Хамроеву Бахрому Мардоновичу."
    ),
    RecipientGap.FIRST_NAME: _(
        "The prisoner's name in the dative case is incomplete: it needs the surname and first "
        "name, e.g. Гершковичу Эвану."
    ),
}


def russian_is_active() -> bool:
    return (get_language() or "").startswith("ru")


def _local_name(russian: bool, name_en: str, name_ru: str) -> str:
    return name_ru if russian and name_ru else name_en


class Summary(NamedTuple):
    """The case in brief in one language, with its code for the page's ``lang`` attribute."""

    text: str
    language: str


class Prisoner(models.Model):
    Status = PrisonerStatus
    Gender = PrisonerGender

    slug = models.SlugField(
        max_length=80, unique=True, verbose_name=pgettext_lazy("admin field", "slug")
    )
    name_en = models.CharField(_("name in English"), max_length=200)
    name_ru = models.CharField(_("name in Russian"), max_length=200)
    name_ru_dative = models.CharField(
        _("name in Russian, dative case"),
        max_length=200,
        help_text=_("As the envelope's «Кому» line needs it, e.g. Хамроеву Бахрому Мардоновичу."),
    )
    gender = models.CharField(
        _("grammatical gender"),
        max_length=6,
        choices=Gender.choices,
        blank=True,
        help_text=_(
            "For Russian sentences about this person: «осуждён» or «осуждена». Until it is "
            "set, the Russian pages use words that need no gender."
        ),
    )
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    has_no_patronymic = models.BooleanField(
        _("has no patronymic"),
        default=False,
        help_text=_(
            "A foreign citizen, say, whose name has none: the «Кому» line is then the surname "
            "and first name in the dative (Гершковичу Эвану), and letters do not wait for a "
            "patronymic."
        ),
    )
    case_summary = models.TextField(_("the case in brief, in English"), blank=True)
    case_summary_ru = models.TextField(_("the case in brief, in Russian"), blank=True)
    status = models.CharField(
        max_length=20,
        choices=Status.choices,
        default=Status.SENTENCED,
        verbose_name=pgettext_lazy("admin field", "status"),
    )
    accepts_letters = models.BooleanField(_("accepts letters now"), default=True)
    reads_languages = models.JSONField(
        _("languages the prisoner reads besides Russian"),
        default=list,
        blank=True,
        help_text=_('Language codes, e.g. ["en"]. Letters in these can skip translation.'),
    )
    notes_for_translators = models.TextField(
        blank=True, verbose_name=pgettext_lazy("admin field", "notes for translators")
    )
    source_url = models.URLField(_("source"), blank=True)
    is_demo = models.BooleanField(
        _("demo data"), default=False, help_text=_("Facts not from a verified source.")
    )
    created_at = models.DateTimeField(
        auto_now_add=True, verbose_name=pgettext_lazy("admin field", "created at")
    )
    updated_at = models.DateTimeField(
        auto_now=True, verbose_name=pgettext_lazy("admin field", "updated at")
    )
    # Not a column: set on the rows ``selectors.prisoner_directory`` returns.
    letters_this_month: int

    class Meta:
        verbose_name = pgettext_lazy("admin model name", "prisoner")
        verbose_name_plural = pgettext_lazy("admin model name", "prisoners")
        ordering = ["name_en"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=PrisonerStatus.values), name="prisoner_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(gender__in=["", *PrisonerGender.values]), name="prisoner_gender_valid"
            ),
            models.CheckConstraint(
                condition=Q(birth_year__isnull=True) | Q(birth_year__range=(1900, 2100)),
                name="prisoner_birth_year_plausible",
                violation_error_message=_("Enter a year of birth between 1900 and 2100."),
            ),
            # Released and deceased people receive no letters through us.
            models.CheckConstraint(
                condition=~Q(status__in=["released", "deceased"]) | Q(accepts_letters=False),
                name="prisoner_free_or_dead_accepts_no_letters",
                violation_error_message=_(
                    "Someone released or deceased accepts no letters: untick «accepts letters now»."
                ),
            ),
        ]
        indexes = [models.Index(fields=["accepts_letters", "name_en"])]

    def __str__(self) -> str:
        """The name as staff of the active language read it (the admin's lists, menus and
        history): in Cyrillic in the Russian admin. Where a query loaded only the English
        name, that one, rather than a query per row for the other."""
        if "name_ru" not in self.__dict__:  # deferred (get_deferred_fields, for one field)
            return self.name_en
        return self.local_name()

    def status_word(self) -> str:
        """The status as said of this person in the active language: in Russian it agrees
        with their gender («осуждён», «осуждена»); with no gender recorded, the plain label,
        whose Russian needs none («приговор вынесен»)."""
        word = _STATUS_WORDS.get(self.gender, {}).get(self.status)
        return str(word) if word is not None else self.get_status_display()

    def local_name(self) -> str:
        """The name as a reader of the active language writes it: in Cyrillic for Russian, in
        the English spelling otherwise."""
        return _local_name(russian_is_active(), self.name_en, self.name_ru)

    @classmethod
    def str_reader(cls) -> tuple[tuple[str, ...], Callable[[str, str], str]]:
        """``__str__`` of a prisoner whose both names are loaded, as a function of them, with
        the language looked up once (core.admin_list draws a page's column of names with it:
        the lookup per row was most of that column's cost)."""
        russian = russian_is_active()
        return ("name_en", "name_ru"), lambda name_en, name_ru: _local_name(
            russian, name_en, name_ru
        )

    def staff_name(self) -> str:
        """Both spellings, for staff who know a prisoner by either (plain text, for e-mails):
        the active language's first, «Хамроев Бахром Мардонович (Bakhrom Khamroev)»."""
        local = self.local_name()
        other = self.name_en if local == self.name_ru else self.name_ru
        return f"{local} ({other})" if other and other != local else local

    def addressee_name(self) -> str:
        """The name as the one a letter goes to («письмо кому?»), for a sentence in the
        active language: in Russian the dative case as stored, the same full name as the
        envelope's «Кому» line; otherwise the English spelling."""
        if russian_is_active() and self.name_ru_dative:
            return self.name_ru_dative
        return self.name_en

    def summary_for_reader(self) -> Summary:
        """The case in brief in the active language, or in the other one while it is not
        written yet; with its language code, so a page can mark the language it shows."""
        summaries = [Summary(self.case_summary_ru, "ru"), Summary(self.case_summary, "en")]
        if not russian_is_active():
            summaries.reverse()
        return next((s for s in summaries if s.text.strip()), Summary("", ""))

    @property
    def recipient_line_ru(self) -> str:
        """The «Кому» line: the name in the dative case and the year of birth. Printed as it is
        even when incomplete (``recipient_gaps``): letters to such a prisoner wait on hold, but a
        returned letter's pack is drawn again from it."""
        if self.birth_year:
            return f"{self.name_ru_dative}, {self.birth_year} г.р."
        return self.name_ru_dative

    def recipient_gaps(self) -> list[RecipientGap]:
        """What the «Кому» line lacks: the year of birth, the name (surname, first name and
        patronymic, in the dative; surname and first name for someone who has no patronymic).
        Empty when complete."""
        gaps = [RecipientGap.BIRTH_YEAR] if not self.birth_year else []
        if not self.name_ru_dative.strip():
            gaps.append(RecipientGap.DATIVE_NAME)
        elif self.has_no_patronymic:
            if not re.search(DATIVE_WITHOUT_PATRONYMIC, self.name_ru_dative):
                gaps.append(RecipientGap.FIRST_NAME)
        elif not re.search(DATIVE_WITH_PATRONYMIC, self.name_ru_dative):
            gaps.append(RecipientGap.PATRONYMIC)
        return gaps

    @property
    def recipient_line_complete(self) -> bool:
        """Whether a letter may go to this prisoner as far as the «Кому» line is concerned."""
        return not self.recipient_gaps()


class PrisonAddress(models.Model):
    """One address in a prisoner's dated history. The current one has no ``valid_until``."""

    prisoner = models.ForeignKey(
        Prisoner,
        on_delete=models.CASCADE,
        related_name="addresses",
        verbose_name=pgettext_lazy("admin field", "prisoner"),
    )
    facility = models.CharField(
        _("facility"),
        max_length=300,
        help_text=_("e.g. ФКУ Т-2 УФСИН России по Владимирской области"),
    )
    street = models.CharField(_("street and number"), max_length=200)
    city = models.CharField(_("city or settlement"), max_length=120)
    region = models.CharField(_("region"), max_length=120, blank=True)
    postal_index = models.CharField(_("postal index"), max_length=6)
    country_ru = models.CharField(
        max_length=60, default="РОССИЯ", verbose_name=pgettext_lazy("admin field", "country ru")
    )
    country_en = models.CharField(
        max_length=60, default="RUSSIA", verbose_name=pgettext_lazy("admin field", "country en")
    )
    valid_from = models.DateField(verbose_name=pgettext_lazy("admin field", "valid from"))
    valid_until = models.DateField(
        null=True, blank=True, verbose_name=pgettext_lazy("admin field", "valid until")
    )
    source = models.CharField(
        max_length=300, blank=True, verbose_name=pgettext_lazy("admin field", "source")
    )
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(
        auto_now_add=True, verbose_name=pgettext_lazy("admin field", "created at")
    )

    class Meta:
        verbose_name = pgettext_lazy("admin model name", "prison address")
        verbose_name_plural = pgettext_lazy("admin model name", "prison addresses")
        ordering = ["prisoner", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["prisoner"],
                condition=Q(valid_until__isnull=True),
                name="one_current_address_per_prisoner",
            ),
            models.CheckConstraint(
                condition=Q(postal_index__regex=r"^[0-9]{6}$"), name="postal_index_six_digits"
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="address_valid_until_after_from",
            ),
        ]
        indexes = [models.Index(fields=["prisoner", "valid_until"])]

    def __str__(self) -> str:
        return f"{self.postal_index}, {self.city}, {self.facility}"

    def lines_ru(self) -> list[str]:
        """The envelope in Russian Post's order: Кому, Куда, the index, then the country."""
        lines = [self.prisoner.recipient_line_ru, self.facility, self.street, self.city]
        if self.region:
            lines.append(self.region)
        lines += [self.postal_index, f"{self.country_en} / {self.country_ru}"]
        return lines

    def one_line_ru(self) -> str:
        """Index first, as Russian forms and the seed write it."""
        parts = [self.postal_index, self.region, self.city, self.street, self.facility]
        return ", ".join(p for p in parts if p) + f", {self.prisoner.recipient_line_ru}"
