from collections.abc import Callable

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import dateformat
from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core import languages
from core.countries import COUNTRIES
from core.crypto import EncryptedTextField
from core.models import AppendOnlyModel
from prisoners.models import PrisonAddress, Prisoner

# Languages a supporter may write in (core.languages, where the prisoners' pages read them too).
LANGUAGES = languages.LANGUAGES
LANGUAGES_IN_A_SENTENCE = languages.LANGUAGES_IN_A_SENTENCE
CURRENCIES = [("GBP", "GBP £"), ("USD", "USD $"), ("EUR", "EUR €")]


class LetterStatus(models.TextChoices):
    RECEIVED = "received", _("received")
    IN_TRANSLATION = "in_translation", _("in translation")
    TRANSLATED = "translated", _("translated")
    APPROVED = "approved", _("approved")
    ON_HOLD = "on_hold", _("on hold until it can be sent")
    POSTED = "posted", _("posted")
    RETURNED = "returned", _("returned")
    CANCELLED = "cancelled", _("cancelled")
    REJECTED = "rejected", _("rejected")


class LetterDelivery(models.TextChoices):
    POST_FOR_ME = "post_for_me", _("post it for me")
    RETURN_TO_ME = "return_to_me", _("send me the translation to post myself")


class LetterSource(models.TextChoices):
    FORM = "form", _("the form")
    EMAIL = "email", pgettext_lazy("how a letter came to us", "e-mail")


class LetterPostage(models.TextChoices):
    NOT_NEEDED = "not_needed", _("not needed")
    DUE = "due", _("due")
    PAID = "paid", _("paid")
    WAIVED = "waived", _("waived")
    REFUNDED = "refunded", _("refunded")


