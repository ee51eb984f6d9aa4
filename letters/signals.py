"""Letters announces its transitions; higher apps (payments) listen without letters knowing
them. Sent after the transaction commits, carrying ids only."""

from django.dispatch import Signal

# kwargs: letter_id, action, from_status, to_status
letter_transitioned = Signal()

# kwargs: letter_ids, reason ("supporter_erased" at the supporter's request, "texts_erased"
# after the retention period). Unlike the transition signal it is sent inside the erasing
# transaction, so what higher apps keep about these letters (the e-mail a letter came in) is
# erased in the same commit or not at all.
letters_erased = Signal()
