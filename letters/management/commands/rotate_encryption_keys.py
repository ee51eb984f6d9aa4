"""Re-encrypt everything under the newest key in LETTERBRIDGE_ENCRYPTION_KEYS.

Rotation: put a new key first in LETTERBRIDGE_ENCRYPTION_KEYS (keep the old ones after it),
restart, run this command, then remove the old keys. Safe to run again: values already under
the newest key are simply re-encrypted."""

from functools import partial

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from core import crypto, storage
from letters.models import Letter, LetterReturnPack, PostingBatchDocument

FIELDS = ("supporter_name", "supporter_email", "original_text", "translation", "signature_ru")
BATCH = 1000


class Command(BaseCommand):
    help = (
        "Re-encrypt letter texts, supporters' identities, batch PDFs and return packs under the "
        "newest key."
    )

    def handle(self, *args, **options):
        letters = self._letters()
        documents = self._documents()
        self.stdout.write(
            self.style.SUCCESS(f"Re-encrypted {letters} letters and {documents} stored PDFs.")
        )

    def _letters(self) -> int:
        """Work on the stored ciphertext directly (plain SQL), so nothing is decrypted into
        Python objects beyond the one value being rotated."""
        table = Letter._meta.db_table
        columns = ", ".join(FIELDS)
        done, last_id = 0, 0
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT id, {columns} FROM {table} WHERE id > %s "  # noqa: S608
                    "ORDER BY id LIMIT %s FOR UPDATE",
                    [last_id, BATCH],
                )
                rows = cursor.fetchall()
                if not rows:
                    return done
                for pk, *values in rows:
                    rotated = [crypto.rotate(v) if v else v for v in values]
                    cursor.execute(
                        f"UPDATE {table} SET "  # noqa: S608
                        + ", ".join(f"{name} = %s" for name in FIELDS)
                        + " WHERE id = %s",
                        [*rotated, pk],
                    )
                done += len(rows)
                last_id = rows[-1][0]

    def _documents(self) -> int:
        """Stored files (batch PDFs, return packs): each is written again under the newest key
        as a new object, the row points at it, and the old object goes once that is committed."""
        done = 0
        for model in (PostingBatchDocument, LetterReturnPack):
            for pk in model.objects.values_list("pk", flat=True).iterator():
                with transaction.atomic():
                    document = model.objects.select_for_update().get(pk=pk)
                    old_name = document.file_name
                    try:
                        document.file_name = storage.rotate(old_name)
                    except FileNotFoundError:
                        self.stderr.write(f"{model.__name__} {pk}: its file is missing.")
                        continue
                    document.save(update_fields=["file_name"])
                    transaction.on_commit(partial(storage.delete, old_name))
                    done += 1
        return done