class Letter(models.Model):
    Status = LetterStatus

    Delivery = LetterDelivery

    Postage = LetterPostage

    Source = LetterSource

    reference = models.CharField(
        pgettext_lazy("admin field", "reference"), max_length=12, unique=True, editable=False
    )
    prisoner = models.ForeignKey(
        Prisoner,
        on_delete=models.PROTECT,
        related_name="letters",
        verbose_name=pgettext_lazy("admin field", "prisoner"),
        db_index=False,  # letter_prisoner_idx starts with it
    )
    # Encrypted at rest (core/crypto.py): a copy of the database does not say who wrote what.
    supporter_name = EncryptedTextField(_("name to sign with"))
    supporter_email = EncryptedTextField(_("e-mail"))
    # A keyed hash of the address, lower-cased: how "find my letters" finds them.
    supporter_email_hash = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        verbose_name=pgettext_lazy("admin field", "supporter email hash"),
    )
    supporter_country = models.CharField(_("country"), max_length=2, blank=True, choices=COUNTRIES)
    locale = models.CharField(
        _("language for e-mails"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    language = models.CharField(_("language of the letter"), max_length=8, choices=LANGUAGES)
    original_text = EncryptedTextField(_("letter"))
    # Characters in the letter, kept beside the ciphertext so the queue can show it.
    original_length = models.PositiveIntegerField(
        default=0, editable=False, verbose_name=pgettext_lazy("admin field", "original length")
    )
    translation = EncryptedTextField(_("Russian translation"), blank=True)
    # The one name printed under the letter, in Cyrillic (the censor reads Latin letters as a
    # possible code): proposed from supporter_name, confirmed by the translator at hand-in.
    signature_ru = EncryptedTextField(_("signature in Cyrillic"), blank=True, default="")
    # Bumped by every saved draft, so a stale browser tab cannot overwrite a newer draft.
    translation_version = models.PositiveIntegerField(
        default=0, editable=False, verbose_name=pgettext_lazy("admin field", "translation version")
    )
    translation_saved_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        verbose_name=pgettext_lazy("admin field", "translation saved at"),
    )
    review_comment = models.TextField(_("reviewer's comment to the translator"), blank=True)
    flagged_at = models.DateTimeField(
        pgettext_lazy("admin field", "flagged at"), null=True, blank=True, editable=False
    )
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="flagged_letters",
        editable=False,
        verbose_name=pgettext_lazy("admin field", "flagged by"),
        db_index=False,  # letter_flagged_by_idx, only the flagged ones
    )
    flag_reason = models.TextField(
        blank=True, editable=False, verbose_name=pgettext_lazy("admin field", "flag reason")
    )
    delivery = models.CharField(
        pgettext_lazy("admin field", "delivery"), max_length=20, choices=Delivery.choices
    )
    # How the letter reached us. An e-mailed letter keeps the supporter's Message-ID and
    # subject, so our e-mails about it answer in their own thread (erased with the rest).
    source = models.CharField(
        _("came by"), max_length=10, choices=Source.choices, default=Source.FORM, editable=False
    )
    email_message_id = EncryptedTextField(
        blank=True,
        default="",
        editable=False,
        verbose_name=pgettext_lazy("admin field", "email message id"),
    )
    email_subject = EncryptedTextField(
        blank=True,
        default="",
        editable=False,
        verbose_name=pgettext_lazy("admin field", "email subject"),
    )
    status = models.CharField(
        pgettext_lazy("admin field", "status"),
        max_length=20,
        choices=Status.choices,
        default=Status.RECEIVED,
        editable=False,
    )
    postage = models.CharField(
        pgettext_lazy("admin field", "postage"),
        max_length=20,
        choices=Postage.choices,
        default=Postage.NOT_NEEDED,
        editable=False,
    )
    postage_currency = models.CharField(
        max_length=3,
        choices=CURRENCIES,
        blank=True,
        verbose_name=pgettext_lazy("admin field", "postage currency"),
    )

    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claimed_letters",
        editable=False,
        verbose_name=pgettext_lazy("admin field", "claimed by"),
        db_index=False,  # letter_claimant_idx starts with it
    )
    claimed_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        verbose_name=pgettext_lazy("admin field", "claimed at"),
    )
    claim_expires_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        verbose_name=pgettext_lazy("admin field", "claim expires at"),
    )
    claim_reminded_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        verbose_name=pgettext_lazy("admin field", "claim reminded at"),
    )
    translated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="translated_letters",
        editable=False,
        verbose_name=pgettext_lazy("admin field", "translated by"),
        db_index=False,  # letter_translator_idx, only the translated ones
    )
    posting_batch = models.ForeignKey(
        "PostingBatch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="letters",
        verbose_name=pgettext_lazy("admin field", "posting batch"),
        db_index=False,  # letter_batch_idx, only the batched ones
    )
    rejection_reason = models.TextField(
        blank=True, editable=False, verbose_name=pgettext_lazy("admin field", "rejection reason")
    )

    # The tracking link is derived from a per-letter salt and LETTERBRIDGE_TRACKING_KEY; only
    # its SHA-256 is stored, so the link cannot be rebuilt from the database alone.
    tracking_salt = models.CharField(
        max_length=32, editable=False, verbose_name=pgettext_lazy("admin field", "tracking salt")
    )
    tracking_token_hash = models.CharField(
        max_length=64,
        unique=True,
        editable=False,
        verbose_name=pgettext_lazy("admin field", "tracking token hash"),
    )

    created_at = models.DateTimeField(
        pgettext_lazy("admin field of a letter", "created at"), auto_now_add=True, db_index=True
    )
    updated_at = models.DateTimeField(
        auto_now=True, verbose_name=pgettext_lazy("admin field", "updated at")
    )
    status_changed_at = models.DateTimeField(
        editable=False, verbose_name=pgettext_lazy("admin field", "status changed at")
    )
    texts_erased_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        verbose_name=pgettext_lazy("admin field", "texts erased at"),
    )
    # Not a column: set on the letters the posting page lists (``coordination._with_reasons``).
    waiting_reasons: list[Promise]

    class Meta:
        verbose_name = pgettext_lazy("admin model name", "letter")
        verbose_name_plural = pgettext_lazy("admin model name", "letters")
        ordering = ["-created_at"]
        permissions = [
            ("translate_letter", "Can claim and translate letters"),
            ("review_letter", "Can review and approve translations"),
            ("coordinate_letters", "Can post, return, hold, reject and skip translation"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=LetterStatus.values), name="letter_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(delivery__in=LetterDelivery.values), name="letter_delivery_valid"
            ),
            models.CheckConstraint(
                condition=Q(postage__in=LetterPostage.values), name="letter_postage_valid"
            ),
            models.CheckConstraint(
                condition=Q(source__in=LetterSource.values), name="letter_source_valid"
            ),
            # A letter is held by a volunteer exactly while it is in translation.
            models.CheckConstraint(
                condition=(
                    Q(
                        status="in_translation",
                        claimed_by__isnull=False,
                        claim_expires_at__isnull=False,
                    )
                    | (~Q(status="in_translation") & Q(claimed_by__isnull=True))
                ),
                name="letter_claimed_iff_in_translation",
            ),
            # Only letters we post need postage, and they need a currency to be paid in.
            models.CheckConstraint(
                condition=(
                    Q(delivery="return_to_me", postage="not_needed")
                    | (
                        Q(delivery="post_for_me")
                        & ~Q(postage="not_needed")
                        & ~Q(postage_currency="")
                    )
                ),
                name="letter_postage_matches_delivery",
            ),
            models.CheckConstraint(
                condition=~Q(status="posted") | Q(postage__in=["paid", "waived"]),
                name="letter_posted_only_when_postage_settled",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "language", "created_at"], name="letter_queue_idx"),
            # The indexes on who holds, flagged or translated a letter, and on its batch, leave
            # out the letters without one (every new letter): a new letter updates 6 indexes
            # fewer, a quarter less of PostgreSQL's CPU for its INSERT. A look-up by one of them
            # (claimed_by = …) implies it is not null, so PostgreSQL uses them all the same.
            models.Index(
                fields=["claimed_by", "status"],
                condition=Q(claimed_by__isnull=False),
                name="letter_claimant_idx",
            ),
            models.Index(
                fields=["flagged_by"],
                condition=Q(flagged_by__isnull=False),
                name="letter_flagged_by_idx",
            ),
            models.Index(
                fields=["translated_by"],
                condition=Q(translated_by__isnull=False),
                name="letter_translator_idx",
            ),
            models.Index(
                fields=["posting_batch"],
                condition=Q(posting_batch__isnull=False),
                name="letter_batch_idx",
            ),
            models.Index(fields=["prisoner", "created_at"], name="letter_prisoner_idx"),
            models.Index(fields=["supporter_email_hash"], name="letter_supporter_hash_idx"),
            models.Index(
                fields=["claim_expires_at"],
                condition=Q(status="in_translation"),
                name="letter_claim_expiry_idx",
            ),
            # The translation queue and "claim next": waiting letters, oldest first. Without
            # it PostgreSQL walks the created_at index through every old, finished letter.
            # The language rides along so that counting a volunteer's queue reads only this
            # index (an index-only scan), not a thousand rows of the table; and the prisoner, so
            # that leaving out letters to someone who accepts none needs no row either.
            models.Index(
                fields=["created_at", "id"],
                include=["language", "prisoner"],
                condition=Q(status="received", flagged_at__isnull=True),
                name="letter_waiting_idx",
            ),
            # The review list: handed-in translations, the longest waiting first.
            models.Index(
                fields=["status_changed_at", "id"],
                condition=Q(status="translated"),
                name="letter_review_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @classmethod
    def str_reader(cls) -> tuple[tuple[str, ...], Callable[[str], str]]:
        """``__str__`` as a function of the field it reads (core.admin_list draws the list's
        checkboxes' labels from the rows read, without instances)."""
        return ("reference",), lambda reference: reference


class LetterEvent(AppendOnlyModel):
    """Append-only history of a letter: every transition and every side effect that ran."""

    class Kind(models.TextChoices):
        TRANSITION = "transition", _("status change")
        NOTIFIED = "notified", _("supporter notified")
        CLAIM_REMINDER = "claim_reminder", _("claim reminder sent")
        POSTAGE = "postage", _("postage")
        NOTE = "note", _("note")
        BATCH = "batch", _("posting batch")

    letter = models.ForeignKey(
        Letter,
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=pgettext_lazy("admin field", "letter"),
        db_index=False,  # letterevent_letter_idx starts with it
    )
    kind = models.CharField(
        max_length=20,
        choices=Kind.choices,
        default=Kind.TRANSITION,
        verbose_name=pgettext_lazy("admin field", "kind"),
    )
    from_status = models.CharField(
        max_length=20,
        choices=Letter.Status.choices,
        blank=True,
        verbose_name=pgettext_lazy("admin field", "from status"),
    )
    to_status = models.CharField(
        max_length=20,
        choices=Letter.Status.choices,
        blank=True,
        verbose_name=pgettext_lazy("admin field", "to status"),
    )
    action = models.CharField(
        max_length=30, blank=True, verbose_name=pgettext_lazy("admin field", "action")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="letter_events",
        verbose_name=pgettext_lazy("admin field", "actor"),
        db_index=False,  # letterevent_actor_idx, only the events a person made
    )
    note = models.TextField(blank=True, verbose_name=pgettext_lazy("admin field", "note"))
    created_at = models.DateTimeField(
        auto_now_add=True, verbose_name=pgettext_lazy("admin field", "created at")
    )

    class Meta:
        verbose_name = pgettext_lazy("admin model name", "letter event")
        verbose_name_plural = pgettext_lazy("admin model name", "letter events")
        ordering = ["created_at", "pk"]
        # Most events are the system's (actor null): they are left out of the actor's index.
        indexes = [
            models.Index(fields=["letter", "created_at"], name="letterevent_letter_idx"),
            models.Index(
                fields=["actor"], condition=Q(actor__isnull=False), name="letterevent_actor_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="transition") | ~Q(to_status=""),
                name="letterevent_transition_has_target",
            ),
        ]

    def __str__(self) -> str:
        # In words, as the admin shows it above each row of a letter's history; the code is
        # on the event's own page. (events reads this module: imported when called.)
        from .events import event_label

        return f"{self.letter_id}: {event_label(self)}"


class VolunteerProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="volunteer_profile",
        verbose_name=pgettext_lazy("admin field", "user"),
    )
    languages = models.JSONField(
        _("languages translated from"),
        default=list,
        help_text=_('Language codes, e.g. ["en", "de"].'),
    )
    claim_limit = models.PositiveSmallIntegerField(_("letters held at once"), default=3)

    class Meta:
        verbose_name = pgettext_lazy("admin model name", "volunteer profile")
        verbose_name_plural = pgettext_lazy("admin model name", "volunteer profiles")
        constraints = [
            models.CheckConstraint(
                condition=Q(claim_limit__gte=1, claim_limit__lte=50),
                name="volunteer_claim_limit_range",
            ),
        ]

    def __str__(self) -> str:
        return gettext("Volunteer %(user)s") % {"user": self.user}


