"""Letters announces its transitions; higher apps (payments) listen without letters knowing
them. Sent after the transaction commits, carrying ids only."""

from django.dispatch import Signal

# kwargs: letter_id, action, from_status, to_status
letter_transitioned = Signal()
