"""Prisoners announce changes to what a letter to a prisoner needs; letters (a higher app)
listens and holds or releases letters without prisoners knowing letters exist. Sent after
commit, carrying the id only."""

from django.dispatch import Signal

# kwargs: prisoner_id. Sent when a prisoner gains a new address, goes into transit (этап), or
# has the «Кому» line's parts (the name in the dative, the year of birth) changed.
prisoner_addressee_changed = Signal()

# kwargs: prisoner_id, status. Sent when a prisoner is marked released or deceased: the letters
# still on their way to them are closed (letters.receivers).
prisoner_left_prison = Signal()
