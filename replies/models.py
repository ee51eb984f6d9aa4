"""Prisoners' replies: a scan that came by post, transcribed and translated back by volunteers,
reviewed, and delivered to the supporter whose letter it answers (or withheld by a coordinator).
Every status change is a service in ``replies.services``; the scans are private files
(core.storage: encrypted, no public URL)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.crypto import EncryptedTextField
from core.models import AppendOnlyModel
from letters.models import Letter


class ReplyStatus(models.TextChoices):
    RECEIVED = "received", _("waiting for a volunteer")
    TRANSCRIBING = "transcribing", _("being transcribed")
    TRANSLATING = "translating", _("being translated")
    IN_REVIEW = "in_review", _("in review")
    APPROVED = "approved", _("approved")
    WITHHELD = "withheld", _("withheld")


# A volunteer holds the reply in these states (and only in these).
CLAIMED_STATES = frozenset({ReplyStatus.TRANSCRIBING, ReplyStatus.TRANSLATING})
OPEN_STATES = frozenset(
    {ReplyStatus.RECEIVED, ReplyStatus.TRANSCRIBING, ReplyStatus.TRANSLATING, ReplyStatus.IN_REVIEW}
)


class Reply(models.Model):
    Status = ReplyStatus

    letter = models.ForeignKey(
        Letter,
        on_delete=models.PROTECT,
        related_name="replies",
        verbose_name=pgettext_lazy("admin field", "letter"),
    )
    status = models.CharField(
        max_length=20,
        choices=Status.choices,
        default=Status.RECEIVED,
        editable=False,
        verbose_name=pgettext_lazy("admin field", "status"),
    )
    # Encrypted at rest, as the letters' texts are: replies may name other prisoners or staff.
    transcription = EncryptedTextField(_("transcription (Russian)"), blank=True, default="")
    translation = EncryptedTextField(_("translation"), blank=True, default="")
    # Bumped by every saved draft, so a stale browser tab cannot overwrite a newer one.
    version = models.PositiveIntegerField(
        default=0, editable=False, verbose_name=pgettext_lazy("admin field", "version")
    )
    saved_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=pgettext_lazy("admin field", "saved at")
    )
    # The reviewer replaced names or details in the texts: the scan, which still shows them,
    # is then not shown to the supporter.
    redacted = models.BooleanField(_("redacted"), default=False, editable=False)
    review_comment = models.TextField(_("reviewer's comment"), blank=True, editable=False)
    withheld_reason = EncryptedTextField(_("why it is withheld"), blank=True, default="")

    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claimed_replies",
        editable=False,
        verbose_name=pgettext_lazy("admin field", "claimed by"),
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
    translated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="translated_replies",
        editable=False,
        verbose_name=pgettext_lazy("admin field", "translated by"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="recorded_replies",
        editable=False,
        verbose_name=pgettext_lazy("admin field", "recorded by"),
    )

    created_at = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(
        auto_now=True, verbose_name=pgettext_lazy("admin field", "updated at")
    )
    status_changed_at = models.DateTimeField(
        editable=False, verbose_name=pgettext_lazy("admin field", "status changed at")
    )
    approved_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        verbose_name=pgettext_lazy("admin field", "approved at"),
    )
    # Set by the worker once the supporter's e-mail is sent: a task run twice sends once.
    notified_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        verbose_name=pgettext_lazy("admin field", "notified at"),
    )
    erased_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        verbose_name=pgettext_lazy("admin field", "erased at"),
    )

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        permissions = [
            ("translate_reply", "Can claim, transcribe and translate replies"),
            ("review_reply", "Can review, redact and approve replies"),
            ("coordinate_replies", "Can record and withhold replies"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ReplyStatus.values), name="reply_status_valid"
            ),
            # Held by a volunteer exactly while it is being transcribed or translated.
            models.CheckConstraint(
                condition=(
                    Q(
                        status__in=["transcribing", "translating"],
                        claimed_by__isnull=False,
                        claim_expires_at__isnull=False,
                    )
                    | (~Q(status__in=["transcribing", "translating"]) & Q(claimed_by__isnull=True))
                ),
                name="reply_claimed_iff_in_work",
            ),
            models.CheckConstraint(
                condition=~Q(status="withheld") | ~Q(withheld_reason=""),
                name="reply_withheld_has_reason",
            ),
        ]
        indexes = [
            # The queue and "claim next": waiting replies, oldest first.
            models.Index(
                fields=["created_at", "id"],
                condition=Q(status="received"),
                name="reply_waiting_idx",
            ),
            models.Index(fields=["claimed_by", "status"], name="reply_claimant_idx"),
        ]

    def __str__(self) -> str:
        # The letter's reference, as staff know it (not its database id), in their language.
        return gettext("Reply %(id)s to letter %(ref)s") % {
            "id": self.pk,
            "ref": self.letter.reference,
        }


class ReplyPage(models.Model):
    """One scanned file of a reply (an image, or a PDF of one or more pages), in the private
    storage. Deleting the row deletes the object after commit (replies.receivers)."""

    class Kind(models.TextChoices):
        JPEG = "image/jpeg", "JPEG"
        PNG = "image/png", "PNG"
        PDF = "application/pdf", "PDF"

    reply = models.ForeignKey(Reply, on_delete=models.CASCADE, related_name="pages")
    position = models.PositiveSmallIntegerField()
    file_name = models.CharField(max_length=255, editable=False)
    content_type = models.CharField(max_length=30, choices=Kind.choices)
    size = models.PositiveIntegerField(default=0)
    page_count = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["reply", "position"]
        constraints = [
            models.UniqueConstraint(fields=["reply", "position"], name="replypage_unique_position"),
            models.CheckConstraint(
                condition=Q(content_type__in=["image/jpeg", "image/png", "application/pdf"]),
                name="replypage_content_type_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Page {self.position} of reply {self.reply_id}"

    @property
    def is_image(self) -> bool:
        return self.content_type != self.Kind.PDF

    @property
    def extension(self) -> str:
        return {"image/jpeg": "jpg", "image/png": "png"}.get(self.content_type, "pdf")


class ReplyEvent(AppendOnlyModel):
    """Append-only history of a reply (the database refuses updates and deletes)."""

    reply = models.ForeignKey(Reply, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=30)
    from_status = models.CharField(max_length=20, choices=ReplyStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=ReplyStatus.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reply_events",
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["reply", "created_at"], name="replyevent_reply_idx")]

    def __str__(self) -> str:
        return f"{self.reply_id}: {self.action}"