class PostingBatch(models.Model):
    """Letters printed and posted together; postage spent is recorded per batch."""

    created_at = models.DateTimeField(
        auto_now_add=True, verbose_name=pgettext_lazy("admin field", "created at")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="posting_batches",
        verbose_name=pgettext_lazy("admin field", "created by"),
    )
    posted_on = models.DateField(
        null=True, blank=True, verbose_name=pgettext_lazy("admin field", "posted on")
    )
    postage_spent = models.PositiveIntegerField(_("postage spent (minor units)"), default=0)
    postage_currency = models.CharField(
        max_length=3,
        choices=CURRENCIES,
        default="GBP",
        verbose_name=pgettext_lazy("admin field", "postage currency"),
    )
    note = models.TextField(blank=True, verbose_name=pgettext_lazy("admin field", "note"))

    class Meta:
        verbose_name = pgettext_lazy("admin model name", "posting batch")
        verbose_name_plural = pgettext_lazy("admin model name", "posting batches")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        # As the ledger and the batch's admin page name it, in the reader's language.
        if self.posted_on is None:
            return gettext("Posting batch %(id)s, not posted yet") % {"id": self.pk}
        return gettext("Posting batch %(id)s, posted %(date)s") % {
            "id": self.pk,
            "date": dateformat.format(self.posted_on, "j E Y"),
        }


