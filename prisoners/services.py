"""Changes to a prisoner's record and dated address history. Each is one transaction; the address
changes keep exactly one open address (``valid_until`` NULL). A change to what a letter needs
(the address, the «Кому» line's name in the dative and year of birth, whether the prisoner
accepts letters at the moment) is announced after commit,
so letters waiting on it can be held or released by the letters app. Each takes the acting user
and refuses (PermissionDenied, with a message fit to show) one who lacks the permission the
change needs."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta
from functools import partial

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import PrisonAddress, Prisoner
from .signals import prisoner_addressee_changed, prisoner_left_prison

# A Russian envelope's lines are read by Russian Post: a line with no Cyrillic letter in it
# ("Vladimir", "IK-2") was typed in transliteration.
CYRILLIC = re.compile("[А-Яа-яЁё]")

PERM_ADD_ADDRESS = "prisoners.add_prisonaddress"
NEVER_IN_TRANSIT = (Prisoner.Status.RELEASED, Prisoner.Status.DECEASED)
# In transit closes the address and holds the prisoner's letters: a change to the prisoner.
PERM_MARK_IN_TRANSIT = "prisoners.change_prisoner"
# Released or deceased ends the address and closes the letters on their way: a change too.
PERM_MARK_LEFT_PRISON = "prisoners.change_prisoner"
LEFT_PRISON = NEVER_IN_TRANSIT
PERM_ADD_PRISONER = "prisoners.add_prisoner"
PERM_CHANGE_PRISONER = "prisoners.change_prisoner"
# The fields the envelope's «Кому» line is made of: a change to them may hold or release letters.
RECIPIENT_FIELDS = frozenset({"name_ru_dative", "birth_year", "has_no_patronymic"})
# The fields a change to which may hold or release letters: the «Кому» line's, and «accepts
# letters now» (unticked for someone still in prison: a transfer nobody can trace, a pause they
# asked for, a prison refusing letters).
HOLDING_FIELDS = RECIPIENT_FIELDS | {"accepts_letters"}


def _require(actor: User, perm: str, refusal: str | Promise) -> None:
    if not actor.has_perm(perm):
        raise PermissionDenied(refusal)


def _announce(prisoner_id: int) -> None:
    transaction.on_commit(
        partial(prisoner_addressee_changed.send_robust, sender=Prisoner, prisoner_id=prisoner_id)
    )


@transaction.atomic
def prisoner_save(*, prisoner: Prisoner, actor: User, changed_fields: Iterable[str]) -> Prisoner:
    """Save a prisoner added or edited in the admin (its form has validated the fields). A
    change to the «Кому» line's parts or to «accepts letters now» is announced after commit:
    letters held for an incomplete line, or while the prisoner accepted none, go back to
    approved once nothing holds them (and the address is known); a line that became incomplete,
    or «accepts letters now» unticked, holds the approved ones."""
    adding = prisoner.pk is None
    if adding:
        _require(actor, PERM_ADD_PRISONER, _("You are not allowed to add a prisoner."))
    else:
        _require(actor, PERM_CHANGE_PRISONER, _("You are not allowed to change a prisoner."))
    prisoner.name_ru_dative = prisoner.name_ru_dative.strip()
    prisoner.save()
    if not adding and HOLDING_FIELDS.intersection(changed_fields):
        _announce(prisoner.pk)
    return prisoner


def _close_open_address(prisoner: Prisoner, *, last_day: date) -> None:
    """End the open address on ``last_day`` (never before the day it began)."""
    current = (
        PrisonAddress.objects.select_for_update()
        .filter(prisoner=prisoner, valid_until__isnull=True)
        .first()
    )
    if current is not None:
        current.valid_until = max(last_day, current.valid_from)
        current.save(update_fields=["valid_until"])


@transaction.atomic
def prisoner_address_add(
    *,
    prisoner_id: int,
    actor: User,
    facility: str,
    street: str,
    city: str,
    postal_index: str,
    region: str = "",
    valid_from: date | None = None,
    source: str = "",
    status: str | None = None,
) -> PrisonAddress:
    """Record the prisoner's new address. The previous one ends the day before; a prisoner in
    transit is no longer (``status`` if given, else sentenced)."""
    _require(actor, PERM_ADD_ADDRESS, _("You are not allowed to record a prisoner's address."))
    prisoner = Prisoner.objects.select_for_update().get(pk=prisoner_id)
    valid_from = valid_from or timezone.localdate()
    postal_index = postal_index.strip()
    if not (len(postal_index) == 6 and postal_index.isdigit()):
        raise ValidationError({"postal_index": _("A Russian postal index is six digits.")})
    if not (facility.strip() and street.strip() and city.strip()):
        raise ValidationError(_("Facility, street and city are all needed for an envelope."))
    not_russian = {
        name: _("Write it in Russian, in Cyrillic letters, as it goes on the envelope.")
        for name, value in (("facility", facility), ("street", street), ("city", city))
        if not CYRILLIC.search(value)
    }
    if not_russian:
        raise ValidationError(not_russian)
    latest = PrisonAddress.objects.filter(prisoner=prisoner).order_by("-valid_from").first()
    if latest is not None and valid_from < latest.valid_from:
        # It would overlap the history (the last address squeezed to its first day), and a
        # mistyped year is the usual cause.
        raise ValidationError(
            {
                "valid_from": _("The new address cannot start before the last one did (%(day)s).")
                % {"day": date_format(latest.valid_from, "j E Y")}
            }
        )
    _close_open_address(prisoner, last_day=valid_from - timedelta(days=1))
    address = PrisonAddress.objects.create(
        prisoner=prisoner,
        facility=facility.strip(),
        street=street.strip(),
        city=city.strip(),
        region=region.strip(),
        postal_index=postal_index,
        valid_from=valid_from,
        source=source.strip(),
    )
    new_status = status or (
        Prisoner.Status.SENTENCED
        if prisoner.status == Prisoner.Status.IN_TRANSIT
        else prisoner.status
    )
    if new_status != prisoner.status:
        prisoner.status = new_status
        prisoner.save(update_fields=["status", "updated_at"])
    _announce(prisoner.pk)
    return address


@transaction.atomic
def prisoner_mark_in_transit(
    *, prisoner_id: int, actor: User, since: date | None = None
) -> Prisoner:
    """The prisoner is being moved (этап): the old address ends and letters wait."""
    _require(actor, PERM_MARK_IN_TRANSIT, _("You are not allowed to mark a prisoner in transit."))
    prisoner = Prisoner.objects.select_for_update().get(pk=prisoner_id)
    if prisoner.status in NEVER_IN_TRANSIT:
        raise ValidationError(_("A released or deceased person is not in transit."))
    since = since or timezone.localdate()
    _close_open_address(prisoner, last_day=since)
    if prisoner.status != Prisoner.Status.IN_TRANSIT:
        prisoner.status = Prisoner.Status.IN_TRANSIT
        prisoner.save(update_fields=["status", "updated_at"])
    _announce(prisoner.pk)
    return prisoner


@transaction.atomic
def prisoner_mark_left_prison(
    *, prisoner_id: int, actor: User, status: str, since: date | None = None
) -> bool:
    """The prisoner was released, or died: they accept no letters, the prison address ends
    (nobody may be sent there: not our post, not a supporter posting a returned letter), and,
    after commit, the letters still on their way to them are closed (letters listens). Returns
    whether anything changed; marking someone again with the same status announces it again,
    which closes whatever a lost task left open, and nothing twice."""
    _require(actor, PERM_MARK_LEFT_PRISON, _("You are not allowed to change a prisoner."))
    if status not in LEFT_PRISON:
        raise ValueError(status)
    prisoner = Prisoner.objects.select_for_update().get(pk=prisoner_id)
    if prisoner.status in LEFT_PRISON and prisoner.status != status:
        raise ValidationError(
            _("The status is already “%(status)s”.") % {"status": prisoner.get_status_display()}
        )
    changed = prisoner.status != status or prisoner.accepts_letters
    # Gone from that prison before the day they are marked: the address is nobody's today.
    _close_open_address(prisoner, last_day=(since or timezone.localdate()) - timedelta(days=1))
    if changed:
        prisoner.status = status
        prisoner.accepts_letters = False
        prisoner.save(update_fields=["status", "accepts_letters", "updated_at"])
    transaction.on_commit(
        partial(
            prisoner_left_prison.send_robust,
            sender=Prisoner,
            prisoner_id=prisoner.pk,
            status=status,
        )
    )
    return changed
