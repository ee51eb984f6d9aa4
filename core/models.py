"""Model bases shared by the apps. Abstract: no table of their own, nothing to migrate."""

from django.db import models
from django.utils.text import capfirst


class AppendOnlyModel(models.Model):
    """A history row: written once, never changed or deleted. Django refuses here; the
    database refuses too (each app's migration adds a trigger to the table)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise self._refusal()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise self._refusal()

    def _refusal(self) -> ValueError:
        return ValueError(f"{capfirst(self._meta.verbose_name_plural)} are append-only.")