class Notification(models.Model):
    """One e-mail to a supporter, created with the event that calls for it and marked sent by
    the worker, so a task that runs twice sends once and a lost task is found and re-run."""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("received")
        TRANSLATED = "translated", _("translated")
        POSTED = "posted", _("posted")
        RETURNED = "returned", _("returned")
        CANCELLED = "cancelled", _("cancelled")
        REJECTED = "rejected", _("rejected")
        ON_HOLD = "on_hold", _("on hold")
        PRISONER_RELEASED = "prisoner_released", _("closed: the prisoner was released")
        PRISONER_DECEASED = "prisoner_deceased", _("closed: the prisoner died")
        DO_NOT_POST = "do_not_post", _("returned letter: do not post it")

    letter = models.ForeignKey(
        Letter,
        on_delete=models.PROTECT,
        related_name="notifications",
        verbose_name=pgettext_lazy("admin field", "letter"),
    )
    event = models.OneToOneField(
        LetterEvent,
        on_delete=models.PROTECT,
        related_name="notification",
        verbose_name=pgettext_lazy("admin field", "event"),
    )
    kind = models.CharField(
        max_length=20, choices=Kind.choices, verbose_name=pgettext_lazy("admin field", "kind")
    )
    created_at = models.DateTimeField(
        auto_now_add=True, verbose_name=pgettext_lazy("admin field", "created at")
    )
    sent_at = models.DateTimeField(
        null=True, blank=True, verbose_name=pgettext_lazy("admin field", "sent at")
    )
    attempts = models.PositiveSmallIntegerField(
        default=0, verbose_name=pgettext_lazy("admin field", "attempts")
    )

    class Meta:
        verbose_name = pgettext_lazy("admin model name", "notification")
        verbose_name_plural = pgettext_lazy("admin model name", "notifications")
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(sent_at__isnull=True),
                name="notification_unsent_idx",
            )
        ]

    def __str__(self) -> str:
        return gettext("“%(kind)s” e-mail about letter %(ref)s") % {
            "kind": self.get_kind_display(),
            "ref": self.letter.reference,
        }


class StoredFile(models.Model):
    """A file in the private storage (core.storage: encrypted, no public URL), named by the row.
    Deleting the row deletes the object after commit (letters.receivers), whatever deletes it:
    the retention purge, an erasure, a discarded batch."""

    file_name = models.CharField(max_length=255, editable=False)
    rendered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class PostingBatchDocument(StoredFile):
    """A batch's printable PDF, rendered by the worker, in the private storage so every host
    reads the same copy; the retention purge deletes it with the letter texts."""

    batch = models.OneToOneField(PostingBatch, on_delete=models.CASCADE, related_name="document")
    letter_count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"PDF of batch {self.batch_id}"


class LetterReturnPack(StoredFile):
    """A returned letter's pack (how to post it, the letter in Russian, the address sheet),
    rendered once at the return: the e-mail attaches it and the tracking page serves it (drawn
    again only if the prisoner moves)."""

    letter = models.OneToOneField(Letter, on_delete=models.CASCADE, related_name="return_pack")
    # The address it was drawn for: a prisoner who has moved since gets a new pack.
    address = models.ForeignKey(
        PrisonAddress, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"Return pack of letter {self.letter_id}"
