from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PrisonerStatus(models.TextChoices):
    PRETRIAL = "pretrial", _("in pre-trial detention")
    SENTENCED = "sentenced", _("sentenced")
    IN_TRANSIT = "in_transit", _("in transit (этап)")
    RELEASED = "released", _("released")
    DECEASED = "deceased", _("deceased")


class Prisoner(models.Model):
    Status = PrisonerStatus

    slug = models.SlugField(max_length=80, unique=True)
    name_en = models.CharField(_("name in English"), max_length=200)
    name_ru = models.CharField(_("name in Russian"), max_length=200)
    name_ru_dative = models.CharField(
        _("name in Russian, dative case"),
        max_length=200,
        help_text=_("As the envelope's «Кому» line needs it, e.g. Хамроеву Бахрому Мардоновичу."),
    )
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    case_summary = models.TextField(_("the case in brief"), blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SENTENCED)
    accepts_letters = models.BooleanField(_("accepts letters now"), default=True)
    reads_languages = models.JSONField(
        _("languages the prisoner reads besides Russian"),
        default=list,
        blank=True,
        help_text=_('Language codes, e.g. ["en"]. Letters in these can skip translation.'),
    )
    notes_for_translators = models.TextField(blank=True)
    source_url = models.URLField(_("source"), blank=True)
    is_demo = models.BooleanField(
        _("demo data"), default=False, help_text=_("Facts not from a verified source.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name_en"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=PrisonerStatus.values), name="prisoner_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(birth_year__isnull=True) | Q(birth_year__range=(1900, 2100)),
                name="prisoner_birth_year_plausible",
            ),
            # Released and deceased people receive no letters through us.
            models.CheckConstraint(
                condition=~Q(status__in=["released", "deceased"]) | Q(accepts_letters=False),
                name="prisoner_free_or_dead_accepts_no_letters",
            ),
        ]
        indexes = [models.Index(fields=["accepts_letters", "name_en"])]

    def __str__(self) -> str:
        return self.name_en

    @property
    def recipient_line_ru(self) -> str:
        """The «Кому» line: the name in the dative case and the year of birth."""
        if self.birth_year:
            return f"{self.name_ru_dative}, {self.birth_year} г.р."
        return self.name_ru_dative


class PrisonAddress(models.Model):
    """One address in a prisoner's dated history. The current one has no ``valid_until``."""

    prisoner = models.ForeignKey(Prisoner, on_delete=models.CASCADE, related_name="addresses")
    facility = models.CharField(
        _("facility"),
        max_length=300,
        help_text=_("e.g. ФКУ Т-2 УФСИН России по Владимирской области"),
    )
    street = models.CharField(_("street and number"), max_length=200)
    city = models.CharField(_("city or settlement"), max_length=120)
    region = models.CharField(_("region"), max_length=120, blank=True)
    postal_index = models.CharField(_("postal index"), max_length=6)
    country_ru = models.CharField(max_length=60, default="РОССИЯ")
    country_en = models.CharField(max_length=60, default="RUSSIA")
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=300, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "prison addresses"
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
