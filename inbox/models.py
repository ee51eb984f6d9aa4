"""E-mails that reached the organisation's address, from the moment they arrive until a
coordinator makes one a letter, answers it or archives it (or a machine is recognised as its
sender). The raw message and attachments are kept encrypted, for a person to read, until the
retention purge or the supporter's erasure."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.crypto import EncryptedBinaryField, EncryptedTextField
from letters.models import LANGUAGES, Letter
from prisoners.models import Prisoner


class InboundStatus(models.TextChoices):
    RECEIVED = "received", _("waiting for a coordinator")
    LETTER = "letter", _("made a letter")
    FAILED = "failed", _("needs a person")
    IGNORED = "ignored", _("ignored: sent by a machine")
    ARCHIVED = "archived", _("archived")


class InboundReason(models.TextChoices):
    """Why an e-mail is not (yet) a letter: said to the coordinator, never to a log."""

    AUTO_REPLY = "auto_reply", _("an automatic reply")
    BOUNCE = "bounce", _("a report that an e-mail could not be delivered")
    MAILING_LIST = "mailing_list", _("a mailing list or newsletter")
    TOO_LARGE = "too_large", _("too large to accept; the sender was asked to send it smaller")
    NO_TEXT = "no_text", _("no letter text in it")
    IMAGES_ONLY = "images_only", _("the letter is in images: a person must read them")
    UNREADABLE_ATTACHMENT = "unreadable_attachment", _("an attachment we cannot read")
    ENCRYPTED = "encrypted", _("encrypted: we cannot read it")
    TOO_LONG = "too_long", _("longer than a letter may be")
    NO_SENDER = "no_sender", _("no sender address to answer")
    UNPARSEABLE = "unparseable", _("could not be read as an e-mail")
    DAMAGED = "damaged", _("damaged or cut off on the way: its text is garbled or incomplete")
    ANSWERED = "answered", _("answered by a coordinator")
    NOT_A_LETTER = "not_a_letter", _("not a letter")


class InboundEmail(models.Model):
    Status = InboundStatus
    Reason = InboundReason

    # De-duplication: the same bytes (re-polled) or the same Message-ID (redelivered with new
    # Received: headers) never make a second row, so never a second letter.
    sha256 = models.CharField(
        max_length=64,
        unique=True,
        editable=False,
        verbose_name=pgettext_lazy("admin field", "sha256"),
    )
    message_id_hash = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        verbose_name=pgettext_lazy("admin field", "message id hash"),
    )
    message_id = EncryptedTextField(
        blank=True,
        default="",
        editable=False,
        verbose_name=pgettext_lazy("admin field", "message id"),
    )
    raw = EncryptedBinaryField(
        default=b"", editable=False, verbose_name=pgettext_lazy("admin field", "raw")
    )
    size = models.PositiveIntegerField(_("size in bytes"), default=0, editable=False)
    received_at = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)

    status = models.CharField(
        max_length=10,
        choices=Status.choices,
        default=Status.RECEIVED,
        verbose_name=pgettext_lazy("admin field", "status"),
    )
    reason = models.CharField(
        max_length=30,
        choices=Reason.choices,
        blank=True,
        verbose_name=pgettext_lazy("admin field", "reason"),
    )
    # Stored first, read after: empty while the message is stored but not yet read (the process
    # died in between), so the next poll or the beat's sweep reads it from the stored raw.
    read_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=pgettext_lazy("admin field", "read at")
    )
    # When reading failed: where, for the person who looks (never the message's words).
    failure = models.CharField(_("what failed"), max_length=200, blank=True, editable=False)

    sender_name = EncryptedTextField(_("sender's name"), blank=True, default="")
    sender_email = EncryptedTextField(_("sender's address"), blank=True, default="")
    sender_email_hash = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        verbose_name=pgettext_lazy("admin field", "sender email hash"),
    )
    subject = EncryptedTextField(_("subject"), blank=True, default="")
    # What a volunteer may ever see of it: the letter's words, without quoted history,
    # signature or markup. The covering note is what was written around an attached letter.
    text = EncryptedTextField(_("letter text"), blank=True, default="")
    note = EncryptedTextField(_("covering note"), blank=True, default="")
    forwarded = models.BooleanField(_("forwarded"), default=False)
    is_reply = models.BooleanField(_("a reply to an e-mail"), default=False)

    guessed_prisoner = models.ForeignKey(
        Prisoner,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=pgettext_lazy("admin field", "guessed prisoner"),
    )
    guessed_language = models.CharField(
        max_length=8,
        choices=LANGUAGES,
        blank=True,
        verbose_name=pgettext_lazy("admin field", "guessed language"),
    )
    guessed_delivery = models.CharField(
        max_length=20,
        choices=Letter.Delivery.choices,
        blank=True,
        verbose_name=pgettext_lazy("admin field", "guessed delivery"),
    )

    letter = models.OneToOneField(
        Letter,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inbound_email",
        verbose_name=pgettext_lazy("admin field", "letter"),
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=pgettext_lazy("admin field", "handled by"),
    )
    handled_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        verbose_name=pgettext_lazy("admin field", "handled at"),
    )
    # Our answer in the sender's thread (a coordinator's, or the refusal of a message too
    # large); sent once by the worker.
    reply_text = EncryptedTextField(
        blank=True,
        default="",
        editable=False,
        verbose_name=pgettext_lazy("admin field", "reply text"),
    )
    reply_sent_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        verbose_name=pgettext_lazy("admin field", "reply sent at"),
    )
    erased_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        verbose_name=pgettext_lazy("admin field", "erased at"),
    )

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("inbound e-mail")
        verbose_name_plural = _("e-mails")
        constraints = [
            models.UniqueConstraint(
                fields=["message_id_hash"],
                condition=~Q(message_id_hash=""),
                name="inboundemail_unique_message_id",
            ),
            models.CheckConstraint(
                condition=Q(status__in=InboundStatus.values), name="inboundemail_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(reason="") | Q(reason__in=InboundReason.values),
                name="inboundemail_reason_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="letter", letter__isnull=False)
                | (~Q(status="letter") & Q(letter__isnull=True)),
                name="inboundemail_letter_iff_status_letter",
            ),
        ]
        indexes = [
            models.Index(
                fields=["received_at", "id"],
                condition=Q(status__in=["received", "failed"]),
                name="inboundemail_triage_idx",
            ),
            models.Index(fields=["sender_email_hash"], name="inboundemail_sender_idx"),
            models.Index(
                fields=["received_at"],
                condition=Q(read_at__isnull=True),
                name="inboundemail_unread_idx",
            ),
        ]

    def __str__(self) -> str:
        return gettext("E-mail %(id)s (%(status)s)") % {
            "id": self.pk,
            "status": self.get_status_display(),
        }


class InboundAttachment(models.Model):
    """A file that came with an e-mail: a letter's document, or an image for the
    coordinator to read. Encrypted like the message."""

    email = models.ForeignKey(InboundEmail, on_delete=models.CASCADE, related_name="attachments")
    filename = EncryptedTextField()
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(default=0)
    content = EncryptedBinaryField(default=b"")
    text_extracted = models.BooleanField(default=False)
    unreadable = models.BooleanField(default=False)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"Attachment {self.pk} of e-mail {self.email_id}"

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
