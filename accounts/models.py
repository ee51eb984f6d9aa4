from django.conf import settings
from django.db import models
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _


class LetterAccess(models.Model):
    """Who opened which letter's text, when, and on which page: staff access is itself audited."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="letter_accesses",
        verbose_name=pgettext_lazy("admin field", "user"),
    )
    letter = models.ForeignKey(
        "letters.Letter",
        on_delete=models.PROTECT,
        related_name="staff_accesses",
        verbose_name=pgettext_lazy("admin field", "letter"),
    )
    page = models.CharField(_("page"), max_length=80)
    accessed_at = models.DateTimeField(
        auto_now_add=True, db_index=True, verbose_name=pgettext_lazy("admin field", "accessed at")
    )

    class Meta:
        ordering = ["-accessed_at"]
        verbose_name = _("staff access to a letter")
        verbose_name_plural = _("staff access to letters")
        indexes = [models.Index(fields=["letter", "accessed_at"], name="letteraccess_letter_idx")]

    def __str__(self) -> str:
        # The letter by its reference, as staff know it, not its database id.
        return gettext("%(user)s opened letter %(reference)s (%(page)s)") % {
            "user": self.user,
            "reference": self.letter.reference,
            "page": self.page,
        }
