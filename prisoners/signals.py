"""Prisoners announce address changes; letters (a higher app) listens and holds or releases
letters without prisoners knowing letters exist. Sent after commit, carrying the id only."""

from django.dispatch import Signal

# kwargs: prisoner_id. Sent when a prisoner gains a new address or goes into transit (этап).
prisoner_address_changed = Signal()
